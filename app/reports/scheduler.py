"""The daily report: every day at the configured site time, yesterday's report goes into a folder.

:class:`DailyReportScheduler` runs in a thread of the running app (GUI or engine). At the set
time (``reports.daily_time``, the site's time zone) it builds the report of the previous day
(00:00 to 24:00 local time) compared with the day before, and writes it as
``StoreSight <site> <YYYY-MM-DD>.xlsx`` and/or a ``… csv`` folder (``reports.formats``) into
``reports.folder``. A report that already exists is not written again; days missed while the app
was not running are written at the next start (up to :data:`CATCH_UP_DAYS` back, days that have
data). A failure (database busy, disk full) is logged and retried a few minutes later; it never
stops the app. Times come from the wall clock (a callable, so tests can move it).

Example:
    >>> import tempfile
    >>> from app.config import ReportsConfig
    >>> from app.store.db import open_store
    >>> s = DailyReportScheduler(open_store("sqlite://"), ReportsConfig(daily=True), folder=tempfile.mkdtemp(),
    ...                          site="Demo", tz=dt.UTC)
    >>> s.next_run(dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.UTC).timestamp())
    datetime.datetime(2026, 11, 21, 7, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.config import ReportsConfig
from app.errors import UserError
from app.reports.builder import build_report
from app.reports.csvfiles import default_decimal, write_csv
from app.reports.excel import write_xlsx
from app.reports.safe import path_inside, safe_filename
from app.store import stats
from app.store.db import Store
from app.threads import LoopThread

log = logging.getLogger(__name__)

#: How many days back a missed daily report is still written at start.
CATCH_UP_DAYS = 7
#: Seconds to wait after a failed attempt.
RETRY_SECONDS = 300.0
#: Longest sleep between two checks (so a changed clock or time zone is noticed).
MAX_SLEEP = 60.0


@dataclass(frozen=True, slots=True)
class DailyResult:
    """A daily report that was written.

    Attributes:
        day: the local date it covers.
        paths: the workbook and/or the CSV files.
        seconds: how long building and writing took.
    """

    day: dt.date
    paths: tuple[Path, ...]
    seconds: float


class DailyReportScheduler(LoopThread):
    """Writes yesterday's report at the set time every day, in its own thread.

    Once started it writes missed reports at once, then waits for the set time.

    Args:
        store: the database.
        settings: the ``reports`` section of the site config.
        folder: where reports go (default: ``settings.folder``).
        site: the site's name (file names; the report covers every camera of the database).
        cameras: only these cameras (config ids); None for all.
        tz: the site's time zone; ``"site"`` reads it from the database, None is the computer's.
        clock: wall-clock epoch seconds (tests pass a fake).
        on_report: called (in the scheduler's thread) with each :class:`DailyResult`.

    Example:
        >>> # see the module docstring; in the app:
        >>> # sched = DailyReportScheduler(store, cfg.reports, site=cfg.site.name); sched.start() … sched.stop()
    """

    thread_name = "daily-report"

    def __init__(
        self,
        store: Store,
        settings: ReportsConfig,
        *,
        folder: str | Path | None = None,
        site: str,
        cameras: list[str] | None = None,
        tz: dt.tzinfo | str | None = "site",
        clock: Callable[[], float] = time.time,
        on_report: Callable[[DailyResult], None] | None = None,
    ) -> None:
        where = folder if folder is not None else settings.folder
        if where is None:
            raise ValueError("no report folder: pass folder= or set reports.folder")
        self.store = store
        self.settings = settings
        self.folder = Path(where).expanduser()
        self.site = site
        self.cameras = cameras
        self._tz = tz
        self.clock = clock
        self.on_report = on_report
        self._init_thread()
        self._retry_at = 0.0

    # --- when ---------------------------------------------------------------------------------

    @property
    def tz(self) -> dt.tzinfo | None:
        """The time zone of the report day and of ``daily_time``."""
        if self._tz == "site":
            return stats.site_timezone(self.store)
        if isinstance(self._tz, str):
            from zoneinfo import ZoneInfo

            return ZoneInfo(self._tz)
        return self._tz

    def _local(self, ts: float) -> dt.datetime:
        tz = self.tz
        return (
            dt.datetime.fromtimestamp(ts, tz)
            if tz is not None
            else dt.datetime.fromtimestamp(ts).astimezone()
        )

    def _at(self, day: dt.date, clock: dt.time) -> dt.datetime:
        tz = self.tz
        naive = dt.datetime.combine(day, clock)
        return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()

    def day_bounds(self, day: dt.date) -> tuple[float, float]:
        """Epoch seconds of the local midnight that starts ``day`` and of the next one."""
        start = self._at(day, dt.time())
        end = self._at(day + dt.timedelta(days=1), dt.time())
        return start.timestamp(), end.timestamp()

    def next_run(self, now: float) -> dt.datetime:
        """The next time the daily report is due (today's set time, or tomorrow's if it has passed)."""
        today = self._local(now).date()
        at = self._at(today, self.settings.daily_time)
        if at.timestamp() <= now:
            at = self._at(today + dt.timedelta(days=1), self.settings.daily_time)
        return at

    def due_days(self, now: float) -> list[dt.date]:
        """Days whose report should exist by ``now`` but does not (oldest first).

        Yesterday once today's set time has passed; earlier days (up to :data:`CATCH_UP_DAYS`)
        only if the database has events on them.
        """
        local = self._local(now)
        last = local.date() - dt.timedelta(days=1)
        if local.timestamp() < self._at(local.date(), self.settings.daily_time).timestamp():
            last -= dt.timedelta(days=1)
        days = []
        for back in range(CATCH_UP_DAYS - 1, -1, -1):
            day = last - dt.timedelta(days=back)
            if self.exists(day):
                continue
            if day != last and not self._has_data(day):
                continue
            days.append(day)
        return days

    def _has_data(self, day: dt.date) -> bool:
        from sqlalchemy import select

        from app.store.schema import Event

        lo, hi = self.day_bounds(day)
        with self.store.session() as s:
            return s.scalar(select(Event.id).where(Event.ts >= lo, Event.ts < hi).limit(1)) is not None

    # --- where --------------------------------------------------------------------------------

    def base_name(self, day: dt.date) -> str:
        """``StoreSight <site> <YYYY-MM-DD>`` (sanitised for any file system)."""
        return safe_filename(f"StoreSight {self.site} {day.isoformat()}")

    def paths(self, day: dt.date) -> list[Path]:
        """The workbook and/or CSV folder of a day's report."""
        out = []
        if "xlsx" in self.settings.formats:
            out.append(path_inside(self.folder, self.base_name(day) + ".xlsx"))
        if "csv" in self.settings.formats:
            out.append(path_inside(self.folder, self.base_name(day) + " csv"))
        return out

    def exists(self, day: dt.date) -> bool:
        """Whether every format of the day's report is already in the folder."""
        return all(p.exists() for p in self.paths(day))

    # --- what ---------------------------------------------------------------------------------

    def write_day(self, day: dt.date) -> DailyResult:
        """Build and write one day's report (compared with the day before).

        Raises:
            UserError: the folder or a file cannot be written, or a camera is unknown.
        """
        t0 = time.perf_counter()
        lo, hi = self.day_bounds(day)
        report = build_report(self.store, lo, hi, self.cameras, role=self.settings.role, tz=self.tz)
        written: list[Path] = []
        for path in self.paths(day):
            if path.suffix == ".xlsx":
                written.append(write_xlsx(report, path))
            else:
                sep = self.settings.csv_separator
                dec = self.settings.csv_decimal or default_decimal(sep)
                written.extend(write_csv(report, path, sep=sep, decimal=dec))
        result = DailyResult(day, tuple(written), time.perf_counter() - t0)
        log.info("daily report %s written to %s in %.1f s", day, self.folder, result.seconds)
        return result

    def run_due(self, now: float | None = None) -> list[DailyResult]:
        """Write every due report now (see :func:`due_days`); failures are logged and retried later."""
        now = self.clock() if now is None else now
        if now < self._retry_at:
            return []
        done = []
        for day in self.due_days(now):
            try:
                result = self.write_day(day)
            except (UserError, OSError, ValueError) as e:
                log.error("daily report %s could not be written: %s", day, e)
                self._retry_at = now + RETRY_SECONDS
                break
            except Exception as e:  # a database outage must not kill the scheduler
                log.error("daily report %s failed (%s: %s); retrying later", day, type(e).__name__, e)
                self._retry_at = now + RETRY_SECONDS
                break
            done.append(result)
            if self.on_report is not None:
                self.on_report(result)
        if done:
            self.prune(now)
        return done

    def prune(self, now: float) -> list[Path]:
        """Delete this site's daily workbooks/CSV files older than ``keep_days`` (0: keep all)."""
        keep = self.settings.keep_days
        if not keep or not self.folder.is_dir():
            return []
        oldest = self._local(now).date() - dt.timedelta(days=keep)
        prefix = self.base_name(dt.date(2000, 1, 1))[: -len("2000-01-01")]
        pattern = re.compile(re.escape(prefix) + r"(\d{4}-\d{2}-\d{2})( csv|\.xlsx)$")
        removed = []
        for p in self.folder.iterdir():
            m = pattern.match(p.name)
            if m is None or dt.date.fromisoformat(m.group(1)) >= oldest:
                continue
            try:
                if p.is_dir():
                    for f in p.glob("*.csv"):
                        f.unlink()
                    p.rmdir()
                else:
                    p.unlink()
                removed.append(p)
            except OSError as e:
                log.warning("cannot delete the old report %s: %s", p, e)
        return removed

    # --- thread -------------------------------------------------------------------------------

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the thread (a report being written is finished first)."""
        self._halt(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = self.clock()
            try:
                self.run_due(now)
                wait = self.next_run(now).timestamp() - now
            except Exception as e:  # e.g. the time zone in the database is broken
                log.error("daily report scheduler: %s", e)
                wait = MAX_SLEEP
            self._stop.wait(min(max(wait, 1.0), MAX_SLEEP))
