"""Interaction with goods: a hand reaching into a shelf zone.

A *reach* is a person's wrist inside a shelf polygon, with the person standing near that shelf and
the arm away from the body, for at least ``min_seconds``. Short gaps (a wrist that flickers out of
sight or out of the polygon for up to ``gap`` seconds) do not end it. :class:`ReachDetector`
reports a reach twice: ``start`` when it has lasted ``min_seconds`` (the moment to take a photo)
and ``end`` when it is over, with its duration.

"Near" is measured from the person's floor point (the ankles, else the box's bottom-centre) to
the shelf polygon, in the person's box heights, so that someone walking past in front of the
shelf — whose hand only *looks* inside it — is not counted. "Away from the body" is the wrist's
distance from the nearer hip in torso lengths: a hand hanging by the side is about 0.3 from it,
a hand held out at a shelf 0.6 or more.

Example:
    >>> shelf = ("shelf_1", np.array([[0, 0], [100, 0], [100, 200], [0, 200]], float))
    >>> rd = ReachDetector([shelf], min_seconds=1.0)
    >>> distance_to_polygon(np.array([[150.0, 100.0], [50.0, 50.0]]), shelf[1]).tolist()
    [50.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from analytics.geometry import PolygonSet
from analytics.pose import L_HIP, L_SHOULDER, L_WRIST, R_HIP, R_SHOULDER, R_WRIST
from analytics.tracks import anchor_points, role_of, roles_in
from analytics.types import Detections


def distance_to_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Distance of each point to a polygon in pixels (0 inside it).

    Args:
        points: (N, 2) points.
        polygon: (M, 2) vertices, M ≥ 3.

    Returns:
        (N,) float64 distances.
    """
    p = np.asarray(points, np.float64).reshape(-1, 2)
    v = np.asarray(polygon, np.float64).reshape(-1, 2)
    a, b = v, np.roll(v, -1, axis=0)
    ab = b - a  # (M, 2)
    ap = p[:, None, :] - a[None, :, :]  # (N, M, 2)
    denom = np.maximum((ab * ab).sum(axis=1), 1e-12)
    t = np.clip((ap * ab[None]).sum(axis=2) / denom[None], 0.0, 1.0)
    closest = a[None] + t[..., None] * ab[None]
    d = np.hypot(*(p[:, None, :] - closest).transpose(2, 0, 1)).min(axis=1)
    inside = PolygonSet([v]).contains(p)[:, 0]
    return np.where(inside, 0.0, d)


@dataclass(frozen=True, slots=True)
class ReachEvent:
    """A reach into a shelf zone, reported when it is confirmed and when it ends.

    Attributes:
        kind: ``"start"`` (lasted ``min_seconds``: take the photo now) or ``"end"``.
        track_id: the tracker id.
        zone_id: the shelf zone.
        start_ts: when the wrist first went in.
        ts: now (``start``) or the last moment a wrist was in (``end``).
        hand: ``"left"``, ``"right"`` or ``"both"`` (which wrists were in, over the reach).
        wrist: (x, y) pixels of a wrist in the zone at the moment of this report.
        role: the track's role.
    """

    kind: Literal["start", "end"]
    track_id: int
    zone_id: str
    start_ts: float
    ts: float
    hand: str
    wrist: tuple[float, float]
    role: str = "unknown"

    @property
    def duration(self) -> float:
        """Seconds from the first to the last moment a wrist was in."""
        return self.ts - self.start_ts


@dataclass(slots=True)
class _Reach:
    start_ts: float
    last_in: float
    hands: set[str]
    wrist: tuple[float, float]
    role: str
    confirmed: bool = False


