"""Settings of the tracks module (``cameras[].modules.tracks``)."""

from __future__ import annotations

from pydantic import Field

from app.config_types import DetectionSettings, bounded, enabled_field


class TracksSettings(DetectionSettings):
    """Records every track (first/last seen, path) and its start/end events with a crop."""

    enabled: bool = enabled_field(True, "Record tracks and their crops.")
    min_frames: int = bounded(
        3, 1, 1000, "Minimum frames", "A track seen in fewer frames is treated as noise and not stored."
    )
    save_crops: bool = Field(True, title="Save crops", description="Store a JPEG crop of each track.")
    path_interval: float = bounded(
        0.5, 0.0, 60.0, "Path sample interval (s)", "Store the track's position at most this often (seconds)."
    )
