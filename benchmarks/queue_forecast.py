"""Time of the checkout queue analytics: per-frame monitor, one forecast, learning, the backtest.

.venv/bin/python benchmarks/queue_forecast.py [--people 10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from analytics.forecast import ArrivalKernel, QueueModel, QueueState, fit_arrival_model
from analytics.queue_backtest import CheckoutHistory, backtest, default_prior
from analytics.queues import QueueMonitor
from analytics.store_sim import SimConfig, simulate_store
from analytics.types import Detections


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat * 1000.0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--people", type=int, default=10)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    queue = [(0, 0), (400, 0), (400, 600), (0, 600)]
    counters = {
        f"till{i}": [(400 + 80 * i, 0), (480 + 80 * i, 0), (480 + 80 * i, 600), (400 + 80 * i, 600)]
        for i in range(4)
    }
    mon = QueueMonitor(queue, counters)
    frames = []
    for k in range(500):
        x = rng.uniform(0, 720, args.people)
        y = rng.uniform(50, 600, args.people)
        frames.append(
            Detections(
                np.stack([x - 20, y - 100, x + 20, y], 1),
                np.full(args.people, 0.9),
                np.zeros(args.people),
                np.arange(args.people) + k // 50 * 100,
            )
        )
    it = iter(range(10**9))
    per_frame = timed(lambda: mon.update(frames[next(it) % 500], next(it) / 10.0), 2000)
    kernel = ArrivalKernel.lognormal(mean_minutes=12, sigma=0.6, share=0.6)
    entries = 10_000.0 - rng.uniform(0, 7200, 300)
    model = QueueModel(3, 75.0, 600.0, 0.5)
    state = QueueState(10_000.0, 4, 3)

    def one_forecast() -> None:
        rates = kernel.rates(entries, 10_000.0, horizon=900, step=10, future_rate=0.05)
        model.forecast(state, rates)

    forecast_ms = timed(one_forecast, 200)
    n = 28 * 1440
    e = rng.poisson(2.0, n).astype(float)
    a = rng.poisson(np.convolve(e, kernel.weights)[:n])
    t0 = time.perf_counter()
    fit_arrival_model(e, a, (np.arange(n) // 60) % 168, prior=kernel)
    fit_s = time.perf_counter() - t0
    sim = simulate_store(SimConfig(), days=8, seed=1)
    t0 = time.perf_counter()
    res = backtest(CheckoutHistory.from_sim(sim), prior=default_prior())
    bt_s = time.perf_counter() - t0
    print(f"{'what':<52} {'time':>12}")
    print(
        f"{'QueueMonitor.update, ' + str(args.people) + ' people, 4 counters (per frame)':<52} {per_frame:>9.3f} ms"
    )
    print(f"{'one forecast: 300 entries, 15 min ahead, 10 s steps':<52} {forecast_ms:>9.3f} ms")
    print(f"{'learn the entry → checkout kernel from 28 days':<52} {fit_s:>10.2f} s")
    print(
        f"{'backtest of 8 simulated days (' + str(int(res.points[0])) + ' origins × 2 models)':<52} {bt_s:>10.2f} s"
    )


if __name__ == "__main__":
    main()
