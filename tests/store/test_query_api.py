"""The public query API: one filter (period, cameras, zones, role, time zone) and one events query."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.modules.retail.events import FOOTFALL_IN, FOOTFALL_OUT, ZONE_DWELL, ZONE_ENTER
from app.store.query import EventFilter, events, read_once
from tests.fixtures_stats import T0, build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp: Path = tmp_path_factory.mktemp("query")
    s = build_store(f"sqlite:///{tmp / 'q.db'}", tmp, with_background=False)
    yield s
    s.close()


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (EventFilter(), 8),
        (EventFilter(role="customer"), 7),  # the staff member's entry is left out
        (EventFilter(role="staff"), 1),
        (EventFilter(camera="back"), 1),
        (EventFilter(camera=("back", "door")), 8),
        (EventFilter(since=T0 + 3600), 2),  # the two crossings after 12:00 UTC
        (EventFilter(until=T0 + 20 * 60), 3),  # [since, until): the one at 20 min is out
        (EventFilter(zones=("l2",)), 1),
    ],
)
def test_the_filter_selects_period_cameras_zones_and_role(store, where: EventFilter, expected: int) -> None:  # type: ignore[no-untyped-def]
    df = events(store, [FOOTFALL_IN, FOOTFALL_OUT], where)
    assert len(df) == expected
    assert list(df.columns) == [
        "ts",
        "ts_end",
        "type",
        "camera",
        "zone",
        "run",
        "tracker_id",
        "role",
        "payload",
    ]
    assert df.ts.is_monotonic_increasing


def test_types_of_several_modules_in_one_query_and_overlap(store) -> None:  # type: ignore[no-untyped-def]
    mixed = events(store, [ZONE_ENTER, FOOTFALL_IN], EventFilter(camera="door", until=T0 + 6 * 60))
    assert sorted(set(mixed.type)) == ["enter", "in"]
    began = events(store, [ZONE_DWELL], EventFilter(since=T0 + 50, zones=("dept_a",)))
    going_on = events(store, [ZONE_DWELL], EventFilter(since=T0 + 50, zones=("dept_a",)), overlap=True)
    assert len(began) == 0 and len(going_on) == 2  # the stays from 15 s (40 s) and 20 s (100 s) go on at 50 s
    with read_once():
        first = events(store, [ZONE_DWELL], EventFilter(since=T0))
        assert events(store, [ZONE_DWELL], EventFilter(since=T0)) is first  # read and decoded once


def test_a_bad_role_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="role must be one of customer, staff, all, not 'boss'"):
        EventFilter(role="boss")  # type: ignore[arg-type]


def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    import pandas as pd

    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
        assert _same(dict(a.attrs), dict(b.attrs))
        return True
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert _same(a[k], b[k])
        return True
    if isinstance(a, list):
        assert len(a) == len(b) and all(repr(x) == repr(y) for x, y in zip(a, b, strict=True))
        return True
    if hasattr(a, "tolist"):
        assert a.tolist() == b.tolist()
        return True
    assert a == b
    return True


@pytest.mark.parametrize(
    "name",
    [
        "stats.footfall_by_hour", "stats.stay_seconds", "stats.dwell_by_zone", "stats.zone_occupancy",
        "stats.occupancy_peaks", "stats.visit_rows", "stats.visits_summary", "stats.funnel",
        "behaviour_stats.shelf_engagement", "behaviour_stats.posture_time", "behaviour_stats.consultation_uplift",
        "metrics.entrance_footfall", "metrics.conversion", "metrics.visit_numbers", "metrics.zone_numbers",
    ],
)  # fmt: skip
def test_statistics_take_one_filter_and_the_old_spelling_alike(store, name: str) -> None:  # type: ignore[no-untyped-def]
    import importlib

    mod, fn_name = name.split(".")
    fn = getattr(importlib.import_module(f"app.store.{mod}"), fn_name)
    zone = "l2" if "footfall" in fn_name else "dept_a"
    cases = [
        ({}, EventFilter(role="customer")),
        ({"role": "all"}, EventFilter(role="all")),
        ({"camera": "door", "role": "staff"}, EventFilter(camera="door", role="staff")),
        ({"zone": zone, "camera": "door"}, EventFilter(camera="door", zones=(zone,), role="customer")),
    ]
    for old, new in cases:
        since, until = T0, T0 + 3 * 3600
        if "consultation" in fn_name:  # its role is always the customers': the old spelling has none
            old = {k: v for k, v in old.items() if k != "role"}
        if fn_name in ("footfall_by_hour", "occupancy_peaks", "shelf_engagement", "entrance_footfall"):
            old, new = {**old, "tz": "UTC"}, replace(new, tz="UTC")
        a = fn(store, since, until, **old)
        b = fn(store, replace(new, since=since, until=until))
        assert _same(a, b), (name, old)
    if fn_name in ("dwell_by_zone", "zone_numbers"):  # a filter's zones select those rows
        rows = fn(store, EventFilter(T0, T0 + 3 * 3600, zones=("dept_a", "dept_b")))
        assert sorted(rows.zone) == ["dept_a", "dept_b"]
    with pytest.raises(TypeError, match="not both"):
        fn(store, EventFilter(), camera="door")
