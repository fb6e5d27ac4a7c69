"""Analytics modules plugged into a camera pipeline.

A module sees every analysed frame with its tracked detections and returns records for
the store (:class:`EventRecord`, :class:`TrackRecord`). Modules adapt the pure analytics in
``analytics/`` to the application: they add crops, ids and payloads. This file ships the
plugin interface and the ``tracks`` module that records every track.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import cv2
import numpy as np

from analytics.roles import RoleMap
from analytics.tracks import UNKNOWN_ROLE, hidden_mask, roles_in
from analytics.types import Detections, Frame, expand_boxes
from app.config import CameraConfig, DetectionSettings, SiteConfig
from app.engine.mainstream import MAIN_PICTURE_WITHIN, hires_crop
from app.modules.tracks.events import TRACK_END, TRACK_START
from app.modules.tracks.settings import TracksSettings
from app.store.records import BackgroundRecord, EventRecord, HeatmapRecord, PhotoRecord, TrackRecord

if TYPE_CHECKING:
    from app.engine.site_feed import SiteFeed

Record = EventRecord | TrackRecord | HeatmapRecord | BackgroundRecord


@dataclass(slots=True)
class CameraContext:
    """What a module knows about its camera.

    Attributes:
        site: the whole site config.
        camera: this camera's config.
        detection: effective confidence/classes/box expansion for this camera.
        lost_after: seconds without a sighting after which a track is over.
        feed: the site's shared signals (store entries) — see :mod:`app.engine.site_feed`;
            None: modules that need it make a private one.
        data_dir: the data folder the run writes to (modules that keep files there, e.g. the
            shelf references); None: keep nothing on disk.
    """

    site: SiteConfig
    camera: CameraConfig
    detection: DetectionSettings
    lost_after: float = 3.0
    feed: SiteFeed | None = None
    data_dir: Path | None = None


class Module(ABC):
    """An analytics module of one camera.

    Subclasses set ``name`` and implement :meth:`process`; :meth:`close` flushes open state
    at the end of the video or on shutdown. What the stages found is on the detections:
    ``dets.keypoints``, ``dets.data["role"]`` and the role stage's map of every open track
    ``dets.metadata["roles"]`` (:func:`analytics.tracks.roles_in`; the analytics read it
    themselves, so customer numbers exclude staff).

    A module that follows positions sets ``sees_hidden``: it then also gets the tracks the identity lag
    found hidden behind someone in this frame (interpolated boxes, ``data["hidden"]``, confidence 0; no
    photo is cut from them). The others get the tracker's boxes only.

    Example:
        >>> class Count(Module):
        ...     name = "count"
        ...     def process(self, frame, dets):
        ...         return []
    """

    name: ClassVar[str] = ""
    #: whether :meth:`process` also gets the hidden tracks' interpolated boxes
    sees_hidden: ClassVar[bool] = False

    def __init__(self, ctx: CameraContext) -> None:
        self.ctx = ctx

    @abstractmethod
    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Handle one analysed frame; ``dets`` carry tracker ids and what the stages added."""

    def close(self, ts: float) -> list[Record]:
        """End of stream at time ``ts``: close whatever is open."""
        return []

    def crop(self, frame: Frame, dets: Detections, i: int) -> tuple[PhotoRecord, ...]:
        """The photo of detection ``i``, grown by the camera's ``box_expand`` (see :func:`box_crop`).

        Empty (no photo) for a hidden track's interpolated box: its pixels show whoever hides them.
        """
        if hidden_mask(dets)[i]:
            return ()
        return box_crop(frame, dets.xyxy[i], self.ctx.detection.box_expand or 0.0)


def encode_crop(
    image: np.ndarray, box: np.ndarray, *, max_side: int = 320, quality: int = 85
) -> PhotoRecord | None:
    """Cut a box out of a frame and encode it as JPEG (downscaled to ``max_side``).

    Args:
        image: BGR frame.
        box: (4,) x1 y1 x2 y2 in pixels, already expanded/clipped.
        max_side: longest side of the stored crop.
        quality: JPEG quality.

    Returns:
        The photo record, or None for an empty box.
    """
    x1, y1, x2, y2 = (round(float(v)) for v in box)
    crop = image[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)]
    if crop.size == 0:
        return None
    h, w = crop.shape[:2]
    scale = max_side / max(h, w)
    if scale < 1:
        crop = cv2.resize(
            crop, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA
        )
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        return None
    return PhotoRecord(jpeg=buf.tobytes(), kind="crop", box=(float(x1), float(y1), float(x2), float(y2)))


def box_crop(frame: Frame, box: np.ndarray, expand: float) -> tuple[PhotoRecord, ...]:
    """The event photo of one box: grown by ``expand`` of its size (clipped to the frame), as JPEG.

    The one crop helper of every module (the config's ``box_expand``, so a crop does not cut a
    face or a plate).

    Returns:
        ``(photo,)``, or ``()`` for an empty box.

    Example:
        >>> f = Frame("c", 0, 0.0, np.zeros((40, 40, 3), np.uint8))
        >>> [p.box for p in box_crop(f, np.array([10, 10, 20, 30]), 0.1)], box_crop(f, np.zeros(4), 0.0)
        ([(9.0, 8.0, 21.0, 32.0)], ())
    """
    grown = expand_boxes(np.asarray(box, dtype=np.float32)[None], expand, frame.width, frame.height)[0]
    hires = hires_crop(frame.camera_id, (frame.width, frame.height), grown, MAIN_PICTURE_WITHIN, at=frame.ts)
    if hires is not None:  # the camera's main stream (its substream is analysed): the sharper photo
        crop = encode_crop(hires[0], hires[1])
        if crop is not None:  # the box stays in the analysed frame's pixels
            return (dataclasses.replace(crop, box=tuple(float(v) for v in grown)),)
    crop = encode_crop(frame.image, grown)
    return (crop,) if crop else ()


