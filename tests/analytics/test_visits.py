"""VisitTracker: first/last seen and entrance-line visits, ID-switch joining, zone path, funnel."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.lines import LineCounter, LineCrossing
from analytics.types import Detections
from analytics.visits import Visit, VisitTracker, funnel
from analytics.zones import ZoneEvent, ZoneTracker


def frame(*objs: tuple) -> Detections:
    """Detections from ``(track_id, x, y[, class_id])`` anchors (bottom-centre of a 20×40 box)."""
    return Detections(
        xyxy=np.array([[o[1] - 10, o[2] - 40, o[1] + 10, o[2]] for o in objs], dtype=np.float32).reshape(
            -1, 4
        ),
        confidence=[0.9] * len(objs),
        class_id=[o[3] if len(o) > 3 else 0 for o in objs],
        tracker_id=[o[0] for o in objs],
    )


def feed(vt: VisitTracker, frames: list[tuple[float, list[tuple]]], until: float = 30.0) -> list[Visit]:
    """Feed ``(ts, objects)`` frames, then empty frames up to ``until`` so every visit closes."""
    out: list[Visit] = []
    for ts, objs in frames:
        out += vt.update(frame(*objs), ts)
    out += vt.update(Detections.empty(), until)
    return out


def walk(
    tid: int, t0: float, t1: float, x0: float, dx: float = 10.0, cls: int = 0
) -> list[tuple[float, list]]:
    """Track ``tid`` seen every 0.5 s from t0 to t1 inclusive, moving right by dx per frame at y=300."""
    n = round((t1 - t0) / 0.5)
    return [(t0 + 0.5 * i, [(tid, x0 + dx * i, 300.0, cls)]) for i in range(n + 1)]


JOIN_CASES = [
    # name, frames, expected track_ids per visit
    ("id switch nearby is joined", walk(1, 0, 5, 100) + walk(2, 5.5, 9, 220), [(1, 2)]),
    ("far-away new track is a new visit", walk(1, 0, 5, 100) + walk(2, 5.5, 9, 600), [(1,), (2,)]),
    ("too late to be the same person", walk(1, 0, 5, 100) + walk(2, 8.5, 9, 200), [(1,), (2,)]),
    ("other class is not joined", walk(1, 0, 5, 100) + walk(2, 5.5, 9, 200, cls=2), [(1,), (2,)]),
    ("two switches in a row", walk(1, 0, 2, 100) + walk(2, 3, 5, 150) + walk(3, 6, 8, 210), [(1, 2, 3)]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "frames", "expected"), JOIN_CASES, ids=[c[0] for c in JOIN_CASES])
def test_id_switch_joining(name: str, frames: list, expected: list[tuple[int, ...]]) -> None:
    vt = VisitTracker(join_seconds=2.0, join_distance=80.0, lost_timeout=2.0)
    visits = sorted(feed(vt, frames), key=lambda v: v.visit_id)
    assert [v.track_ids for v in visits] == expected


def test_joined_visit_runs_from_first_to_last_sighting() -> None:
    vt = VisitTracker(join_seconds=2.0, join_distance=80.0)
    [visit] = feed(vt, walk(1, 0, 5, 100) + walk(2, 6, 9, 190))
    assert (visit.start_ts, visit.end_ts, visit.duration, visit.end_reason) == (0.0, 9.0, 9.0, "lost")


def test_a_visit_closes_after_the_timeout_not_before() -> None:
    vt = VisitTracker(join_seconds=1.0, lost_timeout=3.0)
    for ts, objs in walk(1, 0, 2, 100):
        assert vt.update(frame(*objs), ts) == []
    assert vt.open_count == 1
    assert vt.update(Detections.empty(), 5.0) == []  # 3.0 s after the last sighting
    [visit] = vt.update(Detections.empty(), 5.5)
    assert (visit.end_ts, vt.open_count) == (2.0, 0)


def test_simultaneous_switches_pair_by_distance() -> None:
    vt = VisitTracker(join_seconds=2.0, join_distance=100.0)
    frames = [(0.0, [(1, 100, 300), (2, 300, 300)]), (0.5, [(1, 110, 300), (2, 290, 300)])]
    frames += [(1.0, [(4, 120, 300), (3, 280, 300)])]  # both switch at once
    visits = feed(vt, frames)
    assert sorted(v.track_ids for v in visits) == [(1, 4), (2, 3)]


def test_role_is_the_most_reported_one() -> None:
    vt = VisitTracker()
    roles = [{1: "customer"}, {1: "staff"}, {1: "staff"}, {}]
    out = []
    for i, r in enumerate(roles):
        out += vt.update(frame((1, 100, 300)), i * 0.5, roles=r)
    out += vt.flush(10.0)
    assert [(v.role, v.end_reason, v.end_ts) for v in out] == [("staff", "flush", 1.5)]


def test_min_duration_drops_blips() -> None:
    vt = VisitTracker(min_duration=1.0)
    visits = feed(vt, walk(1, 0, 0.5, 100) + walk(2, 0, 3, 900))
    assert [v.track_ids for v in visits] == [(2,)]


def crossing(ts: float, tid: int, direction: str) -> LineCrossing:
    return LineCrossing(ts, "door", tid, 0, direction)  # type: ignore[arg-type]


def test_entrance_line_bounds_the_visit_and_passers_by_make_none() -> None:
    vt = VisitTracker(entrance_line="door", join_seconds=1.0)
    out = []
    out += vt.update(frame((1, 100, 100), (9, 500, 50)), 0.0)
    out += vt.update(frame((1, 100, 150), (9, 520, 50)), 1.0, crossings=[crossing(0.8, 1, "in")])
    zone = [ZoneEvent("enter", 1.5, "dept", 1, 0), ZoneEvent("enter", 1.9, "dept", 9, 0)]
    out += vt.update(frame((1, 100, 200), (9, 540, 50)), 2.0, zone_events=zone)
    left = ZoneEvent("exit", 2.8, "dept", 1, 0, duration=1.3)
    out += vt.update(frame((1, 100, 200)), 3.0, zone_events=[left])
    out += vt.update(frame((1, 100, 250)), 4.0, zone_events=[ZoneEvent("enter", 3.5, "checkout", 1, 0)])
    out += vt.update(frame((1, 100, 150)), 5.0, crossings=[crossing(4.7, 1, "out"), crossing(4.8, 9, "out")])
    out += vt.update(frame((1, 100, 100)), 6.0)
    out += vt.update(Detections.empty(), 20.0)
    assert out == [Visit(1, (1,), 0.8, 4.7, 4.7 - 0.8, ("door", "dept", "checkout"), "unknown", 0, "exit")]


def test_entrance_visit_survives_an_id_switch_and_ends_at_the_new_tracks_exit() -> None:
    vt = VisitTracker(entrance_line="door", join_seconds=2.0, join_distance=80.0)
    out = vt.update(frame((1, 100, 300)), 0.0, crossings=[crossing(0.0, 1, "in")])
    out += vt.update(frame((1, 110, 300)), 1.0)
    out += vt.update(frame((2, 150, 300)), 2.0)  # switch: id 2 starts 40 px away
    out += vt.update(frame((5, 900, 300)), 2.5)  # a stranger far away: pending, not a visit
    out += vt.update(frame((2, 150, 300)), 3.0, crossings=[crossing(2.9, 2, "out")])
    assert [(v.track_ids, v.start_ts, v.end_ts, v.end_reason) for v in out] == [((1, 2), 0.0, 2.9, "exit")]
    assert vt.open_count == 0


def test_full_pipeline_line_zone_visit() -> None:
    """A shopper walks in through the door, into a department, back out: one visit, exact times."""
    line = LineCounter("door", (0, 100), (400, 100), min_distance=10, min_frames=2)
    zones = ZoneTracker({"dept": [(0, 200), (400, 200), (400, 400), (0, 400)]}, min_frames=2)
    vt = VisitTracker(entrance_line="door")
    ys = [50, 60, 70, 80, 90, 100, 120, 140, 160, 180, 220, 260, 300, 300, 300, 260, 180, 140, 100, 80, 60]
    visits: list[Visit] = []
    for i, y in enumerate(ys):
        ts = i / 2
        dets = frame((1, 200, y))
        crossings = line.update(dets, ts)
        events = zones.update(dets, ts)
        visits += vt.update(dets, ts, crossings=crossings, zone_events=events)
    visits += vt.flush(ts=100.0)
    # In: first point past the line is y=120 (frame 6, ts 3.0); out: first above it is y=80 (frame 19, 9.5).
    assert visits == [Visit(1, (1,), 3.0, 9.5, 6.5, ("door", "dept"), "unknown", 0, "exit")]


def visit(zones: tuple[str, ...], role: str = "customer") -> Visit:
    return Visit(0, (0,), 0.0, 1.0, 1.0, zones, role, 0, "exit")


MIXED = [visit(("door", "dairy")), visit(("door",)), visit(("door", "dairy", "checkout"), "staff")]


@pytest.mark.parametrize(
    ("visits", "role", "expected"),
    [
        ([], None, [0, 0, 0]),
        ([visit(("door", "dairy", "checkout"))], None, [1, 1, 1]),
        ([visit(("door", "bakery", "dairy", "bakery", "checkout"))], None, [1, 1, 1]),  # detours are fine
        ([visit(("door", "checkout", "dairy"))], None, [1, 1, 0]),  # order matters
        ([visit(("dairy", "checkout"))], None, [0, 0, 0]),  # never came through the door
        (MIXED, None, [3, 2, 1]),
        (MIXED, "customer", [2, 1, 0]),  # the staff visit is left out
    ],
)
def test_funnel(visits: list[Visit], role: str | None, expected: list[int]) -> None:
    steps = ["door", "dairy", "checkout"]
    assert funnel(visits, steps, role=role) == list(zip(steps, expected, strict=True))
