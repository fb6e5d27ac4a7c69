"""The shelf module package: empty-shelf gaps, restock time, alerts, lost-sales estimate (see docs/shelves.md).

Its panel is the Shelves tab (:func:`app.gui.shelves_page.panel`); it runs before the plates and
faces packages but its tab comes after theirs (``panel_order``).
"""

from app.modules.registry import ModulePackage
from app.shelves.events import EVENTS
from app.shelves.settings import ShelfSettings

PACKAGE = ModulePackage(
    "shelf", "Shelf gaps", ShelfSettings, "app.shelves.module:build", EVENTS,
    sheets=("app.shelves.sheets:shelf_gaps", "app.shelves.sheets:shelf_gap_list"), order=80,
    panel="app.gui.shelves_page:panel", panel_order=96,
)  # fmt: skip
