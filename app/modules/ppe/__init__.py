"""The PPE module package: helmet and hi-vis vest checks in PPE zones.

The checking itself is a stage after tracking (:mod:`app.engine.ppe_stage`), so the package
builds no per-frame module; it brings the settings (``cameras[].modules.ppe``), the event types
and the report sheet.
"""

from app.modules.ppe.events import EVENTS
from app.modules.ppe.settings import PpeSettings
from app.modules.registry import ModulePackage

PACKAGE = ModulePackage(
    "ppe",
    "PPE (helmet, vest)",
    PpeSettings,
    None,
    EVENTS,
    sheets=("app.modules.ppe.sheets:ppe_sheet",),
    order=95,
)
