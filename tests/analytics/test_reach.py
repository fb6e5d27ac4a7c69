"""Reaching into shelf zones: table-driven synthetic keypoint sequences."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.reach import ReachDetector, ReachEvent, distance_to_polygon
from analytics.types import Detections
from tests.fixtures_pose import frame_dets, reaching, standing

FPS = 10.0
# A shelf unit on the left of the picture: x 0-100, y 100-330 (a person 200 px tall stands at x 160).
SHELF = ("shelf_a", np.array([[0, 100], [100, 100], [100, 330], [0, 330]], float))
SHELF_B = ("shelf_b", np.array([[220, 100], [320, 100], [320, 330], [220, 330]], float))
INTO_A = (60.0, 240.0)
INTO_B = (270.0, 240.0)


def _pose(kind: str, *, score: float = 0.9) -> Detections:
    """One frame: person 1 standing at x 160 (feet at y 400, 200 px tall) doing ``kind``."""
    if kind == "idle":
        person = standing(160, 400, 200, score=score)
    elif kind == "a":
        person = reaching(160, 400, 200, INTO_A, hand="right", score=score)
    elif kind == "b":
        person = reaching(160, 400, 200, INTO_B, hand="left", score=score)
    elif kind == "a_weak":  # the reaching wrist barely seen
        person = reaching(160, 400, 200, INTO_A, hand="right")
        person[0][10, 2] = 0.1
    elif kind == "passer_by":  # much nearer the camera: the hand looks inside the shelf, the feet are far
        person = reaching(200, 620, 330, INTO_A, hand="right", score=score)
    elif kind == "hanging_in_front":  # standing in front of the shelf, arms down: wrists inside
        person = standing(60, 400, 200, score=score)
    else:
        raise ValueError(kind)
    return frame_dets([(1, person)])


def _run(script: list[tuple[float, str]], **kw: float) -> list[tuple[str, str, float, float, str]]:
    rd = ReachDetector([SHELF, SHELF_B], **kw)
    out: list[ReachEvent] = []
    t = 0.0
    for seconds, kind in script:
        for _ in range(round(seconds * FPS)):
            out += rd.update(_pose(kind), round(t, 3))
            t += 1 / FPS
    out += rd.flush(t)
    return [(e.kind, e.zone_id, round(e.start_ts, 2), round(e.ts, 2), e.hand) for e in out]


@pytest.mark.parametrize(
    ("script", "kw", "expected"),
    [
        # 1.5 s in shelf A: confirmed after 1 s, ends at the last moment in
        (
            [(1.0, "idle"), (1.5, "a"), (1.0, "idle")],
            {},
            [("start", "shelf_a", 1.0, 2.0, "right"), ("end", "shelf_a", 1.0, 2.4, "right")],
        ),
        ([(1.0, "idle"), (0.8, "a"), (1.0, "idle")], {}, []),  # too short
        # a 0.3 s dropout of the wrist does not split the reach ...
        (
            [(0.8, "a"), (0.3, "a_weak"), (0.8, "a"), (1.0, "idle")],
            {},
            [("start", "shelf_a", 0.0, 1.1, "right"), ("end", "shelf_a", 0.0, 1.8, "right")],
        ),
        # ... a 0.8 s one does (and each part is too short on its own)
        ([(0.8, "a"), (0.8, "a_weak"), (0.8, "a"), (1.0, "idle")], {}, []),
        ([(2.0, "passer_by")], {}, []),  # feet far from the shelf
        (
            [(2.0, "passer_by")],
            {"near": 2.0},
            [("start", "shelf_a", 0.0, 1.0, "right"), ("end", "shelf_a", 0.0, 1.9, "right")],
        ),
        ([(2.0, "hanging_in_front")], {}, []),  # hands hanging by the hips
        (
            [(2.0, "hanging_in_front")],
            {"min_extension": 0.0},
            [("start", "shelf_a", 0.0, 1.0, "both"), ("end", "shelf_a", 0.0, 1.9, "both")],
        ),
        # from shelf A to shelf B: two reaches, one per shelf
        (
            [(1.2, "a"), (1.2, "b"), (0.5, "idle")],
            {},
            [
                ("start", "shelf_a", 0.0, 1.0, "right"),
                ("end", "shelf_a", 0.0, 1.1, "right"),
                ("start", "shelf_b", 1.2, 2.2, "left"),
                ("end", "shelf_b", 1.2, 2.3, "left"),
            ],
        ),
        # still reaching when the video ends: flush closes it
        ([(1.5, "a")], {}, [("start", "shelf_a", 0.0, 1.0, "right"), ("end", "shelf_a", 0.0, 1.4, "right")]),
        (
            [(3.0, "a")],
            {"min_seconds": 2.5},
            [("start", "shelf_a", 0.0, 2.5, "right"), ("end", "shelf_a", 0.0, 2.9, "right")],
        ),
    ],
)
def test_reaches(script: list[tuple[float, str]], kw: dict[str, float], expected: list[tuple]) -> None:
    assert _run(script, **kw) == expected


def test_no_keypoints_no_reaches() -> None:
    rd = ReachDetector([SHELF])
    d = _pose("a")
    bare = Detections(d.xyxy, d.confidence, d.class_id, d.tracker_id)
    assert [e for i in range(30) for e in rd.update(bare, i / FPS)] == []


def test_role_and_wrist_position_are_reported() -> None:
    rd = ReachDetector([SHELF], min_seconds=0.5)
    events = [e for i in range(8) for e in rd.update(_pose("a"), i / FPS, roles={1: "staff"})]
    (start,) = events
    assert start.role == "staff" and start.kind == "start"
    assert 0 <= start.wrist[0] <= 100 and 100 <= start.wrist[1] <= 330


@pytest.mark.parametrize(
    ("point", "distance"),
    [
        ((50, 200), 0.0),
        ((150, 200), 50.0),
        ((100, 100), 0.0),
        ((130, 370), 50.0),
        ((-30, 50), np.hypot(30, 50)),
    ],
)
def test_distance_to_polygon(point: tuple[float, float], distance: float) -> None:
    assert distance_to_polygon(np.array([point], float), SHELF[1])[0] == pytest.approx(distance)
