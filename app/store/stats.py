"""Store statistics for a period: footfall by hour, occupancy peaks, dwell, visits, funnel, heatmaps.

One function per table; each returns a pandas DataFrame (or a small dataclass) that the CLI
prints and the reports write to Excel. They read what :mod:`app.engine.retail` stores:

* ``footfall`` / ``in`` | ``out`` events (zone = the line) → :func:`footfall_by_hour`;
* ``zones`` / ``dwell`` events (``ts`` = enter, ``ts_end`` = exit) → :func:`dwell_by_zone`,
  :func:`stay_seconds`, :func:`zone_occupancy` (people in a zone over time), :func:`occupancy_peaks`;
* ``visits`` / ``visit`` events (``ts``/``ts_end``, ``payload.zones`` in order) →
  :func:`visits_summary`, :func:`funnel`;
* heatmap hours, track paths and camera backgrounds → :func:`heatmap_grid`, :func:`track_paths`,
  :func:`background_for`.

Conventions:
    Period: ``[since, until)`` in epoch seconds or aware datetimes, ``None`` = open. An event
    belongs to the period by its start time (a crossing, the enter of a stay, the start of a
    visit); occupancy uses every stay that overlaps the period, clipped to it; heatmaps use the
    hours that overlap it (they are stored per hour).
    Time zone: hours and clock times are in the site's time zone (``sites.timezone``, synced
    from ``site.timezone`` of the config); when it is not set, the computer's local time.
    Tables carry it in ``df.attrs["timezone"]``; their ``hour``/``*_at`` columns are *naive*
    wall-clock datetimes in that zone (Excel cannot store time zones), next to exact epoch
    ``*_ts`` columns.
    Role: ``"customer"`` (default) counts everyone *not* marked staff (``unknown`` included),
    ``"staff"`` only staff, ``"all"`` everyone. The role is the *final* role of the event's track
    (``tracks.role``: decided on the whole track by the role stage, or the user's label) once it is
    staff or customer; before that (a track still going on, or never decided) the event payload's
    ``role``, the role at the time of the event (:func:`app.store.event_rows.final_role`).

Example:
    >>> from app.store.db import open_store
    >>> footfall_by_hour(open_store("sqlite://")).empty
    True
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from analytics.visits import Visit
from analytics.visits import funnel as visit_funnel
from app.errors import UserError
from app.modules.retail.events import FOOTFALL_IN, FOOTFALL_OUT, VISIT, ZONE_DWELL
from app.store.db import Store
from app.store.event_rows import DECIDED as DECIDED  # re-exported; the role rule lives there
from app.store.event_rows import STAFF as STAFF
from app.store.queries import HeatmapGrid
from app.store.queries import heatmap as stored_heatmap
from app.store.query import ROLES as ROLES
from app.store.query import (
    Cameras,
    EventFilter,
    check_role,
    epoch,
    events,
    takes_filter,
    where_camera,
    with_timezone,
)
from app.store.query import Moment as Moment
from app.store.query import Role as Role
from app.store.query import read_once as read_once
from app.store.query import timezone_name as timezone_name
from app.store.schema import Background, Camera, Event, HeatmapHour, Site, Track, Zone

if TYPE_CHECKING:
    from app.opening_hours import Week

HOUR = 3600.0

#: Zone types that make the "checkout" step of the funnel.
CHECKOUT_TYPES = ("queue", "counter")
LINE_TYPES = ("entrance_line", "line")


# --- cameras, zones, time zone ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZoneRow:
    """A zone or line of a camera as stored (``points`` in 0–1 of the frame)."""

    id: int
    config_id: str
    name: str
    type: str
    points: list[list[float]]
    active: bool

    @property
    def label(self) -> str:
        """The name, or the id when it has none."""
        return self.name or self.config_id

    @property
    def is_line(self) -> bool:
        """Whether it is a directed line (entrance or counting line)."""
        return self.type in LINE_TYPES


@dataclass(frozen=True, slots=True)
class CameraRow:
    """A camera with its zones and its site's name and time zone."""

    id: int
    config_id: str
    name: str
    site: str
    timezone: str | None
    zones: tuple[ZoneRow, ...]

    @property
    def label(self) -> str:
        """The name, or the id when it has none."""
        return self.name or self.config_id

    def zone(self, config_id: str) -> ZoneRow | None:
        """The zone with this config id, or None."""
        return next((z for z in self.zones if z.config_id == config_id), None)


