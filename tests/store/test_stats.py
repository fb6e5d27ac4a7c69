"""Stats tables from a store written by the real writer, with numbers worked out by hand."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest

from app.errors import UserError
from app.store import stats
from app.store.db import Store, open_store
from app.store.schema import Background
from tests.fixtures_stats import CELL, T0, H, W, build_store

pytestmark = pytest.mark.timeout(120)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = build_store(db_url, tmp_path)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = build_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    yield s
    s.close()


def test_footfall_by_hour_in_site_time_with_empty_hours(store: Store) -> None:
    df = stats.footfall_by_hour(store, camera="door")
    assert df.attrs["timezone"] == "Europe/Berlin"
    # 10:00 UTC = 11:00 Berlin: in at :05, :20 (unknown) and :59:59, out at :40; the staff "in" at :10 is left out.
    # Nothing in the 12:00 Berlin hour (shown as 0); 13:00: one out, one in.
    got = [
        (h.strftime("%H:%M"), line, i, o)
        for h, line, i, o in zip(df.hour, df.line, df["in"], df["out"], strict=True)
    ]
    assert got == [("11:00", "entrance", 3, 1), ("12:00", "entrance", 0, 0), ("13:00", "entrance", 1, 1)]
    assert df.line_name.unique().tolist() == ["Entrance"]
    assert df.hour_ts.tolist() == [T0, T0 + 3600, T0 + 7200]

    everyone = stats.footfall_by_hour(store, camera="door", role="all")
    assert everyone["in"].tolist() == [4, 0, 1]
    staff = stats.footfall_by_hour(store, camera="door", role="staff")
    assert (staff["in"].tolist(), staff["out"].tolist()) == ([1], [0])


def test_footfall_filters_period_camera_zone_and_time_zone(store: Store) -> None:
    both = stats.footfall_by_hour(store)
    assert sorted(set(zip(both.camera, both.line, strict=True))) == [("back", "l2"), ("door", "entrance")]
    assert len(both) == 6  # every line gets every hour from the first to the last
    assert both[both.line == "l2"]["in"].tolist() == [1, 0, 0]

    assert stats.footfall_by_hour(store, zone="l2")["in"].tolist() == [1]
    # [10:20, 10:59:59] UTC: since inclusive, until exclusive
    window = stats.footfall_by_hour(store, T0 + 20 * 60, T0 + 3599, camera="door")
    assert (window["in"].tolist(), window["out"].tolist()) == ([1], [1])
    since = dt.datetime(2026, 11, 20, 10, 20, tzinfo=dt.UTC)
    assert stats.footfall_by_hour(store, since, T0 + 3600, camera="door")["in"].tolist() == [2]

    utc = stats.footfall_by_hour(store, camera="door", tz="UTC")
    assert [h.hour for h in utc.hour] == [10, 11, 12]
    assert utc.attrs["timezone"] == "UTC"


def test_dwell_mean_median_p90(store: Store) -> None:
    df = stats.dwell_by_zone(store, camera="door").set_index("zone")
    assert df.index.tolist() == ["dept_a", "dept_b", "queue"]  # polygon zones only, in config order
    a = df.loc["dept_a"]
    # stays of 10, 20, 30, 40, 100 s: mean 40, median 30, p90 = 40 + 0.6 × (100 − 40) = 76
    assert (a.stays, a.mean_s, a.median_s, a.p90_s, a.max_s, a.total_s) == (5, 40.0, 30.0, 76.0, 100.0, 200.0)
    assert a.zone_name == "Dairy"
    b = df.loc["dept_b"]  # only a staff stay
    assert b.stays == 0 and math.isnan(b.mean_s) and b.total_s == 0.0
    assert df.loc["queue"].stays == 2 and df.loc["queue"].median_s == 30.0

    staff = stats.dwell_by_zone(store, camera="door", role="staff", zone="dept_b")
    assert staff[["zone", "stays", "mean_s"]].values.tolist() == [["dept_b", 1, 50.0]]
    # stays that *began* in [T0+12, ∞): the 40 s and the 100 s ones
    late = stats.dwell_by_zone(store, T0 + 12, camera="door", zone="dept_a").iloc[0]
    assert (late.stays, late.mean_s, late.median_s, late.p90_s) == (2, 70.0, 70.0, 94.0)


def test_occupancy_peak_and_when(store: Store) -> None:
    df = stats.occupancy_peaks(store, camera="door").set_index("zone")
    a = df.loc["dept_a"]
    # [0,10) [5,25) [10,40) [15,55) [20,120): 4 people from T0+20 until the first leaves at T0+25
    assert (a.peak, a.peak_ts, a.at_peak_s) == (4, T0 + 20, 5.0)
    assert a.peak_at == dt.datetime(2026, 11, 20, 11, 0, 20)  # Berlin wall clock
    q = df.loc["queue"]
    assert (q.peak, q.peak_ts, q.at_peak_s) == (1, T0 + 60, 60.0)  # [60,90) and [90,120) do not overlap
    assert df.loc["dept_b"].peak == 0 and df.loc["dept_b"].peak_at is pd_nat()
    assert stats.occupancy_peaks(store, camera="door", role="staff").set_index("zone").loc["dept_b"].peak == 1

    # clipped to [T0+22, T0+50): [22,25) [22,40) [22,50) [22,50) → 4 from 22 to 25
    w = stats.occupancy_peaks(store, T0 + 22, T0 + 50, camera="door", zone="dept_a").iloc[0]
    assert (w.peak, w.peak_ts, w.at_peak_s) == (4, T0 + 22, 3.0)


def pd_nat() -> object:
    import pandas as pd

    return pd.NaT


def test_peak_occupancy_function() -> None:
    assert stats.peak_occupancy([]) == (0, None, 0.0)
    assert stats.peak_occupancy([(0, 10), (10, 20)]) == (1, 0.0, 20.0)
    assert stats.peak_occupancy(iter([(0, 10), (5, 15), (10, 20)])) == (2, 5.0, 10.0)
    assert stats.peak_occupancy([(0, 0), (3, 1)]) == (0, None, 0.0)  # empty and backwards intervals ignored


def test_visits_summary(store: Store) -> None:
    df = stats.visits_summary(store, camera="door")
    # customers: 60, 120, 30, 300, 90 s → mean 120, median 90, p90 = 120 + 0.6 × 180 = 228
    assert df.values.tolist() == [["door", 5, 120.0, 90.0, 228.0]]
    assert stats.visits_summary(store, camera="door", role="staff").values.tolist() == [
        ["door", 1, 600.0, 600.0, 600.0]
    ]
    assert stats.visits_summary(store, camera="door", role="all").visits.tolist() == [6]
    assert stats.visits_summary(store, camera="door", zone="dept_b").visits.tolist() == [3]
    assert stats.visits_summary(store, T0 + 125, camera="door").visits.tolist() == [2]  # began at 130 and 150
    assert stats.visits_summary(store, camera="back").empty


def test_funnel_is_order_aware(store: Store) -> None:
    df = stats.funnel(store, camera="door").set_index("department")
    assert df.index.tolist() == ["(any)", "dept_a", "dept_b"]
    # 4 customer visits crossed the entrance (the one that began in dept_b did not);
    # entrance → checkout: visits 1, 3, 4; → Dairy: 1, 2, 3, 4, then queue *after* Dairy: 1 and 4 (3 queued before)
    assert df.loc["(any)", ["visits", "reached", "checkout"]].tolist() == [4, 4, 3]
    assert df.loc["dept_a", ["visits", "reached", "checkout"]].tolist() == [4, 4, 2]
    assert df.loc["dept_a", "checkout_share"] == 0.5 and df.loc["dept_a", "department_name"] == "Dairy"
    assert df.loc["dept_b", ["visits", "reached", "checkout", "reached_share"]].tolist() == [4, 2, 1, 0.5]
    only_b = stats.funnel(store, camera="door", zone="dept_b")
    assert only_b.department.tolist() == ["(any)", "dept_b"]
    assert (
        stats.funnel(store, camera="door", role="staff").set_index("department").loc["dept_a", "checkout"]
        == 1
    )


def test_unknown_camera_and_zone_are_user_errors(store: Store) -> None:
    with pytest.raises(UserError, match=r"no camera 'nope'.*back, door") as e:
        stats.cameras(store, "nope")
    assert e.value.exit_code == 2
    with pytest.raises(UserError, match="no zone 'zz'"):
        stats.check_zone(stats.cameras(store, "door"), "zz")
    stats.check_zone(stats.cameras(store), "l2")
    with pytest.raises(ValueError, match="role"):
        stats.dwell_by_zone(store, role="visitor")  # type: ignore[arg-type]


def test_site_timezone_and_hours(store: Store) -> None:
    assert stats.site_timezone(store) == BERLIN
    assert stats.timezone_name(None).startswith("local time")
    # India is UTC+5:30: its hours start at :30 UTC
    kolkata = ZoneInfo("Asia/Kolkata")
    assert stats.local_hour_start(T0 + 10, kolkata) == T0 - 1800
    assert stats.local_hour_start(T0 + 1900, kolkata) == T0 + 1800


def test_heatmap_grid_roles_and_hours(store: Store) -> None:
    g = stats.heatmap_grid(store, "door")
    assert g is not None and (g.width, g.height, g.cell) == (W, H, CELL)
    assert g.grid.shape == (H // CELL, W // CELL)
    assert g.grid[13, 19] == pytest.approx(4.0)  # unknown 3 + customer 1, staff left out
    assert stats.heatmap_grid(store, "door", role="staff").grid[13, 19] == pytest.approx(10.0)
    assert stats.heatmap_grid(store, "door", role="all").grid[13, 19] == pytest.approx(14.0)
    # a period that is not whole hours is drawn from the paths inside it, not the stored hours
    half = stats.heatmap_grid(store, "door", T0 + 1800, T0 + 3600)
    assert half is not None and half.hours == 0 and half.seconds == 0.0  # nobody walked then
    first = stats.heatmap_grid(store, "door", T0, T0 + 1800)  # the customer's 4 path points, 1 s each
    assert first is not None and first.hours == 0 and first.seconds == pytest.approx(4.0)
    assert stats.heatmap_grid(store, "door", T0, T0 + 3600).hours == 1  # whole hours: the stored ones
    assert stats.heatmap_grid(store, "door", T0 + 7200) is None
    assert stats.heatmap_grid(store, "back") is None


def test_track_paths_clip_and_role(store: Store) -> None:
    paths = stats.track_paths(store, "door")
    assert [p.tracker_id for p in paths] == [1]  # track 2 is staff
    assert paths[0].points.shape == (4, 3) and paths[0].points[0].tolist() == [T0 + 1, 40.0, 200.0]
    assert [p.tracker_id for p in stats.track_paths(store, "door", role="all")] == [1, 2]
    clipped = stats.track_paths(store, "door", T0 + 2, T0 + 4)
    assert clipped[0].points[:, 0].tolist() == [T0 + 2, T0 + 3]
    assert stats.track_paths(store, "door", T0 + 3.5, T0 + 10) == []  # one point left: not a path


def test_background_is_stored_as_file_and_row(sqlite_store: Store, tmp_path: Path) -> None:
    bg = stats.background_for(sqlite_store, "door")
    assert bg is not None
    assert (bg.width, bg.height, bg.samples, bg.ts, bg.first_ts) == (W, H, 12, T0 + 100, T0)
    assert bg.path.startswith("backgrounds/door/") and bg.path.endswith(".jpg")
    img = cv2.imread(str(tmp_path / bg.path))
    assert img is not None and img.shape == (H, W, 3)
    assert not list((tmp_path / "backgrounds" / "door").glob(".*.tmp"))
    # the newest before the end of the period, else the oldest
    assert stats.background_for(sqlite_store, "door", T0 + 50) == bg
    assert stats.background_for(sqlite_store, "back") is None
    with sqlite_store.session() as s:
        row = s.query(Background).one()
        assert row.run_id is not None and row.bytes == (tmp_path / bg.path).stat().st_size


def test_empty_store() -> None:
    store = open_store("sqlite://")
    assert stats.footfall_by_hour(store).empty
    assert stats.dwell_by_zone(store).empty
    assert stats.occupancy_peaks(store).empty
    assert stats.visits_summary(store).empty
    assert stats.funnel(store).empty
    assert stats.data_span(store) is None
    assert stats.site_timezone(store) is None
    store.close()


def test_data_span(store: Store) -> None:
    assert stats.data_span(store, "door") == (T0, T0 + 2 * 3600 + 31 * 60)
    assert stats.data_span(store, "back") == (T0 + 900, T0 + 900)
    np.testing.assert_equal(stats.data_span(store), (T0, T0 + 2 * 3600 + 31 * 60))
