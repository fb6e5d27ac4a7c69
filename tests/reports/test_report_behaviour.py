"""The behaviour sheets of the Excel report: shelf engagement, posture, consultations and checkout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.reports.builder import build_report
from app.reports.excel import write_xlsx
from app.store.db import open_store
from tests.fixtures_behaviour import T0, build_behaviour_store
from tests.reports.report_support import sheet_rows


def test_behaviour_sheets_in_the_workbook(tmp_path: Path) -> None:
    store = build_behaviour_store(f"sqlite:///{tmp_path / 'b.db'}", tmp_path)
    report = build_report(store, T0 - 3600, T0 + 3 * 3600)
    keys = [s.key for s in report.sheets]
    assert {"shelf_engagement", "posture", "consultations"} <= set(keys)
    path = write_xlsx(report, tmp_path / "r.xlsx")
    shelves = sheet_rows(path, "Shelf engagement")
    got = [(r["Hour"], r["Shelf"], r["Reaches"], r["People who reached"]) for r in shelves]
    assert got == [
        (dt.datetime(2026, 11, 20, 11), "Coffee", 3, 2),
        (dt.datetime(2026, 11, 20, 11), "Tea", 1, 1),
        (dt.datetime(2026, 11, 20, 12), "Coffee", 1, 1),
    ]
    postures = {r["Posture"]: r["Share of the time"] for r in sheet_rows(path, "Posture")}
    assert postures["walking"] == pytest.approx(30 / 46)
    (talk,) = sheet_rows(path, "Consultations")
    assert (
        talk["With a consultation"],
        talk["…then went to a checkout"],
        talk["Without a consultation"],
    ) == (2, 1, 3)
    assert talk["Uplift (difference)"] == pytest.approx(0.5 - 1 / 3)


def test_no_behaviour_sheets_without_behaviour_data() -> None:
    report = build_report(open_store("sqlite://"), 0.0, 86400.0, tz=None)
    assert not {"shelf_engagement", "posture", "consultations"} & {s.key for s in report.sheets}
