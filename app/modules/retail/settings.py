"""Settings of the retail module package: ``cameras[].modules.footfall``, ``zones``, ``visits``, ``heatmap``."""

from __future__ import annotations

from pydantic import Field

from app.modules.registry import ModuleSettings


class FootfallSettings(ModuleSettings):
    """In/out counts on the camera's lines (entrance lines and counting lines)."""

    enabled: bool = Field(True, title="Enabled", description="Count line crossings.")
    min_distance: float = Field(
        0.02,
        ge=0.0,
        le=0.5,
        title="Side distance",
        description="How far from the line (share of the frame height) a person must be to count as on a side; "
        "jitter on the line never counts.",
    )
    min_frames: int = Field(
        2,
        ge=1,
        le=100,
        title="Confirm frames",
        description="Consecutive frames on the new side before a crossing counts.",
    )
    save_crops: bool = Field(
        True, title="Save crops", description="Attach a photo of the person to each crossing."
    )


class ZonesSettings(ModuleSettings):
    """Enter/exit, occupancy and dwell time in the camera's polygon zones."""

    enabled: bool = Field(True, title="Enabled", description="Track presence in zones.")
    min_frames: int = Field(
        3,
        ge=1,
        le=100,
        title="Inertia (frames)",
        description="Consecutive frames inside (outside) before an enter (exit) counts, so a flickering box "
        "does not double count.",
    )
    min_seconds: float = Field(
        0.0, ge=0.0, le=60.0, title="Inertia (s)", description="Minimum time span of those frames."
    )
    lost_timeout: float = Field(
        2.0,
        gt=0.0,
        le=120.0,
        title="Lost after (s)",
        description="A person unseen this long has left the zone.",
    )


class VisitsSettings(ModuleSettings):
    """Store visits: entering to leaving, time in store, zones in order."""

    enabled: bool = Field(True, title="Enabled", description="Build visits from tracks.")
    join_seconds: float = Field(
        2.0,
        ge=0.0,
        le=60.0,
        title="Join gap (s)",
        description="Longest gap of an ID switch that is joined into one visit.",
    )
    join_distance: float = Field(
        0.15,
        ge=0.0,
        le=1.0,
        title="Join distance",
        description="Farthest jump (share of the frame height) of an ID switch that is joined.",
    )
    min_duration: float = Field(
        1.0, ge=0.0, le=3600.0, title="Minimum visit (s)", description="Shorter visits are noise."
    )


class HeatmapSettings(ModuleSettings):
    """Time spent per place, accumulated per hour."""

    enabled: bool = Field(True, title="Enabled", description="Accumulate a heatmap.")
    cell: int = Field(
        8, ge=2, le=64, title="Cell (px)", description="Grid cell side in pixels of the analysed frame."
    )
    max_dt: float = Field(
        1.0, gt=0.0, le=10.0, title="Max step (s)", description="A gap longer than this adds no more time."
    )