@dataclass(slots=True)
class _TrackState:
    track_id: int
    class_id: int
    class_name: str
    first_ts: float
    last_ts: float
    frames: int = 0
    started: bool = False
    last_path_ts: float = -1e18
    path: deque[tuple[float, float, float]] = field(default_factory=lambda: deque(maxlen=2000))
    best_conf: float = 0.0


class TracksRecorder(Module):
    """Records every track: start and end events, a crop, and a :class:`TrackRecord`.

    A ``track_start`` event carries a crop, a ``track_end`` event the duration, and the
    track record first/last seen, frames and the sampled path.

    A track seen in fewer than ``min_frames`` frames is noise and leaves no trace. The record
    carries the track's final role, its confidence and its employee from the role stage.
    """

    name = "tracks"
    sees_hidden = True

    def __init__(self, ctx: CameraContext, settings: TracksSettings) -> None:
        super().__init__(ctx)
        self.settings = settings
        self._tracks: dict[int, _TrackState] = {}
        self._roles: Mapping[int, str] | None = None
        self.finished = 0

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Update tracks with this frame, emit starts, and end tracks not seen for a while."""
        roles = roles_in(dets)
        if roles is not None:
            self._roles = roles  # kept for close(): the role stage's decisions of every open track
        out: list[Record] = []
        ts = frame.ts
        anchors = dets.anchors()
        names = dets.names()
        hidden = hidden_mask(dets)
        for i, tid in enumerate(dets.tracker_id.tolist()):
            if tid < 0:
                continue
            st = self._tracks.get(tid)
            if st is None:
                st = _TrackState(tid, int(dets.class_id[i]), str(names[i]), ts, ts)
                self._tracks[tid] = st
            st.last_ts = ts
            st.frames += 1
            st.best_conf = max(st.best_conf, float(dets.confidence[i]))
            if ts - st.last_path_ts >= self.settings.path_interval:
                st.path.append((round(ts, 3), round(float(anchors[i, 0]), 1), round(float(anchors[i, 1]), 1)))
                st.last_path_ts = ts
            if not st.started and st.frames >= self.settings.min_frames and not hidden[i]:
                st.started = True
                photos = self.crop(frame, dets, i) if self.settings.save_crops else ()
                out.append(
                    TRACK_START.record(
                        frame.camera_id,
                        st.first_ts,
                        track_id=tid,
                        payload={
                            "class": st.class_name,
                            "confidence": round(float(dets.confidence[i]), 3),
                        },
                        photos=photos,
                    )
                )
        stale = [t for t, s in self._tracks.items() if ts - s.last_ts > self.ctx.lost_after]
        for tid in stale:
            out.extend(self._end(self._tracks.pop(tid), frame.camera_id))
        return out

    def _end(self, st: _TrackState, camera_id: str) -> list[Record]:
        if not st.started:
            return []
        self.finished += 1
        role, confidence, employee = UNKNOWN_ROLE, 0.0, None
        decision = self._roles.decision(st.track_id) if isinstance(self._roles, RoleMap) else None
        if decision is not None:
            role, confidence, employee = decision.role, decision.confidence, decision.employee_id
        elif self._roles is not None:
            role = self._roles.get(st.track_id, UNKNOWN_ROLE)
        rec = TrackRecord(
            camera_id=camera_id,
            track_id=st.track_id,
            class_id=st.class_id,
            first_ts=st.first_ts,
            last_ts=st.last_ts,
            frames=st.frames,
            role=role,
            role_confidence=round(confidence, 4),
            path=tuple(st.path),
            employee_id=employee,
        )
        end = TRACK_END.record(
            camera_id,
            st.last_ts,
            track_id=st.track_id,
            payload={
                "class": st.class_name,
                "duration": round(st.last_ts - st.first_ts, 3),
                "frames": st.frames,
                "role": role,
            },
        )
        return [rec, end]

    def close(self, ts: float) -> list[Record]:
        """End every open track at its last sighting."""
        out: list[Record] = []
        for st in list(self._tracks.values()):
            out.extend(self._end(st, self.ctx.camera.id))
        self._tracks.clear()
        return out


def build_tracks(ctx: CameraContext) -> list[Module]:
    """The tracks module of a camera (the ``tracks`` package's build)."""
    m = ctx.camera.modules.tracks
    return [TracksRecorder(ctx, m)] if m.enabled else []


def build_modules(ctx: CameraContext) -> list[Module]:
    """Instantiate the modules enabled in the camera's config (every module package's, in order)."""
    from app.modules.registry import build_modules as from_packages

    return from_packages(ctx)
