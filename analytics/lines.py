"""Directed-line counting (footfall in/out) with hysteresis, per class and per role.

Direction convention (see :mod:`analytics.geometry`): looking from ``a`` to ``b`` on screen,
crossing from the **left** side to the **right** side is ``"in"``; right to left is ``"out"``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from analytics.geometry import LineZone, side_of_line
from analytics.tracks import UNKNOWN_ROLE, anchor_points, role_of, roles_in
from analytics.types import Detections

Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class LineCrossing:
    """One counted crossing of a directed line.

    Attributes:
        ts: when the anchor crossed the line (the first observation past it), in seconds; the
            crossing is *reported* later, once the hysteresis has confirmed it.
        line_id: the line's zone id.
        track_id: tracker id of the object.
        class_id: COCO class id at confirmation.
        direction: ``"in"`` (left → right of a→b) or ``"out"``.
        role: the track's role when confirmed (``"unknown"`` if not given).
    """

    ts: float
    line_id: str
    track_id: int
    class_id: int
    direction: Direction
    role: str = UNKNOWN_ROLE


@dataclass(frozen=True, slots=True)
class LineTotals:
    """Counts of one line so far; ``by_class`` and ``by_role`` map to ``(in, out)``."""

    line_id: str
    in_count: int
    out_count: int
    by_class: dict[int, tuple[int, int]]
    by_role: dict[str, tuple[int, int]]


@dataclass(slots=True)
class _TrackSide:
    raw: int  # sign of the last observation off the line (0 until the track leaves the line)
    xy: tuple[float, float]  # last anchor
    d: float  # its signed distance from the line
    last_ts: float
    side: int = 0  # confirmed side: -1 left, +1 right, 0 not yet known
    candidate: int = 0  # side of the current run of far-enough observations
    streak: int = 0  # length of that run
    cross_ts: float = 0.0  # when the anchor last changed sides
    cross_ok: bool = False  # whether that change passed within the segment


class LineCounter:
    """Counts tracks crossing one directed line segment ``a → b`` (pixels).

    A crossing counts once per real crossing: the track must have been confirmed on one side
    (at least ``min_distance`` px from the line for ``min_frames`` consecutive observations),
    then be confirmed the same way on the other side, and its path must have passed the line
    *within the segment* (not its infinite extension). Jitter on the line never counts. Track
    state is dropped when a track is not seen for ``max_age`` seconds. Untracked detections
    (``tracker_id == -1``) are ignored.

    Args:
        line_id: the line's zone id.
        a: first point in pixels.
        b: second point in pixels.
        min_distance: how far (px) from the line an anchor must be to count as on a side.
        min_frames: consecutive far-enough observations needed to confirm a side.
        max_age: seconds without a sighting after which a track is forgotten.
        min_keypoint_score: ankle score needed to use the ankles as the anchor.

    Example:
        >>> door = LineCounter("door", (0, 100), (200, 100), min_distance=5, min_frames=1)
        >>> def at(y):
        ...     return Detections(xyxy=[[90, y - 50, 110, y]], confidence=[1], class_id=[0], tracker_id=[1])
        >>> door.update(at(80), ts=0.0), len(door.update(at(120), ts=0.5))
        ([], 1)
        >>> door.in_count, door.out_count
        (1, 0)
    """

    def __init__(
        self,
        line_id: str,
        a: ArrayLike,
        b: ArrayLike,
        *,
        min_distance: float = 10.0,
        min_frames: int = 2,
        max_age: float = 5.0,
        min_keypoint_score: float = 0.5,
    ) -> None:
        if min_frames < 1:
            raise ValueError("min_frames must be at least 1")
        self.line_id = line_id
        self.a = np.asarray(a, dtype=np.float64).reshape(2)
        self.b = np.asarray(b, dtype=np.float64).reshape(2)
        side_of_line(np.zeros((0, 2)), a=self.a, b=self.b)  # validates a != b
        self._a0, self._a1 = float(self.a[0]), float(self.a[1])
        self._ab = (float(self.b[0]) - self._a0, float(self.b[1]) - self._a1)
        self._ab2 = self._ab[0] ** 2 + self._ab[1] ** 2
        self.min_distance = float(min_distance)
        self.min_frames = int(min_frames)
        self.max_age = float(max_age)
        self.min_keypoint_score = float(min_keypoint_score)
        self._tracks: dict[int, _TrackSide] = {}
        self._counts: Counter[tuple[Direction, int, str]] = Counter()

    @classmethod
    def from_zone(cls, zone: LineZone, *, width: float, height: float, **kwargs: float) -> LineCounter:
        """Build a counter for a relative :class:`~analytics.geometry.LineZone` on a frame size."""
        a, b = zone.pixels(width=width, height=height)
        return cls(zone.zone_id, a, b, **kwargs)  # type: ignore[arg-type]

    def update(
        self, dets: Detections, ts: float, *, roles: Mapping[int, str] | None = None
    ) -> list[LineCrossing]:
        """Feed one frame; return the crossings confirmed in it.

        Args:
            dets: the frame's tracked detections.
            ts: the frame's timestamp in seconds.
            roles: optional tracker_id → role (``"staff"``, ``"customer"``); missing ids are ``"unknown"``.

        Returns:
            Crossings confirmed at this frame (usually none).
        """
        roles = roles if roles is not None else roles_in(dets)
        out: list[LineCrossing] = []
        if len(dets):
            pts = anchor_points(dets, min_keypoint_score=self.min_keypoint_score)
            dist = side_of_line(pts, a=self.a, b=self.b)
            rows = zip(
                dets.tracker_id.tolist(), dets.class_id.tolist(), pts.tolist(), dist.tolist(), strict=True
            )
            for tid, cls_id, xy, d in rows:
                if tid >= 0:
                    direction = self._observe(tid, (xy[0], xy[1]), d, ts)
                    if direction is not None:
                        role = role_of(roles, tid)
                        when = self._tracks[tid].cross_ts
                        out.append(LineCrossing(when, self.line_id, tid, cls_id, direction, role))
                        self._counts[direction, cls_id, role] += 1
        self._expire(ts)
        return out

    def _observe(self, tid: int, xy: tuple[float, float], d: float, ts: float) -> Direction | None:
        s = 1 if d > 0 else (-1 if d < 0 else 0)
        st = self._tracks.get(tid)
        if st is None:
            st = self._tracks[tid] = _TrackSide(raw=s, xy=xy, d=d, last_ts=ts)
        else:
            if s and st.raw and s != st.raw:
                st.cross_ts = ts
                st.cross_ok = self._within_segment(st.xy, st.d, xy, d)
            if s:
                st.raw = s
            st.xy, st.d, st.last_ts = xy, d, ts
        if s and abs(d) >= self.min_distance:
            if s == st.candidate:
                st.streak += 1
            else:
                st.candidate, st.streak = s, 1
        else:
            st.candidate, st.streak = 0, 0
        if st.streak < self.min_frames or st.candidate == st.side:
            return None
        previous, st.side = st.side, st.candidate
        if previous and st.cross_ok:
            return "in" if st.side > 0 else "out"
        return None

    def _within_segment(self, p: tuple[float, float], dp: float, q: tuple[float, float], dq: float) -> bool:
        """Whether the step p → q (signed distances dp, dq of opposite sign) meets the line within a–b."""
        f = dp / (dp - dq)
        x = p[0] + f * (q[0] - p[0]) - self._a0
        y = p[1] + f * (q[1] - p[1]) - self._a1
        t = (x * self._ab[0] + y * self._ab[1]) / self._ab2
        return -1e-9 <= t <= 1.0 + 1e-9

    def _expire(self, ts: float) -> None:
        stale = [tid for tid, st in self._tracks.items() if ts - st.last_ts > self.max_age]
        for tid in stale:
            del self._tracks[tid]

    @property
    def in_count(self) -> int:
        """Crossings left → right so far."""
        return self.count("in")

    @property
    def out_count(self) -> int:
        """Crossings right → left so far."""
        return self.count("out")

    def count(
        self, direction: Direction | None = None, *, class_id: int | None = None, role: str | None = None
    ) -> int:
        """Crossings so far, optionally only one direction, class and/or role."""
        return sum(
            n
            for (d, c, r), n in self._counts.items()
            if (direction is None or d == direction)
            and (class_id is None or c == class_id)
            and (role is None or r == role)
        )

    def totals(self) -> LineTotals:
        """A snapshot of all counts, split by class and by role."""
        by_class: dict[int, list[int]] = {}
        by_role: dict[str, list[int]] = {}
        for (d, c, r), n in self._counts.items():
            k = 0 if d == "in" else 1
            by_class.setdefault(c, [0, 0])[k] += n
            by_role.setdefault(r, [0, 0])[k] += n
        return LineTotals(
            self.line_id,
            self.in_count,
            self.out_count,
            {c: (v[0], v[1]) for c, v in sorted(by_class.items())},
            {r: (v[0], v[1]) for r, v in sorted(by_role.items())},
        )

    def reset_counts(self) -> None:
        """Zero the counts (e.g. at midnight) without forgetting which side tracks are on."""
        self._counts.clear()

    @property
    def active_tracks(self) -> int:
        """Tracks currently remembered (bounded by ``max_age``)."""
        return len(self._tracks)