def cameras(store: Store, camera: Cameras = None) -> list[CameraRow]:
    """Cameras (all, or those matching a row id / config id, or several) with their zones, in id order.

    Raises:
        UserError: ``camera`` is given but not in the database (exit code 2; names the known ones).
    """
    q = select(Camera, Site.name, Site.timezone).join(Site, Camera.site_id == Site.id).order_by(Camera.id)
    with store.session() as s:
        rows = s.execute(q).all()
        zones = s.scalars(select(Zone).order_by(Zone.id)).all()
    by_cam: dict[int, list[ZoneRow]] = {}
    for z in zones:
        by_cam.setdefault(z.camera_id, []).append(
            ZoneRow(z.id, z.config_id, z.name, z.type, [list(p) for p in z.points], z.active)
        )
    wanted = None if camera is None else [camera] if isinstance(camera, (int, str)) else list(camera)
    out = [
        CameraRow(c.id, c.config_id, c.name, site, tz, tuple(by_cam.get(c.id, ())))
        for c, site, tz in rows
        if wanted is None or any(c.id == w if isinstance(w, int) else c.config_id == w for w in wanted)
    ]
    for w in wanted or ():
        if not any(c.id == w if isinstance(w, int) else c.config_id == w for c, _, _ in rows):
            known = ", ".join(sorted({c.config_id for c, _, _ in rows})) or "none yet"
            raise UserError(f"no camera {w!r} in the database (cameras: {known})", 2)
    return out


def check_zone(cams: Iterable[CameraRow], zone: str) -> None:
    """Make sure some camera has a zone or line with this config id.

    Raises:
        UserError: it does not (exit code 2; names the known zones).
    """
    cams = list(cams)
    if any(c.zone(zone) for c in cams):
        return
    known = ", ".join(sorted({z.config_id for c in cams for z in c.zones})) or "none"
    raise UserError(f"no zone {zone!r} on the selected camera(s) (zones: {known})", 2)


def site_timezone(store: Store, camera: int | str | None = None) -> ZoneInfo | None:
    """The site's time zone (``sites.timezone``), or None for the computer's local time.

    With several sites (a shared PostgreSQL database) and no camera, the zone is used only when
    every site has the same one.

    Raises:
        UserError: the stored name is not a known IANA time zone.
    """
    names = {c.timezone for c in cameras(store, camera)}
    if camera is None:
        with store.session() as s:
            names |= set(s.scalars(select(Site.timezone)).all())
    names.discard(None)
    names.discard("")
    if len(names) != 1:
        return None
    name = str(next(iter(names)))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"the site's time zone {name!r} is not a known IANA time zone (e.g. Europe/Moscow)"
        ) from None


def site_opening_hours(store: Store, camera: int | str | None = None) -> Week | None:
    """The site's opening hours (``sites.opening_hours``, :mod:`app.opening_hours`), None: always open.

    With several sites and no camera (or sites that differ), None: no hour is folded.
    """
    from app.opening_hours import from_text

    with store.session() as s:
        q = select(Site.opening_hours)
        if camera is not None:
            q = q.where(Site.name.in_({c.site for c in cameras(store, camera)}))
        texts = set(s.scalars(q).all())
    if len(texts) != 1:
        return None
    return from_text(next(iter(texts)))


def open_hours_mask(hours: Iterable[dt.datetime], week: Week | None) -> list[bool]:
    """For local wall-clock hour starts, whether each is within opening hours (all True without a setting)."""
    from app.opening_hours import is_open_hour

    return [True if week is None else is_open_hour(week, h) for h in hours]


