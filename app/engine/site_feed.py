"""Store-wide signals shared by the camera pipelines of one site: who entered, and when.

The checkout forecast needs the store's entries, and the entrance is usually watched by
another camera than the checkout. Every :class:`~app.engine.pipeline.CameraPipeline` hands the
events it emits to its site's :class:`SiteFeed` (:meth:`SiteFeed.observe`); the queue module
reads the recent entries from it (:meth:`SiteFeed.entries`). Pipelines of one site running in
one process (the GUI's engine) should share one feed — pass the same object to each; a
pipeline given none gets a private one (then only its own camera's entrance lines count).

An **entry** is a ``footfall`` / ``in`` event on a line of type ``entrance_line`` of any camera
of the site, by anyone not classified as staff. Entries are kept for ``keep_seconds``.

A learnt arrival model (from the database's history, see
:func:`app.store.queue_stats.learn_arrival_model`) can be put in :attr:`SiteFeed.arrival_model`;
queue modules use it instead of their configured prior.

Example:
    >>> from app.config import SiteConfig
    >>> from app.store.records import EventRecord
    >>> site = SiteConfig.model_validate({"site": {"name": "S"}, "cameras": [{"id": "door", "source": "0",
    ...     "zones": [{"id": "in", "type": "entrance_line", "points": [[0, 0.5], [1, 0.5]]}]}]})
    >>> feed = SiteFeed(site)
    >>> feed.observe(EventRecord("door", 100.0, "footfall", "in", zone_id="in"))
    >>> feed.entries(since=0.0, until=200.0).tolist(), feed.has_entrance
    ([100.0], True)
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable

import numpy as np

from analytics.forecast import ArrivalModel
from app.config import SiteConfig, ZoneType
from app.store.records import EventRecord

STAFF = "staff"


class SiteFeed:
    """Recent store entries of one site, thread-safe.

    Args:
        site: the site config (which lines are entrance lines).
        keep_seconds: entries older than this (behind the newest) are forgotten.
    """

    def __init__(self, site: SiteConfig, *, keep_seconds: float = 3 * 3600.0) -> None:
        self.site_name = site.site.name
        self._entrances: set[tuple[str, str]] = set()
        self.set_site(site)
        self.keep_seconds = float(keep_seconds)
        self._ts: list[float] = []
        self._lock = threading.Lock()
        self.arrival_model: ArrivalModel | None = None
        self.covered_since: float | None = None
        #: Called with ``("entry" | "alert" | "alert_end", event)`` for every store entry and alert
        #: observed here (the service sends them to the other processes, :mod:`app.bus.rabbit`).
        self.outbound: Callable[[str, EventRecord], None] | None = None

    def set_site(self, site: SiteConfig) -> None:
        """Take the entrance lines from a changed site config (zones edited while running)."""
        self._entrances = {
            (c.id, z.id) for c in site.cameras for z in c.zones if z.type is ZoneType.ENTRANCE_LINE
        }

    def watch_from(self, ts: float) -> None:
        """Record that entries are known from ``ts`` on (a camera started, or history was loaded)."""
        with self._lock:
            self.covered_since = ts if self.covered_since is None else min(self.covered_since, ts)

    @property
    def has_entrance(self) -> bool:
        """Whether the site has any entrance line (else the forecast uses the queue's own arrivals)."""
        return bool(self._entrances)

    def is_entry(self, event: EventRecord) -> bool:
        """Whether an event is a store entry."""
        return (
            event.module == "footfall"
            and event.type == "in"
            and (event.camera_id, event.zone_id) in self._entrances
            and event.payload.get("role") != STAFF
        )

    def observe(self, event: EventRecord) -> None:
        """Take note of an event if it is a store entry (called by the pipelines for every event)."""
        if self.is_entry(event):
            self.add_entries([event.ts])
            if self.outbound is not None:
                self.outbound("entry", event)
        elif self.outbound is not None and event.type in ("alert", "alert_end"):
            self.outbound(event.type, event)

    def add_entries(self, times: list[float] | np.ndarray) -> None:
        """Add entry times (e.g. recent ones read from the database at start)."""
        with self._lock:
            for t in np.asarray(times, dtype=np.float64).reshape(-1).tolist():
                bisect.insort(self._ts, t)
            if self._ts:
                cut = bisect.bisect_left(self._ts, self._ts[-1] - self.keep_seconds)
                if cut:
                    del self._ts[:cut]

    def entries(self, *, since: float, until: float) -> np.ndarray:
        """Entry times in ``[since, until]``, sorted."""
        with self._lock:
            i = bisect.bisect_left(self._ts, since)
            j = bisect.bisect_right(self._ts, until)
            return np.asarray(self._ts[i:j], dtype=np.float64)

    def __len__(self) -> int:
        with self._lock:
            return len(self._ts)
