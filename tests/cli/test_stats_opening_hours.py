"""``storesight stats`` with the site's opening hours: closed hours folded, data outside them labelled."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from app.config import SiteConfig
from app.store.db import open_store
from app.store.stats import site_opening_hours
from app.store.sync import sync_site
from tests.cli.test_stats_cli import section
from tests.cli_support import run_cli
from tests.fixtures_stats import SITE, build_store

pytestmark = pytest.mark.timeout(120)


def shop(tmp_path: Path, hours: dict[str, str] | None) -> str:
    """The stats shop (crossings Fri 2026-11-20 at 11:xx and 13:xx Berlin) with these opening hours."""
    url = f"sqlite:///{tmp_path / 'shop' / 'storesight.db'}"
    build_store(url, tmp_path / "shop").close()
    site = copy.deepcopy(SITE)
    site["site"]["opening_hours"] = hours
    store = open_store(url)
    try:
        sync_site(store, SiteConfig.model_validate(site))
    finally:
        store.close()
    return url


def test_hours_outside_opening_hours_are_folded_or_labelled(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Berlin time: open 09:00-12:00 on Fridays. 11:00 open with crossings; 12:00 closed and empty
    # (folded, counted as outside); 13:00 closed with crossings: shown, labelled, still in the total.
    db = shop(tmp_path, {"mon-fri": "09:00-12:00", "sat": "closed"})
    code, out, err = run_cli(capsys, "stats", "--db", db, "--camera", "door")
    assert code == 0, err
    assert "opening hours: Mon–Fri 09:00–12:00; Sat–Sun closed" in out
    foot = section(out, "Footfall by hour")
    assert re.search(r"2026-11-20 11:00\s+3\s+1\n", foot)
    assert re.search(r"2026-11-20 13:00 outside opening hours\s+1\s+1\n", foot)
    assert "11:00 outside" not in foot and "12:00" not in foot
    assert "(1 hour without any crossing not shown, 1 of them outside opening hours)" in foot
    assert re.search(r"total\s+4\s+2\n", foot)

    code, out, err = run_cli(capsys, "stats", "--db", db, "--camera", "door", "--json")
    assert code == 0, err
    body = json.loads(out)
    assert body["opening_hours"] == "Mon–Fri 09:00–12:00; Sat–Sun closed"
    hours = {r["hour"][:16]: r["open"] for r in body["footfall_by_hour"] if r["in"] + r["out"]}
    assert hours == {"2026-11-20T11:00": True, "2026-11-20T13:00": False}


def test_without_opening_hours_every_hour_is_open(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = shop(tmp_path, None)
    code, out, err = run_cli(capsys, "stats", "--db", db, "--camera", "door", "--json")
    assert code == 0, err
    body = json.loads(out)
    assert body["opening_hours"] is None and all(r["open"] for r in body["footfall_by_hour"])
    code, out, _ = run_cli(capsys, "stats", "--db", db, "--camera", "door")
    assert "outside opening hours" not in out and "opening hours:" not in out


def test_opening_hours_follow_the_site_time_zone(tmp_path: Path) -> None:
    db = shop(tmp_path, {"fri": "11:00-12:00"})
    store = open_store(db)
    try:
        week = site_opening_hours(store, "door")
    finally:
        store.close()
    assert week is not None and week[4] == ((660, 720),)


def test_report_hourly_sheet_folds_closed_hours_and_labels_data_outside(tmp_path: Path) -> None:
    from app.reports.sheets import Scope, footfall_by_hour
    from tests.fixtures_stats import T0

    db = shop(tmp_path, {"fri": "09:00-12:00"})
    store = open_store(db)
    try:
        sheet = footfall_by_hour(Scope.make(store, T0 - 3600, T0 + 4 * 3600, cameras=["door"]))
        plain = shop(tmp_path / "plain", None)
        other = open_store(plain)
        try:
            unfolded = footfall_by_hour(Scope.make(other, T0 - 3600, T0 + 4 * 3600, cameras=["door"]))
        finally:
            other.close()
    finally:
        store.close()
    table = sheet.table()
    hours = [h.strftime("%H:%M") for h in table["Hour"]]
    assert hours == ["11:00", "13:00"]  # 12:00 (closed, nothing) folded; 13:00 (closed, 1 in 1 out) kept
    assert table["Opening hours"].tolist() == ["", "outside opening hours"]
    assert table.filter(like=": in").sum().sum() == unfolded.table().filter(like=": in").sum().sum()
    assert "Opening hours" not in unfolded.table().columns
    assert [h.strftime("%H:%M") for h in unfolded.table()["Hour"]] == ["11:00", "12:00", "13:00"]


def test_dashboard_data_folds_closed_hours_and_marks_data_outside(tmp_path: Path) -> None:
    from app.gui.data import dashboard

    db = shop(tmp_path, {"fri": "09:00-12:00"})
    store = open_store(db)
    try:
        d = dashboard(store, camera="door")
    finally:
        store.close()
    assert d.opening_hours == "Mon–Thu closed; Fri 09:00–12:00; Sat–Sun closed"
    h = d.hourly
    rows = [(t.strftime("%H:%M"), bool(o), int(i)) for t, o, i in zip(h.hour, h.open, h["in"], strict=True)]
    assert rows == [("11:00", True, 3), ("13:00", False, 1)]
    assert int(d.hourly["in"].sum()) == d.numbers["footfall_in"]
