"""Settings of the ``shelf`` module (one camera's shelf zones)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.config_types import StrictModel, bounded, enabled_field, photos_field
from app.modules.registry import ModuleSettings


class ShelfZoneSettings(StrictModel):
    """One shelf zone's layout and its pictures (zones of type ``shelf`` drawn as 4 corners TL, TR, BR, BL)."""

    rows: int = bounded(1, 1, 12, "Rows", "Shelf boards inside the zone, top to bottom.")
    columns: int = bounded(4, 1, 24, "Segments per row", "Facings/segments each row is split into.")
    reference: str | None = Field(
        None,
        title="Full reference",
        description="Picture of this camera with the shelf full and nobody in front (PNG/JPEG). "
        "Default: captured automatically from the first frame with nobody in front.",
    )
    empty_example: str | None = Field(
        None,
        title="Empty example",
        description="Picture of this camera with the shelf (or part of it) empty: the back panel's colour is "
        "learnt from it. Optional.",
    )
    basket_value: float = bounded(
        0.0, 0.0, None, "Purchase value", "Value of one purchase from this shelf (your estimate)."
    )
    conversion: float = bounded(
        0.0, 0.0, 1.0, "Conversion",
        "Share of shoppers passing the shelf who buy from it (your estimate, 0–1).",
    )


class ShelfSettings(ModuleSettings):
    """Shelf gaps: how empty each segment of the camera's shelf zones is, gaps over minutes, restock time."""

    enabled: bool = enabled_field(False, "Measure the camera's shelf zones.")
    backend: Literal["auto", "classical", "yolo"] = Field(
        "auto",
        title="Backend",
        description="auto: a YOLO products/gaps model (shelf.pt) from the model folder when present, else "
        "the built-in classical meter.",
    )
    interval: float = bounded(3.0, 0.2, 600.0, "Measure every (s)", "Seconds between two measurements.")
    gap_on: float = bounded(
        0.5, 0.0, 1.0, "Gap at", "Empty fraction at or above which a segment has a gap.", open_lo=True
    )
    gap_off: float = bounded(
        0.3, 0.0, 1.0, "Refilled at", "Empty fraction at or below which it is refilled.", open_hi=True
    )
    confirm: float = bounded(120.0, 0.0, 7200.0, "Confirm (s)", "A gap must last this long before it counts.")
    clear: float = bounded(60.0, 0.0, 7200.0, "Refill confirm (s)", "Refilled this long before it counts.")
    alert_after: float = bounded(
        600.0, 0.0, 86400.0, "Alert after (s)", "Alert when a gap stays open this long (0: never)."
    )
    zones: dict[str, ShelfZoneSettings] = Field(
        default_factory=dict,
        title="Shelf zones",
        description="Per shelf zone id: rows, segments, reference pictures, purchase value and conversion.",
    )
    save_photos: bool = photos_field("Attach the frame with the gap outlined.")
