"""Per-track keypoint smoothing: less jitter, no lag when walking, weak detections held, not followed."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.pose import KeypointSmoother, body_measures
from analytics.types import Detections
from tests.fixtures_pose import standing

FPS = 10.0


def _dets(kp: np.ndarray, box: np.ndarray, tid: int = 1) -> Detections:
    return Detections(box[None], [0.9], [0], [tid], kp[None])


def test_jitter_is_reduced() -> None:
    rng = np.random.default_rng(3)
    sm = KeypointSmoother(tau=0.15)
    base, box = standing(300, 500, 200)
    raw_x, smooth_x = [], []
    for i in range(200):
        kp = base.copy()
        kp[:, :2] += rng.normal(0, 3.0, (17, 2))
        raw_x.append(kp[9, 0])
        smooth_x.append(sm.update(_dets(kp, box), i / FPS)[0, 9, 0])
    raw, smooth = np.std(raw_x[20:]), np.std(smooth_x[20:])
    assert smooth < 0.7 * raw
    assert abs(np.mean(smooth_x[20:]) - base[9, 0]) < 1.0  # no bias


def test_walking_has_no_lag() -> None:
    """The skeleton moves with the box at once: only the pose relative to the box is filtered."""
    sm = KeypointSmoother(tau=0.5)
    for i in range(30):
        kp, box = standing(100 + 15 * i, 500, 200)
        out = sm.update(_dets(kp, box), i / FPS)
        assert np.abs(out[0, :, :2] - kp[:, :2]).max() < 1e-3


@pytest.mark.parametrize(
    ("weak_frames", "hold", "moved"),
    [
        (3, 0.5, False),  # a 0.3 s weak spell: the last good position is held
        (10, 0.5, True),  # longer than hold: the weak observation passes through
    ],
)
def test_weak_observations(weak_frames: int, hold: float, moved: bool) -> None:
    sm = KeypointSmoother(tau=0.15, hold=hold)
    kp, box = standing(300, 500, 200)
    t = 0.0
    for _ in range(10):
        sm.update(_dets(kp, box), t)
        t += 1 / FPS
    bad = kp.copy()
    bad[9] = (500.0, 100.0, 0.1)  # a weak, wild left wrist
    out = None
    for _ in range(weak_frames):
        out = sm.update(_dets(bad, box), t)
        t += 1 / FPS
    assert out is not None
    held = np.allclose(out[0, 9, :2], kp[9, :2], atol=1e-3) and out[0, 9, 2] >= 0.3
    assert held is not moved
    if moved:
        assert out[0, 9].tolist() == pytest.approx([500.0, 100.0, 0.1])


def test_confident_update_moves_more_than_a_weak_one() -> None:
    kp, box = standing(300, 500, 200)
    moved = {}
    for score in (0.9, 0.35):
        sm = KeypointSmoother(tau=0.15)
        sm.update(_dets(kp, box), 0.0)
        new = kp.copy()
        new[9, 0] += 20
        new[9, 2] = score
        moved[score] = sm.update(_dets(new, box), 0.1)[0, 9, 0] - kp[9, 0]
    assert 0 < moved[0.35] < moved[0.9] < 20


def test_tracks_are_separate_and_forgotten() -> None:
    sm = KeypointSmoother(forget_after=1.0)
    a, box_a = standing(100, 500, 200)
    b, box_b = standing(400, 500, 200)
    d = Detections(np.stack([box_a, box_b]), [0.9, 0.9], [0, 0], [1, 2], np.stack([a, b]))
    out = sm.update(d, 0.0)
    assert np.allclose(out[:, :, :2], d.keypoints[:, :, :2]) and len(sm) == 2
    sm.update(_dets(a, box_a, tid=1), 2.0)
    assert len(sm) == 1  # track 2 forgotten


def test_smoothed_keypoints_keep_posture_measures() -> None:
    sm = KeypointSmoother()
    kp, box = standing(300, 500, 200)
    out = None
    for i in range(5):
        out = sm.update(_dets(kp, box), i / FPS)
    assert out is not None
    m0, m1 = body_measures(kp), body_measures(out[0])
    assert m1 is not None and m0 is not None and m1.leg_ratio == pytest.approx(m0.leg_ratio, rel=1e-4)
