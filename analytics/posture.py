"""Posture of every tracked person — standing, walking, sitting, bending or crouching — as intervals.

Each frame, a person's keypoints are turned into :class:`~analytics.pose.BodyMeasures` (torso tilt,
knee and hip angles, how far the ankles are below the hips in torso lengths) and their floor
point's speed over the last second (in body heights per second); :func:`classify_posture` maps
these to a posture. A track changes posture only after the new one has held for
``min_seconds`` (so one odd frame does not split an interval), and :class:`PostureTracker`
reports each finished interval once.

Example:
    >>> upright = BodyMeasures(torso_length=40, torso_tilt=4, knee_angle=176, hip_angle=172, leg_ratio=1.6)
    >>> classify_posture(upright, speed=0.05).value, classify_posture(upright, speed=0.7).value
    ('standing', 'walking')
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from analytics.pose import BodyMeasures, body_measures
from analytics.tracks import anchor_points, role_of, roles_in
from analytics.types import Detections


class Posture(StrEnum):
    """What a person's body is doing."""

    STANDING = "standing"
    WALKING = "walking"
    SITTING = "sitting"
    #: bending over or crouching (one class: both mean "low", e.g. at a bottom shelf)
    BENDING = "bending"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PostureThresholds:
    """Where one posture ends and the next begins.

    Attributes:
        bend_tilt: torso tilt (degrees from vertical) from which a person is bending.
        crouch_leg_ratio: ankles less than this many torso lengths below the hips: crouching.
        sit_leg_ratio: ankles less than this many torso lengths below the hips (and the torso
            upright): sitting.
        sit_thigh_ratio: thighs shorter than this share of the shins (foreshortened: pointing at
            the camera) with the torso upright: sitting.
        sit_hip_angle: a shoulder-hip-knee angle below this (thigh forward, seen from the side)
            with a bent knee (below ``sit_knee_angle``) is sitting too.
        sit_knee_angle: see ``sit_hip_angle``.
        walk_speed: floor-point speed, in body heights per second, from which a person walks.
    """

    bend_tilt: float = 40.0
    crouch_leg_ratio: float = 0.6
    sit_leg_ratio: float = 0.9
    sit_thigh_ratio: float = 0.6
    sit_hip_angle: float = 125.0
    sit_knee_angle: float = 135.0
    walk_speed: float = 0.25


def classify_posture(
    m: BodyMeasures | None, speed: float | None, t: PostureThresholds = PostureThresholds()
) -> Posture:
    """One frame's posture from body measures and floor speed.

    Args:
        m: the body measures (None: too few keypoints seen).
        speed: floor-point speed in body heights per second (None: not known yet).
        t: the thresholds.

    Returns:
        The posture (``UNKNOWN`` without measures).

    Example:
        >>> classify_posture(BodyMeasures(40, 5, 175, 170, 1.6), 0.6).value
        'walking'
        >>> classify_posture(BodyMeasures(40, 60, 170, 110, 1.5), 0.0).value
        'bending'
    """
    if m is None:
        return Posture.UNKNOWN
    if m.torso_tilt >= t.bend_tilt:
        return Posture.BENDING
    if m.leg_ratio is not None and m.leg_ratio < t.crouch_leg_ratio:
        return Posture.BENDING
    if m.leg_ratio is not None and m.leg_ratio < t.sit_leg_ratio:
        return Posture.SITTING
    if m.thigh_ratio is not None and m.thigh_ratio < t.sit_thigh_ratio:
        return Posture.SITTING
    if (
        m.hip_angle is not None
        and m.knee_angle is not None
        and m.hip_angle < t.sit_hip_angle
        and m.knee_angle < t.sit_knee_angle
    ):
        return Posture.SITTING
    if speed is not None and speed >= t.walk_speed:
        return Posture.WALKING
    return Posture.STANDING


@dataclass(frozen=True, slots=True)
class PostureInterval:
    """A stretch of time one track held one posture.

    Attributes:
        track_id: the tracker id.
        posture: what the body was doing.
        start_ts: first moment of the posture (seconds).
        end_ts: last moment (seconds).
        role: the track's role when the interval ended.
    """

    track_id: int
    posture: Posture
    start_ts: float
    end_ts: float
    role: str = "unknown"

    @property
    def duration(self) -> float:
        """Seconds the posture lasted."""
        return self.end_ts - self.start_ts


@dataclass(slots=True)
class _Track:
    first_ts: float
    last_ts: float
    role: str = "unknown"
    current: Posture | None = None
    since: float = 0.0
    candidate: Posture | None = None
    candidate_since: float = 0.0
    trail: deque[tuple[float, float, float, float]] = field(default_factory=lambda: deque(maxlen=64))


