"""The service module package: unattended-customer alerts."""

from app.modules.registry import ModulePackage
from app.modules.service.events import EVENTS
from app.modules.service.settings import ServiceSettings

PACKAGE = ModulePackage(
    "service", "Customer service", ServiceSettings, "app.engine.service:build", EVENTS, order=50
)
