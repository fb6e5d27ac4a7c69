"""The queue module package: queue length, waits, services, forecast, alerts."""

from app.modules.queue import events as ev
from app.modules.queue.settings import QueueSettings
from app.modules.registry import ModulePackage

EVENTS = (
    ev.QUEUE_SNAPSHOT,
    ev.QUEUE_WAIT,
    ev.QUEUE_ABANDON,
    ev.QUEUE_LOST,
    ev.QUEUE_SERVICE,
    ev.QUEUE_ALERT,
    ev.QUEUE_ALERT_END,
)
PACKAGE = ModulePackage(
    "queue", "Checkout queues", QueueSettings, "app.engine.queues:build", EVENTS, order=30
)
