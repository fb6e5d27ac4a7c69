"""One function per report sheet; each returns a :class:`Sheet` (a DataFrame and how to show it).

The numbers come from :mod:`app.store.stats` (and :mod:`app.store.queue_stats` for queues),
the same functions ``storesight stats`` prints, so a report and the command always agree. A
sheet function takes a :class:`Scope` (database, period, cameras, time zone, whose numbers) and
returns a :class:`Sheet` whose ``df`` holds raw values: counts, seconds, shares 0–1 and naive
wall-clock datetimes in the site's time zone. The Excel and CSV writers decide how they look.

A sheet function returns ``None`` when its module is not part of this installation; a sheet
with no data in the period is returned empty (the writers say so in the sheet). Each sheet is
declared by its module package (``ModulePackage.sheets``: retail, queue, roles for the staff
timesheet); the builder puts them in the packages' order after the summary.

Example:
    >>> from app.store.db import open_store
    >>> scope = Scope.make(open_store("sqlite://"), 0.0, 86400.0)
    >>> sheet = footfall_by_hour(scope)
    >>> sheet.title, sheet.df.empty
    ('Footfall by hour', True)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import select

from app.config import ZoneType
from app.store import stats
from app.store.db import Store
from app.store.query import ROLE_WORDS as ROLE_WORDS
from app.store.schema import Event
from app.store.stats import CameraRow, Role

ColumnKind = Literal["text", "int", "float", "duration", "share", "datetime", "hour", "date"]

#: Zone type → its words (the one table: :class:`app.config.ZoneType`).
ZONE_TYPES: dict[str, str] = {t.value: t.label for t in ZoneType}



@dataclass(frozen=True, slots=True)
class Column:
    """A column of a sheet: the DataFrame key, the header people read, and what kind of value it is."""

    key: str
    header: str
    kind: ColumnKind = "text"


@dataclass(frozen=True, slots=True)
class Chart:
    """A native chart of a sheet: categories from one column, one series per value column."""

    kind: Literal["column", "line"]
    title: str
    category: str
    series: tuple[str, ...]
    y_title: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class Sheet:
    """One topic of a report.

    Attributes:
        key: stable id (CSV file names, tests), e.g. ``"footfall_by_hour"``.
        title: the sheet's name in Excel (at most 31 characters).
        df: the values (raw: counts, seconds, shares 0–1, naive local datetimes).
        columns: which columns of ``df`` are shown, in order, with headers and kinds.
        chart: a chart to draw next to the table, if any.
        empty_note: what the sheet says when ``df`` has no rows.

    Example:
        >>> s = Sheet("x", "X", pd.DataFrame({"n": [1]}), (Column("n", "Count", "int"),))
        >>> s.table().columns.tolist()
        ['Count']
    """

    key: str
    title: str
    df: pd.DataFrame
    columns: tuple[Column, ...]
    chart: Chart | None = None
    empty_note: str = "No data in this period."

    def table(self) -> pd.DataFrame:
        """The shown columns with their headers as column names (values unchanged)."""
        out = self.df[[c.key for c in self.columns]].copy()
        out.columns = [c.header for c in self.columns]
        return out

    def column(self, header_or_key: str) -> Column:
        """A column by key or header.

        Raises:
            KeyError: no such column.
        """
        for c in self.columns:
            if header_or_key in (c.key, c.header):
                return c
        raise KeyError(header_or_key)


def is_blank(x: Any) -> bool:
    """Whether a cell is empty: None, NaN or NaT (written as an empty cell in Excel and CSV)."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True, slots=True, eq=False)
