"""The queue module package: queue length, waits, services, forecast, alerts."""

from app.modules.queue.events import EVENTS
from app.modules.queue.settings import QueueSettings
from app.modules.registry import ModulePackage

PACKAGE = ModulePackage(
    "queue", "Checkout queues", QueueSettings, "app.engine.queues:build", EVENTS, order=30
)
