"""The objects module package: items left behind and items missing from watch zones (see docs/shelves.md)."""

from app.modules.registry import ModulePackage
from app.objects.events import EVENTS
from app.objects.settings import ObjectsSettings

PACKAGE = ModulePackage(
    "objects", "Left and missing items", ObjectsSettings, "app.objects.module:build", EVENTS,
    sheets=("app.shelves.sheets:left_items",), order=85,
)  # fmt: skip