class Scope:
    """What a report covers: the database, the period ``[since, until)``, cameras, time zone, people.

    Attributes:
        store: the database.
        since: start of the period, epoch seconds (inclusive).
        until: end of the period, epoch seconds (exclusive).
        cameras: the cameras in the report (with their zones).
        all_cameras: whether that is every camera of the database (queries then need no filter).
        tz: the site's time zone (None: the computer's local time).
        role: ``customer``, ``staff`` or ``all``.

    Example:
        >>> from app.store.db import open_store
        >>> s = Scope.make(open_store("sqlite://"), 86400.0, 2 * 86400.0)
        >>> (s.previous().since, s.previous().until)
        (0.0, 86400.0)
    """

    store: Store
    since: float
    until: float
    cameras: tuple[CameraRow, ...]
    all_cameras: bool
    tz: dt.tzinfo | None
    role: Role = "customer"
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def make(
        cls,
        store: Store,
        since: float,
        until: float,
        cameras: Iterable[str] | None = None,
        *,
        role: Role = "customer",
        tz: dt.tzinfo | Literal["site"] | None = "site",
    ) -> Scope:
        """Resolve camera ids and the site's time zone.

        Raises:
            UserError: an unknown camera (exit code 2).
            ValueError: ``since`` is not before ``until``.
        """
        if not since < until:
            raise ValueError("the period must start before it ends")
        everything = stats.cameras(store)
        wanted = list(dict.fromkeys(cameras or ()))
        for cam in wanted:
            stats.cameras(store, cam)  # raises a UserError naming the known cameras
        chosen = tuple(c for c in everything if not wanted or c.config_id in wanted)
        all_cams = not wanted or len(chosen) == len(everything)
        if tz == "site":
            tz = stats.site_timezone(store, None if all_cams or len(chosen) != 1 else chosen[0].config_id)
        return cls(store, float(since), float(until), chosen, all_cams, tz, role)

    def previous(self) -> Scope:
        """The period of the same length just before this one (its cache empty)."""
        span = self.until - self.since
        return dataclasses.replace(self, since=self.since - span, until=self.since, _cache={})

    @property
    def tz_arg(self) -> dt.tzinfo | str:
        """The zone as the stats functions take it (``"local"`` for the computer's)."""
        return self.tz if self.tz is not None else "local"

    @property
    def many_cameras(self) -> bool:
        """Whether the report shows more than one camera (labels then name the camera)."""
        return len(self.cameras) > 1

    def camera_label(self, config_id: str) -> str:
        """The camera's name (or id)."""
        return next((c.label for c in self.cameras if c.config_id == config_id), config_id)

    def with_camera_labels(self, df: pd.DataFrame, **more: Any) -> pd.DataFrame:
        """``df`` with a ``camera_label`` column (the name of each row's ``camera``) and any ``more`` columns."""
        return df.assign(camera_label=[self.camera_label(c) for c in df.camera], **more)

    def zone_type(self, camera: str, zone: str) -> str:
        """The zone's type in words, e.g. ``Department``."""
        for c in self.cameras:
            if c.config_id == camera and (z := c.zone(zone)) is not None:
                return ZONE_TYPES.get(z.type, z.type)
        return ""

    def per_camera(self, key: str, fn: Callable[..., pd.DataFrame], **kw: Any) -> pd.DataFrame:
        """``fn(store, since, until, camera=…, **kw)`` for the chosen cameras, concatenated, cached by ``key``."""
        if key in self._cache:
            return self._cache[key]
        if self.all_cameras:
            df = fn(self.store, self.since, self.until, camera=None, **kw)
        else:
            parts = [fn(self.store, self.since, self.until, camera=c.config_id, **kw) for c in self.cameras]
            non_empty = [p for p in parts if not p.empty]
            df = (
                pd.concat(non_empty, ignore_index=True)
                if non_empty
                else parts[0]
                if parts
                else pd.DataFrame()
            )
        self._cache[key] = df
        return df

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()`` once per scope."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def has_events(self, module: str) -> bool:
        """Whether the database has any event of ``module`` at all (cached per scope).

        A module's sheets are left out of workbooks of sites that never ran it.
        """

        def probe() -> bool:
            with self.store.session() as s:
                return s.execute(select(Event.id).where(Event.module == module).limit(1)).first() is not None

        return bool(self.cached(f"used:{module}", probe))

    @property
    def camera_ids(self) -> list[str] | None:
        """The chosen cameras' config ids for a query (None: every camera, no filter needed)."""
        return None if self.all_cameras else [c.config_id for c in self.cameras]

    def includes(self, camera: str) -> bool:
        """Whether rows of this camera (config id) belong in the report."""
        return self.all_cameras or any(c.config_id == camera for c in self.cameras)

    def names(self, camera: str, zone: str | None) -> tuple[str, str]:
        """The camera's and the zone's names as people read them (the ids when unknown)."""
        cam = next((c for c in self.cameras if c.config_id == camera), None)
        if cam is None:
            return camera, zone or ""
        z = cam.zone(zone) if zone else None
        return cam.label, (z.label if z is not None else zone or "")


