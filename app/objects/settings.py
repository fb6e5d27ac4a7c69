"""Settings of the ``objects`` module: left and missing items."""

from __future__ import annotations

from pydantic import Field

from app.config_types import bounded, enabled_field, photos_field
from app.modules.registry import ModuleSettings


class ObjectsSettings(ModuleSettings):
    """Left items (a bag or object that stays after its owner went) and missing items (watch zones)."""

    enabled: bool = enabled_field(False, "Watch for left and missing objects.")
    left_after: float = bounded(
        60.0, 2.0, 86400.0, "Left after (s)", "An object still this long can be reported."
    )
    owner_gone: float = bounded(
        15.0, 0.0, 3600.0, "Owner away (s)",
        "…once the person it came with has been away this long (or it came with nobody).",
    )
    missing_after: float = bounded(
        30.0, 2.0, 86400.0, "Missing after (s)", "An item gone from a watch zone this long."
    )
    bag_classes: list[str] = Field(
        default_factory=lambda: ["backpack", "handbag", "suitcase"],
        title="Bag classes",
        description="Detector classes treated as items (add them to the camera's classes to detect them).",
    )
    ignore: list[list[tuple[float, float]]] = Field(
        default_factory=list,
        title="Ignore areas",
        description="Polygons (0–1 points) where nothing is reported (doors, displays, moving goods).",
    )
    threshold: float = bounded(
        32.0, 5.0, 200.0, "Difference", "Colour difference to the background that counts."
    )
    min_size: float = bounded(
        0.0004, 0.0, 0.5, "Smallest object", "Smallest object, as a share of the frame's area."
    )
    save_photos: bool = photos_field("Attach the object's and the owner's crops.")
