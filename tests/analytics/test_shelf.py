"""GapTracker hysteresis and the lost-sales estimate, on hand-built readings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analytics.shelf import GapTracker, lost_sales


def run(tracker: GapTracker, series: list[tuple[float, list[float]]]) -> list[tuple[str, int, float, float | None]]:
    out = []
    for ts, f in series:
        out += [(e.kind, e.segment, e.start, e.end) for e in tracker.update(ts, f)]
    return out


def steady(values: dict[tuple[float, float], float], step: float = 10.0, end: float = 1000.0) -> list[tuple[float, list[float]]]:
    """One segment: value per [a, b) time span, default 0."""
    out = []
    t = 0.0
    while t < end:
        v = next((val for (a, b), val in values.items() if a <= t < b), 0.0)
        out.append((t, [v]))
        t += step
    return out


CASES = [
    # (name, spans, expected events)
    ("full shelf stays quiet", {}, []),
    ("short dip below confirm is ignored", {(100, 190): 0.9}, []),
    ("gap opens backdated and closes at the refill", {(100, 600): 0.9}, [("start", 0, 100.0, None), ("end", 0, 100.0, 600.0)]),
    ("half-empty flicker between off and on does not close", {(100, 400): 0.9, (400, 500): 0.4, (500, 700): 0.9},
     [("start", 0, 100.0, None), ("end", 0, 100.0, 700.0)]),
    ("a gap that stays open to the end has no end", {(100, 2000): 1.0}, [("start", 0, 100.0, None)]),
]


@pytest.mark.parametrize(("name", "spans", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hysteresis_table(name: str, spans: dict, expected: list) -> None:
    t = GapTracker(1, on=0.5, off=0.3, confirm=120, clear=60, window=20, alert_after=0)
    assert run(t, steady(spans)) == expected


def test_hidden_readings_change_nothing() -> None:
    """A person in front (NaN readings) for 10 minutes: neither opens nor closes a gap, nor confirms one."""
    t = GapTracker(1, confirm=120, clear=60, window=20, alert_after=0)
    series = [(float(ts), [0.0]) for ts in range(0, 100, 10)]
    series += [(float(ts), [math.nan]) for ts in range(100, 700, 10)]
    series += [(float(ts), [0.0]) for ts in range(700, 900, 10)]
    assert run(t, series) == []
    # one bad reading just before being hidden for long does not become a gap either
    t = GapTracker(1, confirm=120, clear=60, window=60, alert_after=0)
    series = [(0.0, [0.0]), (10.0, [0.0]), (20.0, [1.0]), *[(float(ts), [math.nan]) for ts in range(30, 800, 10)]]
    assert run(t, series) == []


def test_valid_flag_and_alert_once() -> None:
    t = GapTracker(2, confirm=60, clear=30, window=10, alert_after=300)
    ev = []
    for ts in range(0, 1000, 10):
        ev += t.update(float(ts), [1.0, 1.0], valid=[True, False])
    kinds = [(e.kind, e.segment) for e in ev]
    assert kinds == [("start", 0), ("alert", 0)]
    alert = ev[1]
    assert alert.ts - alert.start >= 300 and alert.duration == alert.ts - alert.start
    assert 0 in t.open_gaps and 1 not in t.open_gaps


def test_restock_time_is_from_gap_start_to_refill() -> None:
    t = GapTracker(1, confirm=120, clear=60, window=20, alert_after=0)
    ev = []
    for ts in range(0, 2000, 10):
        ev += t.update(float(ts), [0.8 if 200 <= ts < 1400 else 0.05])
    end = next(e for e in ev if e.kind == "end")
    assert (end.start, end.end) == (200.0, 1400.0)
    assert end.duration == 1200.0 and end.fraction == 0.8


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        GapTracker(1, on=0.3, off=0.5)
    with pytest.raises(ValueError):
        GapTracker(2).update(0.0, [0.1])


def test_lost_sales_is_the_product_of_its_inputs() -> None:
    r = lost_sales([1800, 1800, 0, 0], shoppers=120, observed_hours=8, conversion=0.05, basket_value=12.5)
    assert r.gap_hours == pytest.approx(0.25)  # two of four segments, half an hour each
    assert r.shoppers_per_hour == 15
    assert r.lost_purchases == pytest.approx(0.25 * 15 * 0.05)
    assert r.lost_value == pytest.approx(r.lost_purchases * 12.5)
    assert "estimate" in r.sentence("EUR") and "EUR" in r.sentence("EUR")
    w = lost_sales([3600, 0], segment_weights=[3, 1], shoppers=10, observed_hours=1, conversion=1, basket_value=1)
    assert w.gap_hours == pytest.approx(0.75)
    with pytest.raises(ValueError):
        lost_sales([1.0], shoppers=1, observed_hours=0, conversion=0.1, basket_value=1)
    with pytest.raises(ValueError):
        lost_sales([1.0], shoppers=1, observed_hours=1, conversion=1.5, basket_value=1)
    assert np.isfinite(lost_sales([0.0], shoppers=0, observed_hours=1, conversion=0, basket_value=0).lost_value)
