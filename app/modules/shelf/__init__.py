"""The shelf module package: empty-shelf gaps, restock time, alerts, lost-sales estimate (see docs/shelves.md)."""

from app.modules.registry import ModulePackage
from app.shelves.events import EVENTS
from app.shelves.settings import ShelfSettings

PACKAGE = ModulePackage(
    "shelf", "Shelf gaps", ShelfSettings, "app.shelves.module:build", EVENTS,
    sheets=("app.shelves.sheets:shelf_gaps", "app.shelves.sheets:shelf_gap_list"), order=80,
)  # fmt: skip
