"""PPE regions, votes and the violation clock on hand-built arrays."""

from __future__ import annotations

import numpy as np

from analytics.ppe import NO, UNKNOWN, YES, ItemVote, ViolationClock, decide, ppe_regions


def _standing(cx: float = 50.0, top: float = 0.0, h: float = 180.0) -> tuple[np.ndarray, np.ndarray]:
    kp = np.zeros((17, 3), np.float32)
    kp[0] = (cx, top + 0.1 * h, 0.9)
    kp[1], kp[2] = (cx + 4, top + 0.08 * h, 0.9), (cx - 4, top + 0.08 * h, 0.9)
    kp[3], kp[4] = (cx + 9, top + 0.09 * h, 0.9), (cx - 9, top + 0.09 * h, 0.9)
    kp[5], kp[6] = (cx + 0.12 * h, top + 0.2 * h, 0.9), (cx - 0.12 * h, top + 0.2 * h, 0.9)
    kp[11], kp[12] = (cx + 0.08 * h, top + 0.5 * h, 0.9), (cx - 0.08 * h, top + 0.5 * h, 0.9)
    box = np.array([cx - 0.2 * h, top, cx + 0.2 * h, top + h], np.float32)
    return kp, box


def test_regions_from_keypoints_sit_above_the_eyes_and_between_shoulders_and_hips() -> None:
    kp, box = _standing()
    r = ppe_regions(box, kp)
    assert r.from_keypoints
    eye_y = kp[1, 1]
    assert r.head[1] < eye_y < r.head[3] < kp[0, 1]  # the dome: above the eyes, not the face below
    assert r.head[0] < 50 < r.head[2]
    assert np.isclose(r.torso[1], kp[5, 1]) and np.isclose(r.torso[3], kp[11, 1])
    assert kp[6, 0] < r.torso[0] < r.torso[2] < kp[5, 0]  # narrowed: no background at the sides


def test_regions_without_keypoints_come_from_the_box_and_move_with_it() -> None:
    box = np.array([100, 50, 160, 230], np.float32)
    r = ppe_regions(box, None)
    assert not r.from_keypoints
    assert r.head[1] >= box[1] - 5 and r.head[3] < box[1] + 0.2 * 180
    assert box[0] < r.torso[0] < r.torso[2] < box[2] and r.torso[1] > r.head[3]
    unseen = np.zeros((17, 3), np.float32)  # all scores 0: like no keypoints at all
    assert np.allclose(ppe_regions(box, unseen).torso, r.torso)


def test_decide_thresholds_and_unknown() -> None:
    assert decide(0.8) == (YES, 0.8)
    assert decide(0.1) == (NO, 0.9)
    assert decide(0.5) == (UNKNOWN, 0.0)
    assert decide(float("nan")) == (UNKNOWN, 0.0)
    assert decide(0.55, yes_from=0.5)[0] == YES


def test_vote_needs_enough_recent_observations_and_weighs_confidence() -> None:
    v = ItemVote(window=2.0, min_obs=3)
    v.add(0.0, 0.9)
    v.add(0.5, None)  # not seen: ignored
    v.add(1.0, 0.9)
    assert v.state(1.0)[0] == UNKNOWN  # two observations only
    v.add(1.5, 0.3)
    assert v.state(1.5)[0] == YES  # two confident yes outweigh a doubtful no
    for t in (3.0, 3.5, 4.0):
        v.add(t, 0.05)
    assert v.state(4.0)[0] == NO  # the old yes left the window
    assert v.state(20.0)[0] == UNKNOWN


def test_clock_waits_after_seconds_ignores_unknown_and_clears_after_calm() -> None:
    c = ViolationClock(("helmet", "vest"), after=4.0, clear_after=2.0)
    assert not c.update(0, {"helmet": YES, "vest": NO}).started
    assert not c.update(2, {"helmet": YES, "vest": UNKNOWN}).started  # unknown neither starts nor stops
    step = c.update(4, {"helmet": YES, "vest": NO})
    assert step.started and c.violating and step.missing == ("vest",)
    assert not c.update(5, {"helmet": YES, "vest": YES}).ended  # back on, but not yet for 2 s
    assert c.update(7, {"helmet": YES, "vest": YES}).ended and not c.violating
    # a new spell starts from scratch
    assert not c.update(8, {"helmet": NO, "vest": YES}).started
    assert c.update(12, {"helmet": NO, "vest": YES}).started and c.missing == ("helmet",)


def test_clock_only_counts_required_items() -> None:
    c = ViolationClock(("helmet",), after=1.0)
    assert not any(c.update(t, {"helmet": YES, "vest": NO}).started for t in range(5))
