"""The daily report scheduler with a clock the test moves."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from app.config import ReportsConfig
from app.reports.scheduler import DailyReportScheduler, DailyResult
from app.store.db import Store
from tests.fixtures_stats import build_store

pytestmark = pytest.mark.timeout(120)

BERLIN = ZoneInfo("Europe/Berlin")


def at(*args: int) -> float:
    return dt.datetime(*args, tzinfo=BERLIN).timestamp()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = build_store(f"sqlite:///{tmp_path / 'shop.db'}", tmp_path)
    yield s
    s.close()


def make(store: Store, folder: Path, **settings: object) -> DailyReportScheduler:
    cfg = ReportsConfig.model_validate({"daily": True, "daily_time": "07:00", **settings})
    return DailyReportScheduler(store, cfg, folder=folder, site="Stats shop")


@pytest.mark.parametrize(
    ("now", "due"),
    [
        ((2026, 11, 21, 7, 0, 30), [dt.date(2026, 11, 20)]),  # yesterday, just after the set time
        ((2026, 11, 21, 6, 59), [dt.date(2026, 11, 19)]),  # before it: the day before's report is the due one
        (
            (2026, 11, 23, 8, 0),
            [dt.date(2026, 11, 20), dt.date(2026, 11, 22)],
        ),  # missed days with data, and yesterday
        ((2026, 12, 5, 8, 0), [dt.date(2026, 12, 4)]),  # more than a week later: the old day is not caught up
    ],
)
def test_due_days(store: Store, tmp_path: Path, now: tuple[int, ...], due: list[dt.date]) -> None:
    assert make(store, tmp_path / "r").due_days(at(*now)) == due


def test_writes_yesterday_once_with_the_site_day(store: Store, tmp_path: Path) -> None:
    got: list[DailyResult] = []
    sched = make(store, tmp_path / "reports")
    sched.on_report = got.append
    done = sched.run_due(at(2026, 11, 21, 7, 1))
    assert [r.day for r in done] == [dt.date(2026, 11, 20)] and got == done
    path = tmp_path / "reports" / "StoreSight Stats shop 2026-11-20.xlsx"
    assert done[0].paths == (path.resolve(),) and path.is_file()
    ws = openpyxl.load_workbook(path)["Summary"]
    assert ws["B3"].value.startswith("2026-11-20 00:00 – 2026-11-21 00:00")
    assert ws["B4"].value == "2026-11-19 00:00 – 2026-11-20 00:00"
    hourly = openpyxl.load_workbook(path)["Footfall by hour"]
    assert [r[0].value.hour for r in hourly.iter_rows(min_row=2)] == [11, 12, 13]  # Berlin hours
    assert sched.run_due(at(2026, 11, 21, 7, 2)) == []  # already there
    assert sched.next_run(at(2026, 11, 21, 7, 2)) == dt.datetime(2026, 11, 22, 7, 0, tzinfo=BERLIN)


def test_csv_format_and_file_names_from_an_odd_site_name(store: Store, tmp_path: Path) -> None:
    sched = make(store, tmp_path / "r", formats=["csv", "xlsx"], csv_separator=",")
    sched.site = "../Shop: 1/2"
    (res,) = sched.run_due(at(2026, 11, 21, 9, 0))
    folder = tmp_path / "r" / "StoreSight _Shop_ 1_2 2026-11-20 csv"
    assert (tmp_path / "r" / "StoreSight _Shop_ 1_2 2026-11-20.xlsx").is_file()
    assert sorted(p.name for p in folder.iterdir())[:2] == ["dwell_by_zone.csv", "footfall_by_day.csv"]
    text = (folder / "visits.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].startswith("Front door,5,120,90,228")
    assert all(p.resolve().is_relative_to((tmp_path / "r").resolve()) for p in res.paths)


def test_old_daily_reports_are_pruned(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    old = folder / "StoreSight Stats shop 2026-11-01.xlsx"
    old_csv = folder / "StoreSight Stats shop 2026-11-02 csv"
    other = folder / "StoreSight Other shop 2026-11-01.xlsx"
    mine = folder / "budget 2026-11-01.xlsx"
    for p in (old, other, mine):
        p.write_bytes(b"x")
    old_csv.mkdir()
    (old_csv / "summary.csv").write_text("x")
    sched = make(store, folder, keep_days=7)
    sched.run_due(at(2026, 11, 21, 7, 30))
    assert not old.exists() and not old_csv.exists()
    assert other.exists() and mine.exists()
    assert (folder / "StoreSight Stats shop 2026-11-20.xlsx").exists()


def test_a_failure_is_logged_and_retried_later(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    sched = make(store, blocker)
    with caplog.at_level(logging.ERROR):
        assert sched.run_due(at(2026, 11, 21, 7, 1)) == []
    assert "could not be written" in caplog.text
    assert sched.run_due(at(2026, 11, 21, 7, 2)) == []  # waits before trying again
    blocker.unlink()
    sched.folder = tmp_path / "fixed"
    assert [r.day for r in sched.run_due(at(2026, 11, 21, 7, 7))] == [dt.date(2026, 11, 20)]


def test_the_thread_writes_the_missed_report_at_start(store: Store, tmp_path: Path) -> None:
    now = [at(2026, 11, 21, 12, 0)]
    got: list[DailyResult] = []
    sched = make(store, tmp_path / "t")
    sched.clock = lambda: now[0]
    sched.on_report = got.append
    sched.start()
    deadline = time.monotonic() + 60
    while not got and time.monotonic() < deadline:
        time.sleep(0.1)
    sched.stop()
    assert not sched.running
    assert [r.day for r in got] == [dt.date(2026, 11, 20)]


def test_a_day_is_local_midnight_to_midnight_even_when_clocks_change(store: Store, tmp_path: Path) -> None:
    sched = make(store, tmp_path)
    lo, hi = sched.day_bounds(dt.date(2026, 10, 25))  # summer time ends in Berlin: a 25-hour day
    assert hi - lo == 25 * 3600
    lo, hi = sched.day_bounds(dt.date(2026, 3, 29))  # and begins: 23 hours
    assert hi - lo == 23 * 3600


def test_yaml_time_of_day() -> None:
    # YAML 1.1 reads an unquoted 19:30 as 1170 (minutes); the config takes it as 19:30
    assert ReportsConfig.model_validate({"daily_time": 1170}).daily_time == dt.time(19, 30)
    assert ReportsConfig.model_validate({"daily_time": "06:05"}).daily_time == dt.time(6, 5)
    with pytest.raises(ValueError, match="HH:MM"):
        ReportsConfig.model_validate({"daily_time": 5000})


def test_background_services_start_and_stop(store: Store, tmp_path: Path) -> None:
    from app.config import SiteConfig
    from app.services import BackgroundServices

    cfg = SiteConfig.model_validate(
        {
            "site": {"name": "Stats shop"},
            "reports": {"daily": True, "daily_time": "00:00"},
            "notifications": {
                "enabled": True,
                "webhooks": [{"id": "x", "url": "http://127.0.0.1:9/none", "events": ["*.alert"]}],
            },
        }
    )
    svc = BackgroundServices.start(cfg, store, data_dir=tmp_path)
    assert svc.running() == ["daily report", "notifications"]
    assert svc.reports is not None and svc.reports.folder == tmp_path / "reports"
    svc.stop()
    assert svc.running() == []
