"""The simulated store is seedable and consistent; the forecast beats the naive one on it."""

from __future__ import annotations

import numpy as np

from analytics.queue_backtest import CheckoutHistory, backtest, default_prior
from analytics.store_sim import SimConfig, simulate_store


def test_same_seed_same_store_and_books_balance() -> None:
    a = simulate_store(SimConfig(), days=2, seed=5)
    b = simulate_store(SimConfig(), days=2, seed=5)
    assert np.array_equal(a.entries, b.entries) and np.array_equal(a.end_ts, b.end_ts, equal_nan=True)
    assert not np.array_equal(a.entries, simulate_store(SimConfig(), days=2, seed=6).entries)
    assert a.served + a.abandoned_count == len(a.join_ts) > 1000
    served = ~a.abandoned
    assert np.all(a.start_ts[served] >= a.join_ts[served]) and np.all(a.end_ts[served] > a.start_ts[served])
    # first come, first served
    order = np.argsort(a.join_ts[served], kind="stable")
    assert np.all(np.diff(a.start_ts[served][order]) >= 0)
    assert a.state_waiting.min() == 0 and a.state_busy.min() == 0
    assert np.all(a.state_busy <= a.state_open) and a.state_open.max() <= SimConfig().counters
    w, _busy, o = a.state_at(np.array([3 * 3600.0, 86400 + 3 * 3600.0]))  # 03:00: closed and empty
    assert w.tolist() == [0, 0] and o.tolist() == [0, 0]


def test_counters_open_and_close_during_a_day() -> None:
    sim = simulate_store(SimConfig(), days=1, seed=2)
    changes = np.flatnonzero(np.diff(sim.state_open) != 0)
    assert len(changes) >= 6
    assert sim.state_open.max() >= 3


def test_forecast_beats_naive_on_two_days() -> None:
    sim = simulate_store(SimConfig(), days=2, seed=11)
    res = backtest(CheckoutHistory.from_sim(sim), prior=default_prior(), origin_step=180.0)
    assert np.all(res.points > 200)
    assert np.all(res.mae["forecast"] < 0.9 * res.mae["naive"]), res.mae
    assert res.beats_naive(margin=0.1)
