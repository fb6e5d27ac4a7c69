"""Read-side helpers the GUI needs beyond :mod:`app.store.stats` (no Qt here; run them off the GUI thread).

* :func:`dashboard` gathers everything the dashboard draws for a period in one call;
* :func:`occupancy_series` and :func:`dwell_samples` give the zone stays of :mod:`app.store.stats` to the charts;
* :func:`heatmap_picture` draws a camera's heatmap or paths over its background;
* :func:`site_from_store` rebuilds a site config from the database when no config file is given.

Example:
    >>> from app.store.db import open_store
    >>> dashboard(open_store("sqlite://")).has_data
    False
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from app.config import SiteConfig
from app.opening_hours import describe as describe_hours
from app.store import metrics, stats
from app.store.db import Store
from app.store.queries import EventRow, events
from app.store.schema import Camera, Site, Zone
from app.store.stats import Role

Moment = float | None


# --- dashboard ----------------------------------------------------------------------------------


def fmt_duration(seconds: float | None) -> str:
    """``45 s``, ``3 min 20 s``, ``1 h 05 min``; ``–`` for nothing."""
    if seconds is None or not np.isfinite(seconds):
        return "–"
    s = round(float(seconds))
    if s < 60:
        return f"{float(seconds):.0f} s" if seconds >= 10 else f"{float(seconds):.1f} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


#: People inside one zone over time (a step function); made by :func:`app.store.stats.zone_occupancy`.
ZoneSeries = stats.ZoneOccupancy


@dataclass(frozen=True, slots=True)
class QueueSeries:
    """A checkout queue's measured length over time and what the queue module forecast for it.

    Attributes:
        camera: camera config id.
        zone: the queue zone's config id.
        label: its name.
        times: snapshot times (epoch seconds).
        length: customers waiting in the queue at those times (the module's count, not smoothed).
        peak: per snapshot, the most customers waiting at once since the previous one
            (:func:`app.store.metrics.snapshot_peak` — the figure "Longest queue" is the maximum of).
        ahead_minutes: the forecast horizon of ``forecast_*``.
        forecast_times: when each forecast was *for* (snapshot time + horizon).
        forecast_length: the expected length forecast then.
        latest: the newest snapshot's forecast: (time it is for, expected length) per horizon.
    """

    camera: str
    zone: str
    label: str
    times: np.ndarray
    length: np.ndarray
    peak: np.ndarray
    ahead_minutes: int
    forecast_times: np.ndarray
    forecast_length: np.ndarray
    latest: tuple[tuple[float, float], ...]


def queue_series(
    store: Store,
    since: Moment = None,
    until: Moment = None,
    *,
    camera: str | None = None,
    ahead_minutes: int = 10,
) -> list[QueueSeries]:
    """Queue length and forecast per checkout queue, from the queue module's ``snapshot`` events.

    Empty when the queue module did not run in the period (the dashboard then shows the people in
    queue zones from the zone stays).
    """
    rows = events(
        store,
        camera=camera,
        module="queue",
        type="snapshot",
        since=since,
        until=until,
        limit=None,
        newest_first=False,
    )
    names = {(c.config_id, z.config_id): z.label for c in stats.cameras(store, camera) for z in c.zones}
    by_zone: dict[tuple[str, str], list[EventRow]] = {}
    for e in rows:
        by_zone.setdefault((e.camera, e.zone or str(e.payload.get("checkout", ""))), []).append(e)
    out = []
    for (cam, zone), evs in by_zone.items():
        t = np.array([e.ts for e in evs])
        # people waiting at each snapshot (the count the catalogue's queue_length_* use), not the smoothed one
        length = np.array(
            [float(_first_set(e.payload.get("length_raw"), e.payload.get("length"), 0.0)) for e in evs]
        )
        peak = metrics.snapshot_peak(
            pd.DataFrame({"length_raw": length, "length_peak": [e.payload.get("length_peak") for e in evs]})
        ).to_numpy(np.float64)
        ft, fl = [], []
        for e in evs:
            p = (e.payload.get("forecast") or {}).get(str(ahead_minutes))
            if p and p.get("length") is not None:
                ft.append(e.ts + ahead_minutes * 60)
                fl.append(float(p["length"]))
        last = evs[-1]
        latest = tuple(
            (last.ts + int(h) * 60, float(p["length"]))
            for h, p in sorted((last.payload.get("forecast") or {}).items(), key=lambda kv: int(kv[0]))
            if p and p.get("length") is not None
        )
        label = names.get((cam, zone), str(last.payload.get("checkout") or zone))
        out.append(
            QueueSeries(cam, zone, label, t, length, peak, ahead_minutes, np.array(ft), np.array(fl), latest)
        )
    return out


def _first_set(*values: Any) -> Any:
    """The first value that is not None (0 counts: a queue of nobody)."""
    return next(v for v in values if v is not None)


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard shows for one period, camera selection and role.

    Attributes:
        since: start of the period (epoch), or None.
        until: end of the period (epoch, exclusive), or None.
        role: whose data.
        tz: time zone name of the clock times.
        hourly: footfall per hour on entrance lines (all lines if there is none): ``hour``,
            ``hour_ts``, ``in``, ``out``.
        daily: the same per local day: ``day``, ``in``, ``out``.
        occupancy: people per zone over time (polygon zones).
        dwell: seconds of every stay, per zone label.
        funnel: :func:`app.store.stats.funnel` rows.
        visits: :func:`app.store.stats.visits_summary` rows.
        queues: people in checkout queue zones over time (from the zone stays).
        queue_forecast: measured queue length and forecast from the queue module, when it ran.
        kpis: headline numbers (``in``, ``out``, ``visits``, ``median_visit_s``, ``peak``,
            ``peak_zone``, ``median_dwell_s``) — the catalogue's ``footfall_in``, ``footfall_out``,
            ``visits``, ``visit_median_s``, ``zone_occupancy_peak``, ``busiest_zone``, ``dwell_median_s``.
        numbers: every site number of the catalogue (:func:`app.store.metrics.key_numbers`).
        previous: the same for the previous period of the same length (empty for an open period).
        profile: people in per weekday × hour of the day (:func:`app.store.metrics.weekday_hour_profile`).
        opening_hours: the site's opening hours in words ("" when not set). ``hourly`` has an ``open``
            column; its hours outside opening hours without crossings are folded away, those with
            crossings stay with ``open`` False (to be labelled "outside opening hours").
    """

    since: Moment
    until: Moment
    role: str
    tz: str
    hourly: pd.DataFrame
    daily: pd.DataFrame
    occupancy: list[ZoneSeries]
    dwell: dict[str, np.ndarray]
    funnel: pd.DataFrame
    visits: pd.DataFrame
    queues: list[ZoneSeries]
    kpis: dict[str, Any] = field(default_factory=dict)
    queue_forecast: list[QueueSeries] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)
    previous: dict[str, Any] = field(default_factory=dict)
    profile: pd.DataFrame = field(default_factory=pd.DataFrame)
    opening_hours: str = ""
    #: Per PPE zone: :func:`app.store.metrics.ppe_numbers` (empty where the PPE module never ran).
    ppe: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Face numbers per local hour and department (:func:`app.store.metrics.face_numbers`; a person
    #: counts in every department they stayed in); empty where the faces module never ran.
    faces: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The same per local hour only (each person once).
    faces_hourly: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def has_data(self) -> bool:
        """Whether anything happened in the period."""
        return bool(
            self.kpis.get("in")
            or self.kpis.get("out")
            or self.kpis.get("visits")
            or any(len(v) for v in self.dwell.values())
        )


def occupancy_series(
    store: Store,
    since: Moment = None,
    until: Moment = None,
    *,
    camera: str | None = None,
    role: Role = "customer",
) -> list[ZoneSeries]:
    """People inside each polygon zone over time: :func:`app.store.stats.zone_occupancy`.

    The same stays and steps as the occupancy peaks of ``storesight stats`` and the reports.
    Stays still open (nobody has left yet) are not stored and so not counted. Zones nobody
    entered get an empty series.
    """
    return stats.zone_occupancy(store, since, until, camera=camera, role=role)


def dwell_samples(
    store: Store,
    since: Moment = None,
    until: Moment = None,
    *,
    camera: str | None = None,
    role: Role = "customer",
) -> dict[str, np.ndarray]:
    """Seconds of every stay that *began* in the period, per zone label (``camera · zone`` with several cameras).

    The stays of :func:`app.store.stats.stay_seconds` (what ``dwell_by_zone`` summarises); every
    active polygon zone gets an entry, empty when nobody stayed there.
    """
    cams = stats.cameras(store, camera)
    many = len(cams) > 1
    names = {
        (c.config_id, z.config_id): (f"{c.label} · {z.label}" if many else z.label)
        for c in cams
        for z in c.zones
    }
    cam_names = {c.config_id: c.label for c in cams}
    out: dict[str, np.ndarray] = {
        names[(c.config_id, z.config_id)]: np.zeros(0)
        for c in cams
        for z in c.zones
        if not z.is_line and z.active
    }
    for (cam, zone), sec in stats.stay_seconds(store, since, until, camera=camera, role=role).items():
        key = names.get((cam, zone)) or (f"{cam_names.get(cam, cam)} · {zone}" if many else zone)
        out[key] = np.concatenate([out.get(key, np.zeros(0)), sec])
    return out


def _entrance_hourly(
    store: Store, since: Moment, until: Moment, camera: str | None, role: Role, tz: Any
) -> pd.DataFrame:
    """Footfall per hour on the lines that count people in (:func:`app.store.metrics.entrance_footfall`)."""
    hourly = metrics.entrance_footfall(store, since, until, camera=camera, role=role, tz=tz)
    cols = ["hour", "hour_ts", "in", "out"]
    if hourly.empty:
        return pd.DataFrame(columns=cols)
    g = hourly.groupby(["hour", "hour_ts"], as_index=False)[["in", "out"]].sum()
    return g.sort_values("hour_ts", ignore_index=True)[cols]


def dashboard(
    store: Store,
    since: Moment = None,
    until: Moment = None,
    *,
    camera: str | None = None,
    role: Role = "customer",
) -> Dashboard:
    """Everything the dashboard draws, computed in one go (call it on a worker thread).

    Headline numbers come from the metric catalogue (:func:`app.store.metrics.key_numbers`), the
    same function ``storesight stats`` and the report's summary call.
    """
    with stats.read_once():  # the charts and the catalogue's numbers read the same events once
        return _dashboard(store, since, until, camera, role)


def _dashboard(store: Store, since: Moment, until: Moment, camera: str | None, role: Role) -> Dashboard:
    tz = stats.site_timezone(store, camera)
    week = stats.site_opening_hours(store, camera)
    hourly = stats.fold_closed_hours(
        _entrance_hourly(store, since, until, camera, role, tz), week, ["in", "out"]
    )
    if hourly.empty:
        daily = pd.DataFrame(columns=["day", "in", "out"])
    else:
        daily = (
            hourly.assign(day=[h.date() for h in hourly.hour])
            .groupby("day", as_index=False)[["in", "out"]]
            .sum()
        )
    occ = occupancy_series(store, since, until, camera=camera, role=role)
    dwell = dwell_samples(store, since, until, camera=camera, role=role)
    fun = stats.funnel(store, since, until, camera=camera, role=role)
    vis = stats.visits_summary(store, since, until, camera=camera, role=role)
    queues = [s for s in occ if s.type in stats.CHECKOUT_TYPES]
    nums = metrics.key_numbers(store, since, until, camera=camera, role=role)
    previous = (
        metrics.key_numbers(store, 2 * since - until, since, camera=camera, role=role)
        if since is not None and until is not None
        else {}
    )
    kpis = {
        "in": nums["footfall_in"],
        "out": nums["footfall_out"],
        "visits": nums["visits"],
        "people": nums["people_seen"],
        "median_visit_s": nums["visit_median_s"],
        "peak": nums["zone_occupancy_peak"],
        "peak_zone": nums["busiest_zone"],
        "median_dwell_s": nums["dwell_median_s"],
        "stays": nums["zone_stays"],
    }
    qf = queue_series(store, since, until, camera=camera)
    profile = metrics.weekday_hour_profile(hourly)
    return Dashboard(
        since, until, role, stats.timezone_name(tz), hourly, daily, occ, dwell, fun, vis, queues, kpis, qf,
        nums, previous, profile, describe_hours(week) if week is not None else "",
        metrics.ppe_numbers(store, since, until, camera=camera),
        *_face_frames(store, since, until, camera, tz),
    )  # fmt: skip


def _face_frames(
    store: Store, since: Moment, until: Moment, camera: str | None, tz: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:attr:`Dashboard.faces` and :attr:`Dashboard.faces_hourly` (empty without the faces module)."""
    if not metrics.faces_used(store):
        return pd.DataFrame(), pd.DataFrame()
    return (
        metrics.face_numbers(store, since, until, camera=camera, by=("hour", "department"), tz=tz),
        metrics.face_numbers(store, since, until, camera=camera, by=("hour",), tz=tz),
    )


def default_period(store: Store, *, days: int = 7, now: float | None = None) -> tuple[dt.date, dt.date]:
    """The dates a dashboard opens with: the last ``days`` days up to the newest data (or today).

    Returns:
        (first day, last day), both inclusive, in the site's time zone.
    """
    tz = stats.site_timezone(store)
    span = stats.data_span(store)
    end_ts = span[1] if span else (now if now is not None else dt.datetime.now().timestamp())
    last = dt.datetime.fromtimestamp(end_ts, tz).date()
    return last - dt.timedelta(days=days - 1), last


def day_bounds(first: dt.date, last: dt.date, tz: dt.tzinfo | None) -> tuple[float, float]:
    """Epoch seconds of the start of ``first`` and the end of ``last`` (exclusive) in ``tz``."""

    def midnight(d: dt.date) -> float:
        t = dt.datetime.combine(d, dt.time())
        return (t.replace(tzinfo=tz) if tz is not None else t.astimezone()).timestamp()

    return midnight(first), midnight(last + dt.timedelta(days=1))


# --- config from the database -------------------------------------------------------------------


def site_from_store(store: Store) -> SiteConfig | None:
    """A site config made from the database (its active cameras and zones), or None if it has none.

    Used when the GUI opens a database without a config file: pages can show zones and
    cameras. RTSP sources are stored without credentials, so such cameras need their password
    entered again before they connect.
    """
    with store.session() as s:
        site = s.scalars(select(Site).order_by(Site.id)).first()
        if site is None:
            return None
        cams = s.scalars(
            select(Camera).where(Camera.site_id == site.id, Camera.active).order_by(Camera.id)
        ).all()
        data: dict[str, Any] = {
            "site": {"name": site.name, "region": site.region or "", "timezone": site.timezone},
            "cameras": [],
        }
        for c in cams:
            zones = s.scalars(select(Zone).where(Zone.camera_id == c.id, Zone.active).order_by(Zone.id)).all()
            data["cameras"].append(
                {
                    "id": c.config_id,
                    "name": c.name if c.name != c.config_id else "",
                    "enabled": c.enabled,
                    "source": c.source,
                    "zones": [
                        {
                            "id": z.config_id,
                            "name": z.name if z.name != z.config_id else "",
                            "type": z.type,
                            "points": z.points,
                        }
                        for z in zones
                    ],
                }
            )
    try:
        return SiteConfig.model_validate(data)
    except Exception:  # a database from a newer or older StoreSight: no config then
        return None


# --- heatmap picture ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeatmapPicture:
    """A rendered heatmap (or paths) picture for the heatmap view, and a line about it."""

    image: np.ndarray | None
    note: str


def heatmap_picture(
    store: Store,
    camera: str,
    since: Moment,
    until: Moment,
    *,
    role: Role = "customer",
    data_dir: Path,
    period: str = "",
    paths: bool = False,
) -> HeatmapPicture:
    """The camera's heatmap (or people's paths) over its background (:func:`app.pictures.camera_picture`).

    Returns ``image=None`` with the reason when nothing was recorded.
    """
    from app.pictures import camera_picture

    pic = camera_picture(store, camera, since, until, data_dir=data_dir, role=role, period=period, paths=paths)
    note = pic.note[:1].upper() + pic.note[1:] if pic.image is None else pic.note
    return HeatmapPicture(pic.image, f"{note}; {pic.warning}" if pic.warning and pic.image is not None else note)
