"""Demographics and returning visitors in the metric catalogue: per hour and department, and as site numbers."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from app.store import metrics
from tests.fixtures_faces import FACE_T0, face_metrics_store

T0 = FACE_T0


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Five people on the floor: ages, genders, departments, two visitors (one returning)."""
    st = face_metrics_store(tmp_path)
    yield st
    st.close()


def test_face_numbers_per_hour_and_department(store) -> None:  # type: ignore[no-untyped-def]
    df = metrics.face_numbers(store, T0 - 3600, T0 + 86400, tz=None, by=("department",))
    rows = {r.department: r for r in df.itertuples()}
    assert set(rows) == {"Shoes", "Toys", "Sales floor (no department)"}
    # person 2 stayed in both departments: counted in each
    assert (rows["Shoes"].demographics, rows["Shoes"].female, rows["Shoes"].male) == (2, 2, 0)
    assert (rows["Toys"].demographics, rows["Toys"].female, rows["Toys"].male) == (3, 2, 1)
    toys = df[df.department == "Toys"].iloc[0]
    assert (toys["25-34"], toys["35-44"], toys["<18"]) == (1, 1, 1)
    assert rows["Sales floor (no department)"].identified == 1
    assert rows["Shoes"].visitors == 2 and rows["Shoes"].returning == 1
    by_hour = metrics.face_numbers(store, T0 - 3600, T0 + 86400, by=("hour",), tz=dt.UTC)
    assert [h.hour for h in by_hour.hour] == [8, 9]
    assert list(by_hour.demographics) == [3, 2] and list(by_hour.female) == [2, 1]
    # nothing in an empty period, with the columns all the same
    empty = metrics.face_numbers(store, T0 + 5 * 86400, T0 + 6 * 86400)
    assert empty.empty and {"hour", "department", "female", "65+"} <= set(empty.columns)


def test_site_numbers_in_key_numbers(store) -> None:  # type: ignore[no-untyped-def]
    n = metrics.key_numbers(store, T0 - 3600, T0 + 86400)
    assert n["demographics_tracks"] == 5 and n["demographics_women_share"] == pytest.approx(3 / 5)
    assert n["demographics_top_band"] == "25-34"
    assert n["visitors_seen"] == 2 and n["visitors_returning"] == 1 and n["visitors_returning_share"] == 0.5
    assert n["faces_identified"] == 1 and n["faces_unknown"] == 0
    none = metrics.key_numbers(store, T0 + 5 * 86400, T0 + 6 * 86400)
    assert none["demographics_tracks"] == 0 and math.isnan(none["demographics_women_share"])
    assert none["demographics_top_band"] == ""
    # every new key is in the catalogue (and so in docs/metrics.md)
    for k in ("visitors_returning_share", "demographics_women_share", "demographics_top_band"):
        assert metrics.CATALOGUE[k].scope == "site"


def test_stats_cli_shows_faces_per_department(store, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.cli_support import run_cli

    url = str(store.engine.url)
    args = ("--from", "2025-12-05T00:00", "--to", "2025-12-06T00:00", "--role", "all")
    code, out, err = run_cli(capsys, "stats", "--db", url, *args)
    assert code == 0, err
    assert "Returning visitors" in out and "50 %" in out and "Most common age band" in out
    sect = out.split("Faces per department")[1]
    toys = next(line for line in sect.splitlines() if line.startswith("Toys"))
    assert toys.split()[:6] == ["Toys", "1", "1", "3", "2", "1"]  # person 2 (returning) stayed in Toys too
    code, out, err = run_cli(capsys, "stats", "--db", url, "--json", *args)
    body = json.loads(out)
    assert body["numbers"]["demographics_women_share"] == pytest.approx(0.6)
    rows = body["faces_by_hour_department"]
    assert sum(r["female"] for r in rows if r["department"] == "Toys") == 2