SheetFn = Callable[[Scope], Sheet | None]


# --- footfall -----------------------------------------------------------------------------------


def footfall(scope: Scope) -> pd.DataFrame:
    """People crossing each line per local hour (:func:`app.store.stats.footfall_by_hour`), all chosen cameras."""
    return scope.per_camera("footfall", stats.footfall_by_hour, role=scope.role, tz=scope.tz_arg)


def entrance_lines(scope: Scope) -> set[tuple[str, str]]:
    """(camera, line) of the lines that count people in: :func:`app.store.metrics.counting_lines`."""
    from app.store.metrics import counting_lines

    return counting_lines(scope.cameras)


def _config_order(scope: Scope) -> dict[tuple[str, str], int]:
    """(camera, zone) -> position: cameras in database order, zones in config order."""
    return {
        (c.config_id, z.config_id): i
        for i, (c, z) in enumerate((c, z) for c in scope.cameras for z in c.zones)
    }


def _line_labels(scope: Scope, df: pd.DataFrame) -> list[tuple[str, str, str]]:
    order = _config_order(scope)
    keys = sorted(
        dict.fromkeys(zip(df.camera, df.line, df.line_name, strict=True)),
        key=lambda k: order.get((k[0], k[1]), len(order)),
    )
    return [
        (cam, line, f"{scope.camera_label(cam)} / {name}" if scope.many_cameras else str(name))
        for cam, line, name in keys
    ]


def _wide_footfall(
    scope: Scope, df: pd.DataFrame, by: str
) -> tuple[pd.DataFrame, list[Column], Chart | None]:
    """Rows of ``by`` (``hour_ts`` or ``date``), an in/out pair per line, totals when there are several."""
    lines = _line_labels(scope, df)
    first = "hour" if by == "hour_ts" else "date"
    index = sorted(df[by].unique())
    out = pd.DataFrame({by: index})
    if by == "hour_ts":
        out["hour"] = [stats.local_time(h, scope.tz) for h in index]
    cols = [Column(first, "Hour" if by == "hour_ts" else "Day", "hour" if by == "hour_ts" else "date")]
    for i, (cam, line, label) in enumerate(lines):
        mine = df[(df.camera == cam) & (df.line == line)].groupby(by)[["in", "out"]].sum()
        mine = mine.reindex(index, fill_value=0)
        out[f"in_{i}"] = mine["in"].to_numpy(dtype=np.int64)
        out[f"out_{i}"] = mine["out"].to_numpy(dtype=np.int64)
        cols += [Column(f"in_{i}", f"{label}: in", "int"), Column(f"out_{i}", f"{label}: out", "int")]
    series: tuple[str, ...] = ()
    if len(lines) > 1:
        out["in_total"] = out[[f"in_{i}" for i in range(len(lines))]].sum(axis=1)
        out["out_total"] = out[[f"out_{i}" for i in range(len(lines))]].sum(axis=1)
        cols += [Column("in_total", "All lines: in", "int"), Column("out_total", "All lines: out", "int")]
        series = ("in_total", "out_total")
    elif lines:
        series = ("in_0", "out_0")
    chart = None
    if series and len(out):
        what = "hour" if by == "hour_ts" else "day"
        chart = Chart("column", f"People in and out per {what}", first, series, "people")
    return out, cols, chart


def _opening_hours(scope: Scope, out: pd.DataFrame, cols: list[Column]) -> pd.DataFrame:
    """Fold hours outside the site's opening hours (:mod:`app.opening_hours`) from an hourly sheet.

    Rows outside opening hours without any value are dropped; rows outside them with data stay and
    say "outside opening hours" in an added "Opening hours" column. Without the setting: unchanged.
    """
    week = stats.site_opening_hours(scope.store)
    if week is None or out.empty:
        return out
    out = stats.fold_closed_hours(out, week, [c.key for c in cols if c.key != "hour"])
    out["opening"] = np.where(out.open, "", "outside opening hours")
    cols.append(Column("opening", "Opening hours", "text"))
    return out


def _empty(key: str, title: str, col: str, header: str, note: str) -> Sheet:
    kind: ColumnKind = "date" if col == "date" else "hour"
    return Sheet(key, title, pd.DataFrame({col: []}), (Column(col, header, kind),), empty_note=note)


