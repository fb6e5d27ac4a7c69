"""The timesheet from the database: tracks linked to employees, workstation stays, consultations, schedules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from app.errors import UserError
from app.store.db import Store
from app.store.timesheet import employee_days, timesheet, timesheet_breaks
from tests.fixtures_staff import DAY, at, build


@pytest.fixture
def db(tmp_path: Path) -> tuple[Store, int, int]:
    return build(f"sqlite:///{tmp_path / 't.db'}", tmp_path)


def test_timesheet_rows(db: tuple[Store, int, int]) -> None:
    store, _, boris = db
    df = timesheet(store, DAY)
    assert df.attrs["timezone"] == "Europe/Berlin"
    assert list(df.employee) == ["Anna", "Boris", "(unidentified staff)"]  # Clara is off on Fridays
    a = df.iloc[0].to_dict()
    assert (a["status"], a["schedule"], a["code"]) == ("present", "09:00–18:00 mon-fri", "A1")
    assert a["arrival"] == dt.datetime(2026, 11, 20, 9, 7) and a["departure"] == dt.datetime(
        2026, 11, 20, 17, 50
    )
    # breaks: 12:30–13:15 (45 min) and 15:20–15:40 (20 min); the 5-minute blind spot is not one
    assert (a["breaks"], a["break_min"]) == (2, 65.0)
    assert a["present_min"] == pytest.approx(8 * 60 + 43 - 65)
    assert a["workstation_min"] == 80.0  # only her till, not the bench
    assert a["with_customers_min"] == 9.0  # two overlapping consultations: 11:30–11:39
    assert (a["late_min"], a["left_early_min"]) == (7.0, 10.0)
    assert (a["tracks"], a["cameras"]) == (5, 2)
    b = df.iloc[1].to_dict()
    assert (b["employee_id"], b["status"], b["present_min"], b["breaks"]) == (boris, "absent", 0.0, 0)
    assert b["arrival"] is None or b["arrival"] != b["arrival"]  # None / NaT
    u = df.iloc[2].to_dict()
    assert pd.isna(u["employee_id"]) and (u["present_min"], u["with_customers_min"]) == (30.0, 2.0)
    assert df.employee_id.dtype == "Int64"


@pytest.mark.parametrize(
    ("break_minutes", "grace", "breaks", "late"), [(10, 0, 2, 7.0), (30, 0, 1, 7.0), (3, 10, 3, 0.0)]
)
def test_thresholds(
    db: tuple[Store, int, int], break_minutes: float, grace: float, breaks: int, late: float
) -> None:
    store, anna, _ = db
    df = timesheet(store, DAY, employee=anna, break_minutes=break_minutes, grace_minutes=grace)
    assert list(df.employee) == ["Anna"]
    assert df.breaks.iloc[0] == breaks and df.late_min.iloc[0] == late


def test_breaks_table(db: tuple[Store, int, int]) -> None:
    store, _, _ = db
    br = timesheet_breaks(store, "2026-11-20")
    assert [
        (r.employee, r.start.strftime("%H:%M"), r.end.strftime("%H:%M"), r.minutes) for r in br.itertuples()
    ] == [
        ("Anna", "12:30", "13:15", 45.0),
        ("Anna", "15:20", "15:40", 20.0),
    ]


def test_other_days_and_periods(db: tuple[Store, int, int]) -> None:
    store, anna, _ = db
    assert timesheet(store, DAY + dt.timedelta(days=1)).employee.tolist() == [
        "Clara"
    ]  # Saturday: scheduled, absent
    week = timesheet(store, DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=2), employee=anna)
    assert week.status.tolist() == ["absent", "present"]  # Thursday (scheduled), Friday; Saturday she is off
    days = employee_days(store, DAY, tz="UTC")  # in UTC the day starts an hour later: same sightings
    assert next(d for d in days if d.employee and d.employee.id == anna).work.arrival == at(9 + 7 / 60)  # type: ignore[union-attr]
    with pytest.raises(UserError, match="after its start"):
        timesheet(store, DAY, DAY)
    with pytest.raises(UserError, match="not a date"):
        timesheet(store, "20.11.2026")
    with pytest.raises(UserError, match="unknown time zone"):
        timesheet(store, DAY, tz="Mars/Olympus")
