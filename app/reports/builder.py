"""Build a report: the sheets of a period for a set of cameras, with the previous period for comparison.

The summary comes first; every other sheet is a module package's (``ModulePackage.sheets``,
:func:`app.modules.registry.report_sheets`), in the packages' ``order``: retail (footfall, occupancy,
dwell, visits, funnel), queue, roles (the staff timesheet), behaviour, shelf, objects, plates,
faces, PPE, then plug-ins. A sheet function is ``fn(scope) -> Sheet | None``.

Example:
    >>> from app.store.db import open_store
    >>> report = build_report(open_store("sqlite://"), 0.0, 86400.0, tz=None)
    >>> [s.key for s in report.sheets][:3]
    ['summary', 'footfall_by_hour', 'footfall_by_day']
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from app.modules.registry import report_sheets
from app.reports import sheets as sh
from app.reports.sheets import ROLE_WORDS, Scope, Sheet, SheetFn
from app.store import stats
from app.store.db import Store
from app.store.runs import partial_runs, partial_warning
from app.store.stats import Role

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class ReportInfo:
    """What a report is about, in words (the summary sheet's header).

    Attributes:
        site: the site name(s).
        period: e.g. ``2026-11-20 00:00 – 2026-11-21 00:00``.
        previous: the compared period, same form.
        cameras: ``Walkway camera (walkway), …``.
        people: whose numbers, in words.
        timezone: the time zone of all times.
        made: when the report was built (local time of the site).
        since: start of the period (epoch seconds).
        until: end of the period (epoch seconds, exclusive).
        warning: runs in the period that are running, incomplete or failed ("" when none):
            the numbers may be low (:func:`app.store.runs.partial_warning`).
    """

    site: str
    period: str
    previous: str
    cameras: str
    people: str
    timezone: str
    made: str
    since: float
    until: float
    warning: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class Report:
    """A built report: its description and its sheets (the summary first).

    Example:
        >>> # see the module docstring
    """

    info: ReportInfo
    sheets: tuple[Sheet, ...]
    seconds: float

    def sheet(self, key: str) -> Sheet:
        """The sheet with this key.

        Raises:
            KeyError: the report has no such sheet.
        """
        for s in self.sheets:
            if s.key == key:
                return s
        raise KeyError(key)


def _fmt(ts: float, tz: dt.tzinfo | None) -> str:
    return f"{stats.local_time(ts, tz):%Y-%m-%d %H:%M}"


def period_text(since: float, until: float, tz: dt.tzinfo | None) -> str:
    """``2026-11-20 00:00 – 2026-11-21 00:00`` (the end is exclusive)."""
    return f"{_fmt(since, tz)} – {_fmt(until, tz)}"


def build_report(
    store: Store,
    since: float,
    until: float,
    cameras: Iterable[str] | None = None,
    *,
    role: Role = "customer",
    tz: dt.tzinfo | Literal["site"] | None = "site",
    compare: bool = True,
    sheet_fns: Sequence[SheetFn] | None = None,
) -> Report:
    """Every sheet of a report for ``[since, until)``.

    Args:
        store: the database.
        since: start of the period (epoch seconds, inclusive).
        until: end of the period (epoch seconds, exclusive).
        cameras: camera config ids; None or empty for every camera.
        role: ``customer`` (everyone not marked staff), ``staff`` or ``all``.
        tz: time zone of hours and dates; ``"site"`` for the site's, None for the computer's.
        compare: put the previous period of the same length next to the key numbers.
        sheet_fns: the topic sheets (default: the module packages' sheets, :func:`report_sheets`).

    Raises:
        UserError: an unknown camera (exit code 2).
        ValueError: ``since`` is not before ``until``.
    """
    t0 = time.perf_counter()
    scope = Scope.make(store, since, until, cameras, role=role, tz=tz)
    prev = scope.previous() if compare else None
    with stats.read_once():  # sheets that need the same events share one read
        out: list[Sheet] = [sh.summary(scope, prev)]
        for fn in sheet_fns if sheet_fns is not None else report_sheets():
            sheet = fn(scope)
            if sheet is not None:
                out.append(sheet)
    sites = ", ".join(sorted({c.site for c in scope.cameras})) or "(no cameras)"
    info = ReportInfo(
        site=sites,
        period=period_text(scope.since, scope.until, scope.tz),
        previous=period_text(prev.since, prev.until, prev.tz) if prev is not None else "",
        cameras=", ".join(f"{c.label} ({c.config_id})" for c in scope.cameras) or "(none)",
        people=ROLE_WORDS[role],
        timezone=stats.timezone_name(scope.tz),
        made=f"{dt.datetime.now(scope.tz):%Y-%m-%d %H:%M}",
        since=scope.since,
        until=scope.until,
        warning=partial_warning(partial_runs(store, since, until, [c.config_id for c in scope.cameras])),
    )
    took = time.perf_counter() - t0
    log.info("report %s built in %.2f s (%d sheets)", info.period, took, len(out))
    return Report(info, tuple(out), took)
