"""The report's Shelf gaps, Shelf gap list and Left items sheets, read back from the written workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.reports.builder import build_report
from app.reports.excel import write_xlsx
from app.store import metrics
from app.store.db import open_store
from tests.fixtures_shelves import T0, build_shelf_store
from tests.reports.report_support import seconds, sheet_rows


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    d = tmp_path_factory.mktemp("shelfreport")
    store = build_shelf_store(f"sqlite:///{d / 's.db'}", d)
    report = build_report(store, T0 - 3600, T0 + 86400, compare=False)
    return write_xlsx(report, d / "r.xlsx"), store


def test_shelf_sheets_hold_the_metric_catalogues_numbers(workbook) -> None:  # type: ignore[no-untyped-def]
    path, store = workbook
    (zone,) = sheet_rows(path, "Shelf gaps")
    want = metrics.shelf_numbers(store, T0 - 3600, T0 + 86400).iloc[0]
    c = metrics.CATALOGUE
    assert (zone["Camera"], zone["Shelf"]) == ("Aisle 3", "Cereals")
    assert zone[c["shelf_gaps"].name] == want.shelf_gaps == 1  # the refilled one
    assert zone[c["shelf_open_now"].name] == want.shelf_open_now == 1  # segment 6, still empty
    assert seconds(zone[c["shelf_restock_median_s"].name]) == pytest.approx(want.shelf_restock_median_s)
    assert 200 <= want.shelf_restock_median_s <= 290  # emptied at 60 s, refilled at 300 s
    assert zone[c["shelf_gap_hours"].name] == pytest.approx(want.shelf_gap_hours, abs=1e-9)
    assert zone[c["shelf_shoppers"].name] == want.shelf_shoppers >= 3
    assert zone[c["shelf_lost_sales"].name] == pytest.approx(want.shelf_lost_sales) and want.shelf_lost_sales > 0
    assert zone["Conversion (your estimate)"] == pytest.approx(0.1)
    assert zone["Purchase value (your estimate)"] == pytest.approx(4.5)

    gaps = sheet_rows(path, "Shelf gap list")
    assert [(g["Row"], g["Segment"], g["Status"]) for g in gaps] == [(1, 2, "refilled"), (2, 3, "open")]
    first = gaps[0]
    assert abs((first["Gap began"] - dt.datetime(2026, 12, 1, 9, 1)).total_seconds()) <= 15
    assert seconds(first["Restock time"]) == pytest.approx(want.shelf_restock_median_s)
    assert first["Reached into the gap (pose)"] == 1  # the wrist keypoint inside the empty segment
    assert first["Empty (peak)"] >= 0.9 and first["Lost sales (estimate)"] == pytest.approx(want.shelf_lost_sales)
    assert gaps[1]["Duration"] is None and gaps[1]["Ended"] is None

    (item,) = sheet_rows(path, "Left items")
    assert (item["What"], item["Object"], item["Owner's track"], item["Photos"]) == ("left behind", "backpack", 7, 2)
    assert seconds(item["Still for"]) == pytest.approx(75.0)
    assert metrics.object_numbers(store, T0, T0 + 86400) == {"objects_left": 1, "objects_missing": 0}


def test_sites_without_the_modules_have_no_such_sheets(tmp_path: Path) -> None:
    report = build_report(open_store(f"sqlite:///{tmp_path / 'e.db'}"), T0, T0 + 86400, compare=False)
    assert not {"shelf_gaps", "shelf_gap_list", "left_items"} & {s.key for s in report.sheets}
