"""Polygon zones: enter/exit events with inertia, dwell from timestamps, live occupancy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from numpy.typing import ArrayLike

from analytics.geometry import PolygonSet, PolygonZone
from analytics.tracks import UNKNOWN_ROLE, anchor_points, roles_in
from analytics.types import Detections

ZoneEventKind = Literal["enter", "exit"]


@dataclass(frozen=True, slots=True)
class ZoneEvent:
    """A track entering or leaving a zone.

    Attributes:
        kind: ``"enter"`` or ``"exit"``.
        ts: when it happened: the first observation inside (enter) or outside (exit) of the run
            that confirmed it, so it is earlier than the frame that reports it by the inertia.
            A lost track exits at its last-seen time.
        zone_id: the zone's id.
        track_id: tracker id.
        class_id: COCO class id (last seen).
        role: the track's role (last given; ``"unknown"`` if never).
        duration: for exits, the dwell ``exit ts − enter ts`` in seconds; ``None`` for enters.
    """

    kind: ZoneEventKind
    ts: float
    zone_id: str
    track_id: int
    class_id: int
    role: str = UNKNOWN_ROLE
    duration: float | None = None


@dataclass(slots=True)
class _Presence:
    inside: bool = False  # confirmed state
    enter_ts: float = 0.0
    streak: int = 0  # consecutive observations contradicting `inside`
    streak_ts: float = 0.0  # ts of the first of them


@dataclass(slots=True)
class _Track:
    last_seen: float
    class_id: int
    role: str
    zones: dict[str, _Presence] = field(default_factory=dict)


class ZoneTracker:
    """Tracks which tracks are in which polygon zones of one camera.

    A track enters a zone after ``min_frames`` consecutive observations inside spanning at
    least ``min_seconds``, and exits after as many outside, so a flickering box does not
    double count. Dwell is measured from timestamps. A track not seen for ``lost_timeout``
    seconds exits every zone at its last-seen time and is forgotten. Untracked detections
    are ignored.

    Args:
        zones: zone id → polygon (M, 2) in pixels.
        min_frames: consecutive observations needed to change state.
        min_seconds: minimum time span of those observations.
        lost_timeout: seconds without a sighting after which a track is closed.
        min_keypoint_score: ankle score needed to use the ankles as the anchor.

    Example:
        >>> zt = ZoneTracker({"till": [(0, 0), (100, 0), (100, 100), (0, 100)]}, min_frames=1)
        >>> def at(x):
        ...     return Detections(xyxy=[[x - 5, 40, x + 5, 50]], confidence=[1], class_id=[0], tracker_id=[3])
        >>> [e.kind for e in zt.update(at(50), ts=10.0)], zt.occupancy()
        (['enter'], {'till': 1})
        >>> [(e.kind, e.duration) for e in zt.update(at(150), ts=12.5)]
        [('exit', 2.5)]
    """

    def __init__(
        self,
        zones: Mapping[str, ArrayLike],
        *,
        min_frames: int = 3,
        min_seconds: float = 0.0,
        lost_timeout: float = 2.0,
        min_keypoint_score: float = 0.5,
    ) -> None:
        if min_frames < 1:
            raise ValueError("min_frames must be at least 1")
        self.zone_ids: tuple[str, ...] = tuple(zones)
        self._polygons = PolygonSet(list(zones.values()))
        self.min_frames = int(min_frames)
        self.min_seconds = float(min_seconds)
        self.lost_timeout = float(lost_timeout)
        self.min_keypoint_score = float(min_keypoint_score)
        self._tracks: dict[int, _Track] = {}

    @classmethod
    def from_zones(
        cls, zones: Iterable[PolygonZone], *, width: float, height: float, **kwargs: float
    ) -> ZoneTracker:
        """Build a tracker for relative :class:`~analytics.geometry.PolygonZone` s on a frame size."""
        return cls({z.zone_id: z.pixels(width=width, height=height) for z in zones}, **kwargs)  # type: ignore[arg-type]

    def update(
        self, dets: Detections, ts: float, *, roles: Mapping[int, str] | None = None
    ) -> list[ZoneEvent]:
        """Feed one frame; return the enters and exits confirmed in it (and exits of lost tracks).

        Args:
            dets: the frame's tracked detections.
            ts: the frame's timestamp in seconds.
            roles: optional tracker_id → role; missing ids are ``"unknown"``.
        """
        roles = roles if roles is not None else roles_in(dets)
        events: list[ZoneEvent] = []
        if len(dets) and self.zone_ids:
            inside = self._polygons.contains(anchor_points(dets, min_keypoint_score=self.min_keypoint_score))
            for tid, cls_id, row in zip(
                dets.tracker_id.tolist(), dets.class_id.tolist(), inside.tolist(), strict=True
            ):
                if tid < 0:
                    continue
                tr = self._tracks.get(tid)
                if tr is None:
                    tr = self._tracks[tid] = _Track(ts, cls_id, UNKNOWN_ROLE)
                tr.last_seen, tr.class_id = ts, cls_id
                if roles:
                    tr.role = roles.get(tid, tr.role)
                for zid, now_in in zip(self.zone_ids, row, strict=True):
                    if now_in or zid in tr.zones:
                        self._observe(tid, tr, zid, now_in, ts, events)
        for tid in [t for t, tr in self._tracks.items() if ts - tr.last_seen > self.lost_timeout]:
            events.extend(self._close(tid, self._tracks.pop(tid), ts))
        return events

    def _observe(
        self, tid: int, tr: _Track, zid: str, now_in: bool, ts: float, events: list[ZoneEvent]
    ) -> None:
        p = tr.zones.get(zid)
        if p is None:
            p = tr.zones[zid] = _Presence()
        if now_in == p.inside:
            p.streak = 0
            if not now_in:  # a pending enter that did not last
                del tr.zones[zid]
            return
        if p.streak == 0:
            p.streak_ts = ts
        p.streak += 1
        if p.streak < self.min_frames or ts - p.streak_ts < self.min_seconds:
            return
        if now_in:
            p.inside, p.enter_ts, p.streak = True, p.streak_ts, 0
            events.append(ZoneEvent("enter", p.enter_ts, zid, tid, tr.class_id, tr.role))
        else:
            del tr.zones[zid]
            events.append(self._exit(tid, tr, zid, p, p.streak_ts))

    @staticmethod
    def _exit(tid: int, tr: _Track, zid: str, p: _Presence, exit_ts: float) -> ZoneEvent:
        return ZoneEvent("exit", exit_ts, zid, tid, tr.class_id, tr.role, exit_ts - p.enter_ts)

    def _close(self, tid: int, tr: _Track, ts: float) -> list[ZoneEvent]:
        out = []
        for zid, p in tr.zones.items():
            if p.inside:
                exit_ts = p.streak_ts if p.streak else tr.last_seen
                out.append(self._exit(tid, tr, zid, p, min(exit_ts, ts)))
        return out

    def flush(self, ts: float) -> list[ZoneEvent]:
        """Close every open stay (end of the video or shutdown) and forget all tracks.

        Each stay ends at its track's last-seen time (or the start of a pending exit), never
        after ``ts``.
        """
        events: list[ZoneEvent] = []
        for tid, tr in self._tracks.items():
            events.extend(self._close(tid, tr, ts))
        self._tracks.clear()
        return events

    def occupancy(self, *, role: str | None = None) -> dict[str, int]:
        """Tracks currently inside each zone (confirmed), optionally only those with ``role``."""
        occ = dict.fromkeys(self.zone_ids, 0)
        for tr in self._tracks.values():
            if role is None or tr.role == role:
                for zid, p in tr.zones.items():
                    if p.inside:
                        occ[zid] += 1
        return occ

    def occupancy_by_role(self) -> dict[str, dict[str, int]]:
        """Tracks currently inside each zone, split by role: zone id → role → count."""
        occ: dict[str, dict[str, int]] = {z: {} for z in self.zone_ids}
        for tr in self._tracks.values():
            for zid, p in tr.zones.items():
                if p.inside:
                    occ[zid][tr.role] = occ[zid].get(tr.role, 0) + 1
        return occ

    def inside(self, track_id: int) -> tuple[str, ...]:
        """Zones the track is currently (confirmed) inside, in zone order."""
        tr = self._tracks.get(track_id)
        if tr is None:
            return ()
        return tuple(z for z in self.zone_ids if z in tr.zones and tr.zones[z].inside)