def footfall_by_hour(scope: Scope) -> Sheet:
    """Footfall by hour: rows of local hours, an in/out column pair per line (and totals), a column chart."""
    df = footfall(scope)
    if df.empty:
        return _empty(
            "footfall_by_hour", "Footfall by hour", "hour", "Hour", "No line crossings in this period."
        )
    out, cols, chart = _wide_footfall(scope, df, "hour_ts")
    out = _opening_hours(scope, out, cols)
    return Sheet("footfall_by_hour", "Footfall by hour", out, tuple(cols), chart)


def footfall_by_day(scope: Scope) -> Sheet:
    """Footfall by day (local dates): the hourly counts summed per day, with a column chart."""
    df = footfall(scope)
    if df.empty:
        return _empty(
            "footfall_by_day", "Footfall by day", "date", "Day", "No line crossings in this period."
        )
    df = df.assign(date=[h.date() for h in df.hour])
    out, cols, chart = _wide_footfall(scope, df, "date")
    return Sheet("footfall_by_day", "Footfall by day", out, tuple(cols), chart)


# --- zones --------------------------------------------------------------------------------------


def _zone_cols(scope: Scope, df: pd.DataFrame) -> pd.DataFrame:
    """Add camera and zone names and the zone type in words to a per-zone table."""
    return scope.with_camera_labels(
        df,
        zone_label=df.zone_name.fillna(df.zone).astype(object),
        zone_type=[scope.zone_type(c, z) for c, z in zip(df.camera, df.zone, strict=True)],
    )


ZONE_HEAD = (Column("camera_label", "Camera"), Column("zone_label", "Zone"), Column("zone_type", "Type"))


def occupancy(scope: Scope) -> Sheet:
    """Occupancy: the most people in each zone at once, when it first happened and for how long in all."""
    df = scope.per_camera("occupancy", stats.occupancy_peaks, role=scope.role, tz=scope.tz_arg)
    df = _zone_cols(scope, df)
    cols = (
        *ZONE_HEAD,
        Column("peak", "Most people at once", "int"),
        Column("peak_at", "First reached at", "datetime"),
        Column("at_peak_s", "Time at that level", "duration"),
    )
    return Sheet("occupancy", "Occupancy", df, cols, empty_note="No zones on the chosen cameras.")


def dwell(scope: Scope) -> Sheet:
    """Dwell per zone: stays that began in the period and how long they lasted."""
    df = _zone_cols(scope, scope.per_camera("dwell", stats.dwell_by_zone, role=scope.role))
    cols = (
        *ZONE_HEAD,
        Column("stays", "Stays", "int"),
        Column("mean_s", "Mean stay", "duration"),
        Column("median_s", "Median stay", "duration"),
        Column("p90_s", "90 % of stays shorter than", "duration"),
        Column("max_s", "Longest stay", "duration"),
        Column("total_s", "Time in zone in all", "duration"),
    )
    return Sheet("dwell_by_zone", "Dwell by zone", df, cols, empty_note="No zones on the chosen cameras.")


# --- visits and funnel --------------------------------------------------------------------------


def visits(scope: Scope) -> Sheet:
    """Visits: store visits that began in the period and the time in store, per camera."""
    df = scope.per_camera("visits", stats.visits_summary, role=scope.role)
    df = scope.with_camera_labels(df)
    cols = (
        Column("camera_label", "Camera"),
        Column("visits", "Visits", "int"),
        Column("mean_s", "Mean time in store", "duration"),
        Column("median_s", "Median time in store", "duration"),
        Column("p90_s", "90 % of visits shorter than", "duration"),
    )
    return Sheet("visits", "Visits", df, cols, empty_note="No visits in this period.")


def funnel(scope: Scope) -> Sheet:
    """Funnel and conversion: came in → entered the department → then went to a checkout zone."""
    df = scope.per_camera("funnel", stats.funnel, role=scope.role)
    df = scope.with_camera_labels(df)
    cols = (
        Column("camera_label", "Camera"),
        Column("department_name", "Department"),
        Column("visits", "Came in", "int"),
        Column("reached", "Entered the department", "int"),
        Column("reached_share", "Entered, share", "share"),
        Column("checkout", "Then went to a checkout", "int"),
        Column("checkout_share", "Conversion to checkout", "share"),
    )
    return Sheet("funnel", "Funnel", df, cols, empty_note="No visits in this period.")


