"""Backtest of the queue forecast against two baselines, on a simulated store or stored history.

At every origin (one a minute while the checkout is open, after a learning period) three
forecasts of the queue length +5, +10 and +15 minutes ahead are made from what was known then,
and compared with the queue length that was then observed:

* **forecast** — the product's model (:mod:`analytics.forecast`): store entries through the
  learnt entry → checkout kernel (refitted every midnight on all earlier days), the queue now,
  the open counters and the measured service time and patience, projected with PSFFA;
* **naive** — the queue stays as it is;
* **arrivals only** — the same queue model fed with the checkout's own recent arrival rate held
  constant (what one can do without counting entries).

Example:
    >>> from analytics.store_sim import SimConfig, simulate_store
    >>> sim = simulate_store(SimConfig(), days=2, seed=3)
    >>> res = backtest(CheckoutHistory.from_sim(sim), prior=default_prior(), origin_step=600)
    >>> sorted(res.mae)
    ['arrivals', 'forecast', 'naive']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from analytics.forecast import (
    HORIZONS,
    ArrivalKernel,
    ArrivalModel,
    QueueForecast,
    QueueModel,
    QueueState,
    fit_arrival_model,
)
from analytics.store_sim import SimResult

DAY = 86400.0
MINUTE = 60.0
METHODS: tuple[str, ...] = ("forecast", "naive", "arrivals")


def default_prior() -> ArrivalKernel:
    """The kernel assumed before anything is learnt: 60 % go to a checkout after ~12 minutes."""
    return ArrivalKernel.lognormal(mean_minutes=12.0, sigma=0.6, share=0.6)


@dataclass(frozen=True, slots=True)
class Calendar:
    """Maps epoch seconds to the site's day and hour of week.

    Attributes:
        tz_offset: seconds to add to a timestamp for local time (fixed; DST is not followed).
        day0_weekday: weekday (Monday = 0) of local day number 0 (1970-01-01 was a Thursday: 3;
            the simulator starts on a Monday: 0).

    Example:
        >>> Calendar(tz_offset=3 * 3600).slot(np.array([0.0])).tolist()   # Thu 03:00 in UTC+3
        [75]
    """

    tz_offset: float = 0.0
    day0_weekday: int = 3

    def day(self, ts: ArrayLike) -> np.ndarray:
        """Local day number of each time."""
        return np.floor((np.asarray(ts, dtype=np.float64) + self.tz_offset) / DAY).astype(np.int64)

    def day_start(self, day: int) -> float:
        """Epoch seconds of local midnight starting day number ``day``."""
        return day * DAY - self.tz_offset

    def slot(self, ts: ArrayLike) -> np.ndarray:
        """Hour of week (weekday × 24 + hour, Monday = 0) of each time."""
        local = np.asarray(ts, dtype=np.float64) + self.tz_offset
        days = np.floor(local / DAY).astype(np.int64)
        hour = np.floor((local - days * DAY) / 3600.0).astype(np.int64)
        return ((days + self.day0_weekday) % 7) * 24 + hour


@dataclass(frozen=True, slots=True)
class CheckoutHistory:
    """What is known about one checkout (and the store's entries) over a period.

    Attributes:
        entries: (E,) store entry times, sorted.
        joins: (J,) checkout queue join times, sorted.
        service_end: (S,) times services ended, sorted …
        service_time: (S,) … and how long each took, seconds.
        wait_end: (W,) times waits ended (served or gave up), sorted …
        wait: (W,) … how long each wait was, seconds …
        gave_up: (W,) … and whether the customer gave up.
        state_ts: (T,) sample times of the queue state, sorted …
        waiting: (T,) … people waiting,
        in_service: (T,) … people being served,
        counters: (T,) … open counters.
        calendar: the site's calendar.
    """

    entries: np.ndarray
    joins: np.ndarray
    service_end: np.ndarray
    service_time: np.ndarray
    wait_end: np.ndarray
    wait: np.ndarray
    gave_up: np.ndarray
    state_ts: np.ndarray
    waiting: np.ndarray
    in_service: np.ndarray
    counters: np.ndarray
    calendar: Calendar = field(default_factory=Calendar)

    @classmethod
    def from_sim(cls, sim: SimResult, *, sample_step: float = MINUTE) -> CheckoutHistory:
        """The history a camera would have recorded of a simulated store (exact counts)."""
        ts = np.arange(0.0, sim.days * DAY, sample_step)
        waiting, busy, open_n = sim.state_at(ts)
        served = ~sim.abandoned & ~np.isnan(sim.end_ts)
        order = np.argsort(sim.end_ts[served])
        wait_end = np.where(sim.abandoned, sim.end_ts, sim.start_ts)
        ok = ~np.isnan(wait_end)
        w_order = np.argsort(wait_end[ok])
        return cls(
            entries=sim.entries,
            joins=sim.join_ts,
            service_end=sim.end_ts[served][order],
            service_time=(sim.end_ts - sim.start_ts)[served][order],
            wait_end=wait_end[ok][w_order],
            wait=sim.waits[ok][w_order],
            gave_up=sim.abandoned[ok][w_order],
            state_ts=ts,
            waiting=waiting.astype(np.float64),
            in_service=busy.astype(np.float64),
            counters=open_n.astype(np.float64),
            calendar=Calendar(tz_offset=0.0, day0_weekday=0),
        )

    def state_at(self, ts: float) -> tuple[float, float, float] | None:
        """(waiting, in service, counters) of the latest sample at or before ``ts`` (within 2 min)."""
        i = int(np.searchsorted(self.state_ts, ts, side="right")) - 1
        if i < 0 or ts - self.state_ts[i] > 2 * MINUTE:
            return None
        return float(self.waiting[i]), float(self.in_service[i]), float(self.counters[i])


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """Mean absolute errors of the queue length per method and horizon.

    Attributes:
        horizons: minutes ahead.
        mae: method → (len(horizons),) MAE in people.
        points: forecasts scored per horizon.
        wait_mae: method → MAE of the expected wait at each horizon, seconds (forecast and
            arrivals only; compared with the waits of people who joined within a minute of then).
        mean_mae: method → MAE of the *expected* length (the mean, where :attr:`mae` scores the
            median) for forecast and arrivals only.
    """

    horizons: tuple[int, ...]
    mae: dict[str, np.ndarray]
    points: np.ndarray
    wait_mae: dict[str, np.ndarray] = field(default_factory=dict)
    mean_mae: dict[str, np.ndarray] = field(default_factory=dict)

    def beats_naive(self, *, margin: float = 0.0) -> bool:
        """Whether the forecast's MAE is below the naive one's at every horizon (by ``margin``)."""
        if not np.all(self.points > 0):
            return False
        return bool(np.all(self.mae["forecast"] < self.mae["naive"] * (1.0 - margin)))


class QueueForecaster:
    """Forecasts one checkout's queue from its history up to a moment (the product's method).

    Args:
        history: everything recorded (only what lies before the forecast's origin is used).
        prior: arrival kernel used until enough history is learnt.
        service_prior: mean service time assumed before any is measured, seconds.
        horizon: minutes ahead.
        step: integration step, seconds.

    Example:
        >>> from analytics.store_sim import SimConfig, simulate_store
        >>> h = CheckoutHistory.from_sim(simulate_store(SimConfig(), days=1, seed=2))
        >>> fc = QueueForecaster(h, prior=default_prior()).forecast(12 * 3600.0)
        >>> len(fc.points)
        15
    """

    def __init__(
        self,
        history: CheckoutHistory,
        *,
        prior: ArrivalKernel,
        service_prior: float = 60.0,
        horizon: int = max(HORIZONS),
        step: float = 10.0,
    ) -> None:
        self.h = history
        self.prior = prior
        self.service_prior = service_prior
        self.horizon = horizon
        self.step = step
        self._models: dict[int, ArrivalModel] = {}

    def model_for_day(self, day: int) -> ArrivalModel:
        """The arrival model learnt from every full minute before local midnight of ``day``."""
        if day not in self._models:
            h = self.h
            start = min(h.entries[:1].tolist() + h.joins[:1].tolist() + h.state_ts[:1].tolist() or [0.0])
            t0 = math.floor(start / MINUTE) * MINUTE
            t1 = h.calendar.day_start(day)
            n = int((t1 - t0) // MINUTE)
            if n <= 0:
                self._models[day] = ArrivalModel(prior=self.prior)
            else:
                edges = t0 + np.arange(n + 1) * MINUTE
                e = np.histogram(h.entries, edges)[0].astype(np.float64)
                a = np.histogram(h.joins, edges)[0].astype(np.float64)
                valid = self._observed(edges[:-1])
                slots = h.calendar.slot(edges[:-1])
                self._models[day] = fit_arrival_model(e, a, slots, prior=self.prior, valid=valid)
        return self._models[day]

    def _observed(self, minute_starts: np.ndarray) -> np.ndarray:
        """Minutes covered by queue state samples (arrivals were being watched)."""
        i = np.searchsorted(self.h.state_ts, minute_starts + MINUTE, side="left")
        j = np.searchsorted(self.h.state_ts, minute_starts, side="left")
        return i > j

    def service_time(self, ts: float) -> float:
        """Mean service time measured before ``ts`` (last hour, else last 200 services, else the prior)."""
        h = self.h
        k = int(np.searchsorted(h.service_end, ts, side="left"))
        j = int(np.searchsorted(h.service_end, ts - 3600.0, side="left"))
        if k - j >= 10:
            return float(h.service_time[j:k].mean())
        if k >= 5:
            return float(h.service_time[max(0, k - 200) : k].mean())
        return self.service_prior

    def service_cv2(self, ts: float) -> float:
        """Squared coefficient of variation of the last 200 service times before ``ts`` (1 if few)."""
        h = self.h
        k = int(np.searchsorted(h.service_end, ts, side="left"))
        d = h.service_time[max(0, k - 200) : k]
        if len(d) < 20 or d.mean() <= 0:
            return 1.0
        return float(d.var() / d.mean() ** 2)

    def patience(self, ts: float) -> float | None:
        """Mean patience from the last 7 days before ``ts``: waiting seconds per customer who gave up."""
        h = self.h
        k = int(np.searchsorted(h.wait_end, ts, side="left"))
        j = int(np.searchsorted(h.wait_end, ts - 7 * DAY, side="left"))
        quits = int(h.gave_up[j:k].sum())
        if quits < 5:
            return None
        return float(h.wait[j:k].sum() / quits)

    def entry_rates(self, ts: float, kernel: ArrivalKernel) -> np.ndarray:
        """Expected arrival rates ahead, from entries before ``ts`` (and the recent entry rate)."""
        h = self.h
        k = int(np.searchsorted(h.entries, ts, side="right"))
        j = int(np.searchsorted(h.entries, ts - kernel.max_lag, side="left"))
        recent = int(k - np.searchsorted(h.entries, ts - 900.0, side="left"))
        return kernel.rates(
            h.entries[j:k], ts, horizon=self.horizon * MINUTE, step=self.step, future_rate=recent / 900.0
        )

    def arrival_rate(self, ts: float) -> float:
        """The checkout's own arrival rate over the last 10 minutes before ``ts``, per second."""
        h = self.h
        k = int(np.searchsorted(h.joins, ts, side="right"))
        return float(k - np.searchsorted(h.joins, ts - 600.0, side="left")) / 600.0

    def forecast(self, ts: float, *, arrivals_only: bool = False) -> QueueForecast | None:
        """The forecast made at ``ts`` (None when the queue state is unknown then)."""
        state = self.h.state_at(ts)
        if state is None:
            return None
        waiting, busy, counters = state
        model = QueueModel(round(counters), self.service_time(ts), self.patience(ts), self.service_cv2(ts))
        if arrivals_only:
            rates = np.full(math.ceil(self.horizon * MINUTE / self.step), self.arrival_rate(ts))
        else:
            day = int(self.h.calendar.day(ts))
            kernel = self.model_for_day(day).kernel(int(self.h.calendar.slot(ts)))
            rates = self.entry_rates(ts, kernel)
        return model.forecast(QueueState(ts, waiting, busy), rates, step=self.step)


def backtest(
    history: CheckoutHistory,
    *,
    prior: ArrivalKernel,
    horizons: Sequence[int] = HORIZONS,
    origin_step: float = MINUTE,
    warmup: float = DAY,
    service_prior: float = 60.0,
) -> BacktestResult:
    """Score the forecast and the two baselines on a history.

    Args:
        history: the checkout's recorded history.
        prior: arrival kernel before anything is learnt.
        horizons: minutes ahead to score.
        origin_step: seconds between forecast origins.
        warmup: seconds at the start used only for learning (not scored).
        service_prior: mean service time before any is measured.

    Returns:
        MAE per method and horizon (origins where the checkout is closed and empty are skipped).
    """
    hz = tuple(int(h) for h in horizons)
    fc = QueueForecaster(history, prior=prior, service_prior=service_prior, horizon=max(hz))
    if not len(history.state_ts):
        zero = np.zeros(len(hz))
        return BacktestResult(hz, {m: zero.copy() for m in METHODS}, zero.astype(np.int64))
    t0 = float(history.state_ts[0]) + warmup
    t_end = float(history.state_ts[-1]) - max(hz) * MINUTE
    err: dict[str, list[list[float]]] = {m: [[] for _ in hz] for m in METHODS}
    werr: dict[str, list[list[float]]] = {m: [[] for _ in hz] for m in ("forecast", "arrivals")}
    merr: dict[str, list[list[float]]] = {m: [[] for _ in hz] for m in ("forecast", "arrivals")}
    join_wait = _join_waits(history)
    for ts in np.arange(t0, t_end + 1e-9, origin_step).tolist():
        now = history.state_at(ts)
        if now is None or (now[2] <= 0 and now[0] <= 0):
            continue
        truths = [history.state_at(ts + h * MINUTE) for h in hz]
        if any(t is None for t in truths):
            continue
        made = {"forecast": fc.forecast(ts), "arrivals": fc.forecast(ts, arrivals_only=True)}
        for i, (h, truth) in enumerate(zip(hz, truths, strict=True)):
            actual = truth[0]  # type: ignore[index]
            err["naive"][i].append(abs(now[0] - actual))
            for name, f in made.items():
                p = f.at(h)
                err[name][i].append(abs(p.median - actual))
                merr[name][i].append(abs(p.length - actual))
                seen = _wait_near(join_wait, ts + h * MINUTE)
                if seen is not None and p.wait is not None:
                    werr[name][i].append(abs(p.wait - seen))
    mae = {m: np.array([np.mean(e) if e else np.nan for e in err[m]]) for m in METHODS}
    wmae = {m: np.array([np.mean(e) if e else np.nan for e in werr[m]]) for m in werr}
    mmae = {m: np.array([np.mean(e) if e else np.nan for e in merr[m]]) for m in merr}
    points = np.array([len(e) for e in err["naive"]], dtype=np.int64)
    return BacktestResult(hz, mae, points, wmae, mmae)


def _join_waits(h: CheckoutHistory) -> tuple[np.ndarray, np.ndarray]:
    """(join time, wait) of every customer who was served, sorted by join time."""
    served = ~h.gave_up
    joined = h.wait_end[served] - h.wait[served]
    order = np.argsort(joined)
    return joined[order], h.wait[served][order]


def _wait_near(jw: tuple[np.ndarray, np.ndarray], ts: float) -> float | None:
    """Mean wait of the served customers who joined within a minute of ``ts``."""
    joined, wait = jw
    j = int(np.searchsorted(joined, ts - MINUTE))
    k = int(np.searchsorted(joined, ts + MINUTE))
    return float(wait[j:k].mean()) if k > j else None


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """Backtests over several seeds: mean and spread of the MAE per method and horizon.

    Attributes:
        horizons: minutes ahead.
        runs: one result per seed.
    """

    horizons: tuple[int, ...]
    runs: tuple[BacktestResult, ...]

    def mean(self, method: str) -> np.ndarray:
        """Mean MAE over seeds per horizon."""
        return np.mean([r.mae[method] for r in self.runs], axis=0)

    def spread(self, method: str) -> np.ndarray:
        """Standard deviation of the MAE over seeds per horizon (0 for one seed)."""
        return np.std([r.mae[method] for r in self.runs], axis=0, ddof=1 if len(self.runs) > 1 else 0)

    def beats_naive(self) -> bool:
        """The forecast beats naive at every horizon in the mean, and in every seed."""
        return bool(
            np.all(self.mean("forecast") < self.mean("naive")) and all(r.beats_naive() for r in self.runs)
        )
