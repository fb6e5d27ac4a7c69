"""Multi-object tracking: Ultralytics' ByteTrack / BoT-SORT fed with our :class:`Detections`.

The trackers count in frames; StoreSight configures them in seconds and converts with the
rate at which detections arrive (camera fps / detection stride).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

import numpy as np

from analytics.geometry import PolygonSet
from analytics.mot_eval import iou_matrix
from analytics.types import Detections

#: IoU between two boxes that puts them in one crowd (see :data:`CROWD_IOU`).
CROWD_IOU_DEFAULT = 0.3


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
        appearance: use the body-colour appearance cue (:mod:`models.appearance`): matching cost
            mixes IoU and appearance, a pair whose appearance differs too much is not matched, and a
            lost track is re-found by appearance near where it was lost (after occlusions, crossings).
        appearance_weight: share of the appearance distance in the matching cost (0..1).
        appearance_gate: appearance distance (1 - similarity) above which a track and a detection are
            never matched.
        relink_thresh: appearance distance below which a lost track is re-found by a detection that
            does not overlap its predicted box.
        depth_weight: occlusion order in crowds (appearance tracker): where boxes overlap (IoU > 0.3
            between two tracks or two detections), a detection whose bottom edge is off the track's
            predicted bottom edge costs this much more per body height. With a fixed camera looking
            down, the person in front reaches lower in the picture, so a track whose person is hidden
            does not take the box of the person in front of them (0 = off).
        drop_exited: (appearance tracker) a lost track whose predicted centre has left the picture is
            ended: that pass through the view is over, and someone entering at the same edge later is
            someone new (not re-found as that track).
        new_clear: (appearance tracker) a detection left over after association does not start a new
            track while it overlaps (IoU above this) the predicted box of a person being followed who is
            walking (see ``new_clear_speed``): in a crowd the detector's box of the person in front, or a
            box two people share, is left over when the followed track was kept off it for a frame
            (mixed colours); a new id there would be an ID switch, and the person is counted once they
            stand clear (0 = off).
        new_clear_speed: the rule above only holds next to a followed person moving faster than this
            (body heights per second, from the track's Kalman velocity). People standing in a queue
            overlap the person in front for minutes and must still get their own track; with the rule
            next to standing people too, the demo's checkout queue measured at most 1 person instead
            of 3 (0 = next to everyone).
        new_clear_lost: the rule also holds next to a walking person lost for at most this many seconds
            (their predicted box): someone hidden for a moment behind another is re-found instead of a new
            id starting where they are about to reappear (0 = followed people only).
        open_zones: polygons (vertices in 0–1 of the frame width/height) where the new-track rule does
            not hold: queues and checkout counters, where people stand or shuffle in line close behind
            each other (on the demo the queue's people walk slowly in line). A left-over detection
            whose bottom centre (the feet) is inside one starts a track as usual.
        static_after: (appearance tracker) seconds after which a track that has not moved since it
            began (its centre within ``static_move`` body heights of where it started) and whose
            detections score low on average (below ``static_conf``) is taken for a static false
            positive (a sign, a post, a mannequin): it is no longer reported as a person, and it may
            only take boxes over its own place (IoU ≥ 0.5 with where it began), so it cannot take the
            identity of someone walking past it (0 = off). People standing still are detected with
            higher scores, and someone who walked in and then stood still has moved since their
            track began; queue and counter zones (``open_zones``) are exempt.
        static_move: see ``static_after`` (body heights).
        static_conf: see ``static_after`` (mean detection score).
        people_classes: the class ids the new-track and static rules hold for (the detector's people);
            None = every class. Cars queueing at a barrier overlap like people in a crowd but must each
            get a track, and a parked car or a standing object is static by nature and stays reported.
    """

    type: str = "bytetrack"
    track_high_thresh: float = 0.35
    track_low_thresh: float = 0.1
    new_track_thresh: float = 0.4
    track_buffer: float = 3.0
    match_thresh: float = 0.8
    fuse_score: bool = True
    appearance: bool = False
    appearance_weight: float = 0.5
    appearance_gate: float = 0.15
    relink_thresh: float = 0.1
    depth_weight: float = 0.5
    drop_exited: bool = True
    new_clear: float = 0.3
    new_clear_speed: float = 0.1
    new_clear_lost: float = 0.5
    open_zones: tuple[tuple[tuple[float, float], ...], ...] = ()
    static_after: float = 2.0
    static_move: float = 0.25
    static_conf: float = 0.5
    people_classes: tuple[int, ...] | None = None


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


