"""The faces module package: settings, event types and the Faces report sheet.

Faces are found, embedded and matched by a stage after tracking (:mod:`app.engine.faces_stage`), so
the package builds no per-frame module. Employees' faces, consent and erasure: :mod:`app.faces.gallery`.
"""

from app.modules.faces.events import EVENTS
from app.modules.faces.settings import FacesSettings
from app.modules.registry import ModulePackage

PACKAGE = ModulePackage(
    "faces", "Faces", FacesSettings, None, EVENTS, sheets=("app.reports.faces_sheets:faces",),
    panel="app.gui.faces_page:panel", order=95,
)
