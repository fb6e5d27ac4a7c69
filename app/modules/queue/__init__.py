"""The queue module package: queue length, waits, services, forecast, alerts."""

from app.modules.queue.events import EVENTS
from app.modules.queue.settings import QueueSettings
from app.modules.registry import ModulePackage

PACKAGE = ModulePackage(
    "queue", "Checkout queues", QueueSettings, "app.engine.queues:build", EVENTS,
    sheets=("app.reports.sheets:queues", "app.reports.sheets:queue_by_hour", "app.reports.sheets:queue_alerts"),
    order=30,
)  # fmt: skip
