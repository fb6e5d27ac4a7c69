"""A simulated store: entries, shopping, a checkout queue with counters that open and close.

Used to backtest the queue forecast (:mod:`analytics.queue_backtest`) where the truth is known,
and to fill demo databases. Seedable and pure (no I/O); times are seconds from Monday 00:00 of
the first simulated week, in the store's local time.

The store, day by day:

* **Entries** are Poisson with a daily profile (a morning ramp, a lunch peak, an evening peak),
  a weekday factor and a random level per day; people come in groups (geometric sizes), and a
  few times a day a burst arrives (a bus, the end of a match) — the situations where entries
  tell ahead of time that a queue is coming.
* **Shopping**: a share of the people who enter go to the checkout after a log-normal time
  whose mean depends on the hour; the rest leave without buying.
* **Checkout**: one first-come-first-served queue feeding the open counters; service times
  are gamma distributed; a waiting customer gives up after an exponential patience.
* **Counters** open by a staffing plan made from the *expected* load of each hour, and the
  shift manager reacts late: one more counter when the queue stays long for a while (it opens
  after a delay), one fewer when the queue stays short; a counter that closes finishes its
  customer first.

Example:
    >>> sim = simulate_store(SimConfig(), days=1, seed=1)
    >>> len(sim.entries) > 500, sim.served + sim.abandoned_count == len(sim.join_ts)
    (True, True)
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

DAY = 86400.0
HOUR = 3600.0

#: Relative entry intensity per hour of day (0 = closed); peaks at lunch and after work.
DEFAULT_PROFILE: tuple[float, ...] = (
    0, 0, 0, 0, 0, 0, 0, 0,
    0.35, 0.5, 0.6, 0.75, 1.0, 0.95, 0.7, 0.6, 0.75, 1.0, 1.05, 0.85, 0.55, 0.35, 0, 0,
)  # fmt: skip
#: Mean minutes from entry to checkout per hour of day (short at lunch, long in the evening).
DEFAULT_VISIT_MINUTES: tuple[float, ...] = (
    12, 12, 12, 12, 12, 12, 12, 12,
    9, 10, 11, 11, 7, 7, 10, 11, 12, 15, 16, 15, 13, 11, 12, 12,
)  # fmt: skip
#: Weekday factors, Monday first.
DEFAULT_WEEKDAYS: tuple[float, ...] = (0.9, 0.9, 0.95, 1.0, 1.15, 1.3, 1.0)


@dataclass(frozen=True, slots=True)
class SimConfig:
    """How the simulated store behaves.

    Attributes:
        peak_entries_per_hour: entries per hour at profile 1.0 on a weekday factor of 1.0.
        profile: relative intensity per hour of day (24 values; 0 = closed).
        weekdays: intensity factor per weekday (7 values, Monday first).
        day_spread: log-normal spread of a day's level around the profile.
        group_mean: mean group size (people entering together).
        bursts_per_day: expected bursts (a bus arrives) per day.
        burst_size: (min, max) people in a burst.
        checkout_share: share of entrants who go to the checkout.
        visit_minutes: mean entry → checkout minutes per hour of day (24 values).
        visit_sigma: log-normal shape of that time.
        service_mean: mean service time, seconds.
        service_shape: gamma shape of service times (1 = exponential).
        patience_mean: mean patience while waiting, seconds (0: nobody gives up).
        counters: counters the store has.
        min_counters: counters open whenever the store is open.
        target_utilisation: the staffing plan opens enough counters for this utilisation.
        open_queue: the manager opens one more counter when the queue stays at or above this …
        open_after: … for this many seconds; the counter opens ``open_delay`` seconds later.
        open_delay: seconds from the decision until the counter serves.
        close_queue: the manager closes a counter (above the plan) when the queue stays at or
            below this for ``close_after`` seconds.
        close_after: see ``close_queue``.
    """

    peak_entries_per_hour: float = 160.0
    profile: tuple[float, ...] = DEFAULT_PROFILE
    weekdays: tuple[float, ...] = DEFAULT_WEEKDAYS
    day_spread: float = 0.15
    group_mean: float = 1.4
    bursts_per_day: float = 2.0
    burst_size: tuple[int, int] = (12, 30)
    checkout_share: float = 0.7
    visit_minutes: tuple[float, ...] = DEFAULT_VISIT_MINUTES
    visit_sigma: float = 0.5
    service_mean: float = 75.0
    service_shape: float = 2.0
    patience_mean: float = 720.0
    counters: int = 6
    min_counters: int = 1
    target_utilisation: float = 0.9
    open_queue: int = 6
    open_after: float = 120.0
    open_delay: float = 120.0
    close_queue: int = 1
    close_after: float = 600.0

    def __post_init__(self) -> None:
        if len(self.profile) != 24 or len(self.visit_minutes) != 24 or len(self.weekdays) != 7:
            raise ValueError("profile and visit_minutes need 24 values, weekdays 7")


@dataclass(frozen=True, slots=True)
class SimResult:
    """What happened in a simulated store.

    Attributes:
        entries: (E,) entry times, sorted.
        join_ts: (Q,) times customers joined the checkout queue, sorted.
        start_ts: (Q,) service start times (NaN for those who gave up).
        end_ts: (Q,) service end, or the moment they gave up.
        abandoned: (Q,) bool, gave up waiting.
        state_ts: (S,) times the queue state changed, sorted …
        state_waiting: (S,) … people waiting from then on,
        state_busy: (S,) … counters serving,
        state_open: (S,) … counters open.
        days: simulated days.
        config: the configuration.
    """

    entries: np.ndarray
    join_ts: np.ndarray
    start_ts: np.ndarray
    end_ts: np.ndarray
    abandoned: np.ndarray
    state_ts: np.ndarray
    state_waiting: np.ndarray
    state_busy: np.ndarray
    state_open: np.ndarray
    days: int
    config: SimConfig

    @property
    def served(self) -> int:
        """Customers served."""
        return int((~self.abandoned).sum())

    @property
    def abandoned_count(self) -> int:
        """Customers who gave up."""
        return int(self.abandoned.sum())

    @property
    def waits(self) -> np.ndarray:
        """Seconds each customer waited (until service, or until giving up)."""
        end_wait = np.where(self.abandoned, self.end_ts, self.start_ts)
        return end_wait - self.join_ts

    def state_at(self, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(waiting, busy, open) at each time in ``ts`` (the state right after that instant)."""
        i = np.searchsorted(self.state_ts, np.asarray(ts, dtype=np.float64), side="right") - 1
        i = np.clip(i, 0, len(self.state_ts) - 1)
        return self.state_waiting[i], self.state_busy[i], self.state_open[i]

    def is_open(self, ts: np.ndarray) -> np.ndarray:
        """Whether the store is open (profile > 0) at each time."""
        hour = (np.asarray(ts, dtype=np.float64) // HOUR).astype(np.int64) % 24
        return np.asarray(self.config.profile)[hour] > 0


@dataclass(order=True, slots=True)
class _Ev:
    ts: float
    order: int
    kind: str = field(compare=False)
    who: int = field(compare=False, default=-1)


def _entries(cfg: SimConfig, days: int, rng: np.random.Generator) -> np.ndarray:
    """Entry times: grouped Poisson arrivals by the profile, plus bursts."""
    out: list[np.ndarray] = []
    prof = np.asarray(cfg.profile, dtype=np.float64)
    for d in range(days):
        level = cfg.weekdays[d % 7] * math.exp(rng.normal(0.0, cfg.day_spread))
        for h in range(24):
            if prof[h] <= 0:
                continue
            people = cfg.peak_entries_per_hour * prof[h] * level
            groups = rng.poisson(people / cfg.group_mean)
            starts = d * DAY + h * HOUR + rng.uniform(0, HOUR, groups)
            sizes = rng.geometric(1.0 / cfg.group_mean, groups)
            out.append(np.repeat(starts, sizes) + rng.uniform(0, 20, sizes.sum()))
        open_hours = np.flatnonzero(prof > 0)
        for _ in range(rng.poisson(cfg.bursts_per_day)):
            t0 = d * DAY + rng.uniform(open_hours[0], open_hours[-1] + 1) * HOUR
            n = int(rng.integers(cfg.burst_size[0], cfg.burst_size[1] + 1))
            out.append(t0 + rng.exponential(90.0, n))
    e = np.sort(np.concatenate(out)) if out else np.zeros(0)
    hour = (e // HOUR).astype(np.int64) % 24
    return e[prof[hour] > 0]


def _plan(cfg: SimConfig, hour_of_sim: int, mean_level: float) -> int:
    """Counters the staffing plan opens in an hour: enough for the expected load."""
    h = hour_of_sim % 24
    if cfg.profile[h] <= 0:
        return 0
    arrivals_per_s = cfg.peak_entries_per_hour * cfg.profile[h] * mean_level * cfg.checkout_share / HOUR
    need = arrivals_per_s * cfg.service_mean / cfg.target_utilisation
    return int(min(cfg.counters, max(cfg.min_counters, math.ceil(need))))


def simulate_store(cfg: SimConfig, *, days: int, seed: int) -> SimResult:
    """Simulate ``days`` days of the store.

    Args:
        cfg: the store's behaviour.
        days: how many days (the first one is a Monday).
        seed: random seed; the same seed gives the same store.

    Returns:
        Everything that happened.
    """
    rng = np.random.default_rng(seed)
    entries = _entries(cfg, days, rng)
    hour = (entries // HOUR).astype(np.int64) % 24
    buys = rng.random(len(entries)) < cfg.checkout_share
    mean_min = np.asarray(cfg.visit_minutes)[hour[buys]]
    mu_log = np.log(mean_min * 60.0) - cfg.visit_sigma**2 / 2.0
    joins = np.sort(entries[buys] + np.exp(rng.normal(mu_log, cfg.visit_sigma)))
    n = len(joins)
    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    abandoned = np.zeros(n, bool)

    events: list[_Ev] = []
    order = 0

    def push(ts: float, kind: str, who: int = -1) -> None:
        nonlocal order
        heapq.heappush(events, _Ev(ts, order, kind, who))
        order += 1

    for i, t in enumerate(joins.tolist()):
        push(t, "join", i)
    hours = days * 24
    mean_level = float(np.mean(cfg.weekdays))
    for h in range(hours + 1):
        push(h * HOUR - 1e-6, "plan", _plan(cfg, h, mean_level) if h < hours else 0)
    for k in range(int(days * DAY / 30.0)):
        push(k * 30.0, "check")

    queue: list[int] = []  # waiting customers, FCFS
    qpos = 0
    gone: set[int] = set()  # gave up (lazy removal from the queue)
    busy = 0
    open_n = 0
    planned = 0
    closing = 0  # counters to close as soon as they are free
    long_since: float | None = None
    short_since: float | None = None
    pending_open = 0
    st_ts: list[float] = [0.0]
    st_w: list[int] = [0]
    st_b: list[int] = [0]
    st_o: list[int] = [0]

    wait_n = 0

    def record(ts: float) -> None:
        st_ts.append(ts)
        st_w.append(wait_n)
        st_b.append(busy)
        st_o.append(open_n)

    def serve_next(ts: float) -> None:
        nonlocal qpos, busy, wait_n
        while busy < open_n - closing and qpos < len(queue):
            j = queue[qpos]
            qpos += 1
            if j in gone:
                continue
            wait_n -= 1
            busy += 1
            start[j] = ts
            dur = rng.gamma(cfg.service_shape, cfg.service_mean / cfg.service_shape)
            end[j] = ts + dur
            push(ts + dur, "done", j)

    def set_open(ts: float, target: int) -> None:
        nonlocal open_n, closing
        target = max(0, min(cfg.counters, target))
        active = open_n - closing
        if target > active:
            cancel = min(closing, target - active)
            closing -= cancel
            open_n += target - active - cancel
        elif target < active:
            closing += active - target
        shut = min(closing, open_n - busy)  # free counters close at once, busy ones when done
        open_n -= shut
        closing -= shut
        serve_next(ts)

    while events:
        ev = heapq.heappop(events)
        ts = ev.ts
        if ev.kind == "join":
            queue.append(ev.who)
            wait_n += 1
            if cfg.patience_mean > 0:
                push(ts + rng.exponential(cfg.patience_mean), "quit", ev.who)
            serve_next(ts)
        elif ev.kind == "quit":
            j = ev.who
            if np.isnan(start[j]) and j not in gone:
                gone.add(j)
                abandoned[j] = True
                end[j] = ts
                wait_n -= 1
        elif ev.kind == "done":
            busy -= 1
            if closing:
                open_n -= 1
                closing -= 1
            serve_next(ts)
        elif ev.kind == "plan":
            planned = ev.who
            # The plan never closes a counter the manager opened for a queue; after closing time
            # one counter stays open while anybody is still waiting.
            set_open(ts, max(planned, open_n - closing) if planned else int(wait_n > 0))
        elif ev.kind == "opened":
            pending_open -= 1
            if planned > 0:
                set_open(ts, open_n - closing + 1)
        elif ev.kind == "check" and planned == 0:
            set_open(ts, int(wait_n > 0))
        elif ev.kind == "check":
            active = open_n - closing
            if wait_n >= cfg.open_queue:
                long_since = ts if long_since is None else long_since
                if ts - long_since >= cfg.open_after and active + pending_open < cfg.counters:
                    pending_open += 1
                    push(ts + cfg.open_delay, "opened")
                    long_since = None
            else:
                long_since = None
            if wait_n <= cfg.close_queue and active > planned:
                short_since = ts if short_since is None else short_since
                if ts - short_since >= cfg.close_after:
                    set_open(ts, active - 1)
                    short_since = None
            else:
                short_since = None
        if st_ts[-1] != ts or (st_w[-1], st_b[-1], st_o[-1]) != (wait_n, busy, open_n):
            record(ts)
    order_ts = np.asarray(st_ts)
    return SimResult(
        entries=entries,
        join_ts=joins,
        start_ts=start,
        end_ts=end,
        abandoned=abandoned,
        state_ts=order_ts,
        state_waiting=np.asarray(st_w, dtype=np.int64),
        state_busy=np.asarray(st_b, dtype=np.int64),
        state_open=np.asarray(st_o, dtype=np.int64),
        days=days,
        config=cfg,
    )
