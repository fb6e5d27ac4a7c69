"""The licence-plate module package: settings, event types and the Parking report sheet.

The reading itself is a stage after tracking (:mod:`app.engine.plates_stage`), so the package
builds no per-frame module.
"""

from app.modules.plates.events import EVENTS
from app.modules.plates.settings import PlatesSettings
from app.modules.registry import ModulePackage

PACKAGE = ModulePackage(
    "plates",
    "Licence plates",
    PlatesSettings,
    None,
    EVENTS,
    sheets=("app.reports.parking_sheets:parking",),
    panel="app.gui.plates_page:panel",
    order=90,
)