def _make_appearance_tracker_class() -> type:
    """BoT-SORT with our embedded appearance cue (defined lazily: Ultralytics is imported on use)."""
    from ultralytics.trackers.basetrack import TrackState
    from ultralytics.trackers.bot_sort import BOTSORT, BOTrack
    from ultralytics.trackers.utils import matching
    from ultralytics.trackers.utils.stracks import parse_bboxes

    from models.appearance import body_colour_features
    from models.mot_assign import assign

    def features(tracks: list[Any], attr: str) -> tuple[np.ndarray, np.ndarray]:
        dim = next((len(getattr(t, attr)) for t in tracks if getattr(t, attr) is not None), 1)
        f = np.zeros((len(tracks), dim), np.float32)
        have = np.zeros(len(tracks), bool)
        for i, t in enumerate(tracks):
            v = getattr(t, attr)
            if v is not None:
                f[i], have[i] = v, True
        return f, have

    def appearance_distance(tracks: list[Any], dets: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """1 - cosine similarity, and where it is known (both sides have a feature)."""
        tf, th = features(tracks, "smooth_feat")
        df, dh = features(dets, "curr_feat")
        known = th[:, None] & dh[None, :]
        if tf.shape[1] != df.shape[1]:
            return np.ones((len(tracks), len(dets)), np.float32), np.zeros((len(tracks), len(dets)), bool)
        return np.clip(1.0 - tf @ df.T, 0.0, 1.0), known

    class AppearanceTracker(BOTSORT):
        def __init__(self, args: SimpleNamespace, settings: TrackerSettings, rate: float) -> None:
            super().__init__(args)  # with_reid False: no encoder download
            self.args.with_reid = True
            self.args.model = "embedded-colour"  # not "auto": the frame is handed to our encoder
            self.encoder = self._encode
            self.settings = settings
            self.rate = max(rate, 0.1)
            self.detector_features = False
            self.open_zones = PolygonSet(settings.open_zones)
            #: track id -> [box where it began, frames seen still, score sum, moved since]
            self.still: dict[int, list[Any]] = {}
            self.static_ids: set[int] = set()
            self.gmc.method = None  # a fixed camera: no motion compensation (saves ~10 ms/frame)

        def _encode(self, img: np.ndarray, bboxes: np.ndarray) -> np.ndarray:
            return body_colour_features(img, _xywh_to_xyxy(bboxes[:, :4]))

        def init_track(self, results: Any, img: np.ndarray | None = None) -> list[Any]:
            if img is not None and img.ndim == 2:  # the detector's own features (YOLO ``data["reid"]``)
                self.detector_features = True
                dets = [
                    BOTrack(xywh, s, c, f)
                    for xywh, s, c, f in zip(
                        parse_bboxes(results), results.conf, results.cls, img, strict=True
                    )
                ]
            elif (
                img is not None and len(results) and bool((results.conf < self.args.track_high_thresh).all())
            ):
                # the low-score boxes: only the few matched in the second association need their
                # appearance (see _second_association), so it is not computed for all of them here
                xywh = parse_bboxes(results)
                dets = [BOTrack(b, s, c) for b, s, c in zip(xywh, results.conf, results.cls, strict=True)]
            else:
                dets = super().init_track(results, img)
            for d, c in zip(dets, _crowded([d.xyxy for d in dets]), strict=True):  # for the occlusion order
                d.crowded = bool(c)
            return dets

        @property
        def gate(self) -> float:
            return DETECTOR_FEATURE_GATE if self.detector_features else self.settings.appearance_gate

        @property
        def relink(self) -> float:
            return DETECTOR_FEATURE_RELINK if self.detector_features else self.settings.relink_thresh

        def get_dists(self, tracks: list[Any], detections: list[Any]) -> np.ndarray:
            iou_d = matching.iou_distance(tracks, detections)
            far = iou_d > (1 - self.proximity_thresh)
            if self.args.fuse_score:
                iou_d = matching.fuse_score(iou_d, detections)
            if not len(tracks) or not len(detections):
                return iou_d
            app, known = appearance_distance(tracks, detections)
            w = self.settings.appearance_weight
            mix = known & ~far  # appearance only helps pairs whose boxes overlap
            cost = np.where(mix, (1 - w) * iou_d + w * app, iou_d)
            if self.settings.depth_weight > 0:
                cost = _occlusion_order(cost, tracks, detections, self.settings.depth_weight)
            cost[known & (app > self.gate)] = 1.0
            return self._static_gate(cost, tracks, detections)

        def _static_gate(self, cost: np.ndarray, tracks: list[Any], detections: list[Any]) -> np.ndarray:
            """A static false positive's track may only take boxes over the place where it began."""
            rows = [i for i, t in enumerate(tracks) if t.track_id in self.static_ids]
            if rows and len(detections):
                home = np.asarray([self.still[tracks[i].track_id][0] for i in rows], np.float64)
                boxes = np.asarray([d.xyxy for d in detections], np.float64)
                far = iou_matrix(home, boxes) < STATIC_HOME_IOU
                sub = cost[rows]
                sub[far] = 1.0
                cost[rows] = sub
            return cost

        def update(self, results: Any, img: np.ndarray | None = None, feats: np.ndarray | None = None) -> Any:
            """One frame; then mark static false positives and leave them out of the output."""
            out = super().update(results, img, feats=feats)
            if self.settings.static_after > 0:
                self._observe_still()
                if self.static_ids and len(out):
                    out = out[~np.isin(out[:, 4].astype(np.int64), list(self.static_ids))]
            return out

        def _observe_still(self) -> None:
            """Per track: where it began, whether it has moved since, its mean score; static after a while."""
            size = getattr(self, "frame_size", None)
            need = max(1, round(self.settings.static_after * self.rate))
            classes = self.settings.people_classes
            alive = set()
            for t in self.tracked_stracks:
                if not t.is_activated or t.frame_id != self.frame_id:
                    continue
                if not _is_person(t.cls, classes):
                    continue
                alive.add(t.track_id)
                box = t.xyxy.astype(np.float64)
                st = self.still.get(t.track_id)
                if st is None:
                    st = self.still[t.track_id] = [box, 0, 0.0, False]
                if st[3]:
                    continue  # moved once: never static
                home = st[0]
                h = max(home[3] - home[1], 1.0)
                shift = np.hypot(
                    (box[0] + box[2] - home[0] - home[2]) / 2, (box[1] + box[3] - home[1] - home[3]) / 2
                )
                if shift > self.settings.static_move * h:
                    st[3] = True
                    self.static_ids.discard(t.track_id)
                    continue
                st[1] += 1
                st[2] += float(t.score)
                if (
                    st[1] >= need
                    and st[2] / st[1] < self.settings.static_conf
                    and not _in_zones(home[None], self.open_zones, size)[0]
                ):
                    self.static_ids.add(t.track_id)
            if len(self.still) > 4 * (len(self.tracked_stracks) + len(self.lost_stracks)) + 64:
                keep = {t.track_id for t in (*self.tracked_stracks, *self.lost_stracks)} | alive
                self.still = {k: v for k, v in self.still.items() if k in keep}
                self.static_ids &= keep

        def _pre_first_associate(self, strack_pool, unconfirmed, img, results_high) -> None:
            """End lost tracks predicted outside the picture (they left), before any association."""
            super()._pre_first_associate(strack_pool, unconfirmed, img, results_high)
            self.frame_image = img if img is not None and img.ndim == 3 else None
            if img is not None and img.ndim == 3:
                self.frame_size = img.shape[1], img.shape[0]
            size = getattr(self, "frame_size", None)
            if self.settings.drop_exited and size is not None:
                w, h = size
                keep = []
                for t in strack_pool:
                    x, y = t.xywh[:2]
                    if t.state == TrackState.Lost and not (0 <= x <= w and 0 <= y <= h):
                        t.left_view = True
                    else:
                        keep.append(t)
                strack_pool[:] = keep
            # after the exits: a walker who just left the picture does not block someone entering there
            slow = self.settings.new_clear_speed
            recent = self.settings.new_clear_lost * self.rate  # frames
            self._followed = [
                t.xyxy.copy()
                for t in strack_pool
                if (t.state == TrackState.Tracked or self.frame_id - t.end_frame <= recent)
                and (slow <= 0 or _speed(t, self.rate) > slow)
                and _is_person(t.cls, self.settings.people_classes)
            ]

        def _init_new_tracks(self, u_detection, detections, activated, refind=None) -> None:
            """Start new tracks, but not inside the predicted box of a person being followed."""
            thr = self.settings.new_clear
            if thr > 0 and len(getattr(self, "_followed", ())) and len(u_detection):
                boxes = np.asarray([detections[i].xyxy for i in u_detection], np.float64)
                ov = iou_matrix(boxes, np.asarray(self._followed, np.float64)).max(1)
                free = _in_zones(boxes, self.open_zones, getattr(self, "frame_size", None))
                people = self.settings.people_classes
                u_detection = [
                    i
                    for i, o, z in zip(u_detection, ov, free, strict=True)
                    if o <= thr or z or not _is_person(detections[i].cls, people)
                ]
            super()._init_new_tracks(u_detection, detections, activated, refind)

        def _second_association(
            self, strack_pool, u_track, detections_second, activated, refind, lost
        ) -> None:
            """ByteTrack's low-score pass (by box overlap); the matched boxes' appearance computed here."""
            r_tracked = [strack_pool[i] for i in u_track if strack_pool[i].state == TrackState.Tracked]
            left = list(range(len(r_tracked)))
            if r_tracked and detections_second:
                dists = self._static_gate(
                    matching.iou_distance(r_tracked, detections_second), r_tracked, detections_second
                )
                matches, left, _ = matching.linear_assignment(dists, thresh=0.5)
                frame = getattr(self, "frame_image", None)
                todo = [detections_second[j] for _, j in matches if detections_second[j].curr_feat is None]
                if todo and frame is not None:
                    feats = self._encode(frame, np.asarray([d.xywh for d in todo], np.float32))
                    for d, f in zip(todo, feats, strict=True):
                        d.update_features(f)
                self._apply_matches(matches, r_tracked, detections_second, activated, refind)
            for it in left:
                r_tracked[it].mark_lost()
                lost.append(r_tracked[it])

        def _remove_stale_lost(self, removed: list[Any]) -> None:
            for t in self.lost_stracks:
                if getattr(t, "left_view", False) and t.state != TrackState.Removed:
                    t.mark_removed()
                    removed.append(t)
            super()._remove_stale_lost(removed)

        def _post_first_association(self, strack_pool, detections, u_track, u_detection, activated, refind):
            """Re-find lost tracks by appearance near where they were lost (no box overlap needed)."""
            lost = [i for i in u_track if strack_pool[i].state == TrackState.Lost]
            dets = list(u_detection)
            if not lost or not dets:
                return u_track, u_detection
            tr = [strack_pool[i] for i in lost]
            dt = [detections[j] for j in dets]
            cost, known = appearance_distance(tr, dt)
            cost[~known] = 1.0
            cost = self._static_gate(cost, tr, dt)
            for a, t in enumerate(tr):
                tx, ty, _, th = t.xywh
                gap = (self.frame_id - t.end_frame) / self.rate  # seconds since last seen
                reach = th * (1.0 + 1.5 * gap)  # people walk about one body height per second
                for b, d in enumerate(dt):
                    dx, dy, _, dh = d.xywh
                    ratio = dh / max(th, 1e-6)
                    if np.hypot(dx - tx, dy - ty) > reach or not 0.7 <= ratio <= 1.4:
                        cost[a, b] = 1.0
            pairs = assign(cost, self.relink)
            self._apply_matches(pairs, tr, dt, activated, refind)
            used_t = {lost[a] for a, _ in pairs}
            used_d = {dets[b] for _, b in pairs}
            return [i for i in u_track if i not in used_t], [j for j in u_detection if j not in used_d]

    return AppearanceTracker


#: Appearance gate and re-find threshold (cosine distance) for detector features (YOLO ``data["reid"]``):
#: Ultralytics' botsort.yaml defaults (appearance_thresh 0.8 on half the cosine distance), not tuned here —
#: no YOLO weights exist on this machine (see docs of issue 12).
DETECTOR_FEATURE_GATE = 0.4
DETECTOR_FEATURE_RELINK = 0.2


#: IoU with the place where a static false positive's track began that a box needs for that track to take it.
STATIC_HOME_IOU = 0.5

#: IoU between two boxes (two tracks' predictions or two detections) that makes them a crowd.
CROWD_IOU = CROWD_IOU_DEFAULT


def _crowded(boxes: list[np.ndarray], thresh: float = CROWD_IOU) -> np.ndarray:
    """Which boxes (x1 y1 x2 y2) overlap another box of the list with IoU above ``thresh``."""
    if len(boxes) < 2:
        return np.zeros(len(boxes), bool)
    b = np.asarray(boxes, np.float64)
    iou = iou_matrix(b, b)
    np.fill_diagonal(iou, 0.0)
    return (iou > thresh).any(1)


def _occlusion_order(cost: np.ndarray, tracks: list[Any], dets: list[Any], weight: float) -> np.ndarray:
    """Add ``weight`` × |detection bottom − predicted bottom| / body height to the crowd's allowed pairs.

    A pair is in a crowd when its track's predicted box overlaps another track's, or its detection
    overlaps another detection (see :data:`CROWD_IOU`). Pairs already ruled out (cost ≥ 1) stay so.
    """
    crowd = (
        _crowded([t.xyxy for t in tracks])[:, None]
        | np.array([getattr(d, "crowded", False) for d in dets])[None, :]
    )
    if not crowd.any():
        return cost
    bottom_t = np.array([t.xyxy[3] for t in tracks], np.float64)
    height_t = np.array([max(float(t.xywh[3]), 1.0) for t in tracks])
    bottom_d = np.array([d.xyxy[3] for d in dets], np.float64)
    foot = np.abs(bottom_d[None, :] - bottom_t[:, None]) / height_t[:, None]
    return np.where(crowd & (cost < 1.0), cost + weight * foot, cost)


def _is_person(cls: object, people: tuple[int, ...] | None) -> bool:
    """Whether a track's or box's class is one the crowd rules hold for (None: every class)."""
    return people is None or int(cls) in people  # type: ignore[call-overload]


def _in_zones(xyxy: np.ndarray, zones: PolygonSet, size: tuple[int, int] | None) -> np.ndarray:
    """Whether each box's bottom centre lies in one of ``zones`` (0–1 coordinates of a ``size`` frame)."""
    if not zones.size or size is None or not len(xyxy):
        return np.zeros(len(xyxy), bool)
    w, h = size
    feet = np.c_[(xyxy[:, 0] + xyxy[:, 2]) / (2 * w), xyxy[:, 3] / h]
    return zones.contains(feet).any(1)


def _speed(track: Any, rate: float) -> float:
    """A track's speed in body heights per second, from its Kalman state (x y w h vx vy vw vh per update)."""
    mean = getattr(track, "mean", None)
    if mean is None or len(mean) < 6:
        return 0.0
    return float(np.hypot(mean[4], mean[5])) * rate / max(float(track.xywh[3]), 1.0)


def _xywh_to_xyxy(b: np.ndarray) -> np.ndarray:
    out = np.empty_like(b, dtype=np.float32)
    out[:, :2] = b[:, :2] - b[:, 2:4] / 2
    out[:, 2:] = b[:, :2] + b[:, 2:4] / 2
    return out


def _appearance_tracker(args: SimpleNamespace, settings: TrackerSettings, rate: float) -> Any:
    global _APPEARANCE_CLASS
    if _APPEARANCE_CLASS is None:
        _APPEARANCE_CLASS = _make_appearance_tracker_class()
    return _APPEARANCE_CLASS(args, settings, rate)


_APPEARANCE_CLASS: type | None = None


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
        self._image_needed = settings.type == "botsort" or settings.appearance
        if settings.appearance:
            self._impl = _appearance_tracker(args, settings, rate)
        elif settings.type == "botsort":
            self._impl = BOTSORT(args)
        else:
            self._impl = BYTETracker(args)

    def update(self, dets: Detections, image: np.ndarray | None = None) -> Detections:
        """Track one frame's detections.

        Args:
            dets: this frame's detections (tracker_id ignored).
            image: the BGR frame (BoT-SORT's motion compensation, the appearance cue).

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
        reid = dets.data.get("reid")
        if self.settings.appearance and reid is not None and len(reid) == len(dets):
            out = self._impl.update(view, image, feats=np.asarray(reid, dtype=np.float32))
        else:
            out = self._impl.update(view, image if self._image_needed else None)
        if out is None or len(out) == 0:
            return Detections.empty()
        out = np.asarray(out)
        idx = out[:, 7].astype(np.int64)
        tracked = dets[idx]
        tracked.tracker_id = out[:, 4].astype(np.int64)
        return tracked

    def set_open_zones(self, zones: tuple[tuple[tuple[float, float], ...], ...]) -> None:
        """Use new zones without the new-track rule (see ``TrackerSettings.open_zones``); tracks go on."""
        self.settings = replace(self.settings, open_zones=zones)
        if hasattr(self._impl, "open_zones"):
            self._impl.open_zones = PolygonSet(zones)

    def reset(self) -> None:
        """Forget all tracks (e.g. after a long reconnect); ids keep increasing."""
        self._impl.tracked_stracks.clear()
        self._impl.lost_stracks.clear()
        self._impl.removed_stracks.clear()
