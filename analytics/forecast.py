"""Checkout queue forecast: store entries → checkout arrivals → a time-varying M/M/c queue.

The model has two halves:

1. **Arrivals at the checkout** come from people who entered the store. An entry at time
   ``e`` sends, on average, ``kernel.weights[j]`` people to the checkout queue ``j`` to ``j+1``
   minutes later: the weights are the share of entrants who go to a checkout (``kernel.share``)
   times the distribution of the time from entry to checkout. The expected arrival rate at a
   future time ``s`` is the sum of the kernel over the recent entries, plus the entries still to
   come (the recent entry rate held constant) times the kernel's cumulative share.
   :func:`fit_arrival_model` learns the kernel from history without following anybody: it
   deconvolves the per-minute series of checkout arrivals by the per-minute series of entries
   (Poisson likelihood over a grid of log-normal delays), per hour of day and weekday once a
   bucket has enough arrivals, else per hour of day, else over all hours.

2. **The queue** is an M/M/c queue with ``c`` open counters, mean service time ``1/μ`` and
   (optionally) impatient customers who leave at rate ``θ`` while waiting (Erlang-A). Its
   transient mean is followed with the pointwise stationary fluid flow approximation (PSFFA,
   Wang, Chen & Gao 1996): ``dx/dt = λ(t) − c·μ·ρ(x) − θ·Lq(x)``, where ``x`` is the number of
   people at the checkout (waiting + being served) and ``ρ(x)`` is the utilisation at which a
   stationary M/M/c queue would hold ``x`` people on average. A plain fluid model would drain
   every queue to zero when ``λ < cμ``; PSFFA keeps the queueing that randomness causes.

Everything is pure numpy and works on timestamps in seconds.

Example:
    >>> kernel = ArrivalKernel.lognormal(mean_minutes=10, sigma=0.5, share=0.6)
    >>> now = 10_000.0
    >>> entries = now - np.arange(0, 1800, 20.0)            # one entry every 20 s for half an hour
    >>> model = QueueModel(counters=2, service_time=90.0)
    >>> state = QueueState(ts=now, waiting=1, in_service=2)
    >>> fc = model.forecast(state, kernel.rates(entries, now, horizon=900, step=10, future_rate=0.05))
    >>> round(fc.at(15).length, 1) > 1.0                     # 1.8 arrivals/min at 1.33/min capacity
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

MINUTE = 60.0
#: The forecast horizons the product shows and the backtest scores, in minutes.
HORIZONS: tuple[int, ...] = (5, 10, 15)
#: Hour-of-week buckets (weekday × 24 + hour, Monday = 0).
WEEK_SLOTS = 168


# --- arrivals -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArrivalKernel:
    """Expected checkout arrivals per store entry, by minutes since the entry.

    Attributes:
        weights: (L,) ``weights[j]`` = expected arrivals at the checkout between ``j`` and ``j+1``
            minutes after one entry; they sum to :attr:`share`.
        mean_minutes: the mean time from entry to checkout of the log-normal it was made from.
        sigma: that log-normal's shape (spread of log time).
        bin_seconds: width of one weight bin (60 s).

    Example:
        >>> k = ArrivalKernel.lognormal(mean_minutes=12, sigma=0.5, share=0.7)
        >>> round(k.share, 3), int(k.weights.argmax())    # the most likely delay: 8-9 minutes
        (0.7, 8)
    """

    weights: np.ndarray
    mean_minutes: float = float("nan")
    sigma: float = float("nan")
    bin_seconds: float = MINUTE

    @classmethod
    def lognormal(
        cls, *, mean_minutes: float, sigma: float, share: float, max_minutes: int = 120
    ) -> ArrivalKernel:
        """A kernel whose entry → checkout time is log-normal with this mean and shape.

        Args:
            mean_minutes: mean time from entering to joining the checkout queue.
            sigma: standard deviation of the log of that time (0.5: most within ×/÷ 1.6).
            share: share of entrants who go to a checkout (0..1).
            max_minutes: longest delay kept (the tail beyond is dropped and the rest rescaled).
        """
        return cls(share * lognormal_pmf(mean_minutes, sigma, max_minutes), float(mean_minutes), float(sigma))

    @property
    def share(self) -> float:
        """Share of entrants who reach the checkout."""
        return float(self.weights.sum())

    @property
    def max_lag(self) -> float:
        """Longest delay the kernel covers, in seconds."""
        return len(self.weights) * self.bin_seconds

    def rates(
        self,
        entries: ArrayLike,
        now: float,
        *,
        horizon: float,
        step: float,
        future_rate: float = 0.0,
    ) -> np.ndarray:
        """Expected checkout arrival rate (people per second) over the next ``horizon`` seconds.

        Args:
            entries: store entry times (epoch seconds); those after ``now`` are ignored.
            now: the forecast origin.
            horizon: how far ahead, seconds.
            step: the grid step, seconds; rates are for the midpoint of each step.
            future_rate: entries per second expected from now on (they add arrivals too).

        Returns:
            (ceil(horizon / step),) rates in people per second.
        """
        n = math.ceil(horizon / step)
        mid = now + (np.arange(n) + 0.5) * step
        e = np.asarray(entries, dtype=np.float64).reshape(-1)
        e = e[(e <= now) & (e > now - self.max_lag)]
        density = self.weights / self.bin_seconds
        out = np.zeros(n)
        if e.size:
            lag = mid[:, None] - e[None, :]
            idx = np.floor(lag / self.bin_seconds).astype(np.int64)
            ok = idx < len(density)
            out = np.where(ok, density[np.minimum(idx, len(density) - 1)], 0.0).sum(axis=1)
        if future_rate > 0:
            cum = np.concatenate([[0.0], np.cumsum(self.weights)])
            u = (mid - now) / self.bin_seconds
            j = np.minimum(np.floor(u).astype(np.int64), len(self.weights))
            frac = np.clip(u - j, 0.0, 1.0)
            nxt = np.minimum(j + 1, len(self.weights))
            out = out + future_rate * (cum[j] + frac * (cum[nxt] - cum[j]))
        return out


def lognormal_pmf(mean_minutes: float, sigma: float, max_minutes: int) -> np.ndarray:
    """Per-minute probabilities of a log-normal delay with this mean (bins 0..max_minutes−1)."""
    if mean_minutes <= 0 or sigma <= 0:
        raise ValueError("mean_minutes and sigma must be positive")
    mu = math.log(mean_minutes) - sigma * sigma / 2.0
    edges = np.arange(max_minutes + 1, dtype=np.float64)
    with np.errstate(divide="ignore"):
        z = (np.log(edges) - mu) / (sigma * math.sqrt(2.0))
    cdf = 0.5 * (1.0 + _erf(z))
    pmf = np.diff(cdf)
    total = pmf.sum()
    return pmf / total if total > 0 else pmf


def _erf(x: np.ndarray) -> np.ndarray:
    """Vectorised error function (math.erf per element; inputs are small arrays)."""
    return np.vectorize(math.erf, otypes=[np.float64])(x)


@dataclass(frozen=True, slots=True)
class ArrivalModel:
    """Arrival kernels learnt per hour of the week, with fallbacks.

    Attributes:
        slots: hour-of-week (0..167) → kernel, for buckets with enough history.
        hours: hour of day (0..23) → kernel, for hours with enough history.
        overall: the kernel of all history, or None.
        prior: the configured kernel used when nothing was learnt.
        arrivals: checkout arrivals the fit was made from.

    Example:
        >>> prior = ArrivalKernel.lognormal(mean_minutes=12, sigma=0.6, share=0.6)
        >>> ArrivalModel(prior=prior).kernel(slot=10) is prior
        True
    """

    prior: ArrivalKernel
    slots: dict[int, ArrivalKernel] = field(default_factory=dict)
    hours: dict[int, ArrivalKernel] = field(default_factory=dict)
    overall: ArrivalKernel | None = None
    arrivals: int = 0

    def kernel(self, slot: int) -> ArrivalKernel:
        """The kernel for an hour of the week (weekday × 24 + hour, Monday = 0)."""
        k = self.slots.get(slot) or self.hours.get(slot % 24) or self.overall
        return k if k is not None else self.prior

    def source(self, slot: int) -> str:
        """Which level :meth:`kernel` uses: ``"weekday-hour"``, ``"hour"``, ``"all"`` or ``"prior"``."""
        if slot in self.slots:
            return "weekday-hour"
        if slot % 24 in self.hours:
            return "hour"
        return "all" if self.overall is not None else "prior"


#: The grid of log-normal delays tried by :func:`fit_arrival_model`.
DEFAULT_MEANS: tuple[float, ...] = tuple(float(m) for m in np.geomspace(1.0, 60.0, 25))
DEFAULT_SIGMAS: tuple[float, ...] = (0.25, 0.4, 0.55, 0.7, 0.9, 1.1)


def fit_arrival_model(
    entries: ArrayLike,
    arrivals: ArrayLike,
    slots: ArrayLike,
    *,
    prior: ArrivalKernel,
    valid: ArrayLike | None = None,
    min_arrivals: int = 150,
    max_minutes: int = 120,
    means: Sequence[float] = DEFAULT_MEANS,
    sigmas: Sequence[float] = DEFAULT_SIGMAS,
) -> ArrivalModel:
    """Learn the entry → checkout kernel from per-minute counts (no individual is followed).

    For every log-normal delay on the grid, the entries are convolved with it; the share that
    best explains the arrivals is ``Σ arrivals / Σ convolved`` (the Poisson maximum likelihood)
    and the delay with the highest Poisson likelihood wins. An hour of day gets its own kernel
    once it holds ``min_arrivals`` arrivals, an hour of the week (weekday and hour) once it holds
    three times as many.

    Args:
        entries: (N,) store entries per minute, consecutive minutes.
        arrivals: (N,) checkout queue arrivals per minute, the same minutes.
        slots: (N,) hour of week (0..167) of each minute in the site's time.
        prior: kernel used where there is too little history.
        valid: (N,) bool, minutes whose arrivals were observed (default all); entries of invalid
            minutes still count as causes.
        min_arrivals: arrivals an hour of day needs for its own kernel (and the whole history
            for any learnt kernel).
        max_minutes: longest entry → checkout delay considered.
        means: candidate mean delays (minutes).
        sigmas: candidate log-normal shapes.

    Returns:
        The learnt model (the prior alone when there are fewer than ``min_arrivals`` arrivals).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> e = rng.poisson(2.0, 3000).astype(float)                 # 2 entries a minute
        >>> true = ArrivalKernel.lognormal(mean_minutes=8, sigma=0.4, share=0.5)
        >>> a = rng.poisson(np.convolve(e, true.weights)[:3000])
        >>> m = fit_arrival_model(e, a, np.zeros(3000, int), prior=true, min_arrivals=100)
        >>> round(m.overall.mean_minutes), round(m.overall.share, 1)
        (8, 0.5)
    """
    e = np.asarray(entries, dtype=np.float64).reshape(-1)
    y = np.asarray(arrivals, dtype=np.float64).reshape(-1)
    s = np.asarray(slots, dtype=np.int64).reshape(-1)
    if not (len(e) == len(y) == len(s)):
        raise ValueError("entries, arrivals and slots must have the same length")
    ok = np.ones(len(y), bool) if valid is None else np.asarray(valid, bool).reshape(-1)
    ok = ok & (s >= 0) & (s < WEEK_SLOTS)
    total = int(y[ok].sum())
    if total < min_arrivals or len(e) == 0:
        return ArrivalModel(prior=prior, arrivals=total)
    s_ok = s[ok]
    y_ok = y[ok]
    y_slot = np.bincount(s_ok, weights=y_ok, minlength=WEEK_SLOTS)
    cands: list[tuple[float, float, np.ndarray]] = []
    # Per candidate and slot: Σ y·log(pred) and Σ pred → the likelihood of any bucket by sums.
    ylogp = np.zeros((0, WEEK_SLOTS))
    psum = np.zeros((0, WEEK_SLOTS))
    rows_ylogp, rows_psum = [], []
    eps = 1e-3
    for m in means:
        for sg in sigmas:
            pmf = lognormal_pmf(m, sg, max_minutes)
            pred = np.convolve(e, pmf)[: len(e)][ok] + eps
            cands.append((m, sg, pmf))
            rows_ylogp.append(np.bincount(s_ok, weights=y_ok * np.log(pred), minlength=WEEK_SLOTS))
            rows_psum.append(np.bincount(s_ok, weights=pred, minlength=WEEK_SLOTS))
    ylogp, psum = np.array(rows_ylogp), np.array(rows_psum)

    def best(cols: np.ndarray) -> ArrivalKernel:
        ys = y_slot[cols].sum()
        ps = psum[:, cols].sum(axis=1)
        share = ys / ps
        ll = ylogp[:, cols].sum(axis=1) + ys * np.log(share) - ys
        i = int(np.argmax(ll))
        m, sg, pmf = cands[i]
        return ArrivalKernel(float(min(share[i], 1.5)) * pmf, m, sg)

    all_cols = np.arange(WEEK_SLOTS)
    overall = best(all_cols)
    hours = {}
    for h in range(24):
        cols = all_cols[all_cols % 24 == h]
        if y_slot[cols].sum() >= min_arrivals:
            hours[h] = best(cols)
    week = {int(k): best(np.array([k])) for k in np.flatnonzero(y_slot >= 3 * min_arrivals)}
    return ArrivalModel(prior=prior, slots=week, hours=hours, overall=overall, arrivals=total)


# --- the queue ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueState:
    """What is known about a checkout now.

    Attributes:
        ts: the time (epoch seconds).
        waiting: people waiting in the queue (not yet at a counter).
        in_service: people being served at a counter.
    """

    ts: float
    waiting: float
    in_service: float = 0.0


@dataclass(frozen=True, slots=True)
class ForecastPoint:
    """The expected queue some minutes ahead.

    Attributes:
        minutes: minutes after the forecast's origin.
        length: expected people waiting (not being served).
        median: the median of the people waiting (a whole number; the point forecast that the
            backtest scores, as the mean absolute error is smallest at the median).
        wait: expected wait of someone joining then, seconds (None with no open counter).
        in_system: expected people waiting or being served.
        arrivals: expected arrivals between the origin and then.
        utilisation: share of the counters' capacity in use then (0..1).
    """

    minutes: float
    length: float
    median: float
    wait: float | None
    in_system: float
    arrivals: float
    utilisation: float


@dataclass(frozen=True, slots=True)
class QueueForecast:
    """A forecast: one point per minute up to the horizon.

    Attributes:
        ts: the origin (epoch seconds).
        counters: open counters assumed.
        service_time: mean service time assumed, seconds.
        points: one :class:`ForecastPoint` per whole minute ahead, in order.
    """

    ts: float
    counters: int
    service_time: float
    points: tuple[ForecastPoint, ...]

    def at(self, minutes: float) -> ForecastPoint:
        """The point ``minutes`` ahead (the nearest whole minute within the horizon).

        Raises:
            ValueError: beyond the horizon.
        """
        i = round(minutes) - 1
        if i < 0 or i >= len(self.points):
            raise ValueError(f"no forecast {minutes} minutes ahead (horizon {len(self.points)} min)")
        return self.points[i]

    def first_reaching(self, length: float) -> ForecastPoint | None:
        """The first point whose length reaches ``length``, or None."""
        return next((p for p in self.points if p.length >= length), None)

    @property
    def peak(self) -> ForecastPoint:
        """The point with the longest expected queue."""
        return max(self.points, key=lambda p: p.length)


def _median_waiting(mean: float, p_wait: float) -> float:
    """Median of a queue length with P(≥ k) = p_wait·r^k (M/M/c's shape) and the given mean.

    Example:
        >>> _median_waiting(0.3, 0.4), _median_waiting(5.0, 0.99)
        (0.0, 3.0)
    """
    if mean <= 0 or p_wait <= 0.5:
        return 0.0
    r = mean / (p_wait + mean)
    return float(max(0, math.ceil(math.log(0.5 / p_wait) / math.log(r) - 1.0)))


def erlang_c(counters: int, load: ArrayLike) -> np.ndarray:
    """Probability that an arrival must wait in an M/M/c queue (Erlang C).

    Args:
        counters: c ≥ 1.
        load: offered load ``a = λ/μ`` (< c for a stable queue; ≥ c gives 1).

    Example:
        >>> round(float(erlang_c(1, 0.5)), 3), round(float(erlang_c(2, 1.0)), 3)
        (0.5, 0.333)
    """
    a = np.asarray(load, dtype=np.float64)
    b = np.ones_like(a)
    for k in range(1, counters + 1):
        b = a * b / (k + a * b)
    rho = a / counters
    with np.errstate(divide="ignore", invalid="ignore"):
        c = b / (1.0 - rho * (1.0 - b))
    return np.where(rho >= 1.0, 1.0, np.clip(c, 0.0, 1.0))


class _Stationary:
    """Lookup of ρ(x) and Erlang C for c counters: L(ρ) = cρ + k·C·ρ/(1−ρ).

    ``k = (1 + cs²)/2`` is the Allen–Cunneen correction for service times that vary less (or
    more) than exponential ones (``cs²`` their squared coefficient of variation).
    """

    _cache: dict[tuple[int, float], _Stationary] = {}

    def __init__(self, counters: int, factor: float) -> None:
        u = np.linspace(0.0, 4.0, 1600)
        rho = np.concatenate([np.linspace(0.0, 0.9, 400, endpoint=False), 1.0 - 0.1 * 10.0 ** (-u)])
        pw = erlang_c(counters, counters * rho)
        self.rho = rho
        self.pw = pw
        self.factor = factor
        self.system = counters * rho + factor * pw * rho / (1.0 - rho)

    @classmethod
    def of(cls, counters: int, cv2: float = 1.0) -> _Stationary:
        factor = round((1.0 + min(max(cv2, 0.0), 4.0)) / 2.0, 2)
        key = (counters, factor)
        if key not in cls._cache:
            cls._cache[key] = cls(counters, factor)
        return cls._cache[key]

    def utilisation(self, x: float) -> float:
        return float(np.interp(x, self.system, self.rho))

    def erlang(self, rho: float) -> float:
        return float(np.interp(rho, self.rho, self.pw))


@dataclass(frozen=True, slots=True)
class QueueModel:
    """A checkout as an M/M/c(+abandonment) queue, projected forward with PSFFA.

    Args:
        counters: open counters ``c`` (0: nobody is served, the queue only grows).
        service_time: mean service time ``1/μ``, seconds.
        patience: mean time a waiting customer stays before giving up (``1/θ``), seconds;
            None: nobody gives up.
        service_cv2: squared coefficient of variation of service times (1 = exponential; a
            measured value makes queues of steadier service shorter, Allen–Cunneen).

    Example:
        >>> m = QueueModel(counters=1, service_time=60.0)
        >>> fc = m.forecast(QueueState(0.0, waiting=5, in_service=1), np.zeros(90), step=10.0)
        >>> [round(fc.at(h).length, 1) for h in (5, 10, 15)]        # no arrivals: it drains
        [1.4, 0.0, 0.0]
    """

    counters: int
    service_time: float
    patience: float | None = None
    service_cv2: float = 1.0

    def forecast(
        self, state: QueueState, rates: ArrayLike, *, step: float = 10.0, substeps: int | None = None
    ) -> QueueForecast:
        """Project the queue over the arrival rates.

        Args:
            state: the queue now.
            rates: expected arrivals per second for each step ahead (e.g. from
                :meth:`ArrivalKernel.rates`); the horizon is ``len(rates) * step``.
            step: seconds per rate.
            substeps: Euler sub-steps per step (default: enough for stability).

        Returns:
            The forecast, one point per whole minute.
        """
        lam = np.asarray(rates, dtype=np.float64).reshape(-1)
        c = max(int(self.counters), 0)
        mu = 1.0 / max(float(self.service_time), 1e-6)
        theta = 0.0 if not self.patience else 1.0 / float(self.patience)
        table = _Stationary.of(c, self.service_cv2) if c > 0 else None
        n_sub = substeps or max(1, math.ceil(step * (c * mu + theta) * 2.0))
        dt = step / n_sub
        x = max(float(state.waiting) + float(state.in_service), 0.0)
        arrived = 0.0
        per_minute = max(1, round(MINUTE / step))
        points: list[ForecastPoint] = []
        for k, lam_k in enumerate(lam.tolist()):
            for _ in range(n_sub):
                if table is not None:
                    rho = table.utilisation(x)
                    lq = max(x - c * rho, 0.0)
                    out = c * mu * rho + theta * lq
                else:
                    out = theta * x
                x = max(x + (lam_k - out) * dt, 0.0)
            arrived += lam_k * step
            if (k + 1) % per_minute == 0:
                points.append(self._point((k + 1) * step / MINUTE, x, arrived, c, mu, table))
        return QueueForecast(float(state.ts), c, float(self.service_time), tuple(points))

    @staticmethod
    def _point(
        minutes: float, x: float, arrived: float, c: int, mu: float, table: _Stationary | None
    ) -> ForecastPoint:
        x, arrived = float(x), float(arrived)
        if table is None:
            return ForecastPoint(minutes, x, float(round(x)), None, x, arrived, 1.0 if x > 0 else 0.0)
        rho = table.utilisation(x)
        lq = max(x - c * rho, 0.0)
        pw = table.erlang(rho)
        wait = (lq + pw) / (c * mu)
        return ForecastPoint(minutes, lq, _median_waiting(lq, pw), wait, x, arrived, rho)

    def counters_needed(
        self, state: QueueState, rates: ArrayLike, *, length: float, step: float = 10.0, most: int = 4
    ) -> int | None:
        """The fewest counters (≥ the current number) that keep the forecast queue below ``length``.

        Args:
            state: the queue now.
            rates: arrival rates as for :meth:`forecast`.
            length: the queue length to stay under.
            step: seconds per rate.
            most: try at most this many extra counters.

        Returns:
            The number of counters, or None if even ``most`` extra ones do not suffice.
        """
        for c in range(max(self.counters, 0), max(self.counters, 0) + most + 1):
            if c == 0:
                continue
            m = QueueModel(c, self.service_time, self.patience)
            if m.forecast(state, rates, step=step).peak.length < length:
                return c
        return None