class ReachDetector:
    """Reaches of every tracked person into shelf zones.

    Args:
        shelves: ``(zone_id, polygon)`` pairs, polygons as (M, 2) pixel arrays.
        min_seconds: how long a wrist must stay in before it is a reach.
        gap: a wrist may be out (or unseen) this long without ending the reach.
        near: the person's floor point must be within this many box heights of the shelf.
        min_extension: the wrist must be at least this many torso lengths from the nearer hip
            (0: any wrist position counts).
        min_score: keypoint score from which a keypoint counts as seen.
    """

    def __init__(
        self,
        shelves: Sequence[tuple[str, np.ndarray]],
        *,
        min_seconds: float = 1.0,
        gap: float = 0.5,
        near: float = 0.75,
        min_extension: float = 0.5,
        min_score: float = 0.3,
    ) -> None:
        self.zone_ids = [z for z, _ in shelves]
        self.polygons = [np.asarray(p, np.float64).reshape(-1, 2) for _, p in shelves]
        self._set = PolygonSet(self.polygons)
        self.min_seconds = min_seconds
        self.gap = gap
        self.near = near
        self.min_extension = min_extension
        self.min_score = min_score
        self._open: dict[tuple[int, str], _Reach] = {}

    def _hands_in(self, dets: Detections) -> dict[tuple[int, str], list[tuple[str, float, float]]]:
        """(track, zone) → wrists (hand, x, y) in that zone, for qualifying people this frame."""
        found: dict[tuple[int, str], list[tuple[str, float, float]]] = {}
        kps = dets.keypoints
        if kps is None or not len(dets) or not self.polygons:
            return found
        anchors = anchor_points(dets, min_keypoint_score=self.min_score)
        heights = np.maximum(dets.xyxy[:, 3] - dets.xyxy[:, 1], 1.0)
        near = np.stack([distance_to_polygon(anchors, p) for p in self.polygons], axis=1)
        near_ok = near <= self.near * heights[:, None]  # (N, Z)
        wrists = kps[:, [L_WRIST, R_WRIST], :]  # (N, 2, 3)
        inside = self._set.contains(wrists[:, :, :2].reshape(-1, 2)).reshape(len(dets), 2, -1)
        for i, tid in enumerate(dets.tracker_id.tolist()):
            if tid < 0 or not near_ok[i].any():
                continue
            ext = self._extension(kps[i])
            for w, hand in enumerate(("left", "right")):
                x, y, s = (float(v) for v in wrists[i, w])
                if s < self.min_score or ext[w] < self.min_extension:
                    continue
                for z in np.flatnonzero(inside[i, w] & near_ok[i]).tolist():
                    found.setdefault((tid, self.zone_ids[z]), []).append((hand, x, y))
        return found

    def _extension(self, kp: np.ndarray) -> tuple[float, float]:
        """Each wrist's distance from the nearer visible hip, in torso lengths (inf: no torso)."""
        ok = kp[:, 2] >= self.min_score
        sh = [kp[j, :2] for j in (L_SHOULDER, R_SHOULDER) if ok[j]]
        hips = [kp[j, :2] for j in (L_HIP, R_HIP) if ok[j]]
        if not sh or not hips:
            return (float("inf"), float("inf"))
        torso = float(np.hypot(*(np.mean(sh, axis=0) - np.mean(hips, axis=0))))
        if torso < 1e-6:
            return (float("inf"), float("inf"))
        out = []
        for w in (L_WRIST, R_WRIST):
            out.append(min(float(np.hypot(*(kp[w, :2] - h))) for h in hips) / torso)
        return (out[0], out[1])

    def update(
        self, dets: Detections, ts: float, *, roles: Mapping[int, str] | None = None
    ) -> list[ReachEvent]:
        """Check this frame's wrists against the shelves.

        Args:
            dets: tracked people with ``keypoints`` (smoothed ones are best).
            ts: frame timestamp in seconds.
            roles: optional tracker id → role.

        Returns:
            ``start`` events of reaches that just reached ``min_seconds`` and ``end`` events of
            reaches that are over.
        """
        roles = roles if roles is not None else roles_in(dets)
        out: list[ReachEvent] = []
        for (tid, zone), hands in self._hands_in(dets).items():
            r = self._open.get((tid, zone))
            _, x, y = hands[0]
            if r is None:
                r = self._open[(tid, zone)] = _Reach(ts, ts, set(), (x, y), role_of(roles, tid))
            r.last_in = ts
            r.wrist = (x, y)
            r.hands.update(h for h, _, _ in hands)
            if roles:
                r.role = role_of(roles, tid)
            if not r.confirmed and ts - r.start_ts >= self.min_seconds:
                r.confirmed = True
                out.append(self._event("start", tid, zone, r, ts))
        for key in [k for k, r in self._open.items() if ts - r.last_in > self.gap]:
            out.extend(self._end(key, self._open.pop(key)))
        return out

    @staticmethod
    def _event(kind: Literal["start", "end"], tid: int, zone: str, r: _Reach, ts: float) -> ReachEvent:
        hand = "both" if len(r.hands) > 1 else next(iter(r.hands), "")
        return ReachEvent(kind, tid, zone, r.start_ts, ts, hand, r.wrist, r.role)

    def _end(self, key: tuple[int, str], r: _Reach) -> list[ReachEvent]:
        if not r.confirmed:
            return []
        return [self._event("end", key[0], key[1], r, r.last_in)]

    def flush(self, ts: float) -> list[ReachEvent]:
        """End of stream: end every confirmed reach at its last moment in."""
        out: list[ReachEvent] = []
        for key, r in self._open.items():
            out.extend(self._end(key, r))
        self._open.clear()
        return out