def fold_closed_hours(df: pd.DataFrame, week: Week | None, values: list[str]) -> pd.DataFrame:
    """Hourly rows (naive local ``hour``) with an ``open`` column, empty closed hours folded away.

    Rows outside opening hours without any value in ``values`` are dropped; those with data are
    kept with ``open`` False (never silently lost). Without opening hours every row is open.
    """
    is_open = np.array(open_hours_mask(df["hour"], week), dtype=bool)
    data = df[values].fillna(0).to_numpy(dtype=float) != 0 if values else np.zeros((len(df), 1), bool)
    keep = is_open | data.any(axis=1)
    return df.assign(open=is_open)[keep].reset_index(drop=True)


def local_time(ts: float, tz: dt.tzinfo | None) -> dt.datetime:
    """Epoch seconds as a naive wall-clock datetime in ``tz`` (None: the computer's local time)."""
    return dt.datetime.fromtimestamp(ts, tz).replace(tzinfo=None)


def _local_us(ts: np.ndarray, tz: dt.tzinfo) -> np.ndarray:
    """Naive local wall-clock times as int64 microseconds since 1970-01-01.

    Rounded as ``datetime.fromtimestamp(ts, tz)`` rounds (to the microsecond, half to even).
    """
    secs = np.trunc(ts)
    us = np.rint((ts - secs) * 1e6)
    up, down = us >= 1e6, us < 0
    us = np.where(up, us - 1e6, np.where(down, us + 1e6, us))
    secs = secs + up - down
    utc = pd.to_datetime(secs.astype(np.int64), unit="s", utc=True)
    wall = utc.tz_convert(tz).tz_localize(None).to_numpy().astype("datetime64[us]").astype(np.int64)
    return wall + us.astype(np.int64)


def local_times(ts: Iterable[float] | np.ndarray, tz: dt.tzinfo | None) -> np.ndarray:
    """:func:`local_time` of many epoch seconds at once: naive ``datetime64[us]`` wall-clock times.

    Example:
        >>> str(local_times([0.5], dt.timezone(dt.timedelta(hours=3)))[0])
        '1970-01-01T03:00:00.500000'
    """
    arr = np.asarray(list(ts) if not isinstance(ts, np.ndarray) else ts, dtype=np.float64)
    if tz is None or not len(arr):  # the computer's zone: only the C library knows it
        return np.array([local_time(float(t), tz) for t in arr], dtype="datetime64[us]")
    return _local_us(arr, tz).astype("datetime64[us]")