# --- queues (issue #5: app.store.queue_stats) ---------------------------------------------------


def _queue_stats() -> Any:
    try:
        from app.store import queue_stats
    except ImportError:  # the queue module is not part of this installation
        return None
    return queue_stats


def _queue_cameras(scope: Scope) -> list[str | None]:
    return [None] if scope.all_cameras else [c.config_id for c in scope.cameras]


def queue_series_parts(scope: Scope) -> list[tuple[str | None, pd.DataFrame]] | None:
    """The queue snapshots of the period per chosen camera (:func:`app.store.queue_stats.queue_series`).

    Read once per scope: the queues sheet and the queue-by-hour sheet both use them (a month of a
    checkout is over 100k snapshots).
    """
    qs = _queue_stats()
    if qs is None:
        return None

    def make() -> list[tuple[str | None, pd.DataFrame]]:
        return [
            (c, qs.queue_series(scope.store, camera=c, since=scope.since, until=scope.until, tz=scope.tz))
            for c in _queue_cameras(scope)
        ]

    return scope.cached("queue_series", make)


def queue_summary_df(scope: Scope) -> pd.DataFrame | None:
    """Per checkout: customers, abandonment, waits, lengths, alerts (:func:`app.store.queue_stats.queue_summary`)."""
    qs = _queue_stats()
    series = queue_series_parts(scope)
    if qs is None or series is None:
        return None

    def make() -> pd.DataFrame:
        parts = [
            qs.queue_summary(scope.store, camera=c, since=scope.since, until=scope.until, series=snaps)
            for c, snaps in series
        ]
        non_empty = [p for p in parts if not p.empty]
        return pd.concat(non_empty, ignore_index=True) if non_empty else parts[0]

    return scope.cached("queue_summary", make)


def queues(scope: Scope) -> Sheet | None:
    """Queues: per checkout, the catalogue's checkout numbers (:func:`app.store.metrics.checkout_numbers`)."""
    df = queue_summary_df(scope)
    if df is None:
        return None
    df = scope.with_camera_labels(df)
    cols = (
        Column("camera_label", "Camera"),
        Column("checkout", "Checkout"),
        Column("queue_customers", "Customers queued", "int"),
        Column("queue_served", "Served", "int"),
        Column("queue_abandoned", "Left the queue", "int"),
        Column("queue_lost", "Outcome not seen", "int"),
        Column("abandon_rate", "Left, share of known outcomes", "share"),
        Column("wait_mean_s", "Mean wait (served)", "duration"),
        Column("wait_p90_s", "90 % of the served waited less than", "duration"),
        Column("wait_max_s", "Longest wait (anyone)", "duration"),
        Column("queue_length_mean", "Mean queue (people)", "float"),
        Column("queue_length_max", "Longest queue (people at once)", "int"),
        Column("service_time_s", "Mean service", "duration"),
        Column("queue_alerts", "Alerts", "int"),
    )
    return Sheet("queues", "Queues", df, cols, empty_note="No checkout queue data in this period.")


def queue_by_hour(scope: Scope) -> Sheet | None:
    """Queue by hour: per checkout and local hour, the catalogue's mean and longest queue and longest wait."""
    series = queue_series_parts(scope)
    if series is None:
        return None
    from app.store import metrics

    parts = [
        metrics.queue_by_hour(
            scope.store, scope.since, scope.until, camera=c, role=scope.role, tz=scope.tz, series=snaps
        )
        for c, snaps in series
    ]
    s = pd.concat([p for p in parts if not p.empty] or parts[:1], ignore_index=True)
    if s.empty:
        return _empty(
            "queue_by_hour", "Queue by hour", "hour", "Hour", "No checkout queue data in this period."
        )
    keys = list(dict.fromkeys(zip(s.camera, s.zone, s.checkout, strict=True)))
    index = sorted(s.hour_ts.unique())
    out = pd.DataFrame({"hour_ts": index, "hour": [stats.local_time(h, scope.tz) for h in index]})
    cols = [Column("hour", "Hour", "hour")]
    chart_series = []
    for i, (cam, zone, name) in enumerate(keys):
        label = f"{scope.camera_label(cam)} / {name}" if scope.many_cameras else str(name)
        g = s[(s.camera == cam) & (s.zone == zone)].set_index("hour_ts")
        out[f"mean_{i}"] = g["queue_length_mean"].reindex(index).to_numpy()
        out[f"max_{i}"] = g["queue_length_max"].reindex(index).to_numpy()
        out[f"wait_{i}"] = g["wait_max_s"].reindex(index).to_numpy()
        cols += [
            Column(f"mean_{i}", f"{label}: mean queue", "float"),
            Column(f"max_{i}", f"{label}: longest queue (people at once)", "int"),
            Column(f"wait_{i}", f"{label}: longest wait (joined that hour)", "duration"),
        ]
        chart_series.append(f"mean_{i}")
    out = _opening_hours(scope, out, cols)
    chart = Chart("line", "Mean queue length per hour", "hour", tuple(chart_series), "people")
    return Sheet("queue_by_hour", "Queue by hour", out, tuple(cols), chart)


