"""The service module package: Alerts when a customer waits in a department with no staff near.

Its settings are still in :mod:`app.config` (``cameras[].modules``); its engine code in
:mod:`app.engine.service`.
"""

from app.modules.registry import ModulePackage
from app.modules.service.events import SERVICE_ALERT, SERVICE_ALERT_END, SERVICE_UNATTENDED

PACKAGE = ModulePackage(
    name="service",
    title="Customer service",
    settings=None,
    build="app.engine.service:build",
    events=(
        SERVICE_ALERT,
        SERVICE_ALERT_END,
        SERVICE_UNATTENDED,
    ),
    order=50,
)
