"""The queue module package: queue length, waits, services, forecast, alerts. Its settings are still in app.config."""

from app.modules.queue import events as ev
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
PACKAGE = ModulePackage("queue", "Checkout queues", None, "app.engine.queues:build", EVENTS, order=30)