def queue_alerts(scope: Scope) -> Sheet | None:
    """Queue alerts raised in the period, oldest first: when, where, what, when it cleared."""
    try:
        from app.store.alerts import alerts
    except ImportError:
        return None
    rows = []
    for cam in _queue_cameras(scope):
        for a in alerts(
            scope.store, camera=cam, module="queue", since=scope.since, until=scope.until, limit=None
        ):
            rows.append(
                {
                    "ts": a.ts,
                    "time": stats.local_time(a.ts, scope.tz),
                    "camera_label": scope.camera_label(a.camera),
                    "checkout": str(a.payload.get("checkout") or a.zone or ""),
                    "kind": a.kind,
                    "message": a.message,
                    "cleared": stats.local_time(a.ts_end, scope.tz) if a.ts_end is not None else pd.NaT,
                    "status": a.status,
                }
            )
    keys = ["ts", "time", "camera_label", "checkout", "kind", "message", "cleared", "status"]
    df = pd.DataFrame(rows, columns=keys).sort_values("ts", kind="stable", ignore_index=True)
    cols = (
        Column("time", "Raised at", "datetime"),
        Column("camera_label", "Camera"),
        Column("checkout", "Checkout"),
        Column("kind", "Rule"),
        Column("message", "Message"),
        Column("cleared", "Cleared at", "datetime"),
        Column("status", "Status"),
    )
    return Sheet("queue_alerts", "Queue alerts", df, cols, empty_note="No queue alerts in this period.")


# --- staff (issue #6) ---------------------------------------------------------------------------


def staff_timesheet(scope: Scope) -> Sheet | None:
    """Staff timesheet: per employee and day, arrival, departure, breaks, presence, workstation, customers.

    The numbers are :func:`app.store.timesheet.timesheet` (as ``storesight staff`` prints them), for
    whole local days that overlap the period, every camera (people move between cameras). None
    when the working-time module is not installed, or the site has no employees and no staff was
    seen (a site that does not track staff gets no empty sheet).
    """
    try:
        from app.store import timesheet as ts
        from app.store.employees import employees
    except ImportError:
        return None
    first = stats.local_time(scope.since, scope.tz).date()
    last = stats.local_time(scope.until - 1e-6, scope.tz).date()
    df = ts.timesheet(scope.store, first, last + dt.timedelta(days=1), tz=scope.tz)
    if df.empty and not employees(scope.store):
        return None
    minutes = [
        "present_min",
        "break_min",
        "workstation_min",
        "with_customers_min",
        "late_min",
        "left_early_min",
    ]
    df = df.assign(
        **{m.removesuffix("_min") + "_s": pd.to_numeric(df[m], errors="coerce") * 60.0 for m in minutes}
    )
    cols = (
        Column("date", "Day", "date"),
        Column("employee", "Employee"),
        Column("code", "Code"),
        Column("status", "Status"),
        Column("schedule", "Schedule"),
        Column("arrival", "Arrived", "datetime"),
        Column("departure", "Left", "datetime"),
        Column("present_s", "Present", "duration"),
        Column("breaks", "Breaks", "int"),
        Column("break_s", "Break time", "duration"),
        Column("workstation_s", "At the workstation", "duration"),
        Column("with_customers_s", "With customers", "duration"),
        Column("late_s", "Late", "duration"),
        Column("left_early_s", "Left early", "duration"),
        Column("tracks", "Tracks", "int"),
        Column("cameras", "Cameras", "int"),
    )
    return Sheet(
        "staff_timesheet", "Staff timesheet", df, cols, empty_note="No staff seen and nobody scheduled."
    )


