"""Shelf state over time: empty-fraction readings per segment → gaps with hysteresis, alerts, restocks.

A reading says how empty each segment of a shelf looks in one frame (NaN / not valid where a
person hid it). :class:`GapTracker` turns a stream of them into gaps a category manager can
trust: the median of the last ``window`` seconds of valid readings must stay at or above
``on`` for ``confirm`` seconds before a gap opens (backdated to when it first crossed), and
at or below ``off`` for ``clear`` seconds before it closes (the restock time is measured to
the first reading below ``off``). Frames without a valid reading change nothing — a person
standing in front of a shelf for ten minutes neither opens nor closes a gap. A gap open for
``alert_after`` seconds raises one alert.

Also here: :func:`lost_sales`, the estimate of sales lost while a shelf had gaps.

Example:
    >>> t = GapTracker(1, confirm=60, clear=30, window=20)
    >>> ev = []
    >>> for ts in range(0, 200, 10):
    ...     ev += t.update(float(ts), [0.9 if ts >= 50 else 0.0])
    >>> [(e.kind, e.start) for e in ev]
    [('start', 50.0)]
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

GapKind = Literal["start", "alert", "end"]


@dataclass(frozen=True, slots=True)
class GapEvent:
    """A change of one segment's gap state.

    Attributes:
        kind: ``start`` (a gap is confirmed), ``alert`` (open for ``alert_after``), ``end`` (refilled).
        segment: segment index (row-major).
        ts: when the event was decided (the reading's time).
        start: when the gap began (first reading at or above ``on`` of the run that confirmed it).
        end: when it was refilled (first reading at or below ``off`` of the run that closed it); None while open.
        fraction: the largest smoothed empty fraction seen during the gap so far.
    """

    kind: GapKind
    segment: int
    ts: float
    start: float
    end: float | None
    fraction: float

    @property
    def duration(self) -> float:
        """Seconds from start to end (or to ``ts`` while open) — for ``end``, the restock time."""
        return (self.end if self.end is not None else self.ts) - self.start


@dataclass(slots=True)
class _Segment:
    readings: deque[tuple[float, float]] = field(default_factory=deque)
    gap: bool = False
    since: float | None = None  # first reading of the current run across the threshold
    start: float = 0.0
    peak: float = 0.0
    alerted: bool = False
    smoothed: float = math.nan
    last_valid: float = -math.inf


class GapTracker:
    """Hysteresis over minutes on per-segment empty fractions.

    Args:
        segments: number of segments.
        on: smoothed empty fraction at or above which a segment is going empty.
        off: at or below which a gap is refilled (``off`` < ``on``).
        confirm: seconds above ``on`` before a gap opens.
        clear: seconds below ``off`` before a gap closes.
        window: seconds of valid readings in the running median.
        alert_after: seconds a gap stays open before one alert (0: no alerts).
    """

    def __init__(
        self,
        segments: int,
        *,
        on: float = 0.5,
        off: float = 0.3,
        confirm: float = 120.0,
        clear: float = 60.0,
        window: float = 60.0,
        alert_after: float = 600.0,
    ) -> None:
        if segments < 1 or not 0 <= off < on <= 1 or confirm < 0 or clear < 0 or window <= 0:
            raise ValueError("need segments ≥ 1, 0 ≤ off < on ≤ 1, confirm/clear ≥ 0, window > 0")
        self.on, self.off = on, off
        self.confirm, self.clear, self.window = confirm, clear, window
        self.alert_after = alert_after
        self._seg = [_Segment() for _ in range(segments)]

    @property
    def open_gaps(self) -> dict[int, tuple[float, float]]:
        """Segment → (start, peak fraction) of every open gap."""
        return {i: (s.start, s.peak) for i, s in enumerate(self._seg) if s.gap}

    def smoothed(self) -> np.ndarray:
        """The current smoothed empty fraction per segment (NaN before any valid reading)."""
        return np.array([s.smoothed for s in self._seg])

    def update(self, ts: float, fractions: ArrayLike, valid: ArrayLike | None = None) -> list[GapEvent]:
        """Feed one reading (NaN or ``valid`` False: not measured) and return the events it decides."""
        f = np.asarray(fractions, dtype=np.float64).reshape(-1)
        if len(f) != len(self._seg):
            raise ValueError(f"{len(f)} fractions for {len(self._seg)} segments")
        ok = np.isfinite(f) if valid is None else np.asarray(valid, bool).reshape(-1) & np.isfinite(f)
        out: list[GapEvent] = []
        for i, s in enumerate(self._seg):
            if ok[i]:
                s.readings.append((ts, float(f[i])))
                s.last_valid = ts
            while s.readings and s.readings[0][0] < ts - self.window:
                s.readings.popleft()
            if not ok[i] or not s.readings:
                continue  # hidden: nothing changes
            s.smoothed = float(np.median([v for _, v in s.readings]))
            out.extend(self._step(i, s, ts))
        return out

    def _step(self, i: int, s: _Segment, ts: float) -> list[GapEvent]:
        v = s.smoothed
        if not s.gap:
            if v < self.on:
                s.since = None
                return []
            if s.since is None:
                s.since = self._run_start(s, lambda x: x >= self.on)
            if ts - s.since < self.confirm:
                return []
            s.gap, s.start, s.peak, s.alerted, s.since = True, s.since, v, False, None
            out = [GapEvent("start", i, ts, s.start, None, round(v, 3))]
            return out + self._alert(i, s, ts)
        s.peak = max(s.peak, v)
        if v > self.off:
            s.since = None
            return self._alert(i, s, ts)
        if s.since is None:
            s.since = self._run_start(s, lambda x: x <= self.off)
        if ts - s.since < self.clear:
            return []
        ev = GapEvent("end", i, ts, s.start, s.since, round(s.peak, 3))
        s.gap, s.since = False, None
        return [ev]

    def _alert(self, i: int, s: _Segment, ts: float) -> list[GapEvent]:
        if self.alert_after > 0 and not s.alerted and ts - s.start >= self.alert_after:
            s.alerted = True
            return [GapEvent("alert", i, ts, s.start, None, round(s.peak, 3))]
        return []

    @staticmethod
    def _run_start(s: _Segment, crossed) -> float:
        """Time of the earliest raw reading of the latest run of readings on the crossed side."""
        start = s.readings[-1][0]
        for t, v in reversed(s.readings):
            if not crossed(v):
                break
            start = t
        return start

    def close(self, ts: float) -> list[GapEvent]:
        """End of stream: nothing is closed (a gap still open stays open); returns no events."""
        return []


@dataclass(frozen=True, slots=True)
class LostSales:
    """An estimate of sales lost to a shelf's gaps, with every input shown beside it.

    Attributes:
        gap_hours: hours of gap (summed over segments, each weighted by its share of the shelf).
        shoppers_per_hour: people passing or engaging at the shelf per hour (measured).
        conversion: share of those shoppers who would buy from the shelf (user's input).
        basket_value: value of one such purchase (user's input, in the store's currency).
        lost_purchases: gap_hours × shoppers_per_hour × conversion.
        lost_value: lost_purchases × basket_value.
    """

    gap_hours: float
    shoppers_per_hour: float
    conversion: float
    basket_value: float
    lost_purchases: float
    lost_value: float

    def sentence(self, currency: str = "") -> str:
        """The estimate in words, with its inputs (never shown as a fact)."""
        cur = f" {currency}" if currency else ""
        return (
            f"estimated lost sales ≈ {self.lost_value:,.2f}{cur} "
            f"({self.gap_hours:.2f} h of gap × {self.shoppers_per_hour:.1f} shoppers/h × "
            f"{self.conversion:.1%} conversion × {self.basket_value:,.2f}{cur} per purchase; an estimate)"
        )


def lost_sales(
    gaps: ArrayLike,
    *,
    segment_weights: ArrayLike | None = None,
    shoppers: float,
    observed_hours: float,
    conversion: float,
    basket_value: float,
) -> LostSales:
    """Estimate the sales a shelf lost while it had gaps.

    The one definition every view uses: gap hours (each segment's gap time × its share of the
    shelf, so a whole shelf empty for an hour counts 1 h) × the shelf's shoppers per hour (people
    who passed or engaged at the shelf zone during ``observed_hours``) × conversion × basket value.

    Args:
        gaps: per-segment gap seconds in the period, (S,).
        segment_weights: each segment's share of the shelf (default equal; normalised to sum 1).
        shoppers: people passing/engaging at the shelf in the period.
        observed_hours: hours the shelf was observed in the period (> 0).
        conversion: 0..1, user's input.
        basket_value: ≥ 0, user's input.

    Example:
        >>> r = lost_sales([3600, 0], shoppers=40, observed_hours=4, conversion=0.1, basket_value=5)
        >>> round(r.gap_hours, 2), r.shoppers_per_hour, round(r.lost_value, 2)
        (0.5, 10.0, 2.5)
    """
    g = np.asarray(gaps, dtype=np.float64).reshape(-1)
    if observed_hours <= 0 or not 0 <= conversion <= 1 or basket_value < 0 or shoppers < 0:
        raise ValueError("need observed_hours > 0, 0 ≤ conversion ≤ 1, basket_value ≥ 0, shoppers ≥ 0")
    w = np.ones_like(g) if segment_weights is None else np.asarray(segment_weights, np.float64).reshape(-1)
    if len(w) != len(g) or (w < 0).any() or w.sum() <= 0:
        raise ValueError("segment_weights must be one non-negative weight per segment, not all zero")
    gap_hours = float((g * w / w.sum()).sum() / 3600.0)
    rate = shoppers / observed_hours
    purchases = gap_hours * rate * conversion
    return LostSales(gap_hours, rate, conversion, basket_value, purchases, purchases * basket_value)
