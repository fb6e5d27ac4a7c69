"""LineCounter: direction, hysteresis, segment extent, per-class and per-role counts."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.geometry import LineZone
from analytics.lines import LineCounter, LineCrossing
from analytics.types import Detections

# A door line drawn left to right at y=200 from x=100 to x=500: "in" is downwards (y grows).
A, B = (100.0, 200.0), (500.0, 200.0)


def box_at(x: float, y: float) -> list[float]:
    """A 20×40 box whose bottom-centre (the anchor) is (x, y)."""
    return [x - 10, y - 40, x + 10, y]


def frame(*objs: tuple, keypoints: np.ndarray | None = None) -> Detections:
    """Detections from ``(track_id, x, y[, class_id])`` anchors."""
    return Detections(
        xyxy=np.array([box_at(o[1], o[2]) for o in objs], dtype=np.float32).reshape(-1, 4),
        confidence=[0.9] * len(objs),
        class_id=[o[3] if len(o) > 3 else 0 for o in objs],
        tracker_id=[o[0] for o in objs],
        keypoints=keypoints,
    )


def ramp(start: float, stop: float, step: float = 10.0) -> list[float]:
    """Values from start to stop inclusive by ``step`` (either direction)."""
    n = round(abs(stop - start) / step)
    sign = 1 if stop >= start else -1
    return [start + sign * step * i for i in range(n + 1)]


def run(counter: LineCounter, path: list[tuple[float, float]], track_id: int = 1) -> list[LineCrossing]:
    """Feed one track along ``path`` at 10 frames per second (ts = i / 10)."""
    out: list[LineCrossing] = []
    for i, (x, y) in enumerate(path):
        out += counter.update(frame((track_id, x, y)), ts=i / 10)
    return out


def vertical(x: float, *legs: tuple[float, float]) -> list[tuple[float, float]]:
    """A path at fixed x through the y legs (start, stop), (start, stop)..."""
    return [(x, y) for a, b in legs for y in ramp(a, b)]


CASES = [
    # name, path, expected directions
    ("in once", vertical(300, (100, 300)), ["in"]),
    ("out once", vertical(300, (300, 100)), ["out"]),
    ("three crossings", vertical(300, (100, 300), (290, 100), (110, 300)), ["in", "out", "in"]),
    ("jitter on the line", [(300, 120)] * 3 + [(300, 195), (300, 205)] * 20, []),
    ("slow wobble within min_distance", [(300, 120)] * 3 + ([(300, 195)] * 4 + [(300, 205)] * 4) * 5, []),
    ("short excursions are not confirmed", [(300, 150)] * 3 + [(300, 250), (300, 250), (300, 150)] * 5, []),
    ("past the end of the segment", vertical(600, (100, 300)), []),
    ("through the end point", vertical(500, (100, 300)), ["in"]),
    ("around the end, then back through the door", vertical(600, (100, 300)) + [(300, 300)] * 3
     + vertical(300, (300, 100)), ["out"]),
    ("born on the line has no old side", vertical(300, (200, 400)), []),
    ("walk along the line", [(x, 200) for x in ramp(0, 600)], []),
]  # fmt: skip


@pytest.mark.parametrize(("name", "path", "expected"), CASES, ids=[c[0] for c in CASES])
def test_line_counter_directions(name: str, path: list, expected: list[str]) -> None:
    counter = LineCounter("door", A, B, min_distance=10, min_frames=3)
    crossings = run(counter, path)
    assert [c.direction for c in crossings] == expected
    assert (counter.in_count, counter.out_count) == (expected.count("in"), expected.count("out"))


def test_crossing_ts_is_when_the_anchor_crossed_and_it_is_reported_after_confirmation() -> None:
    counter = LineCounter("door", A, B, min_distance=10, min_frames=3)
    path = vertical(300, (100, 300))  # y=210 (first point past the line) is frame 11
    reported_at = None
    for i, (x, y) in enumerate(path):
        got = counter.update(frame((7, x, y)), ts=i / 10)
        if got:
            reported_at, crossing = i, got[0]
    assert reported_at == 13  # frames 11, 12, 13 are >= 10 px below the line
    assert crossing == LineCrossing(ts=1.1, line_id="door", track_id=7, class_id=0, direction="in")


def test_counts_per_class_and_role() -> None:
    counter = LineCounter("door", A, B, min_distance=10, min_frames=2)
    roles = {1: "customer", 2: "staff"}
    for i, y in enumerate(ramp(100, 300)):
        objs = [(1, 200, y), (2, 300, y), (3, 400, y, 2), (4, 450, 400 - y)]  # 3 is a car; 4 goes out
        counter.update(frame(*objs), ts=i / 10, roles=roles)
    assert counter.count("in") == 3
    assert counter.count("out") == 1
    assert counter.count("in", class_id=0) == 2
    assert counter.count(role="staff") == 1
    assert counter.count("out", role="unknown") == 1
    totals = counter.totals()
    assert totals.by_class == {0: (2, 1), 2: (1, 0)}
    assert totals.by_role == {"customer": (1, 0), "staff": (1, 0), "unknown": (1, 1)}
    counter.reset_counts()
    assert (counter.in_count, counter.out_count) == (0, 0)


def test_untracked_detections_are_ignored() -> None:
    counter = LineCounter("door", A, B, min_distance=10, min_frames=1)
    for i, y in enumerate(ramp(100, 300)):
        counter.update(frame((-1, 300, y)), ts=i / 10)
    assert counter.in_count == 0 and counter.active_tracks == 0


@pytest.mark.parametrize(("gap", "expected"), [(2.0, 1), (6.0, 0)])
def test_tracks_are_forgotten_after_max_age(gap: float, expected: int) -> None:
    counter = LineCounter("door", A, B, min_distance=10, min_frames=2, max_age=5.0)
    counter.update(frame((1, 300, 100)), ts=0.0)
    counter.update(frame((1, 300, 100)), ts=0.1)
    counter.update(Detections.empty(), ts=0.1 + gap)  # expiry is checked on every update
    counter.update(frame((1, 300, 300)), ts=0.2 + gap)
    counter.update(frame((1, 300, 300)), ts=0.3 + gap)
    assert counter.in_count == expected


@pytest.mark.parametrize(("score", "expected"), [(0.9, 1), (0.1, 0)])
def test_visible_ankles_are_the_anchor(score: float, expected: int) -> None:
    """The box bottom stays above the line; only the ankles cross it."""
    counter = LineCounter("door", A, B, min_distance=10, min_frames=2)
    for i, y in enumerate(ramp(100, 300)):
        kp = np.zeros((1, 17, 3), np.float32)
        kp[0, 15] = (295, y, score)
        kp[0, 16] = (305, y, score)
        counter.update(frame((1, 300, 150), keypoints=kp), ts=i / 10)
    assert counter.in_count == expected


def test_from_zone_uses_relative_points() -> None:
    zone = LineZone("door", (0.1, 0.5), (0.9, 0.5))
    counter = LineCounter.from_zone(zone, width=1000, height=400, min_frames=1)
    assert (counter.a.tolist(), counter.b.tolist()) == ([100.0, 200.0], [900.0, 200.0])
    assert [c.direction for c in run(counter, vertical(500, (100, 300)))] == ["in"]
