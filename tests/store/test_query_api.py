"""The public query API: one filter (period, cameras, zones, role, time zone) and one events query."""

from __future__ import annotations

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
