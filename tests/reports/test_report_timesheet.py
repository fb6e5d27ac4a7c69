"""The staff timesheet sheet: the working-time module's numbers in the workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.config import SiteConfig
from app.reports.builder import build_report
from app.reports.excel import write_xlsx
from app.store import timesheet
from app.store.db import open_store
from app.store.employees import add_employee
from app.store.records import TrackRecord
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from tests.reports.report_support import seconds, sheet_rows

pytestmark = pytest.mark.timeout(120)

T0 = 1_795_168_800.0  # 2026-11-20 10:00 UTC
H = 3600.0


def test_timesheet_sheet_equals_the_timesheet(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    site = {"site": {"name": "Shop", "timezone": "UTC"}, "cameras": [{"id": "floor", "source": "f.mp4"}]}
    cams = sync_site(store, SiteConfig.model_validate(site))
    anna = add_employee(store, "Anna Petrova", code="A1")
    assert build_report(store, T0 - 10 * H, T0 + 14 * H).sheet("staff_timesheet").df.empty  # nobody seen yet
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["floor"], "f.mp4")
        # seen 10:00–13:00 and 13:30–18:00: one 30-minute break, 7.5 hours present
        for tid, a, b in ((1, 0.0, 3 * H), (2, 3.5 * H, 8 * H)):
            w.put_track(
                run, TrackRecord("floor", tid, 0, T0 + a, T0 + b, 100, "staff", 0.9, employee_id=anna.id)
            )
        w.finish_run(run, RunStatus.COMPLETE)
    report = build_report(store, T0 - 10 * H, T0 + 14 * H)  # the whole UTC day
    path = write_xlsx(report, tmp_path / "t.xlsx")
    (row,) = [r for r in sheet_rows(path, "Staff timesheet") if r["Employee"] == "Anna Petrova"]
    assert (row["Day"], row["Code"], row["Breaks"]) == (dt.datetime(2026, 11, 20), "A1", 1)
    assert (row["Arrived"], row["Left"]) == (dt.datetime(2026, 11, 20, 10), dt.datetime(2026, 11, 20, 18))
    assert seconds(row["Present"]) == pytest.approx(7.5 * H) and seconds(row["Break time"]) == pytest.approx(
        0.5 * H
    )
    direct = timesheet.timesheet(store, dt.date(2026, 11, 20)).set_index("employee").loc["Anna Petrova"]
    assert seconds(row["Present"]) == pytest.approx(direct.present_min * 60)
    store.close()
