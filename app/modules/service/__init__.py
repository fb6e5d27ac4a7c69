"""The service module package: unattended-customer alerts."""

from app.modules.registry import ModulePackage
from app.modules.service import events as ev
from app.modules.service.settings import ServiceSettings

EVENTS = (
    ev.SERVICE_ALERT,
    ev.SERVICE_ALERT_END,
    ev.SERVICE_UNATTENDED,
)
PACKAGE = ModulePackage(
    "service", "Customer service", ServiceSettings, "app.engine.service:build", EVENTS, order=50
)
