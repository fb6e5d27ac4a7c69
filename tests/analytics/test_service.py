"""Unattended customers: alone in a department for N seconds with no staff within reach."""

from __future__ import annotations

import pytest

from analytics.service import UnattendedMonitor
from analytics.types import Detections

DEPT = {"dept": [(0, 0), (400, 0), (400, 400), (0, 400)]}
CUSTOMER, STAFF = 1, 2


def frame(*people: tuple[int, float]) -> Detections:
    """People (tracker id, x of the box's left edge), each 40 px wide and 100 px tall, feet at y=300."""
    return Detections(
        xyxy=[[x, 200, x + 40, 300] for _, x in people],
        confidence=[0.9] * len(people),
        class_id=[0] * len(people),
        tracker_id=[t for t, _ in people],
    )


ROLES = {CUSTOMER: "customer", STAFF: "staff"}


def run(
    mon: UnattendedMonitor, frames: list[tuple[float, Detections]], roles: dict[int, str] = ROLES
) -> list:
    return [e for ts, d in frames for e in mon.update(d, ts, roles=roles)]


def test_alert_after_n_seconds_alone_and_cleared_when_staff_comes() -> None:
    mon = UnattendedMonitor(DEPT, after=30.0, staff_distance=3.0, min_frames=2)
    alone = [(float(t), frame((CUSTOMER, 100))) for t in range(0, 40)]
    events = run(mon, alone)
    # enter confirmed on the 2nd frame but dated from the first: raised at 30 s
    assert [(e.kind, e.since, e.ts) for e in events] == [("start", 0.0, 30.0)]
    near = run(mon, [(40.0, frame((CUSTOMER, 100), (STAFF, 200)))])  # 100 px apart = 1 box height
    assert [(e.kind, e.reason, e.waited) for e in near] == [("end", "attended", 40.0)]


@pytest.mark.parametrize(
    ("staff_x", "alerts"),
    [(None, 1), (250, 0), (900, 1)],  # no staff / staff 1.5 heights away / staff 8 heights away
)
def test_staff_within_reach_keeps_the_clock_at_zero(staff_x: float | None, alerts: int) -> None:
    mon = UnattendedMonitor(DEPT, after=20.0, staff_distance=3.0, min_frames=1)
    people = [(CUSTOMER, 100.0)] + ([(STAFF, staff_x)] if staff_x is not None else [])
    events = run(mon, [(float(t), frame(*people)) for t in range(30)])
    assert sum(e.kind == "start" for e in events) == alerts


def test_the_clock_restarts_when_staff_leaves() -> None:
    mon = UnattendedMonitor(DEPT, after=20.0, min_frames=1)
    seq = [(float(t), frame((CUSTOMER, 100), (STAFF, 150))) for t in range(10)]
    seq += [(float(t), frame((CUSTOMER, 100))) for t in range(10, 40)]
    (start,) = run(mon, seq)
    assert start.since == 9.0 and start.ts == 29.0  # staff last near at 9 s


def test_not_before_n_seconds_and_never_for_unknown_people() -> None:
    mon = UnattendedMonitor(DEPT, after=30.0, min_frames=1)
    assert run(mon, [(float(t), frame((CUSTOMER, 100))) for t in range(30)]) == []  # 29 s alone
    mon2 = UnattendedMonitor(DEPT, after=10.0, min_frames=1)
    assert run(mon2, [(float(t), frame((7, 100))) for t in range(60)], roles={}) == []


def test_a_person_decided_customer_later_is_alerted_from_entering() -> None:
    mon = UnattendedMonitor(DEPT, after=10.0, min_frames=1)
    events = [
        e
        for t in range(20)
        for e in mon.update(frame((5, 100)), float(t), roles={5: "customer" if t >= 6 else "unknown"})
    ]
    assert [(e.kind, e.since, e.ts) for e in events] == [("start", 0.0, 10.0)]


@pytest.mark.parametrize(("last", "reason"), [("outside", "left"), ("gone", "lost")])
def test_the_alert_ends_when_the_customer_leaves_or_is_lost(last: str, reason: str) -> None:
    mon = UnattendedMonitor(DEPT, after=5.0, min_frames=1, lost_timeout=2.0)
    seq = [(float(t), frame((CUSTOMER, 100))) for t in range(8)]
    if last == "outside":
        seq.append((8.0, frame((CUSTOMER, 600))))
    else:
        seq += [(8.0, frame()), (9.0, frame()), (10.5, frame())]
    events = run(mon, seq)
    assert [e.kind for e in events] == ["start", "end"]
    assert events[-1].reason == reason and events[-1].ts == (8.0 if reason == "left" else 7.0)


def test_flush_ends_open_alerts() -> None:
    mon = UnattendedMonitor(DEPT, after=5.0, min_frames=1)
    run(mon, [(float(t), frame((CUSTOMER, 100))) for t in range(10)])
    assert [(e.kind, e.reason, e.ts) for e in mon.flush(12.0)] == [("end", "flush", 12.0)]
    assert mon.flush(13.0) == []
