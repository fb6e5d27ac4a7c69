"""Shelf engagement, posture time and consultation uplift from a store with hand-made behaviour events.

The events are in tests/fixtures_behaviour.py (T0 = 2026-11-20 10:00 UTC = 11:00 in Europe/Berlin).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

from app.store.behaviour_stats import consultation_uplift, posture_time, shelf_engagement
from app.store.db import Store, open_store
from tests.fixtures_behaviour import T0, build_behaviour_store


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return build_behaviour_store(f"sqlite:///{tmp_path / 'b.db'}", tmp_path)


def _rows(df: Any, cols: list[str]) -> list[tuple]:
    return [tuple(r) for r in df[cols].itertuples(index=False)]


def test_shelf_engagement_per_hour(store: Store) -> None:
    df = shelf_engagement(store)
    h11, h12 = dt.datetime(2026, 11, 20, 11), dt.datetime(2026, 11, 20, 12)
    assert _rows(df, ["shelf", "name", "hour", "reaches", "people", "mean_s"]) == [
        ("shelf_a", "Coffee", h11, 3, 2, 3.0),  # staff's reach left out
        ("shelf_a", "Coffee", h12, 1, 1, 1.0),
        ("shelf_b", "Tea", h11, 1, 1, 6.0),
    ]
    totals = df.attrs["totals"]
    assert _rows(totals, ["shelf", "reaches", "people", "total_s"]) == [
        ("shelf_a", 4, 3, 10.0),
        ("shelf_b", 1, 1, 6.0),
    ]


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"role": "all"}, {("shelf_a", 11): 4, ("shelf_a", 12): 1, ("shelf_b", 11): 1}),
        ({"role": "staff"}, {("shelf_a", 11): 1}),
        ({"since": T0 + 3600}, {("shelf_a", 12): 1}),
        ({"until": T0 + 3600, "tz": "UTC"}, {("shelf_a", 10): 3, ("shelf_b", 10): 1}),
        ({"camera": "nope"}, None),
    ],
)
def test_shelf_engagement_filters(store: Store, kw: dict[str, Any], expected: dict | None) -> None:
    if expected is None:
        with pytest.raises(Exception, match="no camera 'nope'"):
            shelf_engagement(store, **kw)
        return
    df = shelf_engagement(store, **kw)
    assert {(r.shelf, r.hour.hour): r.reaches for r in df.itertuples()} == expected


def test_posture_time(store: Store) -> None:
    df = posture_time(store)
    assert _rows(df, ["posture", "seconds", "people"]) == [
        ("walking", 30.0, 1),
        ("standing", 10.0, 1),
        ("bending", 6.0, 1),
    ]
    assert df.share.sum() == pytest.approx(1.0)
    clipped = posture_time(store, T0 + 5, T0 + 30)
    assert _rows(clipped, ["posture", "seconds"]) == [("walking", 20.0), ("standing", 5.0)]
    assert _rows(posture_time(store, role="staff"), ["posture", "seconds"]) == [("sitting", 100.0)]


def test_consultation_uplift(store: Store) -> None:
    (row,) = consultation_uplift(store).itertuples(index=False)
    assert (row.camera, row.visits, row.consulted, row.consulted_checkout, row.other, row.other_checkout) == (
        "shop", 5, 2, 1, 3, 1,
    )  # fmt: skip
    assert row.consulted_share == pytest.approx(0.5)
    assert row.other_share == pytest.approx(1 / 3)
    assert row.uplift_pp == pytest.approx(100 * (0.5 - 1 / 3))
    assert row.has_checkout


def test_consultation_uplift_without_consultations(store: Store) -> None:
    (row,) = consultation_uplift(store, T0 + 700).itertuples(index=False)  # visits 3, 4 and 6 only
    assert (row.visits, row.consulted, row.other, row.other_checkout) == (3, 0, 3, 1)
    assert math.isnan(row.consulted_share) and math.isnan(row.uplift_pp)


def test_empty_database() -> None:
    st = open_store("sqlite://")
    assert shelf_engagement(st).empty and posture_time(st).empty and consultation_uplift(st).empty