# --- summary ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metric:
    """One key number of the summary."""

    name: str
    kind: ColumnKind
    value: Any
    note: str = ""


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


_KINDS: dict[str, ColumnKind] = {"count": "int", "people": "float", "seconds": "duration", "share": "share",
                                 "hours": "float", "text": "text"}  # fmt: skip
#: Catalogue numbers counted in whole people (a count or a largest count, not an average).
_WHOLE_PEOPLE = ("zone_occupancy_peak", "queue_length_max", "people_seen")


def key_numbers(scope: Scope) -> list[Metric]:
    """The summary's key numbers for the scope's period: :func:`app.store.metrics.key_numbers`.

    Names are the catalogue's (``docs/metrics.md``); numbers the site has nothing for (no checkout
    zone, no queue) are left out, plus the busiest hour of entries.
    """
    from app.store import metrics

    cams = scope.camera_ids
    nums = scope.cached(
        "key_numbers",
        lambda: metrics.key_numbers(scope.store, scope.since, scope.until, camera=cams, role=scope.role),
    )
    types = {z.type for c in scope.cameras for z in c.zones if z.active}
    skip: set[str] = set()
    if not types & set(stats.CHECKOUT_TYPES):
        skip |= {"came_in", "went_to_checkout", "conversion"}
    if not types - set(stats.LINE_TYPES):
        skip |= {"zone_stays", "dwell_median_s", "dwell_p90_s", "zone_occupancy_peak"}
    out: list[Metric] = []
    for key, m in metrics.CATALOGUE.items():
        if key in skip or (key not in nums and m.scope != "checkout"):
            continue
        if m.scope == "checkout" and ("queue" not in types or key == "queue_length_now"):
            continue
        kind = "int" if key in _WHOLE_PEOPLE else _KINDS[m.unit]
        value = nums.get(key, 0 if kind == "int" else math.nan)
        note = nums.get("busiest_zone", "") if key == "zone_occupancy_peak" else ""
        out.append(Metric(m.name, kind, value, note))
        if key == "footfall_out":
            out.append(Metric("Busiest hour", "text", _busiest_hour(scope)))
    return out


def _busiest_hour(scope: Scope) -> str:
    foot = footfall(scope)
    ent = entrance_lines(scope)
    mine = foot[[(c, z) in ent for c, z in zip(foot.camera, foot.line, strict=True)]] if len(foot) else foot
    if not len(mine):
        return ""
    per_hour = mine.groupby("hour_ts")["in"].sum()
    best = per_hour.idxmax()
    return (
        f"{stats.local_time(best, scope.tz):%Y-%m-%d %H:00} ({int(per_hour.max())} in)"
        if per_hour.max() > 0
        else ""
    )


def _change(kind: ColumnKind, now: Any, before: Any) -> tuple[Any, float]:
    if kind not in ("int", "float", "duration", "share"):
        return None, math.nan
    a, b = _num(now), _num(before)
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.nan, math.nan
    return a - b, ((a - b) / b if b and kind != "share" else math.nan)


def summary(scope: Scope, previous: Scope | None = None) -> Sheet:
    """Key numbers of the period next to the previous period of the same length, with the change.

    Columns: ``metric``, ``kind`` (how to show the values), ``value``, ``previous``,
    ``change`` (this − previous; for shares in points), ``change_share`` (change / previous),
    ``note`` (e.g. which zone had the peak).
    """
    now = key_numbers(scope)
    before = {m.name: m for m in key_numbers(previous)} if previous is not None else {}
    rows = []
    for m in now:
        p = before.get(m.name)
        prev = p.value if p is not None else None
        change, share = _change(m.kind, m.value, prev)
        rows.append(
            {
                "metric": m.name,
                "kind": m.kind,
                "value": m.value,
                "previous": prev,
                "change": change,
                "change_share": share,
                "note": m.note,
            }
        )
    df = pd.DataFrame(rows, columns=["metric", "kind", "value", "previous", "change", "change_share", "note"])
    cols = (
        Column("metric", "Key number"),
        Column("value", "This period", "float"),
        Column("previous", "Previous period", "float"),
        Column("change", "Change", "float"),
        Column("change_share", "Change, %", "share"),
        Column("note", "Where"),
    )
    return Sheet("summary", "Summary", df, cols)
