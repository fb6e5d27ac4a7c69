"""The roles module package: the role stage's decisions (a stage: no module to build) and the staff timesheet sheet.

Its settings are the site's ``roles`` section (:class:`~app.modules.roles.settings.RolesConfig`):
one setup for every camera, so the package declares no ``cameras[].modules`` section. It builds
no module, so its ``order`` only places its report sheet: the staff timesheet comes after the
queue sheets and before the behaviour ones (queue 30 < 32 < behaviour 40). The role stage itself
runs right after tracking whatever this number says (:mod:`app.engine.stages`).
"""

from app.modules.registry import ModulePackage
from app.modules.roles.events import EVENTS

PACKAGE = ModulePackage(
    "roles", "Staff and customers", None, None, EVENTS, sheets=("app.reports.sheets:staff_timesheet",), order=32
)
