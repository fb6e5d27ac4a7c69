"""The retention on a background thread: :func:`app.store.maintenance.prune` at start, then daily.

The :class:`~app.engine.engine.Engine` starts one :class:`RetentionWorker` next to its store
writer and stops it before closing the store. Each pass keeps ``storage.retention_days`` of the
site config as it is at that moment (the settings page may have changed it), works in short
batches so the writer keeps recording, and ends early when the engine stops (the rest goes on
the next pass). A failed pass is logged and tried again at the next interval; it never stops the
engine.

Example:
    >>> worker = RetentionWorker(store, Path("data"), lambda: site).start()  # doctest: +SKIP
    >>> worker.stop()                                                         # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from app.config import SiteConfig
from app.store.db import Store
from app.store.maintenance import PruneResult, prune, retention_cutoff

log = logging.getLogger(__name__)

#: Seconds between two passes.
DAY = 86400.0


class RetentionWorker:
    """Runs the retention once at start and then every ``interval`` seconds, on its own thread.

    Args:
        store: the open database (shared with the engine).
        data_dir: the data folder (photos and backgrounds).
        site: returns the current site config (retention days, cameras still configured).
        interval: seconds between passes.
        delay: seconds to wait before the first pass.
        now: the clock (tests).

    Attributes:
        last: the result of the latest finished pass, None before.
        passes: passes finished.
        error: the latest failure in one line ("" if the latest pass worked).
    """

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        site: Callable[[], SiteConfig],
        *,
        interval: float = DAY,
        delay: float = 0.0,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._store = store
        self._data_dir = Path(data_dir)
        self._site = site
        self._interval = interval
        self._delay = delay
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)
        self.last: PruneResult | None = None
        self.passes = 0
        self.error = ""
        self._done = threading.Condition()

    def start(self) -> RetentionWorker:
        """Start the thread (the first pass begins after ``delay``)."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop (a pass in progress ends after its current batch) and wait for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("retention: the pass did not stop within %.0f s", timeout)

    def wait_for_pass(self, n: int = 1, timeout: float | None = None) -> bool:
        """Block until ``n`` passes have finished (tests, the CLI); False on timeout."""
        with self._done:
            return self._done.wait_for(lambda: self.passes >= n, timeout)

    def run_once(self) -> PruneResult:
        """One pass now, on the calling thread."""
        site = self._site()
        cutoff = retention_cutoff(site.storage.retention_days, self._now())
        return prune(self._store, self._data_dir, cutoff, site=site, stop=self._stop)

    def _loop(self) -> None:
        wait = self._delay
        while not self._stop.wait(wait):
            try:
                res = self.run_once()
            except Exception as e:  # the database is gone or busy: try again next time
                log.exception("retention: the pass failed")
                self.error = (
                    f"{e.__class__.__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
                )
            else:
                self.last, self.error = res, ""
                if res.rows or res.files:
                    log.info(
                        "retention: %d rows and %d files (%d bytes) older than %s deleted",
                        res.rows,
                        res.files,
                        res.bytes_freed,
                        res.cutoff.date(),
                    )
            with self._done:
                self.passes += 1
                self._done.notify_all()
            wait = self._interval
