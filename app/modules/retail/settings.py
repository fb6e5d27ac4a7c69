"""Settings of the retail module package: ``cameras[].modules.footfall``, ``zones``, ``visits``, ``heatmap``."""

from __future__ import annotations

from pydantic import Field

from app.config_types import bounded, enabled_field
from app.modules.registry import ModuleSettings


class FootfallSettings(ModuleSettings):
    """In/out counts on the camera's lines (entrance lines and counting lines)."""

    enabled: bool = enabled_field(True, "Count line crossings.")
    min_distance: float = bounded(
        0.02, 0.0, 0.5, "Side distance",
        "How far from the line (share of the frame height) a person must be to count as on a side; "
        "jitter on the line never counts.",
    )
    min_frames: int = bounded(
        2, 1, 100, "Confirm frames", "Consecutive frames on the new side before a crossing counts."
    )
    save_crops: bool = Field(
        True, title="Save crops", description="Attach a photo of the person to each crossing."
    )


class ZonesSettings(ModuleSettings):
    """Enter/exit, occupancy and dwell time in the camera's polygon zones."""

    enabled: bool = enabled_field(True, "Track presence in zones.")
    min_frames: int = bounded(
        3, 1, 100, "Inertia (frames)",
        "Consecutive frames inside (outside) before an enter (exit) counts, so a flickering box "
        "does not double count.",
    )
    min_seconds: float = bounded(0.0, 0.0, 60.0, "Inertia (s)", "Minimum time span of those frames.")
    lost_timeout: float = bounded(
        2.0, 0.0, 120.0, "Lost after (s)", "A person unseen this long has left the zone.", open_lo=True
    )


class VisitsSettings(ModuleSettings):
    """Store visits: entering to leaving, time in store, zones in order."""

    enabled: bool = enabled_field(True, "Build visits from tracks.")
    join_seconds: float = bounded(
        2.0, 0.0, 60.0, "Join gap (s)", "Longest gap of an ID switch that is joined into one visit."
    )
    join_distance: float = bounded(
        0.15, 0.0, 1.0, "Join distance",
        "Farthest jump (share of the frame height) of an ID switch that is joined.",
    )
    min_duration: float = bounded(1.0, 0.0, 3600.0, "Minimum visit (s)", "Shorter visits are noise.")


class HeatmapSettings(ModuleSettings):
    """Time spent per place, accumulated per hour."""

    enabled: bool = enabled_field(True, "Accumulate a heatmap.")
    cell: int = bounded(8, 2, 64, "Cell (px)", "Grid cell side in pixels of the analysed frame.")
    max_dt: float = bounded(
        1.0, 0.0, 10.0, "Max step (s)", "A gap longer than this adds no more time.", open_lo=True
    )
