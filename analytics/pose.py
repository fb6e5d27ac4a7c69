"""Pose keypoints: the COCO-17 layout, per-track smoothing, and the body measures posture needs.

Keypoints travel in :attr:`analytics.types.Detections.keypoints` as ``(N, 17, 3)`` float32 arrays of
``(x, y, score)`` in pixels, in COCO-17 order (:data:`KEYPOINT_NAMES`); a score below the caller's
threshold means "not seen". Everything here is pure numpy on hand-buildable arrays.

Example:
    >>> kp = np.zeros((17, 3), np.float32)
    >>> kp[[L_SHOULDER, R_SHOULDER, L_HIP, R_HIP]] = [[40, 20, .9], [60, 20, .9], [42, 60, .9], [58, 60, .9]]
    >>> f = body_measures(kp, min_score=0.3)
    >>> round(f.torso_length), round(f.torso_tilt)
    (40, 0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analytics.types import Detections

#: COCO-17 keypoint names, in the order of the keypoints axis.
KEYPOINT_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
NUM_KEYPOINTS = 17
NOSE = 0
L_SHOULDER, R_SHOULDER = 5, 6
L_ELBOW, R_ELBOW = 7, 8
L_WRIST, R_WRIST = 9, 10
L_HIP, R_HIP = 11, 12
L_KNEE, R_KNEE = 13, 14
L_ANKLE, R_ANKLE = 15, 16
HEAD = (0, 1, 2, 3, 4)
WRISTS = (L_WRIST, R_WRIST)

#: Bones to draw, as keypoint index pairs (COCO's skeleton, face included).
SKELETON: tuple[tuple[int, int], ...] = (
    (0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),
    (5, 11), (6, 12), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
)  # fmt: skip


def _mean_visible(kp: np.ndarray, idx: tuple[int, ...], min_score: float) -> np.ndarray | None:
    """Mean (x, y) of the keypoints ``idx`` that score at least ``min_score``, or None."""
    sel = kp[list(idx)]
    ok = sel[:, 2] >= min_score
    if not ok.any():
        return None
    return sel[ok, :2].mean(axis=0).astype(np.float64)


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """The angle at ``b`` of the path a-b-c in degrees (180 = straight)."""
    u, v = a - b, c - b
    nu, nv = float(np.hypot(*u)), float(np.hypot(*v))
    if nu == 0.0 or nv == 0.0:
        return 180.0
    cos = float(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))
    return math.degrees(math.acos(cos))


@dataclass(frozen=True, slots=True)
class BodyMeasures:
    """Scale-free measures of one person's pose in one frame.

    Attributes:
        torso_length: pixels from the shoulders' midpoint to the hips' midpoint.
        torso_tilt: degrees between the hips→shoulders direction and straight up (0 upright,
            90 horizontal, 180 upside down).
        knee_angle: hip-knee-ankle angle in degrees (180 straight), mean of the visible legs.
        hip_angle: shoulder-hip-knee angle in degrees (180 straight), mean of the visible sides.
        leg_ratio: vertical drop from the hips to the ankles divided by the torso length
            (1.1-1.6 standing on vtest's elevated camera, under 1 sitting on a chair, about 0.5 or
            less crouching).
        thigh_ratio: hip-knee length over knee-ankle length in the picture, mean of the visible
            legs (about 1 standing or walking; a thigh pointing at the camera, as when sitting
            facing it, looks short: 0.6 or less).
    """

    torso_length: float
    torso_tilt: float
    knee_angle: float | None
    hip_angle: float | None
    leg_ratio: float | None
    thigh_ratio: float | None = None


def body_measures(kp: np.ndarray, *, min_score: float = 0.3) -> BodyMeasures | None:
    """Measure one person's keypoints.

    Args:
        kp: (17, 3) keypoints (x, y, score) in pixels.
        min_score: keypoints scoring less are ignored.

    Returns:
        The measures, or None when no shoulder or no hip is visible (no torso to measure by).
    """
    sh = _mean_visible(kp, (L_SHOULDER, R_SHOULDER), min_score)
    hip = _mean_visible(kp, (L_HIP, R_HIP), min_score)
    if sh is None or hip is None:
        return None
    up = sh - hip
    torso = float(np.hypot(*up))
    if torso < 1e-6:
        return None
    tilt = math.degrees(math.acos(float(np.clip(-up[1] / torso, -1.0, 1.0))))
    knees: list[float] = []
    hips: list[float] = []
    thighs: list[float] = []
    for s, h, k, a in ((L_SHOULDER, L_HIP, L_KNEE, L_ANKLE), (R_SHOULDER, R_HIP, R_KNEE, R_ANKLE)):
        vis = kp[[s, h, k, a], 2] >= min_score
        if vis[1] and vis[2] and vis[3]:
            knees.append(_angle(kp[h, :2], kp[k, :2], kp[a, :2]))
            shin = float(np.hypot(*(kp[k, :2] - kp[a, :2])))
            if shin > 1e-6:
                thighs.append(float(np.hypot(*(kp[h, :2] - kp[k, :2]))) / shin)
        if vis[0] and vis[1] and vis[2]:
            hips.append(_angle(kp[s, :2], kp[h, :2], kp[k, :2]))
    ankle = _mean_visible(kp, (L_ANKLE, R_ANKLE), min_score)
    leg = None if ankle is None else float(ankle[1] - hip[1]) / torso
    return BodyMeasures(
        torso_length=torso,
        torso_tilt=tilt,
        knee_angle=float(np.mean(knees)) if knees else None,
        hip_angle=float(np.mean(hips)) if hips else None,
        leg_ratio=leg,
        thigh_ratio=float(np.mean(thighs)) if thighs else None,
    )


@dataclass(slots=True)
class _SmoothState:
    rel: np.ndarray  # (17, 2) box-relative positions
    score: np.ndarray  # (17,)
    seen: np.ndarray  # (17,) ts of the last good observation
    last_ts: float


class KeypointSmoother:
    """Confidence-aware smoothing of each track's keypoints over time.

    Keypoints are smoothed relative to the track's box (x from the box centre, y from its top,
    both in box heights), so walking moves the skeleton with the box at once and only the
    limbs' jitter is filtered. Per keypoint and frame, with ``a = 1 - exp(-dt / tau)``:

    * a confident observation (score ≥ ``min_score``) is blended with the previous estimate,
      weighted ``a * score_new`` against ``(1 - a) * score_old`` — a weak detection moves the
      estimate less than a strong one; the score is blended the same way;
    * a weak observation is ignored for up to ``hold`` seconds (the last good position and
      score are kept), after which the raw, weak observation is passed through.

    Times come from timestamps, so skipped frames and strides need no special care.

    Args:
        tau: smoothing time constant in seconds (0 turns smoothing off).
        min_score: the score from which a keypoint counts as seen.
        hold: seconds a keypoint keeps its last good position while unseen.
        forget_after: a track not updated for this long is forgotten.

    Example:
        >>> sm = KeypointSmoother(tau=0.2)
        >>> kp = np.zeros((1, 17, 3), np.float32); kp[0, :, 2] = 0.9; kp[0, 9, :2] = (50, 50)
        >>> d = Detections([[0, 0, 100, 100]], [0.9], [0], [1], kp)
        >>> sm.update(d, 0.0)[0, 9].tolist()
        [50.0, 50.0, 0.8999999761581421]
        >>> d.keypoints[0, 9, :2] = (60, 50)
        >>> round(float(sm.update(d, 0.1)[0, 9, 0]), 1)
        53.9
    """

    def __init__(
        self, *, tau: float = 0.15, min_score: float = 0.3, hold: float = 0.5, forget_after: float = 5.0
    ) -> None:
        self.tau = tau
        self.min_score = min_score
        self.hold = hold
        self.forget_after = forget_after
        self._tracks: dict[int, _SmoothState] = {}

    def __len__(self) -> int:
        return len(self._tracks)

    def update(self, dets: Detections, ts: float) -> np.ndarray:
        """Smooth this frame's keypoints.

        Args:
            dets: tracked detections with ``keypoints`` (detections without a track id, or a
                ``None`` keypoints array, pass through unchanged).
            ts: frame timestamp in seconds.

        Returns:
            (N, 17, 3) float32 smoothed keypoints in pixels, in the order of ``dets``.
        """
        if dets.keypoints is None:
            return np.zeros((len(dets), 17, 3), np.float32)
        out = dets.keypoints.astype(np.float32, copy=True)
        for i, tid in enumerate(dets.tracker_id.tolist()):
            if tid < 0:
                continue
            x1, y1, x2, _ = (float(v) for v in dets.xyxy[i])
            h = max(float(dets.xyxy[i, 3]) - y1, 1.0)
            cx = (x1 + x2) / 2.0
            kp = out[i]
            rel = np.stack([(kp[:, 0] - cx) / h, (kp[:, 1] - y1) / h], axis=1).astype(np.float64)
            score = kp[:, 2].astype(np.float64)
            st = self._tracks.get(tid)
            if st is None:
                good = score >= self.min_score
                self._tracks[tid] = _SmoothState(rel, score.copy(), np.where(good, ts, -np.inf), ts)
                continue
            dt = max(ts - st.last_ts, 0.0)
            a = 1.0 if self.tau <= 0 else 1.0 - math.exp(-dt / self.tau)
            new_good = score >= self.min_score
            old_good = ts - st.seen <= self.hold
            blend = new_good & old_good
            w_new = a * score
            w_old = (1.0 - a) * st.score
            wsum = np.where(blend, w_new + w_old, 1.0)
            mixed = (w_new[:, None] * rel + w_old[:, None] * st.rel) / wsum[:, None]
            rel_out = np.where(blend[:, None], mixed, rel)
            score_out = np.where(blend, (1.0 - a) * st.score + a * score, score)
            keep_old = ~new_good & old_good
            rel_out[keep_old] = st.rel[keep_old]
            score_out[keep_old] = st.score[keep_old]
            st.rel, st.score, st.last_ts = rel_out, score_out, ts
            st.seen = np.where(new_good, ts, st.seen)
            kp[:, 0] = cx + rel_out[:, 0] * h
            kp[:, 1] = y1 + rel_out[:, 1] * h
            kp[:, 2] = score_out
        stale = [t for t, s in self._tracks.items() if ts - s.last_ts > self.forget_after]
        for t in stale:
            del self._tracks[t]
        return out
