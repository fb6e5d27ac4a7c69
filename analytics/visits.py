"""Store visits: from entering to leaving, joined across tracker ID switches, with the zone path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from analytics.lines import LineCrossing
from analytics.tracks import UNKNOWN_ROLE, anchor_points, roles_in
from analytics.types import Detections
from analytics.zones import ZoneEvent

EndReason = Literal["exit", "lost", "flush"]


@dataclass(frozen=True, slots=True)
class Visit:
    """One closed visit.

    Attributes:
        visit_id: 1, 2, ... in order of opening, per tracker.
        track_ids: tracker ids joined into this visit, in order.
        start_ts: entrance-line crossing time, or first sighting without an entrance line.
        end_ts: exit-line crossing time, or last sighting.
        duration: ``end_ts − start_ts`` in seconds.
        zones: zones entered, in order, consecutive repeats collapsed; starts with the
            entrance line's id when the visit began by crossing it.
        role: the role reported most often for its tracks (``"unknown"`` if never given).
        class_id: COCO class id of the first track.
        end_reason: ``"exit"`` (crossed out), ``"lost"`` (not seen any more) or ``"flush"``.
    """

    visit_id: int
    track_ids: tuple[int, ...]
    start_ts: float
    end_ts: float
    duration: float
    zones: tuple[str, ...]
    role: str
    class_id: int
    end_reason: EndReason


@dataclass(slots=True)
class _Open:
    visit_id: int
    class_id: int
    start_ts: float
    last_seen: float
    xy: tuple[float, float]
    track_ids: list[int]
    zones: list[str] = field(default_factory=list)
    roles: Counter[str] = field(default_factory=Counter)


class VisitTracker:
    """Turns tracks into visits for one camera.

    With ``entrance_line`` set, a visit opens when a track crosses that line ``"in"`` and closes
    when one of its tracks crosses it ``"out"``; tracks that never cross in (passers-by) make
    no visit. Without it, a visit runs from a track's first to its last sighting. A visit whose
    tracks are all unseen for ``max(lost_timeout, join_seconds)`` closes at its last sighting.

    ID switches are joined: a track seen for the first time within ``join_seconds`` after a
    visit's tracks vanished, within ``join_distance`` px of where they were last seen and of
    the same class, continues that visit (nearest first when several compete).

    Feed it after the line counter and the zone tracker of the same camera, with their output.

    Args:
        entrance_line: id of the entrance line, or None to use first/last sighting.
        join_seconds: longest gap that an ID switch may leave.
        join_distance: farthest jump (px) that an ID switch may make.
        lost_timeout: seconds without a sighting after which a visit closes.
        min_duration: visits shorter than this are dropped (false detections).
        min_keypoint_score: ankle score needed to use the ankles as the anchor.

    Example:
        >>> vt = VisitTracker(join_seconds=1.0, join_distance=50)
        >>> def at(tid, x):
        ...     box = [[x - 5, 0, x + 5, 40]]
        ...     return Detections(xyxy=box, confidence=[1], class_id=[0], tracker_id=[tid])
        >>> _ = vt.update(at(1, 100), ts=0.0), vt.update(at(2, 110), ts=0.5)  # id 1 → 2
        >>> vt.update(Detections.empty(), ts=9.0)[0].track_ids
        (1, 2)
    """

    def __init__(
        self,
        *,
        entrance_line: str | None = None,
        join_seconds: float = 2.0,
        join_distance: float = 80.0,
        lost_timeout: float = 2.0,
        min_duration: float = 0.0,
        min_keypoint_score: float = 0.5,
    ) -> None:
        self.entrance_line = entrance_line
        self.join_seconds = float(join_seconds)
        self.join_distance = float(join_distance)
        self.lost_timeout = float(lost_timeout)
        self.min_duration = float(min_duration)
        self.min_keypoint_score = float(min_keypoint_score)
        self._open: dict[int, _Open] = {}  # visit id → open visit
        self._by_track: dict[int, _Open] = {}  # every track id of an open visit → it
        self._seen: dict[int, float] = {}  # track id → last seen, to tell new tracks from old
        self._next_id = 1

    def update(
        self,
        dets: Detections,
        ts: float,
        *,
        crossings: Iterable[LineCrossing] = (),
        zone_events: Iterable[ZoneEvent] = (),
        roles: Mapping[int, str] | None = None,
    ) -> list[Visit]:
        """Feed one frame and what the line counter and zone tracker reported for it.

        Args:
            dets: the frame's tracked detections (only the classes you want visits for).
            ts: the frame's timestamp in seconds.
            crossings: this frame's line crossings; only ``entrance_line``'s are used.
            zone_events: this frame's zone events; ``"enter"`` events extend the zone path.
            roles: optional tracker_id → role.

        Returns:
            Visits closed at this frame.
        """
        roles = roles if roles is not None else roles_in(dets)
        closed: list[Visit] = []
        self._observe(dets, ts, roles)
        for c in crossings:
            if c.line_id != self.entrance_line:
                continue
            v = self._by_track.get(c.track_id)
            if c.direction == "in" and v is None:
                v = self._start(c.track_id, c.class_id, c.ts, self._last_xy(dets, c.track_id))
                v.last_seen = max(v.last_seen, ts)
                v.zones.append(c.line_id)
            elif c.direction == "out" and v is not None:
                closed.extend(self._close(v, c.ts, "exit"))
        for e in zone_events:
            v = self._by_track.get(e.track_id)
            if e.kind == "enter" and v is not None and (not v.zones or v.zones[-1] != e.zone_id):
                v.zones.append(e.zone_id)
        timeout = max(self.lost_timeout, self.join_seconds)
        for v in [v for v in self._open.values() if ts - v.last_seen > timeout]:
            closed.extend(self._close(v, v.last_seen, "lost"))
        for tid in [t for t, last in self._seen.items() if ts - last > timeout and t not in self._by_track]:
            del self._seen[tid]
        return closed

    def _observe(self, dets: Detections, ts: float, roles: Mapping[int, str] | None) -> None:
        if not len(dets):
            return
        pts = anchor_points(dets, min_keypoint_score=self.min_keypoint_score)
        new: list[tuple[int, int, tuple[float, float]]] = []
        for tid, cls_id, (x, y) in zip(
            dets.tracker_id.tolist(), dets.class_id.tolist(), pts.tolist(), strict=True
        ):
            if tid < 0:
                continue
            v = self._by_track.get(tid)
            if v is not None:
                v.last_seen, v.xy = ts, (x, y)
            elif tid not in self._seen:
                new.append((tid, cls_id, (x, y)))
            self._seen[tid] = ts
        if new:
            joined = self._join(new, ts)
            for tid, cls_id, xy in new:
                if tid not in joined and self.entrance_line is None:
                    self._start(tid, cls_id, ts, xy)
        if roles:
            for tid in dets.tracker_id.tolist():
                v = self._by_track.get(tid)
                role = roles.get(tid, UNKNOWN_ROLE)
                if v is not None and role != UNKNOWN_ROLE:
                    v.roles[role] += 1

    def _join(self, new: list[tuple[int, int, tuple[float, float]]], ts: float) -> set[int]:
        """Attach new tracks to recently vanished visits, nearest pair first; return the joined ids."""
        orphans = [
            v for v in self._open.values() if v.last_seen < ts and ts - v.last_seen <= self.join_seconds
        ]
        if not orphans:
            return set()
        new_xy = np.array([xy for _, _, xy in new], dtype=np.float64)
        old_xy = np.array([v.xy for v in orphans], dtype=np.float64)
        dist = np.hypot(*(new_xy[:, None, :] - old_xy[None, :, :]).transpose(2, 0, 1))
        same_class = (
            np.array([c for _, c, _ in new])[:, None] == np.array([v.class_id for v in orphans])[None, :]
        )
        dist[~same_class | (dist > self.join_distance)] = np.inf
        joined: set[int] = set()
        for flat in np.argsort(dist, axis=None):
            i, j = divmod(int(flat), len(orphans))
            if not np.isfinite(dist[i, j]):
                break
            tid, _, xy = new[i]
            v = orphans[j]
            if tid in joined or v.last_seen == ts:
                continue
            v.track_ids.append(tid)
            v.last_seen, v.xy = ts, xy
            self._by_track[tid] = v
            joined.add(tid)
        return joined

    def _start(self, tid: int, cls_id: int, start_ts: float, xy: tuple[float, float]) -> _Open:
        v = _Open(self._next_id, cls_id, start_ts, self._seen.get(tid, start_ts), xy, [tid])
        self._next_id += 1
        self._open[v.visit_id] = v
        self._by_track[tid] = v
        return v

    def _last_xy(self, dets: Detections, tid: int) -> tuple[float, float]:
        hit = np.flatnonzero(dets.tracker_id == tid)
        if len(hit) == 0:
            return (float("nan"), float("nan"))
        x, y = anchor_points(dets[hit[:1]], min_keypoint_score=self.min_keypoint_score)[0].tolist()
        return (x, y)

    def _close(self, v: _Open, end_ts: float, reason: EndReason) -> list[Visit]:
        del self._open[v.visit_id]
        for tid in v.track_ids:
            self._by_track.pop(tid, None)
        end_ts = max(end_ts, v.start_ts)
        if end_ts - v.start_ts < self.min_duration:
            return []
        roles = v.roles.most_common(1)
        return [
            Visit(
                visit_id=v.visit_id,
                track_ids=tuple(v.track_ids),
                start_ts=v.start_ts,
                end_ts=end_ts,
                duration=end_ts - v.start_ts,
                zones=tuple(v.zones),
                role=roles[0][0] if roles else UNKNOWN_ROLE,
                class_id=v.class_id,
                end_reason=reason,
            )
        ]

    def flush(self, ts: float) -> list[Visit]:
        """Close every open visit at its last sighting (never after ``ts``); forget all tracks."""
        closed: list[Visit] = []
        for v in list(self._open.values()):
            closed.extend(self._close(v, min(v.last_seen, ts), "flush"))
        self._seen.clear()
        return closed

    @property
    def open_count(self) -> int:
        """Visits in progress (people in the store, as far as this camera knows)."""
        return len(self._open)


def funnel(
    visits: Iterable[Visit], steps: Sequence[str], *, role: str | None = None
) -> list[tuple[str, int]]:
    """How many visits reached each step of a funnel, in order.

    A visit reaches step *k* when ``steps[0..k]`` appear in its ``zones`` in that order (other
    zones may come between them), so the counts never increase along the funnel.

    Args:
        visits: closed visits.
        steps: zone ids, e.g. ``["door", "dairy", "checkout"]``.
        role: count only visits with this role (e.g. ``"customer"``).

    Returns:
        ``[(step, count), ...]`` in the order of ``steps``.

    Example:
        >>> v = Visit(1, (1,), 0.0, 60.0, 60.0, ("door", "bakery", "checkout"), "customer", 0, "exit")
        >>> funnel([v], ["door", "dairy", "checkout"])
        [('door', 1), ('dairy', 0), ('checkout', 0)]
    """
    counts = [0] * len(steps)
    for v in visits:
        if role is not None and v.role != role:
            continue
        k = 0
        for z in v.zones:
            if k < len(steps) and z == steps[k]:
                k += 1
        for i in range(k):
            counts[i] += 1
    return list(zip(steps, counts, strict=True))
