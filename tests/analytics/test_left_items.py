"""LeftItemMonitor: owners, timing, ignore areas, watch zones — on hand-built sequences."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.left_items import LeftItemMonitor, StaticBlob

BAG = StaticBlob((200.0, 300.0, 230.0, 330.0), True)
NEAR = (180.0, 200.0, 220.0, 330.0)  # a person standing by the bag
FAR = (600.0, 200.0, 640.0, 330.0)


def run(m: LeftItemMonitor, seq) -> list:
    out = []
    for t, blobs, people, bags in seq:
        out += m.update(float(t), blobs=blobs, people=people, bags=bags)
    return out


def timeline(owner_until: float, *, owner_box=NEAR, end: float = 60.0, bag_from: float = 0.0, then_far: bool = False):
    seq = []
    for t in np.arange(0.0, end, 1.0):
        people = [(5, owner_box)] if t < owner_until else ([(5, FAR)] if then_far else [])
        blobs = [BAG] if t >= bag_from else []
        seq.append((t, blobs, people, []))
    return seq


CASES = [
    # (name, timeline kwargs, still_for, owner_gone_for, expected [(kind, owner, ts)])
    ("owner leaves at 5 s: left at still_for", {"owner_until": 5.0}, 20.0, 5.0, [("left", 5, 20.0)]),
    ("owner stays by it: nothing", {"owner_until": 100.0}, 20.0, 5.0, []),
    ("owner leaves late: left owner_gone after", {"owner_until": 30.0}, 20.0, 5.0, [("left", 5, 34.0)]),
    ("owner walks far but still seen: away counts", {"owner_until": 10.0, "then_far": True}, 20.0, 5.0,
     [("left", 5, 20.0)]),
    ("nobody around: left with no owner", {"owner_until": 0.0}, 20.0, 5.0, [("left", None, 20.0)]),
]


@pytest.mark.parametrize(("name", "kw", "still", "gone", "expected"), CASES, ids=[c[0] for c in CASES])
def test_left_table(name: str, kw: dict, still: float, gone: float, expected: list) -> None:
    m = LeftItemMonitor(still_for=still, owner_gone_for=gone)
    ev = run(m, timeline(**kw))
    assert [(e.kind, e.owner_track, e.ts) for e in ev] == expected


def test_picked_up_before_time_is_forgotten_and_reported_once() -> None:
    m = LeftItemMonitor(still_for=20, owner_gone_for=5, forget_after=3)
    seq = [(t, [BAG] if t < 10 else [], [], []) for t in range(0, 40)]
    assert run(m, seq) == [] and m.objects == 0
    m = LeftItemMonitor(still_for=5, owner_gone_for=0)
    ev = run(m, [(t, [BAG], [], []) for t in range(0, 60)])
    assert len(ev) == 1  # one report, not one per frame


def test_ignore_area_and_size_limits() -> None:
    m = LeftItemMonitor(still_for=5, owner_gone_for=0, ignore=[[(150, 250), (300, 250), (300, 400), (150, 400)]])
    assert run(m, [(t, [BAG], [], []) for t in range(0, 30)]) == []
    m = LeftItemMonitor(still_for=5, owner_gone_for=0, min_area=2000)
    assert run(m, [(t, [BAG], [], []) for t in range(0, 30)]) == []  # 30×30 = 900 px² is too small


def test_bag_box_from_the_detector_counts_and_names_the_object() -> None:
    m = LeftItemMonitor(still_for=10, owner_gone_for=3)
    seq = [(t, [], [(9, NEAR)] if t < 4 else [], [("suitcase", BAG.box)]) for t in range(0, 30)]
    ev = run(m, seq)
    assert [(e.kind, e.label, e.owner_track) for e in ev] == [("left", "suitcase", 9)]


def test_removed_item_is_missing_only_inside_a_watch_zone() -> None:
    gone = StaticBlob((200.0, 300.0, 230.0, 330.0), False)
    zone = {"display": [(190, 290), (260, 290), (260, 340), (190, 340)]}
    m = LeftItemMonitor(still_for=8, owner_gone_for=0, watch_zones=zone)
    ev = run(m, [(t, [gone], [], []) for t in range(0, 20)])
    assert [(e.kind, e.zone, e.ts) for e in ev] == [("missing", "display", 8.0)]
    m = LeftItemMonitor(still_for=8, owner_gone_for=0)
    assert run(m, [(t, [gone], [], []) for t in range(0, 20)]) == []  # outside watch zones: not reported
