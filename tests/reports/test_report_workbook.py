"""Excel and CSV reports from a store with known numbers (written by the real writer), and from the demo."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from app.config import SiteConfig
from app.reports.builder import build_report
from app.reports.csvfiles import write_csv
from app.reports.excel import write_xlsx
from app.store.db import Store, open_store
from app.store.records import EventRecord
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from tests.cli_support import run_cli
from tests.fixtures_demo import DemoRun
from tests.fixtures_stats import T0, build_store
from tests.reports.report_support import (
    assert_workbook_equals_stats,
    seconds,
    sheet_rows,
    sheet_xml,
    summary_rows,
)

pytestmark = pytest.mark.timeout(300)

DAY = dt.datetime(2026, 11, 20, tzinfo=dt.timezone(dt.timedelta(hours=1))).timestamp()  # Berlin midnight
EVIL = '=HYPERLINK("http://x","y")'
TOPICS = ["Footfall by hour", "Footfall by day", "Occupancy", "Dwell by zone", "Visits", "Funnel"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = build_store(f"sqlite:///{tmp_path / 'shop' / 'storesight.db'}", tmp_path / "shop")
    yield s
    s.close()


def test_workbook_has_the_sheets_charts_and_formats(store: Store, tmp_path: Path) -> None:
    path = write_xlsx(build_report(store, DAY, DAY + 86400), tmp_path / "out" / "day.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Summary" and wb.sheetnames[1:7] == TOPICS
    assert {"Queues", "Queue by hour", "Queue alerts"} <= set(wb.sheetnames)  # the queue module is installed
    assert pd.read_excel(path, sheet_name=None).keys() == set(wb.sheetnames)  # pandas reads every sheet

    hourly = wb["Footfall by hour"]
    assert hourly.freeze_panes == "B2" and hourly.auto_filter.ref == "A1:G4"
    assert [c.value for c in hourly[1]] == [
        "Hour",
        "Front door / Entrance: in",
        "Front door / Entrance: out",
        "back / Back door: in",
        "back / Back door: out",
        "All lines: in",
        "All lines: out",
    ]
    assert [[c.value for c in row] for row in hourly.iter_rows(min_row=2, max_col=7)] == [
        [dt.datetime(2026, 11, 20, 11), 3, 1, 1, 0, 4, 1],  # Berlin hours; staff left out
        [dt.datetime(2026, 11, 20, 12), 0, 0, 0, 0, 0, 0],
        [dt.datetime(2026, 11, 20, 13), 1, 1, 0, 0, 1, 1],
    ]
    assert hourly["A2"].number_format == "yyyy-mm-dd hh:mm" and hourly["B2"].number_format == "#,##0"
    assert hourly["A1"].font.b and hourly.column_dimensions["B"].width >= 10

    dwell = wb["Dwell by zone"]
    assert dwell.freeze_panes == "A2"
    dairy = next(r for r in dwell.iter_rows(min_row=2) if r[1].value == "Dairy")
    assert dairy[4].number_format == "[h]:mm:ss"
    assert seconds(dairy[4].value) == pytest.approx(40.0)  # mean of 10, 20, 30, 40, 100 s, as an Excel time
    funnel = {r["Department"]: r for r in sheet_rows(path, "Funnel")}
    assert funnel["(any department)"]["Conversion to checkout"] == 0.75
    assert wb["Funnel"]["G2"].number_format == "0.0%"

    xml = sheet_xml(path)
    charts = sorted(n for n in xml if n.startswith("xl/charts/chart"))
    assert len(charts) == 2  # footfall by hour and by day (no queue data in this store)
    assert all("<c:barChart>" in xml[c] for c in charts)
    assert "All lines: in" in xml[charts[0]] or "$F$1" in xml[charts[0]]
    assert all("<f>" not in text for name, text in xml.items() if name.startswith("xl/worksheets/"))


def test_summary_compares_with_the_previous_period(store: Store, tmp_path: Path) -> None:
    # 12:00–14:00 Berlin against 10:00–12:00: the 11:00 hour had 3 in / 1 out, later hours 1 in / 1 out
    report = build_report(store, T0 + 3600, T0 + 3 * 3600, ["door"])
    path = write_xlsx(report, tmp_path / "r.xlsx")
    rows = summary_rows(path)
    entries = rows["Entries (people in)"]
    assert (entries["This period"], entries["Previous period"], entries["Change"]) == (1, 3, -2)
    assert entries["Change, %"] == pytest.approx(-2 / 3)
    assert rows["Busiest hour"]["This period"] == "2026-11-20 13:00 (1 in)"
    assert rows["Visits"]["Previous period"] == 5 and rows["Visits"]["This period"] == 0
    assert rows["Conversion (came in → checkout)"]["Previous period"] == 0.75
    wb = openpyxl.load_workbook(path)
    ws = wb["Summary"]
    assert ws["B3"].value == "2026-11-20 12:00 – 2026-11-20 14:00 (the end is not included)"
    assert ws["B4"].value == "2026-11-20 10:00 – 2026-11-20 12:00"
    assert ws["B5"].value == "Front door (door)" and ws["B7"].value == "Europe/Berlin"
    links = [c.hyperlink.location for c in ws["A"] if c.hyperlink is not None]
    assert "'Footfall by hour'!A1" in links and len(links) == len(wb.sheetnames) - 1
    # the key numbers are the stats numbers: the summary and the topic sheets agree
    hourly = sheet_rows(path, "Footfall by hour")
    assert sum(r["Entrance: in"] for r in hourly) == entries["This period"]


def test_workbook_numbers_equal_storesight_stats(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(store.url)
    code, out, err = run_cli(
        capsys, "stats", "--db", url, "--camera", "door", "--from", "2026-11-20", "--to", "2026-11-20"
    )
    assert code == 0, err
    xlsx = tmp_path / "door.xlsx"
    code, _, err = run_cli(
        capsys,
        "report",
        "--db",
        url,
        "--camera",
        "door",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
        "--xlsx",
        str(xlsx),
    )
    assert code == 0, err
    assert assert_workbook_equals_stats(xlsx, out) >= 40


def _evil_store(tmp_path: Path) -> Store:
    site: dict[str, Any] = {
        "site": {"name": "@Evil shop", "timezone": "UTC"},
        "cameras": [
            {
                "id": "cam1",
                "name": EVIL,
                "source": "a.mp4",
                "zones": [
                    {"id": "z1", "name": EVIL, "type": "department", "points": [[0, 0], [1, 0], [1, 1]]},
                    {"id": "l1", "name": "-1+1", "type": "entrance_line", "points": [[0.5, 0], [0.5, 1]]},
                ],
            }
        ],
    }
    store = open_store(f"sqlite:///{tmp_path / 'evil.db'}")
    cams = sync_site(store, SiteConfig.model_validate(site))
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["cam1"], "a.mp4")
        w.put_event(
            run, EventRecord("cam1", T0 + 5, "footfall", "in", zone_id="l1", payload={"role": "customer"})
        )
        w.put_event(
            run,
            EventRecord(
                "cam1", T0, "zones", "dwell", zone_id="z1", payload={"role": "customer"}, ts_end=T0 + 9
            ),
        )
        w.finish_run(run, RunStatus.COMPLETE)
    return store


def test_formula_like_names_stay_text(tmp_path: Path) -> None:
    store = _evil_store(tmp_path)
    report = build_report(store, T0 - 3600, T0 + 3600)
    path = write_xlsx(report, tmp_path / "evil.xlsx")
    xml = sheet_xml(path)
    sheets = {n: t for n, t in xml.items() if n.startswith("xl/worksheets/sheet")}
    assert not [n for n, t in sheets.items() if "<f>" in t or "<f " in t], "a formula was written"
    assert "HYPERLINK" not in "".join(
        sheets.values()
    )  # the text is in the shared strings, not a cell formula
    shared = xml["xl/sharedStrings.xml"]
    assert '<t>=HYPERLINK("http://x","y")</t>' in shared
    assert 'quotePrefix="1"' in xml["xl/styles.xml"]

    wb = openpyxl.load_workbook(path)
    occ = wb["Occupancy"]
    assert (occ["A2"].value, occ["B2"].value) == (EVIL, EVIL)
    assert occ["A2"].data_type == "s" and occ["A2"].quotePrefix and occ["B2"].quotePrefix
    assert not occ["C2"].quotePrefix  # ordinary text keeps the ordinary style
    hourly = wb["Footfall by hour"]
    assert hourly["B1"].value == "-1+1: in" and hourly["B1"].data_type == "s" and hourly["B1"].quotePrefix
    assert wb["Summary"]["B1"].value == "@Evil shop" and wb["Summary"]["B1"].quotePrefix

    files = {p.name: p for p in write_csv(report, tmp_path / "csv", sep=",")}
    with files["occupancy.csv"].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1][:2] == ["'" + EVIL, "'" + EVIL]
    with files["footfall_by_hour.csv"].open(encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f))[1] == "'-1+1: in"
    store.close()


def test_csv_files_for_excel(store: Store, tmp_path: Path) -> None:
    report = build_report(store, DAY, DAY + 86400, ["door"])
    files = write_csv(report, tmp_path / "csv")
    assert [f.name for f in files][:7] == [
        "summary.csv",
        "footfall_by_hour.csv",
        "footfall_by_day.csv",
        "occupancy.csv",
        "dwell_by_zone.csv",
        "visits.csv",
        "funnel.csv",
    ]
    assert all(f.parent == (tmp_path / "csv").resolve() for f in files)
    raw = (tmp_path / "csv" / "dwell_by_zone.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # UTF-8 BOM, CRLF
    text = raw.decode("utf-8-sig").splitlines()
    assert text[0].split(";")[3:6] == ["Stays", "Mean stay (s)", "Median stay (s)"]
    assert text[1].split(";")[1:7] == ["Dairy", "Department", "5", "40", "30", "76"]
    funnel = (tmp_path / "csv" / "funnel.csv").read_text(encoding="utf-8-sig").splitlines()
    assert funnel[1].split(";")[1:] == ["(any department)", "4", "4", "100", "3", "75"]
    visits = (tmp_path / "csv" / "visits.csv").read_text(encoding="utf-8-sig").splitlines()
    assert visits[1] == "Front door;5;120;90;228"
    summary = (tmp_path / "csv" / "summary.csv").read_text(encoding="utf-8-sig")
    assert "Entries (people in);4;0;4;;" in summary and "Times in;Europe/Berlin" in summary

    en = write_csv(report, tmp_path / "en", sep=",", decimal=".", prefix="../day ")
    assert en[0].name == "day summary.csv" and en[0].parent == (tmp_path / "en").resolve()
    occ = next(f for f in en if f.name.endswith("occupancy.csv")).read_text(encoding="utf-8-sig").splitlines()
    assert occ[1] == "Front door,Dairy,Department,4,2026-11-20 11:00:20,5"
    hourly = pd.read_csv(next(f for f in en if f.name.endswith("footfall_by_hour.csv")), encoding="utf-8-sig")
    assert hourly["Entrance: in"].tolist() == [3, 0, 1]


@pytest.mark.parametrize(
    ("sep", "decimal", "message"),
    [(";", ";", "use ',"), ("|", None, "use ';'"), (",", ",", "cannot both be")],
)
def test_csv_rejects_bad_separators(
    store: Store, tmp_path: Path, sep: str, decimal: str | None, message: str
) -> None:
    from app.errors import UserError

    report = build_report(store, DAY, DAY + 86400, ["door"])
    with pytest.raises(UserError, match=message):
        write_csv(report, tmp_path, sep=sep, decimal=decimal)


def test_empty_period_still_makes_a_readable_workbook(store: Store, tmp_path: Path) -> None:
    report = build_report(store, DAY - 86400, DAY)  # the day before: nothing stored
    path = write_xlsx(report, tmp_path / "empty")
    assert path.name == "empty.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb["Footfall by hour"]["A2"].value == "No line crossings in this period."
    assert wb["Visits"]["A2"].value == "No visits in this period."
    assert not [n for n in sheet_xml(path) if n.startswith("xl/charts/")]  # no empty charts
    assert summary_rows(path)["Entries (people in)"]["This period"] == 0


@pytest.mark.slow
@pytest.mark.timeout(900)  # it may be the test that makes the session's shared demo run
def test_demo_workbook_equals_stats_and_has_every_sheet(
    demo_db: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = demo_db.url  # read only: the workbook and CSV files go to tmp_path
    period = ["--from", "2026-11-20", "--to", "2026-11-20"]
    code, out, err = run_cli(capsys, "stats", "--db", url, *period)
    assert code == 0, err
    xlsx, folder = tmp_path / "demo.xlsx", tmp_path / "demo-csv"
    code, printed, err = run_cli(
        capsys, "report", "--db", url, *period, "--xlsx", str(xlsx), "--csv", str(folder)
    )
    assert code == 0, err
    assert re.search(r"built in \d+\.\d\d s", printed)
    assert assert_workbook_equals_stats(xlsx, out) >= 20
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[:7] == ["Summary", *TOPICS]
    entries = summary_rows(xlsx)["Entries (people in)"]["This period"]
    assert entries == sum(r["Entrance: in"] for r in sheet_rows(xlsx, "Footfall by hour")) > 0
    charts = [t for n, t in sheet_xml(xlsx).items() if n.startswith("xl/charts/chart")]
    queue_hours = sheet_rows(xlsx, "Queue by hour")
    # footfall by hour and by day, and the queue's line chart when the demo ran the queue module
    assert len(charts) == 2 + bool(queue_hours)
    assert sum("<c:lineChart>" in t for t in charts) == bool(queue_hours)
    frames = pd.read_excel(xlsx, sheet_name=None)
    assert frames["Dwell by zone"]["Stays"].sum() > 0
    names = {p.name for p in folder.iterdir()}
    mine = ("summary", "footfall_by_hour", "footfall_by_day", "occupancy", "dwell_by_zone", "visits", "funnel",
            "queues", "queue_by_hour", "queue_alerts")  # fmt: skip
    assert {f"{k}.csv" for k in mine} <= names and len(names) == len(wb.sheetnames)  # one CSV per sheet
