"""Per-stage timings of the pipeline (decode, detect, track, pose, roles, analytics, store)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

STAGES = ("decode", "detect", "track", "pose", "roles", "analytics", "store")


@dataclass(frozen=True, slots=True)
class StageStats:
    """Timing of one stage.

    Attributes:
        name: stage name.
        count: how many times it ran.
        mean_ms: mean milliseconds per run.
        p90_ms: 90th percentile over the most recent runs.
        total_s: total seconds spent.
        first_ms: the first run (a backend's first real frame: slow when it did not warm up).
    """

    name: str
    count: int
    mean_ms: float
    p90_ms: float
    total_s: float
    first_ms: float = 0.0


class StageTimer:
    """Thread-safe accumulator of stage durations.

    Example:
        >>> t = StageTimer()
        >>> with t.measure("detect"):
        ...     pass
        >>> t.stats()["detect"].count
        1
    """

    def __init__(self, window: int = 2000) -> None:
        self._lock = threading.Lock()
        self._total: dict[str, float] = {}
        self._count: dict[str, int] = {}
        self._recent: dict[str, deque[float]] = {}
        self._first: dict[str, float] = {}
        self._window = window

    def add(self, stage: str, seconds: float) -> None:
        """Record one run of ``stage`` that took ``seconds``."""
        with self._lock:
            self._total[stage] = self._total.get(stage, 0.0) + seconds
            self._count[stage] = self._count.get(stage, 0) + 1
            self._first.setdefault(stage, seconds)
            self._recent.setdefault(stage, deque(maxlen=self._window)).append(seconds)

    @contextmanager
    def measure(self, stage: str) -> Iterator[None]:
        """Context manager timing its block as one run of ``stage``."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - t0)

    def stats(self) -> dict[str, StageStats]:
        """Snapshot of every stage seen so far."""
        with self._lock:
            out = {}
            for name, total in self._total.items():
                n = self._count[name]
                recent = np.fromiter(self._recent[name], dtype=np.float64)
                p90 = float(np.percentile(recent, 90)) * 1000 if recent.size else 0.0
                out[name] = StageStats(name, n, total / n * 1000, p90, total, self._first[name] * 1000)
            return out
