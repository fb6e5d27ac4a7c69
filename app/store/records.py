"""Plain records the engine hands to the store writer (no SQLAlchemy here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PhotoRecord:
    """A crop (or full frame) attached to an event.

    Attributes:
        jpeg: encoded JPEG bytes.
        kind: ``"crop"`` or ``"frame"``.
        box: the box in the source frame (x1, y1, x2, y2) the crop came from, if any.
    """

    jpeg: bytes
    kind: str = "crop"
    box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True, slots=True)
class EventRecord:
    """Something of interest that happened: a line crossing, a zone visit, a queue alert.

    Attributes:
        camera_id: config id of the camera.
        ts: event time (epoch seconds).
        module: the module that produced it (``"tracks"``, ``"footfall"``, ...).
        type: event type within the module (``"enter"``, ``"track_start"``, ...).
        track_id: the track's id within the camera run, if the event is about a track.
        zone_id: config id of the zone or line, if any.
        payload: JSON-serialisable details (numbers, names, durations).
        photos: crops to store as files under the data folder.
        ts_end: end time for events that are intervals (dwell), else None.
    """

    camera_id: str
    ts: float
    module: str
    type: str
    track_id: int | None = None
    zone_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    photos: tuple[PhotoRecord, ...] = ()
    ts_end: float | None = None


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """Summary of one tracked object, upserted as it grows.

    Attributes:
        camera_id: config id of the camera.
        track_id: tracker id, unique within one run of one camera.
        class_id: COCO class id.
        first_ts: first time seen.
        last_ts: last time seen.
        frames: number of frames it was detected in.
        role: ``"customer"``, ``"staff"`` or ``"unknown"``.
        role_confidence: 0..1.
        path: optional list of (ts, x, y) anchor samples, pixel coordinates.
        employee_id: the employee the track was identified as (staff only), if any.
    """

    camera_id: str
    track_id: int
    class_id: int
    first_ts: float
    last_ts: float
    frames: int
    role: str = "unknown"
    role_confidence: float = 0.0
    path: tuple[tuple[float, float, float], ...] = ()
    employee_id: int | None = None


@dataclass(frozen=True, slots=True)
class HeatmapRecord:
    """Seconds spent per grid cell of one camera during one hour, for one role.

    Attributes:
        camera_id: config id of the camera.
        hour_ts: start of the hour (epoch seconds, a multiple of 3600).
        role: ``"customer"``, ``"staff"``, ``"unknown"``.
        width: analysed frame width in pixels.
        height: analysed frame height in pixels.
        cell: grid cell side in pixels.
        grid: float32 seconds per cell, shape (ceil(height/cell), ceil(width/cell)), as bytes
            (``numpy.ndarray.tobytes()``, C order).
    """

    camera_id: str
    hour_ts: float
    role: str
    width: int
    height: int
    cell: int
    grid: bytes


@dataclass(frozen=True, slots=True)
class BackgroundRecord:
    """A picture of one camera's view without people (a median of sampled frames), for heatmaps.

    Attributes:
        camera_id: config id of the camera.
        ts: time of the newest frame it was made from (epoch seconds).
        jpeg: the encoded picture; it may be downscaled from the frame size.
        width: width in pixels of the analysed frames it stands for (the heatmap's frame width).
        height: height in pixels of the analysed frames.
        samples: how many frames it is the median of.
        first_ts: time of the oldest of those frames, if known.
    """

    camera_id: str
    ts: float
    jpeg: bytes
    width: int
    height: int
    samples: int = 0
    first_ts: float | None = None
