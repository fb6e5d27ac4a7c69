"""The live queue of one checkout: length, waiting times, abandonment, service rate, open counters.

A checkout is a **queue zone** (where people wait) and one or more **counter zones** (where
they are served). :class:`QueueMonitor` follows the tracked people through them, with the
same inertia as :class:`~analytics.zones.ZoneTracker` so a flickering box neither joins nor
leaves, and reports per frame a :class:`QueueSnapshot`:

* **length** — customers waiting in the queue zone now (staff never count), raw and smoothed
  with a time-based exponential average (so it does not jump with every detection);
* **waiting time** — for each person, from entering the queue zone to reaching a counter
  (``served``) or leaving without reaching one (``abandoned``). Reaching a counter within
  ``handoff_seconds`` after leaving the queue zone counts (the zones may not touch). A stay
  shorter than ``min_wait`` that reaches no counter is a passer-by, not an abandonment; a track
  that is lost inside the queue ends as ``lost`` (the tracker may have lost a person who is
  still there, so it counts as neither);
* **service** — a stay at a counter of at least ``min_service`` seconds is one service; the
  service rate is services per minute over ``service_window``, and the mean service time and
  its variability come from the same services;
* **open counters** — the configured number when given; else the counters where staff stood
  within ``open_window`` seconds (once any role is known); else the counters that served
  somebody within ``open_window`` (all counters are assumed open until ``open_window`` has
  passed since the first frame).

Times come from timestamps only.

Example:
    >>> q = [(0, 0), (100, 0), (100, 100), (0, 100)]
    >>> till = [(100, 0), (200, 0), (200, 100), (100, 100)]
    >>> m = QueueMonitor(q, {"till": till}, min_frames=1, smoothing=0.0)
    >>> def at(x):
    ...     return Detections(xyxy=[[x - 5, 40, x + 5, 50]], confidence=[1], class_id=[0], tracker_id=[7])
    >>> m.update(at(50), ts=0.0).length_raw
    1
    >>> [(o.kind, o.wait) for o in m.update(at(150), ts=42.0).outcomes]
    [('served', 42.0)]
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from numpy.typing import ArrayLike

from analytics.tracks import UNKNOWN_ROLE, roles_in
from analytics.types import Detections
from analytics.zones import ZoneTracker

STAFF = "staff"
QUEUE_ZONE = "__queue__"

OutcomeKind = Literal["served", "abandoned", "lost"]
CountersSource = Literal["configured", "staff", "activity", "assumed"]


@dataclass(frozen=True, slots=True)
class QueueJoin:
    """A customer confirmed as queuing (in the queue ``min_wait`` seconds, or reached a counter).

    Attributes:
        track_id: tracker id.
        ts: when they entered the queue zone.
    """

    track_id: int
    ts: float


@dataclass(frozen=True, slots=True)
class QueueOutcome:
    """How one person's wait ended.

    Attributes:
        track_id: tracker id.
        kind: ``"served"`` (reached a counter), ``"abandoned"`` (left the queue without reaching
            one) or ``"lost"`` (the tracker lost them inside the queue).
        join_ts: when they entered the queue zone.
        end_ts: when they reached the counter, left, or were last seen.
        wait: ``end_ts − join_ts`` in seconds.
        counter: the counter zone reached (served only).
        role: the person's role.
    """

    track_id: int
    kind: OutcomeKind
    join_ts: float
    end_ts: float
    wait: float
    counter: str | None = None
    role: str = UNKNOWN_ROLE


@dataclass(frozen=True, slots=True)
class ServiceStay:
    """One customer served at a counter (a stay of at least ``min_service`` seconds).

    Attributes:
        track_id: tracker id.
        counter: counter zone id.
        start_ts: when they reached the counter.
        end_ts: when they left it.
        duration: seconds at the counter.
        queued: whether they came through the queue (False: walked straight up).
    """

    track_id: int
    counter: str
    start_ts: float
    end_ts: float
    duration: float
    queued: bool


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """The checkout after one frame.

    Attributes:
        ts: the frame's time.
        length: customers waiting, smoothed.
        length_raw: customers waiting in this frame (confirmed inside the queue zone).
        in_service: customers at a counter now.
        open_counters: counters open now (see :attr:`counters_source`).
        counters_source: ``"configured"``, ``"staff"``, ``"activity"`` or ``"assumed"``.
        wait_now: the longest time any customer now in the queue has waited, seconds.
        wait_recent: mean wait of the customers served within ``service_window``, or None.
        service_rate: customers served per minute within ``service_window``.
        service_time: mean service time within ``service_window`` (None before any service).
        service_cv2: squared coefficient of variation of those service times (1 if fewer than 5).
        joined: customers confirmed as queuing since the start.
        served: customers who reached a counter from the queue since the start.
        abandoned: customers who left the queue without being served since the start.
        joins: customers confirmed as queuing in this frame.
        outcomes: waits that ended in this frame.
        services: services that ended in this frame.
    """

    ts: float
    length: float
    length_raw: int
    in_service: int
    open_counters: int
    counters_source: CountersSource
    wait_now: float
    wait_recent: float | None
    service_rate: float
    service_time: float | None
    service_cv2: float
    joined: int
    served: int
    abandoned: int
    joins: tuple[QueueJoin, ...] = ()
    outcomes: tuple[QueueOutcome, ...] = ()
    services: tuple[ServiceStay, ...] = ()

    @property
    def abandon_rate(self) -> float:
        """Share of ended waits that were abandoned (0 before any)."""
        done = self.served + self.abandoned
        return self.abandoned / done if done else 0.0


@dataclass(slots=True)
class _Waiter:
    join_ts: float
    role: str
    confirmed: bool = False
    left_ts: float | None = None  # left the queue zone, may still reach a counter
    lost: bool = False


@dataclass(slots=True)
class _AtCounter:
    counter: str
    start_ts: float
    queued: bool

    def service(self, track_id: int, end_ts: float) -> ServiceStay:
        """The stay as a :class:`ServiceStay` ending at ``end_ts``."""
        return ServiceStay(track_id, self.counter, self.start_ts, end_ts, end_ts - self.start_ts, self.queued)


@dataclass(slots=True)
class _History:
    services: deque[tuple[float, float]] = field(default_factory=deque)  # (end ts, duration)
    waits: deque[tuple[float, float]] = field(default_factory=deque)  # (served ts, wait)


class QueueMonitor:
    """Follows one checkout: a queue zone and its counter zones.

    Args:
        queue: the queue zone's polygon in pixels, (M, 2).
        counters: counter zone id → polygon in pixels.
        min_frames: consecutive frames inside (outside) before entering (leaving) a zone counts.
        min_seconds: minimum time span of those frames.
        lost_timeout: seconds unseen after which a person has left.
        handoff_seconds: reaching a counter this soon after leaving the queue zone is "served".
        min_wait: a shorter stay in the queue that reaches no counter is a passer-by.
        min_service: a shorter stay at a counter is not a service.
        smoothing: time constant of the smoothed length, seconds (0: no smoothing).
        service_window: seconds of history for the service rate, service time and recent wait.
        counters_open: a fixed number of open counters (None: detect them).
        open_window: seconds a counter stays "open" after staff stood there or it served someone.

    Example:
        >>> m = QueueMonitor([(0, 0), (10, 0), (10, 10)], {"till": [(20, 0), (30, 0), (30, 10)]})
        >>> m.update(Detections.empty(), ts=0.0).open_counters
        1
    """

    def __init__(
        self,
        queue: ArrayLike,
        counters: Mapping[str, ArrayLike],
        *,
        min_frames: int = 3,
        min_seconds: float = 0.0,
        lost_timeout: float = 2.0,
        handoff_seconds: float = 5.0,
        min_wait: float = 5.0,
        min_service: float = 5.0,
        smoothing: float = 10.0,
        service_window: float = 600.0,
        counters_open: int | None = None,
        open_window: float = 300.0,
    ) -> None:
        if QUEUE_ZONE in counters:
            raise ValueError(f"{QUEUE_ZONE!r} is reserved")
        self.counter_ids: tuple[str, ...] = tuple(counters)
        self._zones = ZoneTracker(
            {QUEUE_ZONE: queue, **counters},
            min_frames=min_frames,
            min_seconds=min_seconds,
            lost_timeout=lost_timeout,
        )
        self.handoff_seconds = float(handoff_seconds)
        self.min_wait = float(min_wait)
        self.min_service = float(min_service)
        self.smoothing = float(smoothing)
        self.service_window = float(service_window)
        self.counters_open = counters_open
        self.open_window = float(open_window)
        self._waiting: dict[int, _Waiter] = {}
        self._at_counter: dict[int, _AtCounter] = {}
        self._roles: dict[int, str] = {}
        self._staff_seen: dict[str, float] = {}  # counter → last time staff stood there
        self._served_at: dict[str, float] = {}  # counter → last service activity
        self._hist = _History()
        self._smooth: float | None = None
        self._last_ts: float | None = None
        self._first_ts: float | None = None
        self._roles_known = False
        self.joined = 0
        self.served = 0
        self.abandoned = 0

    def update(self, dets: Detections, ts: float, *, roles: Mapping[int, str] | None = None) -> QueueSnapshot:
        """Feed one frame's tracked people; return the checkout's state after it.

        Args:
            dets: tracked detections (people only).
            ts: the frame's time, seconds.
            roles: optional tracker id → role (``"staff"`` never queues; it opens a counter).
        """
        roles = roles if roles is not None else roles_in(dets)
        if self._first_ts is None:
            self._first_ts = ts
        if roles:
            self._roles.update(roles)
            self._roles_known = self._roles_known or any(r != UNKNOWN_ROLE for r in roles.values())
        seen = set(dets.tracker_id.tolist())
        joins: list[QueueJoin] = []
        outcomes: list[QueueOutcome] = []
        services: list[ServiceStay] = []
        for ev in self._zones.update(dets, ts, roles=roles):
            role = self._roles.get(ev.track_id, UNKNOWN_ROLE)
            if ev.zone_id == QUEUE_ZONE:
                if role == STAFF:
                    continue
                if ev.kind == "enter":
                    self._waiting.setdefault(ev.track_id, _Waiter(ev.ts, role))
                else:
                    w = self._waiting.get(ev.track_id)
                    if w is not None:
                        w.left_ts = ev.ts
                        w.lost = ev.track_id not in seen
            elif ev.kind == "enter":
                if role == STAFF:
                    self._staff_seen[ev.zone_id] = ts
                    continue
                w = self._waiting.pop(ev.track_id, None)
                if w is not None:
                    if not w.confirmed:
                        joins.append(QueueJoin(ev.track_id, w.join_ts))
                    outcomes.append(self._served(ev.track_id, w, ev.ts, ev.zone_id))
                self._at_counter[ev.track_id] = _AtCounter(ev.zone_id, ev.ts, w is not None)
            else:
                stay = self._at_counter.pop(ev.track_id, None)
                if stay is not None and role != STAFF:
                    self._served_at[stay.counter] = ev.ts
                    if ev.ts - stay.start_ts >= self.min_service:
                        services.append(stay.service(ev.track_id, ev.ts))
                        self._hist.services.append((ev.ts, ev.ts - stay.start_ts))
        self._staff_presence(dets, ts)
        for tid, w in list(self._waiting.items()):
            if not w.confirmed and w.left_ts is None and tid in seen and ts - w.join_ts >= self.min_wait:
                w.confirmed = True
                self.joined += 1
                joins.append(QueueJoin(tid, w.join_ts))
            if w.left_ts is not None and (w.lost or ts - w.left_ts > self.handoff_seconds):
                del self._waiting[tid]
                if not w.confirmed and w.left_ts - w.join_ts >= self.min_wait:
                    w.confirmed = True
                    self.joined += 1
                    joins.append(QueueJoin(tid, w.join_ts))
                out = self._left(tid, w)
                if out is not None:
                    outcomes.append(out)
        for c in self._at_counter.values():
            self._served_at[c.counter] = ts
        return self._snapshot(ts, tuple(joins), tuple(outcomes), tuple(services))

    def _served(self, tid: int, w: _Waiter, ts: float, counter: str) -> QueueOutcome:
        if not w.confirmed:
            self.joined += 1
        self.served += 1
        self._hist.waits.append((ts, ts - w.join_ts))
        return QueueOutcome(tid, "served", w.join_ts, ts, ts - w.join_ts, counter, w.role)

    def _left(self, tid: int, w: _Waiter) -> QueueOutcome | None:
        end = w.left_ts if w.left_ts is not None else w.join_ts
        if end - w.join_ts < self.min_wait:
            if w.confirmed:  # it was counted as a join: close it as lost, not as a passer-by
                return QueueOutcome(tid, "lost", w.join_ts, end, end - w.join_ts, None, w.role)
            return None
        if w.lost:
            return QueueOutcome(tid, "lost", w.join_ts, end, end - w.join_ts, None, w.role)
        self.abandoned += 1
        return QueueOutcome(tid, "abandoned", w.join_ts, end, end - w.join_ts, None, w.role)

    def _staff_presence(self, dets: Detections, ts: float) -> None:
        if not self._roles_known:
            return
        for tid in dets.tracker_id.tolist():
            if self._roles.get(tid) == STAFF:
                for zid in self._zones.inside(tid):
                    if zid != QUEUE_ZONE:
                        self._staff_seen[zid] = ts

    def _open_counters(self, ts: float) -> tuple[int, CountersSource]:
        if self.counters_open is not None:
            return self.counters_open, "configured"
        if self._roles_known:
            return sum(1 for t in self._staff_seen.values() if ts - t <= self.open_window), "staff"
        first = self._first_ts if self._first_ts is not None else ts
        if ts - first < self.open_window:
            return len(self.counter_ids), "assumed"
        return sum(1 for t in self._served_at.values() if ts - t <= self.open_window), "activity"

    def _snapshot(
        self,
        ts: float,
        joins: tuple[QueueJoin, ...],
        outcomes: tuple[QueueOutcome, ...],
        services: tuple[ServiceStay, ...],
    ) -> QueueSnapshot:
        raw = sum(1 for w in self._waiting.values() if w.left_ts is None)
        if self._smooth is None or self.smoothing <= 0:
            self._smooth = float(raw)
        else:
            dt = max(ts - (self._last_ts if self._last_ts is not None else ts), 0.0)
            self._smooth += (1.0 - math.exp(-dt / self.smoothing)) * (raw - self._smooth)
        self._last_ts = ts
        h = self._hist
        horizon = ts - self.service_window
        while h.services and h.services[0][0] < horizon:
            h.services.popleft()
        while h.waits and h.waits[0][0] < horizon:
            h.waits.popleft()
        durations = [d for _, d in h.services]
        mean_service = sum(durations) / len(durations) if durations else None
        cv2 = 1.0
        if mean_service and len(durations) >= 5:
            var = sum((d - mean_service) ** 2 for d in durations) / len(durations)
            cv2 = var / mean_service**2
        waits = [w for _, w in h.waits]
        open_n, source = self._open_counters(ts)
        first = self._first_ts if self._first_ts is not None else ts
        span = min(self.service_window, max(ts - first, 60.0))  # no rate from a few seconds
        wait_now = max((ts - w.join_ts for w in self._waiting.values() if w.left_ts is None), default=0.0)
        return QueueSnapshot(
            ts=ts,
            length=self._smooth,
            length_raw=raw,
            in_service=len(self._at_counter),
            open_counters=open_n,
            counters_source=source,
            wait_now=wait_now,
            wait_recent=sum(waits) / len(waits) if waits else None,
            service_rate=len(durations) * 60.0 / span,
            service_time=mean_service,
            service_cv2=cv2,
            joined=self.joined,
            served=self.served,
            abandoned=self.abandoned,
            joins=joins,
            outcomes=outcomes,
            services=services,
        )

    def flush(self, ts: float) -> QueueSnapshot:
        """End of the video or shutdown: close every wait (as ``lost``) and every stay at a counter."""
        outcomes: list[QueueOutcome] = []
        services: list[ServiceStay] = []
        for ev in self._zones.flush(ts):
            if ev.zone_id != QUEUE_ZONE and ev.kind == "exit":
                stay = self._at_counter.pop(ev.track_id, None)
                if stay is not None and ev.ts - stay.start_ts >= self.min_service:
                    services.append(stay.service(ev.track_id, ev.ts))
        for tid, w in self._waiting.items():
            end = w.left_ts if w.left_ts is not None else ts
            if w.confirmed or end - w.join_ts >= self.min_wait:
                if not w.confirmed:
                    self.joined += 1
                outcomes.append(QueueOutcome(tid, "lost", w.join_ts, end, end - w.join_ts, None, w.role))
        self._waiting.clear()
        self._at_counter.clear()
        return self._snapshot(ts, (), tuple(outcomes), tuple(services))
