"""Settings of the ``shelf`` module (one camera's shelf zones)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.modules.registry import ModuleSettings


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ShelfZoneSettings(_Model):
    """One shelf zone's layout and its pictures (zones of type ``shelf`` drawn as 4 corners TL, TR, BR, BL)."""

    rows: int = Field(1, ge=1, le=12, title="Rows", description="Shelf boards inside the zone, top to bottom.")
    columns: int = Field(
        4, ge=1, le=24, title="Segments per row", description="Facings/segments each row is split into."
    )
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
    basket_value: float = Field(
        0.0, ge=0.0, title="Purchase value", description="Value of one purchase from this shelf (your estimate)."
    )
    conversion: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        title="Conversion",
        description="Share of shoppers passing the shelf who buy from it (your estimate, 0–1).",
    )


class ShelfSettings(ModuleSettings):
    """Shelf gaps: how empty each segment of the camera's shelf zones is, gaps over minutes, restock time."""

    enabled: bool = Field(False, title="Enabled", description="Measure the camera's shelf zones.")
    backend: Literal["auto", "classical", "yolo"] = Field(
        "auto",
        title="Backend",
        description="auto: a YOLO products/gaps model (shelf.pt) from the model folder when present, else "
        "the built-in classical meter.",
    )
    interval: float = Field(
        3.0, ge=0.2, le=600.0, title="Measure every (s)", description="Seconds between two measurements."
    )
    gap_on: float = Field(
        0.5, gt=0.0, le=1.0, title="Gap at", description="Empty fraction at or above which a segment has a gap."
    )
    gap_off: float = Field(
        0.3, ge=0.0, lt=1.0, title="Refilled at", description="Empty fraction at or below which it is refilled."
    )
    confirm: float = Field(
        120.0, ge=0.0, le=7200.0, title="Confirm (s)", description="A gap must last this long before it counts."
    )
    clear: float = Field(
        60.0, ge=0.0, le=7200.0, title="Refill confirm (s)", description="Refilled this long before it counts."
    )
    alert_after: float = Field(
        600.0, ge=0.0, le=86400.0, title="Alert after (s)", description="Alert when a gap stays open this long (0: never)."
    )
    zones: dict[str, ShelfZoneSettings] = Field(
        default_factory=dict,
        title="Shelf zones",
        description="Per shelf zone id: rows, segments, reference pictures, purchase value and conversion.",
    )
    save_photos: bool = Field(True, title="Save photos", description="Attach the frame with the gap outlined.")
