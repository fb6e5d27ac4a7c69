"""Working time from video: an employee's day from the intervals the cameras saw them.

Input is plain intervals in epoch seconds — when the employee was seen (one per track, from any
camera), when they stood at their workstation, when they were with a customer — and optionally
the scheduled shift. :func:`work_day` clips everything to the day and returns a :class:`WorkDay`:

* **arrival** — the first sighting; **departure** — the last one;
* **breaks** — every time the employee was seen by *no* camera for longer than
  ``break_after`` seconds between arrival and departure (a shorter gap is a blind spot or a
  tracker hiccup, and counts as present);
* **present** — departure − arrival − breaks;
* **at workstation** / **with customers** — the union of those intervals (overlaps count once);
  contacts shorter than ``min_contact`` are left out;
* **late** / **left early** — against the shift, beyond ``grace`` seconds.

Example:
    >>> h = 3600.0
    >>> day = work_day([(9 * h, 12 * h), (12.5 * h, 18 * h)], rules=WorkRules(break_after=600),
    ...                schedule=(9 * h - 300, 18 * h))
    >>> day.present_seconds / h, day.break_count, day.break_seconds / 60, day.late_seconds
    (8.5, 1, 30.0, 300.0)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

Interval = tuple[float, float]


def merge(intervals: Iterable[Interval], *, gap: float = 0.0) -> list[Interval]:
    """Union of intervals, sorted; intervals closer than ``gap`` seconds are joined.

    Example:
        >>> merge([(5, 7), (0, 2), (1, 3), (3.5, 4)], gap=0.5)
        [(0.0, 4.0), (5.0, 7.0)]
    """
    out: list[list[float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in intervals if b >= a):
        if out and a - out[-1][1] <= gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def clip(intervals: Iterable[Interval], lo: float | None, hi: float | None) -> list[Interval]:
    """Intervals cut to ``[lo, hi]`` (None: open); what falls outside is dropped (a one-frame sighting inside stays)."""
    out = []
    for a, b in intervals:
        a2 = a if lo is None else max(a, lo)
        b2 = b if hi is None else min(b, hi)
        if b2 > a2 or (a == b and a2 == a == b2):
            out.append((float(a2), float(b2)))
    return out


def total(intervals: Iterable[Interval]) -> float:
    """Seconds covered by the union of the intervals."""
    return float(sum(b - a for a, b in merge(intervals)))


@dataclass(frozen=True, slots=True)
class WorkRules:
    """How a day is counted.

    Attributes:
        break_after: an absence from every camera longer than this (seconds) is a break.
        min_contact: shorter contacts with customers are not counted (seconds).
        grace: lateness and leaving early within this many seconds are not counted.
    """

    break_after: float = 600.0
    min_contact: float = 0.0
    grace: float = 0.0


@dataclass(frozen=True, slots=True)
class Break:
    """An absence from every camera, from ``start`` (last seen) to ``end`` (seen again)."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class WorkDay:
    """One employee's day as the cameras saw it.

    Attributes:
        arrival: first sighting (epoch seconds).
        departure: last sighting.
        present_seconds: departure − arrival − breaks.
        breaks: absences longer than the break threshold, in order.
        workstation_seconds: time at the workstation zones.
        customer_seconds: time with customers.
        scheduled: the shift (start, end) it was checked against, if any.
        late_seconds: arrival after the shift start (beyond the grace), else 0.
        left_early_seconds: departure before the shift end (beyond the grace), else 0.
        sightings: how many intervals (tracks) it was built from.
    """

    arrival: float
    departure: float
    present_seconds: float
    breaks: tuple[Break, ...]
    workstation_seconds: float
    customer_seconds: float
    scheduled: Interval | None
    late_seconds: float
    left_early_seconds: float
    sightings: int

    @property
    def break_count(self) -> int:
        """Number of breaks."""
        return len(self.breaks)

    @property
    def break_seconds(self) -> float:
        """Total length of the breaks."""
        return float(sum(b.duration for b in self.breaks))

    @property
    def span_seconds(self) -> float:
        """Departure − arrival."""
        return self.departure - self.arrival

    @property
    def scheduled_seconds(self) -> float | None:
        """Length of the shift, if any."""
        return None if self.scheduled is None else self.scheduled[1] - self.scheduled[0]


def work_day(
    seen: Iterable[Interval],
    *,
    rules: WorkRules | None = None,
    day: Interval | None = None,
    workstation: Iterable[Interval] = (),
    contacts: Iterable[Interval] = (),
    schedule: Interval | None = None,
) -> WorkDay | None:
    """Add up one employee's day.

    Args:
        seen: intervals the employee was seen (any camera; overlaps are fine).
        rules: break threshold, minimum contact, grace.
        day: the day's bounds ``(start, end)``; everything is clipped to it (None: no clipping).
        workstation: intervals at the employee's workstation zones.
        contacts: intervals with a customer (each one contact; shorter than ``min_contact`` dropped).
        schedule: the shift ``(start, end)`` to compare arrival and departure with.

    Returns:
        The day, or None when the employee was not seen.
    """
    r = rules or WorkRules()
    lo, hi = day if day is not None else (None, None)
    sightings = clip(seen, lo, hi)
    presence = merge(sightings)
    if not presence:
        return None
    arrival, departure = float(presence[0][0]), float(presence[-1][1])
    breaks = tuple(
        Break(float(a[1]), float(b[0]))
        for a, b in itertools.pairwise(presence)
        if b[0] - a[1] > r.break_after
    )
    present = departure - arrival - sum(b.duration for b in breaks)
    at_work = total(clip(workstation, arrival, departure))
    contact_list = [c for c in clip(contacts, arrival, departure) if c[1] - c[0] >= r.min_contact]
    late = left = 0.0
    if schedule is not None:
        late = max(0.0, arrival - schedule[0] - r.grace)
        left = max(0.0, schedule[1] - departure - r.grace)
    return WorkDay(
        arrival=arrival,
        departure=departure,
        present_seconds=float(present),
        breaks=breaks,
        workstation_seconds=at_work,
        customer_seconds=total(contact_list),
        scheduled=schedule,
        late_seconds=late,
        left_early_seconds=left,
        sightings=len(sightings),
    )
