"""Multi-object tracking: Ultralytics' ByteTrack / BoT-SORT fed with our :class:`Detections`.

The trackers count in frames; StoreSight configures them in seconds and converts with the
rate at which detections arrive (camera fps / detection stride).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from analytics.types import Detections


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    """Tracker thresholds (see Ultralytics' ``bytetrack.yaml``), with the buffer in seconds.

    Attributes:
        type: ``"bytetrack"`` or ``"botsort"``.
        track_high_thresh: first-association score threshold.
        track_low_thresh: second-association score threshold.
        new_track_thresh: score needed to start a new track.
        track_buffer: seconds a lost track may be re-found.
        match_thresh: matching cost gate.
        fuse_score: fuse detection score into the IoU cost.
    """

    type: str = "bytetrack"
    track_high_thresh: float = 0.35
    track_low_thresh: float = 0.1
    new_track_thresh: float = 0.4
    track_buffer: float = 3.0
    match_thresh: float = 0.8
    fuse_score: bool = True


class _BoxesView:
    """The duck-typed ``Boxes`` that Ultralytics' trackers read (conf, cls, xywh, bool indexing)."""

    __slots__ = ("cls", "conf", "xywh", "xyxy")

    def __init__(self, xyxy: np.ndarray, xywh: np.ndarray, conf: np.ndarray, cls: np.ndarray) -> None:
        self.xyxy = xyxy
        self.xywh = xywh
        self.conf = conf
        self.cls = cls

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, idx: np.ndarray) -> _BoxesView:
        return _BoxesView(self.xyxy[idx], self.xywh[idx], self.conf[idx], self.cls[idx])


class Tracker:
    """Assigns stable track ids to detections frame by frame.

    Args:
        settings: thresholds; ``track_buffer`` in seconds.
        rate: detections per second arriving at the tracker (fps / stride).

    Example:
        >>> t = Tracker(TrackerSettings(), rate=10.0)
        >>> d = Detections(xyxy=[[10, 10, 50, 120]], confidence=[0.9], class_id=[0])
        >>> int(t.update(d).tracker_id[0]) >= 1
        True
    """

    def __init__(self, settings: TrackerSettings, rate: float) -> None:
        from ultralytics.trackers.bot_sort import BOTSORT
        from ultralytics.trackers.byte_tracker import BYTETracker

        self.settings = settings
        frames = max(1, round(settings.track_buffer * max(rate, 0.1)))
        args = SimpleNamespace(
            tracker_type=settings.type,
            track_high_thresh=settings.track_high_thresh,
            track_low_thresh=settings.track_low_thresh,
            new_track_thresh=settings.new_track_thresh,
            track_buffer=frames,
            match_thresh=settings.match_thresh,
            fuse_score=settings.fuse_score,
            # BoT-SORT extras: no ReID model (it would need downloads), sparse optical flow GMC.
            gmc_method="sparseOptFlow",
            proximity_thresh=0.5,
            appearance_thresh=0.8,
            with_reid=False,
            model="auto",
        )
        if settings.type == "botsort":
            self._impl = BOTSORT(args)
        else:
            self._impl = BYTETracker(args)

    def update(self, dets: Detections, image: np.ndarray | None = None) -> Detections:
        """Track one frame's detections.

        Args:
            dets: this frame's detections (tracker_id ignored).
            image: the BGR frame (used by BoT-SORT's motion compensation only).

        Returns:
            The detections that belong to confirmed tracks, with ``tracker_id`` set and the
            detector's own boxes (not the Kalman-smoothed ones); keypoints carried along.
        """
        xyxy = dets.xyxy.astype(np.float32)
        xywh = np.empty_like(xyxy)
        xywh[:, 0] = (xyxy[:, 0] + xyxy[:, 2]) / 2
        xywh[:, 1] = (xyxy[:, 1] + xyxy[:, 3]) / 2
        xywh[:, 2] = xyxy[:, 2] - xyxy[:, 0]
        xywh[:, 3] = xyxy[:, 3] - xyxy[:, 1]
        view = _BoxesView(xyxy, xywh, dets.confidence.astype(np.float32), dets.class_id.astype(np.float32))
        out = self._impl.update(view, image if self.settings.type == "botsort" else None)
        if out is None or len(out) == 0:
            return Detections.empty()
        out = np.asarray(out)
        idx = out[:, 7].astype(np.int64)
        tracked = dets[idx]
        tracked.tracker_id = out[:, 4].astype(np.int64)
        return tracked

    def reset(self) -> None:
        """Forget all tracks (e.g. after a long reconnect); ids keep increasing."""
        self._impl.tracked_stracks.clear()
        self._impl.lost_stracks.clear()
        self._impl.removed_stracks.clear()
