"""The service module package: unattended-customer alerts. Its settings are still in app.config."""

from app.modules.registry import ModulePackage
from app.modules.service import events as ev

EVENTS = (
    ev.SERVICE_ALERT,
    ev.SERVICE_ALERT_END,
    ev.SERVICE_UNATTENDED,
)
PACKAGE = ModulePackage("service", "Customer service", None, "app.engine.service:build", EVENTS, order=50)
