"""The queue module package: Queue length, waits, services, the forecast and queue alerts.

Its settings are still in :mod:`app.config` (``cameras[].modules``); its engine code in
:mod:`app.engine.queues`.
"""

from app.modules.queue.events import (
    QUEUE_ABANDON,
    QUEUE_ALERT,
    QUEUE_ALERT_END,
    QUEUE_LOST,
    QUEUE_SERVICE,
    QUEUE_SNAPSHOT,
    QUEUE_WAIT,
)
from app.modules.registry import ModulePackage

PACKAGE = ModulePackage(
    name="queue",
    title="Checkout queues",
    settings=None,
    build="app.engine.queues:build",
    events=(
        QUEUE_SNAPSHOT,
        QUEUE_WAIT,
        QUEUE_ABANDON,
        QUEUE_LOST,
        QUEUE_SERVICE,
        QUEUE_ALERT,
        QUEUE_ALERT_END,
    ),
    order=30,
)
