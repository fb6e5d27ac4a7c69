"""The timesheet's arithmetic on synthetic track histories (times in hours after midnight)."""

from __future__ import annotations

import pytest

from analytics.worktime import Break, WorkRules, clip, merge, total, work_day

H = 3600.0
MIN = 60.0


def hours(*pairs: tuple[float, float]) -> list[tuple[float, float]]:
    return [(a * H, b * H) for a, b in pairs]


# A day: arrives 08:57, a 4-minute gap (not a break) at 10:00, coffee 11:00–11:20, lunch 13:00–13:45,
# leaves 18:02. Two cameras: the shop floor and the back room overlap at times.
DAY = (0.0, 24 * H)
FLOOR = hours((8.95, 10.0), (10 + 4 / 60, 11.0), (11 + 20 / 60, 13.0), (13.75, 15.5), (16.0, 18 + 2 / 60))
BACK = hours((15.4, 16.05))  # the back room camera bridges 15:30–16:00 on the floor camera


def test_arrival_two_breaks_departure_and_a_short_gap_that_is_not_a_break() -> None:
    d = work_day(FLOOR + BACK, rules=WorkRules(break_after=10 * MIN), day=DAY)
    assert d is not None
    assert d.arrival == pytest.approx(8.95 * H) and d.departure == pytest.approx((18 + 2 / 60) * H)
    assert d.breaks == (Break(11 * H, (11 + 20 / 60) * H), Break(13 * H, 13.75 * H))
    assert d.break_count == 2 and d.break_seconds == pytest.approx(65 * MIN)
    # 08:57 → 18:02 is 9 h 05 min, minus 65 min of breaks; the 4-minute gap counts as present
    assert d.present_seconds == pytest.approx(9 * H + 5 * MIN - 65 * MIN)
    assert d.sightings == 6


@pytest.mark.parametrize(
    ("break_after_min", "breaks"),
    [(3, 3), (4.5, 2), (20, 1), (30, 1), (50, 0)],  # gaps: 4, 20, 45 min (the back room closes 15:30–16:00)
)
def test_break_threshold(break_after_min: float, breaks: int) -> None:
    d = work_day(FLOOR + BACK, rules=WorkRules(break_after=break_after_min * MIN), day=DAY)
    assert d is not None and d.break_count == breaks


def test_without_the_back_room_camera_the_back_room_is_a_break() -> None:
    d = work_day(FLOOR, rules=WorkRules(break_after=10 * MIN), day=DAY)
    assert d is not None and d.break_count == 3 and d.breaks[-1] == Break(15.5 * H, 16 * H)


def test_workstation_and_customer_time_are_unions_clipped_to_the_working_day() -> None:
    till = hours((8.5, 9.5), (9.25, 10.0), (16.0, 17.0))  # overlap counts once; 8:30–8:57 is before arrival
    contacts = [(10 * H, 10 * H + 30), (12 * H, 12 * H + 5 * MIN), (12 * H + 4 * MIN, 12 * H + 6 * MIN)]
    d = work_day(FLOOR + BACK, rules=WorkRules(min_contact=60), day=DAY, workstation=till, contacts=contacts)
    assert d is not None
    assert d.workstation_seconds == pytest.approx((10.0 - 8.95) * H + 1 * H)
    assert d.customer_seconds == pytest.approx(6 * MIN)  # the 30-second contact is too short


@pytest.mark.parametrize(
    ("shift", "grace_min", "late_min", "early_min"),
    [
        ((9.0, 18.0), 0, 0, 0),  # came 3 min early, left 2 min late
        ((8.75, 18.5), 0, 12, 28),  # 08:45–18:30: 12 min late, 28 min early
        ((8.75, 18.5), 15, 0, 13),  # a 15-minute grace
    ],
)
def test_lateness_against_the_schedule(
    shift: tuple[float, float], grace_min: float, late_min: float, early_min: float
) -> None:
    d = work_day(
        FLOOR, rules=WorkRules(grace=grace_min * MIN), day=DAY, schedule=(shift[0] * H, shift[1] * H)
    )
    assert d is not None
    assert d.late_seconds == pytest.approx(late_min * MIN)
    assert d.left_early_seconds == pytest.approx(early_min * MIN)
    assert d.scheduled_seconds == pytest.approx((shift[1] - shift[0]) * H)


def test_the_day_clips_sightings_and_nobody_seen_is_none() -> None:
    night = hours((23.5, 25.0), (30.0, 31.0))  # 23:30 → 01:00 next day, then 06:00–07:00 next day
    d = work_day(night, day=DAY)
    assert d is not None and d.arrival == 23.5 * H and d.departure == 24 * H and d.sightings == 1
    assert work_day(night, day=(25 * H, 26 * H)) is None
    assert work_day([], day=DAY) is None


def test_a_single_frame_sighting_counts() -> None:
    d = work_day([(9 * H, 9 * H)], day=DAY)
    assert d is not None and d.arrival == d.departure == 9 * H and d.present_seconds == 0


@pytest.mark.parametrize(
    ("intervals", "gap", "expected"),
    [
        ([], 0.0, []),
        ([(0, 1), (1, 2)], 0.0, [(0.0, 2.0)]),
        ([(0, 1), (1.5, 2)], 0.4, [(0.0, 1.0), (1.5, 2.0)]),
        ([(0, 1), (1.5, 2)], 0.5, [(0.0, 2.0)]),
        ([(3, 4), (0, 10)], 0.0, [(0.0, 10.0)]),
        ([(5, 4)], 0.0, []),  # reversed: ignored
    ],
)
def test_merge(intervals: list[tuple[float, float]], gap: float, expected: list[tuple[float, float]]) -> None:
    assert merge(intervals, gap=gap) == expected


def test_clip_and_total() -> None:
    assert clip([(0, 10), (20, 30), (5, 5)], 5, 25) == [(5.0, 10.0), (20.0, 25.0), (5.0, 5.0)]
    assert clip([(0, 5)], 5, 10) == []  # touching the edge only
    assert total([(0, 10), (5, 15), (20, 21)]) == 16.0
