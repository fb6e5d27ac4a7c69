"""Settings of the tracks module (``cameras[].modules.tracks``)."""

from __future__ import annotations

from pydantic import Field

from app.config_types import DetectionSettings


class TracksSettings(DetectionSettings):
    """Records every track (first/last seen, path) and its start/end events with a crop."""

    enabled: bool = Field(True, title="Enabled", description="Record tracks and their crops.")
    min_frames: int = Field(
        3,
        ge=1,
        le=1000,
        title="Minimum frames",
        description="A track seen in fewer frames is treated as noise and not stored.",
    )
    save_crops: bool = Field(True, title="Save crops", description="Store a JPEG crop of each track.")
    path_interval: float = Field(
        0.5,
        ge=0.0,
        le=60.0,
        title="Path sample interval (s)",
        description="Store the track's position at most this often (seconds).",
    )
