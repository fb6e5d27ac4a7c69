"""The queue forecast: Erlang C, PSFFA, arrival kernels, learning the entry → checkout delay."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.forecast import ArrivalKernel, QueueModel, QueueState, erlang_c, fit_arrival_model

ERLANG_C = [
    # counters, offered load, P(wait) from Erlang C tables
    (1, 0.5, 0.5),
    (2, 1.0, 1 / 3),
    (3, 2.0, 0.4444),
    (5, 4.0, 0.5541),
    (2, 2.5, 1.0),  # overloaded
]


@pytest.mark.parametrize(("c", "a", "expected"), ERLANG_C)
def test_erlang_c(c: int, a: float, expected: float) -> None:
    assert float(erlang_c(c, a)) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(("c", "rho"), [(1, 0.5), (1, 0.8), (3, 0.7), (4, 0.9)])
def test_stationary_queue_stays_where_it_is(c: int, rho: float) -> None:
    """Started at the M/M/c mean with the matching arrival rate, PSFFA does not move."""
    service = 60.0
    lam = rho * c / service
    pw = float(erlang_c(c, rho * c))
    lq = pw * rho / (1 - rho)
    fc = QueueModel(c, service).forecast(QueueState(0.0, waiting=lq, in_service=c * rho), np.full(90, lam))
    for h in (5, 10, 15):
        assert fc.at(h).length == pytest.approx(lq, rel=0.02)
        assert fc.at(h).wait == pytest.approx(pw / (c / service - lam), rel=0.02)  # M/M/c Wq


def test_overload_grows_by_the_excess_and_abandonment_caps_it() -> None:
    lam = 3.0 / 60  # 3 a minute at 2 a minute capacity: +1 a minute
    fc = QueueModel(2, 60.0).forecast(QueueState(0.0, waiting=10, in_service=2), np.full(90, lam))
    assert 20.0 <= fc.at(10).length <= 22.0  # PSFFA serves a little under capacity in overload
    impatient = QueueModel(2, 60.0, patience=300.0).forecast(
        QueueState(0.0, waiting=10, in_service=2), np.full(90, lam)
    )
    # it settles where quitting (Lq / 5 a minute) takes up the excess, instead of growing to 25
    assert impatient.at(15).length < 7.0


def test_no_open_counter_only_grows() -> None:
    fc = QueueModel(0, 60.0).forecast(QueueState(0.0, waiting=2), np.full(90, 1 / 60))
    assert [round(fc.at(h).length, 3) for h in (5, 10, 15)] == [7.0, 12.0, 17.0]
    assert fc.at(5).wait is None


def test_kernel_spreads_each_entry_over_its_delay() -> None:
    k = ArrivalKernel(np.array([0.0, 0.0, 0.5, 0.0]))  # half the entrants arrive 2-3 minutes later
    rates = k.rates([100.0, 160.0], 200.0, horizon=240.0, step=60.0)
    # the entry at 100 s arrives in [220, 280), the one at 160 s in [280, 340): the steps' midpoints
    # are 230, 290, 350, 410
    assert (rates * 60).tolist() == [0.5, 0.5, 0.0, 0.0]
    # future entries at 1 a minute add the kernel's cumulative share over time
    future = k.rates([], 0.0, horizon=240.0, step=60.0, future_rate=1 / 60) * 60
    assert future.tolist() == pytest.approx([0.0, 0.0, 0.25, 0.5])


def test_counters_needed() -> None:
    model = QueueModel(1, 60.0)
    rates = np.full(90, 2.5 / 60)
    now = QueueState(0.0, waiting=4, in_service=1)
    # 2.5 a minute at 1 a minute per counter: 3 counters hold the queue near 3.5 (M/M/3), 4 near 0.5
    assert model.counters_needed(now, rates, length=5) == 3
    assert model.counters_needed(now, rates, length=3) == 4
    assert model.counters_needed(now, rates, length=0.01) is None


def test_learns_a_different_delay_per_hour() -> None:
    rng = np.random.default_rng(1)
    n = 24 * 60 * 14
    minute = np.arange(n)
    hour = (minute // 60) % 24
    # Entry rates that change every 10 minutes: a steady rate would hide the delay.
    level = np.repeat(rng.uniform(0.0, 6.0, n // 10 + 1), 10)[:n]
    entries = rng.poisson(np.where((hour >= 8) & (hour < 22), level, 0.0)).astype(float)
    lunch = ArrivalKernel.lognormal(mean_minutes=6, sigma=0.4, share=0.7)
    evening = ArrivalKernel.lognormal(mean_minutes=20, sigma=0.4, share=0.7)
    mean_lunch = np.convolve(entries, lunch.weights)[:n]
    mean_evening = np.convolve(entries, evening.weights)[:n]
    arrivals = rng.poisson(np.where(hour < 15, mean_lunch, mean_evening))
    prior = ArrivalKernel.lognormal(mean_minutes=12, sigma=0.6, share=0.6)
    model = fit_arrival_model(entries, arrivals, ((minute // 1440) % 7) * 24 + hour, prior=prior)
    assert model.kernel(12).mean_minutes == pytest.approx(6, rel=0.15)  # Monday 12:00
    assert model.kernel(24 * 3 + 19).mean_minutes == pytest.approx(20, rel=0.15)  # Thursday 19:00
    assert model.kernel(19).share == pytest.approx(0.7, abs=0.05)
    assert model.source(19) == "hour" and model.source(3) == "all"  # two weeks: per hour of day
    by_slot = fit_arrival_model(
        entries, arrivals, ((minute // 1440) % 7) * 24 + hour, prior=prior, min_arrivals=50
    )
    assert by_slot.source(24 * 3 + 19) == "weekday-hour"
    assert by_slot.kernel(24 * 3 + 19).mean_minutes == pytest.approx(20, rel=0.2)
    too_little = fit_arrival_model(entries[:500], arrivals[:500], hour[:500], prior=prior)  # 20 min open
    assert too_little.kernel(12) is prior
