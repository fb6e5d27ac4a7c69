"""Posture from keypoints: one-frame classification and intervals over time, on synthetic sequences."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from analytics.pose import body_measures
from analytics.posture import BodyMeasures, Posture, PostureTracker, classify_posture
from tests.fixtures_pose import bending, crouching, frame_dets, sitting_front, sitting_side, standing

FPS = 10.0

Builder = Callable[..., tuple[np.ndarray, np.ndarray]]


@pytest.mark.parametrize(
    ("builder", "speed", "expected"),
    [
        (standing, 0.0, Posture.STANDING),
        (standing, 0.1, Posture.STANDING),  # swaying in place
        (standing, 0.6, Posture.WALKING),
        (standing, None, Posture.STANDING),  # speed not known yet
        (sitting_side, 0.0, Posture.SITTING),  # thighs horizontal: ankles close below the hips
        (sitting_front, 0.0, Posture.SITTING),  # thighs pointing at the camera: short thighs
        (crouching, 0.0, Posture.BENDING),
        (bending, 0.0, Posture.BENDING),
        (bending, 0.6, Posture.BENDING),  # bending wins over moving
    ],
)
def test_one_frame(builder: Builder, speed: float | None, expected: Posture) -> None:
    kp, _ = builder(300, 500, 200)
    assert classify_posture(body_measures(kp), speed) is expected


def test_too_few_keypoints_is_unknown() -> None:
    kp, _ = standing(300, 500, 200)
    kp[[11, 12], 2] = 0.1  # hips unseen: no torso
    assert body_measures(kp) is None
    assert classify_posture(None, 0.0) is Posture.UNKNOWN


@pytest.mark.parametrize(
    ("measures", "expected"),
    [
        (BodyMeasures(40, 39, 175, 170, 1.5, 1.0), Posture.STANDING),  # just under the bend tilt
        (BodyMeasures(40, 41, 175, 170, 1.5, 1.0), Posture.BENDING),
        (BodyMeasures(40, 5, 175, 170, 0.95, 1.0), Posture.STANDING),  # elevated camera: short legs
        (BodyMeasures(40, 5, 175, 170, 0.85, 1.0), Posture.SITTING),
        (BodyMeasures(40, 5, 175, 170, 0.55, 1.0), Posture.BENDING),  # crouching
        (BodyMeasures(40, 5, 175, 170, None, 0.5), Posture.SITTING),
        (BodyMeasures(40, 5, 120, 110, None, None), Posture.SITTING),  # side view, no ankles
        (BodyMeasures(40, 5, 140, 150, None, None), Posture.STANDING),  # a long stride
    ],
)
def test_thresholds(measures: BodyMeasures, expected: Posture) -> None:
    assert classify_posture(measures, 0.0) is expected


def _run(script: list[tuple[float, Builder, float]], tid: int = 7) -> list[tuple[str, float, float]]:
    """Feed one person through (seconds, pose, speed in heights/s) segments; return the intervals."""
    pt = PostureTracker(min_seconds=0.6)
    out = []
    t, x, h = 0.0, 300.0, 200.0
    for seconds, builder, speed in script:
        for _ in range(round(seconds * FPS)):
            out += pt.update(frame_dets([(tid, builder(x, 500, h))]), round(t, 3))
            x += speed * h / FPS
            t += 1 / FPS
    out += pt.flush(t)
    return [(iv.posture.value, round(iv.start_ts, 2), round(iv.end_ts, 2)) for iv in out]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ([(3.0, standing, 0.0)], [("standing", 0.0, 2.9)]),
        ([(3.0, standing, 0.7)], [("walking", 0.5, 2.9)]),  # speed is known after half a window
        (
            [(2.0, standing, 0.0), (2.0, bending, 0.0), (2.0, standing, 0.0)],
            [("standing", 0.0, 2.0), ("bending", 2.0, 4.0), ("standing", 4.0, 5.9)],
        ),
        (
            [(2.0, standing, 0.0), (0.3, crouching, 0.0), (2.0, standing, 0.0)],
            [("standing", 0.0, 4.2)],  # a glimpse shorter than min_seconds does not split it
        ),
        ([(2.0, sitting_side, 0.0), (2.0, standing, 0.0)], [("sitting", 0.0, 2.0), ("standing", 2.0, 3.9)]),
        ([(2.0, sitting_front, 0.0)], [("sitting", 0.0, 1.9)]),
        (
            [(2.0, standing, 0.8), (3.0, standing, 0.0)],
            [("walking", 0.5, 2.7), ("standing", 2.7, 4.9)],  # stops at 2.0; 1 s speed < 0.25 from 2.7
        ),
    ],
)
def test_intervals(
    script: list[tuple[float, Builder, float]], expected: list[tuple[str, float, float]]
) -> None:
    assert _run(script) == expected


def test_unseen_keypoints_hold_the_posture_and_give_no_interval_alone() -> None:
    def hidden(cx: float, feet: float, h: float) -> tuple[np.ndarray, np.ndarray]:
        return standing(cx, feet, h, score=0.1)

    assert _run([(3.0, hidden, 0.0)]) == []
    assert _run([(2.0, standing, 0.0), (2.0, hidden, 0.0)]) == [("standing", 0.0, 3.9)]


def test_lost_track_closes_at_its_last_sighting() -> None:
    pt = PostureTracker(min_seconds=0.5, lost_timeout=2.0)
    out = []
    for i in range(20):
        out += pt.update(frame_dets([(1, standing(300, 500, 200)), (2, bending(600, 500, 200))]), i / FPS)
    for i in range(20, 50):  # track 2 gone
        out += pt.update(frame_dets([(1, standing(300, 500, 200))]), i / FPS)
    assert [(iv.track_id, iv.posture.value, iv.start_ts, iv.end_ts) for iv in out] == [
        (2, "bending", 0.0, 1.9)
    ]
    assert pt.postures() == {1: "standing"}
    assert pt.current(2) is None


def test_roles_are_carried_into_intervals() -> None:
    pt = PostureTracker(min_seconds=0.5)
    for i in range(10):
        pt.update(frame_dets([(4, standing(300, 500, 200))]), i / FPS, roles={4: "staff"})
    (iv,) = pt.flush(1.0)
    assert iv.role == "staff" and iv.posture is Posture.STANDING and iv.duration == pytest.approx(0.9)