def local_hour_starts(ts: Iterable[float] | np.ndarray, tz: dt.tzinfo | None) -> np.ndarray:
    """:func:`local_hour_start` of many epoch seconds at once (float64 epoch seconds, identical values)."""
    arr = np.asarray(list(ts) if not isinstance(ts, np.ndarray) else ts, dtype=np.float64)
    if tz is None or not len(arr):
        return np.array([local_hour_start(float(t), tz) for t in arr], dtype=np.float64)
    wall = _local_us(arr, tz)
    into_hour = (wall // 1_000_000) % 3600 + (wall % 1_000_000) / 1e6  # minute*60 + second + µs/1e6
    return np.rint(arr - into_hour)


def local_hour_start(ts: float, tz: dt.tzinfo | None) -> float:
    """Epoch seconds of the start of the local hour that contains ``ts`` (exact for any UTC offset)."""
    t = dt.datetime.fromtimestamp(ts, tz)
    # Hours start on whole seconds; rounding removes the float error of a fractional ``ts``
    # (1795154400.742 - 2400.742 is not exactly 1795152000.0), so equal hours compare equal.
    return float(round(ts - (t.minute * 60 + t.second + t.microsecond / 1e6)))


_with_tz = with_timezone

def _zone_names(cams: Iterable[CameraRow]) -> dict[tuple[str, str], str]:
    return {(c.config_id, z.config_id): z.label for c in cams for z in c.zones}


# --- footfall -----------------------------------------------------------------------------------


@takes_filter()
def footfall_by_hour(store: Store, f: EventFilter) -> pd.DataFrame:
    """People crossing each line in and out, per local hour.

    Every line gets a row for every hour from the first to the last hour with a crossing on any
    line (hours without crossings show 0).

    Args:
        store: the database.
        f: the period, cameras, lines (``zones``), role and time zone of the hours (the filter's
            ``tz``: None for the site's, see the module docstring, ``"local"`` for the computer's);
            or, the old way, ``since, until, camera=, zone=, role=, tz=`` (see :func:`takes_filter`).

    Returns:
        Columns ``hour`` (naive local start), ``hour_ts`` (epoch), ``camera``, ``line``,
        ``line_name``, ``in``, ``out``; sorted by hour, camera, line.
    """
    zone_tz = f.timezone(store)
    cols = ["hour", "hour_ts", "camera", "line", "line_name", "in", "out"]
    ev = events(store, [FOOTFALL_IN, FOOTFALL_OUT], f)
    ev = ev[ev.zone.notna()]
    if ev.empty:
        return _with_tz(pd.DataFrame(columns=cols), zone_tz)
    ev = ev.assign(hour_ts=local_hour_starts(ev.ts.to_numpy(np.float64), zone_tz))
    counts = ev.groupby(["camera", "zone", "hour_ts", "type"]).size().unstack("type", fill_value=0)
    for col in ("in", "out"):
        if col not in counts:
            counts[col] = 0
    hours = np.arange(ev.hour_ts.min(), ev.hour_ts.max() + 1.0, HOUR)
    lines = counts.index.droplevel("hour_ts").unique()
    full = pd.MultiIndex.from_tuples([(c, z, h) for c, z in lines for h in hours], names=counts.index.names)
    counts = counts.reindex(full, fill_value=0).reset_index()
    names = _zone_names(cameras(store, f.camera))
    df = pd.DataFrame(
        {
            "hour": [local_time(h, zone_tz) for h in counts.hour_ts],
            "hour_ts": counts.hour_ts.astype(float),
            "camera": counts.camera,
            "line": counts.zone,
            "line_name": [names.get((c, z), z) for c, z in zip(counts.camera, counts.zone, strict=True)],
            "in": counts["in"].astype(int),
            "out": counts["out"].astype(int),
        }
    )
    df = df.sort_values(["hour_ts", "camera", "line"], ignore_index=True)
    return _with_tz(df, zone_tz)


# --- zones: dwell and occupancy -----------------------------------------------------------------


def _polygon_zones(cams: Iterable[CameraRow], zones: Sequence[str] | None) -> list[tuple[CameraRow, ZoneRow]]:
    return [
        (c, z)
        for c in cams
        for z in c.zones
        if not z.is_line and (zones is None or z.config_id in zones) and z.active
    ]


def _stays(ev: pd.DataFrame) -> pd.Series:
    """Seconds of each dwell event: ``ts_end − ts``, else the payload's ``duration``."""
    from_payload = pd.Series([p.get("duration") for p in ev.payload], index=ev.index, dtype=float)
    return (ev.ts_end - ev.ts).where(ev.ts_end.notna(), from_payload).astype(float)


@takes_filter()
def stay_seconds(store: Store, f: EventFilter) -> dict[tuple[str, str], np.ndarray]:
    """Seconds of every stay that *began* in the period, per (camera, zone) config ids, oldest first.

    The stays :func:`dwell_by_zone` summarises (and the dashboard draws as a distribution);
    stays with no exit time and no stored duration are left out. ``f``: period, cameras, zones
    and role (or the old spelling, see :func:`takes_filter`).
    """
    ev = events(store, [ZONE_DWELL], f)
    ev = ev[ev.zone.notna()]
    ev = ev.assign(seconds=_stays(ev)).dropna(subset=["seconds"])
    return {
        (str(cam), str(zone)): g.seconds.to_numpy(dtype=float)
        for (cam, zone), g in ev.groupby(["camera", "zone"], sort=False)
    }


@takes_filter()
def dwell_by_zone(store: Store, f: EventFilter) -> pd.DataFrame:
    """How long people stayed in each zone: stays that *began* in the period.

    Percentiles use linear interpolation (numpy's default): for stays of 10, 20, 30, 40 and
    100 s the median is 30 s and p90 is 76 s.

    Returns:
        Columns ``camera``, ``zone``, ``zone_name``, ``stays``, ``mean_s``, ``median_s``,
        ``p90_s``, ``max_s``, ``total_s``; one row per polygon zone of the selected cameras
        (zones nobody entered have 0 stays and NaN times), in camera/zone order. ``f``: period,
        cameras, zones and role (or the old spelling, see :func:`takes_filter`).
    """
    cams = cameras(store, f.camera)
    seconds = stay_seconds(store, f)
    rows = []
    for cam, z in _polygon_zones(cams, f.zones):
        sec = seconds.get((cam.config_id, z.config_id), np.zeros(0))
        stats = (
            (sec.mean(), np.median(sec), np.percentile(sec, 90), sec.max(), sec.sum())
            if len(sec)
            else (math.nan,) * 4 + (0.0,)
        )
        rows.append((cam.config_id, z.config_id, z.label, len(sec), *(float(v) for v in stats)))
    cols = ["camera", "zone", "zone_name", "stays", "mean_s", "median_s", "p90_s", "max_s", "total_s"]
    return pd.DataFrame(rows, columns=cols)


def occupancy_steps(intervals: Iterable[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """How many intervals are open over time, as a step function: ``counts[i]`` holds from ``times[i]``.

    Intervals are half-open ``[start, end)``: a stay that ends when another begins does not
    overlap it, and one change is kept per time (the level after everything at that time).
    Empty and backwards intervals are ignored.

    Returns:
        ``(times, counts)``: epoch seconds of every change, ascending, and the level from then on
        (the last one is 0 once every interval has ended).

    Example:
        >>> [a.tolist() for a in occupancy_steps([(0, 10), (5, 15), (10, 20)])]
        [[0.0, 5.0, 10.0, 15.0, 20.0], [1, 2, 2, 1, 0]]
    """
    spans = [(float(a), float(b)) for a, b in intervals if b > a]
    steps = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])  # ends before starts
    times: list[float] = []
    counts: list[int] = []
    level = 0
    for t, d in steps:
        level += d
        if times and times[-1] == t:
            counts[-1] = level
        else:
            times.append(t)
            counts.append(level)
    return np.asarray(times, dtype=float), np.asarray(counts, dtype=int)


def _peak(times: np.ndarray, counts: np.ndarray) -> tuple[int, float | None, float]:
    if not len(counts) or counts.max() <= 0:
        return 0, None, 0.0
    peak = int(counts.max())
    at = counts == peak
    held = float(np.diff(times)[at[:-1]].sum())
    return peak, float(times[np.argmax(at)]), held


def peak_occupancy(intervals: Iterable[tuple[float, float]]) -> tuple[int, float | None, float]:
    """The most intervals open at once, when that first happened, and how long it lasted in all.

    Intervals are half-open ``[start, end)`` (see :func:`occupancy_steps`).

    Returns:
        ``(peak, first time at the peak or None, seconds spent at the peak level in total)``.

    Example:
        >>> peak_occupancy([(0, 10), (5, 15), (10, 20)])
        (2, 5.0, 10.0)
    """
    return _peak(*occupancy_steps(intervals))


@dataclass(frozen=True, slots=True)
class ZoneOccupancy:
    """People inside one polygon zone over time: a step function (``counts[i]`` holds from ``times[i]``).

    Attributes:
        camera: camera config id.
        zone: zone config id.
        label: zone name (its id when it has none).
        type: zone type (``queue``, ``department``…).
        times: epoch seconds of every change, ascending.
        counts: people inside from that time on.
    """

    camera: str
    zone: str
    label: str
    type: str
    times: np.ndarray
    counts: np.ndarray

    @property
    def peak(self) -> int:
        """Most people inside at once."""
        return int(self.counts.max()) if len(self.counts) else 0


@takes_filter()
def zone_occupancy(store: Store, f: EventFilter) -> list[ZoneOccupancy]:
    """People inside each polygon zone over time, from the stays (dwell intervals) that overlap the period.

    Stays are clipped to the period; stays still open (no exit stored yet) are not counted.
    Zones nobody entered get an empty series. :func:`occupancy_peaks` and the dashboard's
    occupancy chart both come from here.

    ``f``: period, cameras, zones and role (or the old spelling, see :func:`takes_filter`).

    Returns:
        One series per active polygon zone of the selected cameras, in camera/zone order.
    """
    cams = cameras(store, f.camera)
    ev = events(store, [ZONE_DWELL], f, overlap=True)
    ev = ev.assign(end=ev.ts + _stays(ev)).dropna(subset=["end"])
    lo, hi = f.lo, f.hi
    if lo is not None:
        ev = ev.assign(ts=ev.ts.clip(lower=lo))
    if hi is not None:
        ev = ev.assign(end=ev.end.clip(upper=hi))
    out = []
    for cam, z in _polygon_zones(cams, f.zones):
        mine = ev[(ev.camera == cam.config_id) & (ev.zone == z.config_id)]
        times, counts = occupancy_steps(zip(mine.ts, mine.end, strict=True))
        out.append(ZoneOccupancy(cam.config_id, z.config_id, z.label, z.type, times, counts))
    return out


@takes_filter()
def occupancy_peaks(store: Store, f: EventFilter) -> pd.DataFrame:
    """The most people in each zone at once, from :func:`zone_occupancy` (stays clipped to the period).

    ``f``: period, cameras, zones, role and the time zone of ``peak_at`` (or the old spelling,
    see :func:`takes_filter`).

    Returns:
        Columns ``camera``, ``zone``, ``zone_name``, ``peak`` (people), ``peak_at`` (naive
        local time it was first reached, NaT if nobody), ``peak_ts`` (epoch), ``at_peak_s``
        (seconds at that level in total); one row per polygon zone, in camera/zone order.
    """
    zone_tz = f.timezone(store)
    rows = []
    for s in zone_occupancy(store, f):
        peak, at, at_peak = _peak(s.times, s.counts)
        when = local_time(at, zone_tz) if at is not None else pd.NaT
        rows.append((s.camera, s.zone, s.label, peak, when, at, at_peak))
    cols = ["camera", "zone", "zone_name", "peak", "peak_at", "peak_ts", "at_peak_s"]
    return _with_tz(pd.DataFrame(rows, columns=cols), zone_tz)


# --- visits and funnel --------------------------------------------------------------------------


@takes_filter()
def visit_rows(store: Store, f: EventFilter) -> pd.DataFrame:
    """The visits that began in the period (events with ``zones`` = their path and ``seconds``), by role/zone.

    With zones, only the visits whose path passed through one of them. ``f``: period, cameras,
    zones and role (or the old spelling, see :func:`takes_filter`).
    """
    ev = events(store, [VISIT], replace(f, zones=None))  # a visit's zones are its path, not its zone row
    zones = [tuple(p.get("zones") or ()) for p in ev.payload]
    ev = ev.assign(zones=zones, seconds=_stays(ev))
    if f.zones is not None:
        ev = ev[pd.Series([any(z in zs for z in f.zones) for zs in ev.zones], index=ev.index, dtype=bool)]
    return ev


@takes_filter()
def visits_summary(store: Store, f: EventFilter) -> pd.DataFrame:
    """Store visits that began in the period and how long they lasted (time in store).

    Args:
        store: the database.
        f: period, cameras, role, and zones: only visits that passed through one of these zones
            or lines (or the old spelling ``since, until, camera=, zone=, role=``, see
            :func:`takes_filter`).

    Returns:
        Columns ``camera``, ``visits``, ``mean_s``, ``median_s``, ``p90_s``; one row per camera
        that has visits.
    """
    ev = visit_rows(store, f)
    rows = []
    for cam, g in ev.groupby("camera", sort=True):
        sec = g.seconds.dropna().to_numpy()
        rows.append(
            (cam, len(g), float(sec.mean()), float(np.median(sec)), float(np.percentile(sec, 90)))
            if len(sec)
            else (cam, len(g), math.nan, math.nan, math.nan)
        )
    return pd.DataFrame(rows, columns=["camera", "visits", "mean_s", "median_s", "p90_s"])


@takes_filter()
def funnel(store: Store, f: EventFilter) -> pd.DataFrame:
    """Entrance → department → checkout, per department, from the visits' zone paths (in order).

    For each department *D* of a camera: how many visits came in (crossed the entrance line;
    every visit when the camera has none), how many of them then entered *D*, and how many of
    those went on to a queue or counter zone *after* *D*. The first row per camera,
    department ``"(any)"``, is entrance → checkout regardless of departments. Counts use
    :func:`analytics.visits.funnel` (order-aware; other zones may come between the steps).

    Args:
        store: the database.
        f: period, cameras, role, and zones: only these departments' rows (if they are
            departments); or the old spelling ``since, until, camera=, zone=, role=`` (see
            :func:`takes_filter`).

    Returns:
        Columns ``camera``, ``department``, ``department_name``, ``visits``, ``reached``,
        ``checkout`` (None when the camera has no queue/counter zone), ``reached_share``
        (reached / visits), ``checkout_share`` (checkout / reached).
    """
    cams = cameras(store, f.camera)
    ev = visit_rows(store, replace(f, zones=None))
    rows = []
    for cam in cams:
        mine = ev[ev.camera == cam.config_id]
        if mine.empty:
            continue
        entrance = next((z.config_id for z in cam.zones if z.type == "entrance_line"), None)
        checkout = {z.config_id for z in cam.zones if z.type in CHECKOUT_TYPES}
        depts = [z for z in cam.zones if z.type == "department"]
        token = {z: "@checkout" for z in checkout}
        visits = [
            Visit(i, (), 0.0, 0.0, 0.0, tuple(token.get(z, z) for z in zs), "unknown", 0, "exit")
            for i, zs in enumerate(mine.zones)
        ]
        head = [entrance] if entrance else []
        n_in = visit_funnel(visits, head)[0][1] if head else len(visits)
        targets: list[tuple[str, str, str | None]] = [("(any)", "(any department)", None)] if checkout else []
        targets += [(d.config_id, d.label, d.config_id) for d in depts if f.zones is None or d.config_id in f.zones]
        for dept_id, dept_name, step in targets:
            steps = [*head, *([step] if step else []), *(["@checkout"] if checkout else [])]
            counts = dict(visit_funnel(visits, steps)) if steps else {}
            reached = counts.get(step, n_in) if step else n_in
            out = counts.get("@checkout") if checkout else None
            rows.append(
                (
                    cam.config_id,
                    dept_id,
                    dept_name,
                    n_in,
                    reached,
                    out,
                    reached / n_in if n_in else math.nan,
                    (out / reached if reached else math.nan) if out is not None else math.nan,
                )
            )
    cols = [
        "camera",
        "department",
        "department_name",
        "visits",
        "reached",
        "checkout",
        "reached_share",
        "checkout_share",
    ]
    return pd.DataFrame(rows, columns=cols)


# --- pictures: heatmap, paths, background -------------------------------------------------------


def _roles_for(store: Store, role: Role) -> tuple[str, ...] | None:
    check_role(role)
    if role == "all":
        return None
    if role == STAFF:
        return (STAFF,)
    with store.session() as s:
        stored = set(s.scalars(select(HeatmapHour.role).distinct()).all())
    return tuple(sorted((stored | {"customer", "unknown"}) - {STAFF}))


def heatmap_grid(
    store: Store,
    camera: int | str,
    since: Moment = None,
    until: Moment = None,
    *,
    role: Role = "customer",
) -> HeatmapGrid | None:
    """The camera's heatmap (seconds per cell) for exactly the period.

    Heatmaps are stored per (UTC) hour. A period that starts and ends on whole hours (or is
    open) sums the stored hours; any other period (``--from 10:00 --to 10:01``) is drawn from
    people's paths inside it (``tracks.path``: a point every ``path_interval`` seconds, each
    weighing the time to the next point, at most 2 s), in the stored grid's geometry; then
    ``hours`` is 0. Returns None when nothing was recorded.
    """
    lo, hi = epoch(since), epoch(until)
    roles = _roles_for(store, role)
    if all(t is None or t % HOUR == 0 for t in (lo, hi)):
        return stored_heatmap(store, camera, lo, hi, roles=roles)
    whole = stored_heatmap(
        store,
        camera,
        math.floor(lo / HOUR) * HOUR if lo is not None else None,
        math.ceil(hi / HOUR) * HOUR if hi is not None else None,
        roles=roles,
    )
    if whole is None:
        return None
    from analytics.heatmap import Heatmap

    hm = Heatmap(whole.width, whole.height, cell=whole.cell)
    for t in track_paths(store, camera, since, until, role=role, min_points=1):
        ts = t.points[:, 0]
        gaps = np.diff(ts, append=ts[-1] + (float(np.median(np.diff(ts))) if len(ts) > 1 else 0.2))
        if hi is not None:
            gaps = np.minimum(gaps, hi - ts)
        hm.add(t.points[:, 1:3], np.clip(gaps, 0.0, 2.0))
    return HeatmapGrid(whole.width, whole.height, whole.cell, 0, hm.total_seconds, hm.grid.astype(np.float32))


@dataclass(frozen=True, slots=True)
class TrackPath:
    """Where one tracked person walked: (N, 3) ``ts, x, y`` in pixels of the analysed frame."""

    camera: str
    tracker_id: int
    role: str
    first_ts: float
    last_ts: float
    points: np.ndarray


def track_paths(
    store: Store,
    camera: int | str,
    since: Moment = None,
    until: Moment = None,
    *,
    role: Role = "customer",
    min_points: int = 2,
) -> list[TrackPath]:
    """People's paths (``tracks.path``) clipped to the period, oldest first.

    Args:
        store: the database.
        camera: row id or config id.
        since: start of the period (inclusive).
        until: end of the period (exclusive).
        role: ``customer``, ``staff`` or ``all`` (the track's role).
        min_points: paths with fewer points inside the period are left out.
    """
    check_role(role)
    lo, hi = epoch(since), epoch(until)
    q = where_camera(select(Track, Camera.config_id).join(Camera, Track.camera_id == Camera.id), camera)
    q = q.where(Track.class_id == 0)
    if hi is not None:
        q = q.where(Track.first_ts < hi)
    if lo is not None:
        q = q.where(Track.last_ts >= lo)
    with store.session() as s:
        rows = s.execute(q.order_by(Track.first_ts, Track.id)).all()
    out = []
    for t, cam in rows:
        is_staff = t.role == STAFF
        if (role == "customer" and is_staff) or (role == STAFF and not is_staff):
            continue
        pts = np.asarray(t.path or [], dtype=np.float64).reshape(-1, 3)
        keep = np.ones(len(pts), dtype=bool)
        if lo is not None:
            keep &= pts[:, 0] >= lo
        if hi is not None:
            keep &= pts[:, 0] < hi
        pts = pts[keep & np.isfinite(pts).all(axis=1)]
        if len(pts) >= min_points:
            out.append(TrackPath(cam, t.tracker_id, t.role, t.first_ts, t.last_ts, pts))
    return out


@dataclass(frozen=True, slots=True)
class BackgroundRow:
    """A stored camera background; ``path`` is relative to the data folder."""

    camera: str
    ts: float
    first_ts: float | None
    samples: int
    width: int
    height: int
    path: str


def background_for(store: Store, camera: int | str, until: Moment = None) -> BackgroundRow | None:
    """The camera's background for a period ending at ``until``: the newest made before it, else the oldest.

    Returns None when the camera has no background.
    """
    base = where_camera(
        select(Background, Camera.config_id).join(Camera, Background.camera_id == Camera.id), camera
    )
    hi = epoch(until)
    with store.session() as s:
        row = None
        if hi is not None:
            row = s.execute(
                base.where(Background.ts < hi).order_by(Background.ts.desc(), Background.id.desc())
            ).first()
            if row is None:
                row = s.execute(base.order_by(Background.ts, Background.id)).first()
        else:
            row = s.execute(base.order_by(Background.ts.desc(), Background.id.desc())).first()
    if row is None:
        return None
    b, cam = row
    return BackgroundRow(cam, b.ts, b.first_ts, b.samples, b.width, b.height, b.path)


def data_span(store: Store, camera: int | str | None = None) -> tuple[float, float] | None:
    """Time of the first and the last stored event (of the camera), or None without events."""
    q = where_camera(
        select(func.min(Event.ts), func.max(Event.ts)).join(Camera, Event.camera_id == Camera.id), camera
    )
    with store.session() as s:
        lo, hi = s.execute(q).one()
    return None if lo is None else (float(lo), float(hi))
