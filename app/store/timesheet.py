"""The staff timesheet: per employee and day, what the cameras saw (for the CLI and the Excel report).

For every active employee and calendar day (the site's time zone) :func:`timesheet` gives the first
arrival, the last departure, breaks (no camera saw them for longer than ``break_minutes``: count
and total), time present, time at their workstation zones, time with customers and lateness /
leaving early against their schedule. :func:`timesheet_breaks` lists every break.

Where the numbers come from:

* sightings — the employee's tracks (``tracks.employee_id``: identified by the role stage from
  their own uniform pictures, their assigned workstation or a face match, or labelled by the
  user), each ``first_ts``–``last_ts``, on any camera;
* workstation time — their tracks' stays (``zones`` / ``dwell`` events) in their assigned
  workstation zones (any ``workstation`` zone when none is assigned);
* time with customers — consultations (``contact`` / ``consultation`` events) whose member of
  staff is one of their tracks;
* staff tracks nobody identified are summed up as one more row, *unidentified staff* (id None),
  so the manager sees staff presence even before employees are told apart.

Days are calendar days: a night shift is split at midnight.

Example:
    >>> import datetime as dt
    >>> from app.store.db import open_store
    >>> timesheet(open_store("sqlite://"), dt.date(2026, 11, 20)).empty
    True
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import and_, or_, select

from analytics.worktime import Interval, WorkDay, WorkRules, work_day
from app.errors import UserError
from app.modules.behaviour.events import CONSULTATION
from app.modules.retail.events import ZONE_DWELL
from app.store.db import Store
from app.store.employees import EmployeeRow, Schedule, employees
from app.store.schema import Camera, Event, Track, Zone
from app.store.stats import local_time, site_timezone, timezone_name

UNIDENTIFIED = "(unidentified staff)"
EXIT_BAD_ARGS = 2

COLUMNS = [
    "date", "employee_id", "employee", "code", "status", "schedule", "arrival", "departure",
    "present_min", "breaks", "break_min", "workstation_min", "with_customers_min", "late_min",
    "left_early_min", "tracks", "cameras", "arrival_ts", "departure_ts",
]  # fmt: skip
BREAK_COLUMNS = ["date", "employee_id", "employee", "start", "end", "minutes", "start_ts", "end_ts"]


@dataclass(frozen=True, slots=True)
class EmployeeDay:
    """One employee's (or the unidentified staff's) day.

    Attributes:
        day: the calendar date (site time).
        employee: the employee, None for the unidentified staff.
        work: what the cameras saw, None when not seen.
        shift: the scheduled shift (epoch seconds), if any.
        tracks: tracks seen that day.
        cameras: cameras that saw them.
    """

    day: dt.date
    employee: EmployeeRow | None
    work: WorkDay | None
    shift: Interval | None
    tracks: int
    cameras: int

    @property
    def status(self) -> str:
        """``present``, ``absent`` (scheduled but not seen) or ``off`` (neither)."""
        if self.work is not None:
            return "present"
        return "absent" if self.shift is not None else "off"


def as_date(d: dt.date | str, what: str) -> dt.date:
    """A day from a date, a datetime or ``YYYY-MM-DD`` (``what`` names the option in the error)."""
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    try:
        return dt.date.fromisoformat(str(d).strip())
    except ValueError:
        raise UserError(f"{what}: {d!r} is not a date (use YYYY-MM-DD)", EXIT_BAD_ARGS) from None


def _bounds(day: dt.date, tz: dt.tzinfo | None) -> Interval:
    start = dt.datetime.combine(day, dt.time())
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    if tz is None:
        return start.astimezone().timestamp(), end.astimezone().timestamp()
    return start.replace(tzinfo=tz).timestamp(), end.replace(tzinfo=tz).timestamp()


def employee_days(
    store: Store,
    since: dt.date | str,
    until: dt.date | str | None = None,
    *,
    tz: dt.tzinfo | str | None = None,
    break_minutes: float = 10.0,
    min_contact_seconds: float = 0.0,
    grace_minutes: float = 0.0,
    employee: int | None = None,
    unidentified: bool = True,
) -> list[EmployeeDay]:
    """Every active employee's days in ``[since, until)`` (until: default the day after ``since``).

    Args:
        store: the database.
        since: first day (``date`` or ``YYYY-MM-DD``).
        until: day after the last one (exclusive).
        tz: the site's time zone (a name or tzinfo; default the site's, else the computer's).
        break_minutes: an absence from every camera longer than this is a break.
        min_contact_seconds: shorter consultations do not count as time with customers.
        grace_minutes: lateness and leaving early within this are not counted.
        employee: only this employee (row id).
        unidentified: add the unidentified staff's row.

    Raises:
        UserError: a bad date, ``until`` not after ``since``, or a bad time zone (exit code 2).
    """
    first = as_date(since, "--day")
    last = as_date(until, "--to") if until is not None else first + dt.timedelta(days=1)
    if last <= first:
        raise UserError("the end of the period must be after its start", EXIT_BAD_ARGS)
    zone = _zone(store, tz)
    rules = WorkRules(
        break_after=break_minutes * 60.0, min_contact=min_contact_seconds, grace=grace_minutes * 60.0
    )
    staff = [e for e in employees(store, active_only=True) if employee is None or e.id == employee]
    lo, _ = _bounds(first, zone)
    _, hi = _bounds(last - dt.timedelta(days=1), zone)
    data = _load(store, lo, hi)
    out: list[EmployeeDay] = []
    day = first
    while day < last:
        bounds = _bounds(day, zone)
        for e in staff:
            out.append(_day(day, e, e.id, bounds, rules, data, zone))
        if unidentified and employee is None:
            d = _day(day, None, None, bounds, rules, data, zone)
            if d.work is not None:
                out.append(d)
        day += dt.timedelta(days=1)
    return out


def _zone(store: Store, tz: dt.tzinfo | str | None) -> dt.tzinfo | None:
    if isinstance(tz, str):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError(
                f"unknown time zone {tz!r} (use an IANA name such as Europe/Moscow)", EXIT_BAD_ARGS
            ) from None
    return tz if tz is not None else site_timezone(store)


@dataclass(slots=True)
class _Data:
    seen: dict[int | None, list[tuple[Interval, int]]]  # employee → (interval, camera row id)
    track_ids: dict[int | None, int]  # employee → tracks
    workstation: dict[int | None, list[tuple[Interval, str, str]]]  # employee → (stay, camera, zone)
    contacts: dict[int | None, list[Interval]]


def _load(store: Store, lo: float, hi: float) -> _Data:
    """Staff tracks, their workstation stays and consultations overlapping ``[lo, hi)``."""
    is_staff = or_(Track.employee_id.is_not(None), Track.role == "staff")
    tq = select(Track.id, Track.run_id, Track.tracker_id, Track.camera_id, Track.first_ts, Track.last_ts,
                Track.employee_id).where(is_staff, Track.first_ts < hi, Track.last_ts >= lo)  # fmt: skip
    data = _Data(defaultdict(list), defaultdict(int), defaultdict(list), defaultdict(list))
    with store.session() as s:
        tracks = s.execute(tq).all()
        owner = {t.id: t.employee_id for t in tracks}
        by_run_tracker = {(t.run_id, t.tracker_id): t.employee_id for t in tracks}
        for t in tracks:
            data.seen[t.employee_id].append(((t.first_ts, t.last_ts), t.camera_id))
            data.track_ids[t.employee_id] += 1
        if not tracks:
            return data
        wq = (
            select(Event.track_id, Event.ts, Event.ts_end, Camera.config_id, Zone.config_id)
            .join(Zone, Event.zone_id == Zone.id)
            .join(Camera, Event.camera_id == Camera.id)
            .where(
                Event.module == ZONE_DWELL.module, Event.type == ZONE_DWELL.type, Zone.type == "workstation"
            )
            .where(Event.track_id.in_(list(owner)), Event.ts < hi, Event.ts_end >= lo)
        )
        for tid, ts, ts_end, cam, zone in s.execute(wq):
            data.workstation[owner[tid]].append(((ts, ts_end if ts_end is not None else ts), cam, zone))
        cq = select(Event.run_id, Event.ts, Event.ts_end, Event.payload).where(
            Event.module == CONSULTATION.module, Event.type == CONSULTATION.type, Event.ts < hi,
            or_(Event.ts_end >= lo, and_(Event.ts_end.is_(None), Event.ts >= lo)),
        )  # fmt: skip
        for run_id, ts, ts_end, payload in s.execute(cq):
            staff_track = (payload or {}).get("staff_track")
            key = (run_id, int(staff_track)) if staff_track is not None else None
            if key in by_run_tracker:
                data.contacts[by_run_tracker[key]].append((ts, ts_end if ts_end is not None else ts))
    return data


def _day(
    day: dt.date,
    emp: EmployeeRow | None,
    key: int | None,
    bounds: Interval,
    rules: WorkRules,
    data: _Data,
    tz: dt.tzinfo | None,
) -> EmployeeDay:
    seen = [iv for iv, _ in data.seen.get(key, [])]
    in_day = [(iv, cam) for iv, cam in data.seen.get(key, []) if iv[0] < bounds[1] and iv[1] >= bounds[0]]
    assigned = set(emp.workstations) if emp is not None else set()
    stays = [iv for iv, cam, zone in data.workstation.get(key, []) if not assigned or (cam, zone) in assigned]
    schedule: Schedule | None = emp.schedule if emp is not None else None
    shift = schedule.shift(day, tz) if schedule is not None else None
    work = work_day(seen, rules=rules, day=bounds, workstation=stays, contacts=data.contacts.get(key, []),
                    schedule=shift)  # fmt: skip
    return EmployeeDay(day, emp, work, shift, len(in_day), len({cam for _, cam in in_day}))


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 1)


def timesheet(
    store: Store, since: dt.date | str, until: dt.date | str | None = None, **kwargs: Any
) -> pd.DataFrame:
    """The timesheet as a table: one row per employee and day (columns :data:`COLUMNS`).

    Times (``arrival``, ``departure``) are naive wall-clock datetimes in the site's time zone (as in
    :mod:`app.store.stats`; the zone is in ``df.attrs["timezone"]``), next to exact epoch ``*_ts``;
    durations are minutes. Employees neither scheduled nor seen on a day are left out; scheduled
    but not seen: ``status`` ``absent``. Takes the arguments of :func:`employee_days`.
    """
    zone = _zone(store, kwargs.pop("tz", None))
    days = employee_days(store, since, until, tz=zone, **kwargs)
    rows = []
    for d in days:
        if d.status == "off":
            continue
        e, w = d.employee, d.work
        rows.append({
            "date": d.day,
            "employee_id": e.id if e else None,
            "employee": e.name if e else UNIDENTIFIED,
            "code": (e.code or "") if e else "",
            "status": d.status,
            "schedule": e.schedule.describe() if e and e.schedule else "",
            "arrival": local_time(w.arrival, zone) if w else None,
            "departure": local_time(w.departure, zone) if w else None,
            "present_min": _minutes(w.present_seconds) if w else 0.0,
            "breaks": w.break_count if w else 0,
            "break_min": _minutes(w.break_seconds) if w else 0.0,
            "workstation_min": _minutes(w.workstation_seconds) if w else 0.0,
            "with_customers_min": _minutes(w.customer_seconds) if w else 0.0,
            "late_min": _minutes(w.late_seconds) if w and d.shift else None,
            "left_early_min": _minutes(w.left_early_seconds) if w and d.shift else None,
            "tracks": d.tracks,
            "cameras": d.cameras,
            "arrival_ts": w.arrival if w else None,
            "departure_ts": w.departure if w else None,
        })  # fmt: skip
    df = pd.DataFrame(rows, columns=COLUMNS).astype(
        {"employee_id": "Int64"}
    )  # None stays <NA>, ids stay ints
    df.attrs["timezone"] = timezone_name(zone)
    return df


def timesheet_breaks(
    store: Store, since: dt.date | str, until: dt.date | str | None = None, **kwargs: Any
) -> pd.DataFrame:
    """Every break of every employee in the period (columns :data:`BREAK_COLUMNS`), in time order."""
    zone = _zone(store, kwargs.pop("tz", None))
    rows = []
    for d in employee_days(store, since, until, tz=zone, **kwargs):
        if d.work is None:
            continue
        for b in d.work.breaks:
            rows.append({
                "date": d.day,
                "employee_id": d.employee.id if d.employee else None,
                "employee": d.employee.name if d.employee else UNIDENTIFIED,
                "start": local_time(b.start, zone),
                "end": local_time(b.end, zone),
                "minutes": _minutes(b.duration),
                "start_ts": b.start,
                "end_ts": b.end,
            })  # fmt: skip
    df = pd.DataFrame(rows, columns=BREAK_COLUMNS).astype({"employee_id": "Int64"})
    df = df.sort_values(["date", "start_ts"], kind="stable")
    df = df.reset_index(drop=True)
    df.attrs["timezone"] = timezone_name(zone)
    return df