class PostureTracker:
    """Posture intervals of every track.

    Args:
        thresholds: posture boundaries.
        min_seconds: a new posture must hold this long before the interval changes.
        speed_window: seconds of floor-point history the speed is measured over.
        lost_timeout: a track unseen this long has ended (its interval closes at its last sighting).
        min_score: keypoint score from which a keypoint counts as seen.
    """

    def __init__(
        self,
        *,
        thresholds: PostureThresholds = PostureThresholds(),
        min_seconds: float = 0.6,
        speed_window: float = 1.0,
        lost_timeout: float = 2.0,
        min_score: float = 0.3,
    ) -> None:
        self.thresholds = thresholds
        self.min_seconds = min_seconds
        self.speed_window = speed_window
        self.lost_timeout = lost_timeout
        self.min_score = min_score
        self._tracks: dict[int, _Track] = {}

    def current(self, track_id: int) -> str | None:
        """The posture a track holds now (None: not settled yet or unknown track)."""
        st = self._tracks.get(track_id)
        return None if st is None or st.current is None else st.current.value

    def postures(self) -> dict[int, str]:
        """Tracker id → the posture each settled track holds now."""
        return {tid: st.current.value for tid, st in self._tracks.items() if st.current is not None}

    def _speed(self, st: _Track, ts: float) -> float | None:
        trail = st.trail
        old = None
        for item in trail:
            if ts - item[0] <= self.speed_window:
                old = item
                break
        if old is None or ts - old[0] < 0.5 * self.speed_window:
            return None
        now = trail[-1]
        height = max((old[3] + now[3]) / 2.0, 1.0)
        return float(np.hypot(now[1] - old[1], now[2] - old[2])) / height / (now[0] - old[0])

    def update(
        self, dets: Detections, ts: float, *, roles: Mapping[int, str] | None = None
    ) -> list[PostureInterval]:
        """Classify this frame's people and report the intervals that ended.

        Args:
            dets: tracked people (with ``keypoints``; without them every posture is unknown).
            ts: frame timestamp in seconds.
            roles: optional tracker id → role.

        Returns:
            Intervals that finished: a track changed posture, or was lost.
        """
        roles = roles if roles is not None else roles_in(dets)
        out: list[PostureInterval] = []
        anchors = anchor_points(dets, min_keypoint_score=self.min_score) if len(dets) else None
        for i, tid in enumerate(dets.tracker_id.tolist()):
            if tid < 0:
                continue
            st = self._tracks.get(tid)
            if st is None:
                st = self._tracks[tid] = _Track(ts, ts)
            st.last_ts = ts
            st.role = role_of(roles, tid) if roles else st.role
            h = float(dets.xyxy[i, 3] - dets.xyxy[i, 1])
            assert anchors is not None
            st.trail.append((ts, float(anchors[i, 0]), float(anchors[i, 1]), h))
            m = (
                body_measures(dets.keypoints[i], min_score=self.min_score)
                if dets.keypoints is not None
                else None
            )
            p = classify_posture(m, self._speed(st, ts), self.thresholds)
            out.extend(self._observe(tid, st, p, ts))
        for tid in [t for t, s in self._tracks.items() if ts - s.last_ts > self.lost_timeout]:
            out.extend(self._close(tid, self._tracks.pop(tid)))
        return out

    def _observe(self, tid: int, st: _Track, p: Posture, ts: float) -> list[PostureInterval]:
        if p is Posture.UNKNOWN or p == st.current:
            st.candidate = None
            return []
        if p != st.candidate:
            st.candidate, st.candidate_since = p, ts
        if ts - st.candidate_since < self.min_seconds:
            return []
        out: list[PostureInterval] = []
        if st.current is not None:
            out.append(PostureInterval(tid, st.current, st.since, st.candidate_since, st.role))
        st.current, st.since, st.candidate = p, st.candidate_since, None
        return out

    def _close(self, tid: int, st: _Track) -> list[PostureInterval]:
        if st.current is None or st.last_ts <= st.since:
            return []
        return [PostureInterval(tid, st.current, st.since, st.last_ts, st.role)]

    def flush(self, ts: float) -> list[PostureInterval]:
        """End of stream: close every open interval at its track's last sighting."""
        out: list[PostureInterval] = []
        for tid, st in self._tracks.items():
            out.extend(self._close(tid, st))
        self._tracks.clear()
        return out
