"""ZoneTracker: inertia, dwell intervals from timestamps, lost tracks, occupancy, flush."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.geometry import PolygonZone
from analytics.types import Detections
from analytics.zones import ZoneEvent, ZoneTracker

SQUARE = [(100, 100), (300, 100), (300, 300), (100, 300)]
IN, OUT = 200.0, 400.0  # x of an anchor inside / outside SQUARE (at y=200)


def frame(*objs: tuple) -> Detections:
    """Detections from ``(track_id, x, y)`` anchors (bottom-centre of a 20×40 box)."""
    return Detections(
        xyxy=np.array([[x - 10, y - 40, x + 10, y] for _, x, y in objs], dtype=np.float32).reshape(-1, 4),
        confidence=[0.9] * len(objs),
        class_id=[0] * len(objs),
        tracker_id=[o[0] for o in objs],
    )


def run(tracker: ZoneTracker, xs: list[float], track_id: int = 1) -> list[tuple]:
    """Feed one track along x positions (y=200) at ts = i / 10; return (kind, ts, duration) of events."""
    events: list[ZoneEvent] = []
    for i, x in enumerate(xs):
        events += tracker.update(frame((track_id, x, 200.0)), ts=i / 10)
    return [(e.kind, e.ts, e.duration) for e in events]


CASES = [
    # name, x per frame (10 fps), expected (kind, ts, duration)
    ("leave and re-enter gives two stays", [IN] * 20 + [OUT] * 10 + [IN] * 20 + [OUT] * 6,
     [("enter", 0.0, None), ("exit", 2.0, 2.0), ("enter", 3.0, None), ("exit", 5.0, 2.0)]),
    ("a flicker shorter than the inertia gives one stay", [IN] * 20 + [OUT] * 2 + [IN] * 18 + [OUT] * 6,
     [("enter", 0.0, None), ("exit", 4.0, 4.0)]),
    ("a glimpse inside does not enter", [OUT] * 5 + [IN] * 2 + [OUT] * 10, []),
    ("starting inside enters at the first sighting", [IN] * 3, [("enter", 0.0, None)]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "xs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_zone_stays(name: str, xs: list[float], expected: list[tuple]) -> None:
    assert run(ZoneTracker({"dept": SQUARE}, min_frames=3), xs) == expected


def test_events_are_reported_once_confirmed() -> None:
    zt = ZoneTracker({"dept": SQUARE}, min_frames=3)
    reported = [i for i, x in enumerate([IN] * 5) if zt.update(frame((1, x, 200.0)), ts=i / 10)]
    assert reported == [2]


def test_min_seconds_adds_time_inertia() -> None:
    zt = ZoneTracker({"dept": SQUARE}, min_frames=1, min_seconds=0.5)
    reported = {}
    for i in range(10):
        for e in zt.update(frame((1, IN, 200.0)), ts=i / 10):
            reported[i] = (e.kind, e.ts)
    assert reported == {5: ("enter", 0.0)}


def test_lost_track_exits_at_last_seen() -> None:
    zt = ZoneTracker({"dept": SQUARE}, min_frames=3, lost_timeout=2.0)
    run(zt, [IN] * 11)  # last seen at ts 1.0
    got = {}
    for i in range(11, 40):
        for e in zt.update(Detections.empty(), ts=i / 10):
            got[i] = (e.kind, e.ts, e.duration)
    assert got == {31: ("exit", 1.0, 1.0)}  # 3.1 − 1.0 > lost_timeout
    assert zt.occupancy() == {"dept": 0}


def test_lost_during_a_pending_exit_exits_when_it_stepped_out() -> None:
    zt = ZoneTracker({"dept": SQUARE}, min_frames=3, lost_timeout=1.0)
    events = run(zt, [IN] * 10 + [OUT])  # steps out at ts 1.0, then vanishes
    events += [(e.kind, e.ts, e.duration) for e in zt.update(Detections.empty(), ts=5.0)]
    assert events == [("enter", 0.0, None), ("exit", 1.0, 1.0)]


def test_a_track_missing_for_a_few_frames_keeps_its_stay() -> None:
    zt = ZoneTracker({"dept": SQUARE}, min_frames=3, lost_timeout=2.0)
    events = [(e.kind, e.ts) for i in range(5) for e in zt.update(frame((1, IN, 200.0)), ts=i / 10)]
    events += [(e.kind, e.ts) for e in zt.update(Detections.empty(), ts=1.5)]
    events += [(e.kind, e.ts) for i in range(20, 25) for e in zt.update(frame((1, IN, 200.0)), ts=i / 10)]
    assert events == [("enter", 0.0)]


def test_occupancy_per_zone_and_role() -> None:
    zones = {"a": SQUARE, "b": [(500, 100), (700, 100), (700, 300), (500, 300)]}
    zt = ZoneTracker(zones, min_frames=2)
    roles = {1: "staff", 2: "customer", 3: "customer"}
    for i in range(3):
        zt.update(frame((1, IN, 200), (2, 250, 250), (3, 600, 200), (4, 900, 200)), ts=i / 10, roles=roles)
    assert zt.occupancy() == {"a": 2, "b": 1}
    assert zt.occupancy(role="customer") == {"a": 1, "b": 1}
    assert zt.occupancy(role="staff") == {"a": 1, "b": 0}
    assert zt.occupancy_by_role() == {"a": {"staff": 1, "customer": 1}, "b": {"customer": 1}}
    assert (zt.inside(1), zt.inside(3), zt.inside(4)) == (("a",), ("b",), ())


def test_overlapping_zones_are_independent() -> None:
    zt = ZoneTracker({"store": [(0, 0), (1000, 0), (1000, 1000), (0, 1000)], "dept": SQUARE}, min_frames=1)
    events = run(zt, [IN, IN, 600.0])
    assert events == [("enter", 0.0, None), ("enter", 0.0, None), ("exit", 0.2, 0.2)]
    assert zt.inside(1) == ("store",)


def test_concave_zone_notch_is_outside() -> None:
    u_shape = [(0, 0), (300, 0), (300, 300), (200, 300), (200, 100), (100, 100), (100, 300), (0, 300)]
    zt = ZoneTracker({"u": u_shape}, min_frames=1)
    zt.update(frame((1, 150, 200), (2, 50, 200)), ts=0.0)
    assert (zt.inside(1), zt.inside(2)) == ((), ("u",))


def test_flush_closes_open_stays_at_last_seen() -> None:
    zt = ZoneTracker({"dept": SQUARE}, min_frames=2, lost_timeout=5.0)
    run(zt, [IN] * 10)  # last seen at 0.9
    closed = zt.flush(ts=2.0)
    assert closed == [ZoneEvent("exit", 0.9, "dept", 1, 0, "unknown", 0.9)]
    assert zt.flush(ts=3.0) == []
    assert zt.occupancy() == {"dept": 0}


def test_events_carry_role_and_class() -> None:
    zt = ZoneTracker({"dept": SQUARE}, min_frames=1)
    [event] = zt.update(frame((5, IN, 200)), ts=1.0, roles={5: "staff"})
    assert event == ZoneEvent("enter", 1.0, "dept", 5, 0, "staff", None)


def test_untracked_detections_are_ignored() -> None:
    zt = ZoneTracker({"dept": SQUARE}, min_frames=1)
    assert zt.update(frame((-1, IN, 200)), ts=0.0) == []
    assert zt.occupancy() == {"dept": 0}


def test_from_zones_converts_relative_polygons() -> None:
    zone = PolygonZone("dept", ((0.1, 0.25), (0.3, 0.25), (0.3, 0.75), (0.1, 0.75)))
    zt = ZoneTracker.from_zones([zone], width=1000, height=400, min_frames=1)
    zt.update(frame((1, 200, 200), (2, 500, 200)), ts=0.0)
    assert zt.occupancy() == {"dept": 1}
