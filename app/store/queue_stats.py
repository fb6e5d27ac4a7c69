"""Checkout queue data for the dashboard, reports and the forecast backtest.

Reads what :mod:`app.engine.queues` stores (module ``queue``):

* :func:`queue_series` — length, wait and forecast over time (the ``snapshot`` events): the
  data of the dashboard's queue chart; :func:`forecast_series` shifts a forecast to the time
  it is about, to draw it against the length that came;
* :func:`waits` — one row per customer's wait (``wait`` / ``abandon`` / ``lost`` events);
* :func:`queue_summary` — one row per checkout: customers, abandonment, waits, lengths, alerts;
* :func:`checkout_history` — everything the backtest needs, with the store's entries (``footfall``
  / ``in`` on entrance lines of every camera of the site);
* :func:`learn_arrival_model` and :func:`prime_feed` — the entry → checkout kernel learnt from
  history, and recent entries, handed to a live :class:`~app.engine.site_feed.SiteFeed`.

Conventions are those of :mod:`app.store.stats`: periods ``[since, until)`` in epoch seconds or
aware datetimes, ``time`` columns naive wall-clock in the site's time zone (``df.attrs["timezone"]``)
next to exact epoch ``ts`` columns.

Example:
    >>> from app.store.db import open_store
    >>> queue_series(open_store("sqlite://")).empty
    True
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from analytics.forecast import HORIZONS, ArrivalKernel, ArrivalModel, fit_arrival_model
from analytics.queue_backtest import Calendar, CheckoutHistory, default_prior
from app.errors import UserError
from app.modules.queue.events import (
    QUEUE_ABANDON,
    QUEUE_LOST,
    QUEUE_SERVICE,
    QUEUE_SNAPSHOT,
    QUEUE_WAIT,
)
from app.modules.retail.events import FOOTFALL_IN
from app.store.db import Store
from app.store.event_rows import STAFF, fetch_events, final_role, payload_text
from app.store.query import (
    EventFilter,
    Moment,
    Role,
    events,
    takes_filter,
    where_camera,
    where_events,
    with_timezone,
)
from app.store.schema import Camera, Event, Site, Track, Zone
from app.store.stats import local_time, local_times, site_timezone

MODULE = QUEUE_SNAPSHOT.module
WAIT_EVENTS = (QUEUE_WAIT, QUEUE_ABANDON, QUEUE_LOST)
WAIT_TYPES = tuple(t.type for t in WAIT_EVENTS)

SERIES_COLUMNS = [
    "ts", "time", "camera", "zone", "checkout", "length", "length_raw", "length_peak", "in_service",
    "open_counters",
    "wait_now", "wait_recent", "service_rate", "service_time", "served", "abandoned", "forecast_source",
    *[f"forecast_{h}" for h in HORIZONS], *[f"forecast_median_{h}" for h in HORIZONS],
    *[f"forecast_wait_{h}" for h in HORIZONS],
]  # fmt: skip


_DATETIME_DTYPE = pd.Series([dt.datetime(2000, 1, 1)]).dtype


@takes_filter(role="all")
def queue_series(store: Store, f: EventFilter) -> pd.DataFrame:
    """The queue over time, one row per stored snapshot (every ``snapshot_interval`` seconds).

    Columns: ``ts``, ``time``, ``camera``, ``zone`` (the queue zone), ``checkout`` (its name),
    ``length`` (smoothed people waiting), ``length_raw``, ``in_service``, ``open_counters``,
    ``wait_now`` (longest current wait, s), ``wait_recent`` (mean wait of the recently served,
    s), ``service_rate`` (served per minute), ``service_time`` (s), ``served``, ``abandoned``
    (totals of the run), ``forecast_source``, and per horizon h in 5/10/15 minutes:
    ``forecast_{h}`` (expected length), ``forecast_median_{h}``, ``forecast_wait_{h}`` (s).

    Args:
        store: the database.
        f: the period, cameras, queue zones and the time zone of ``time`` (default: the site's);
            or the old spelling ``camera=, zone=, since=, until=, tz=`` (see
            :func:`app.store.query.takes_filter`; snapshots have no role: ``all``).
    """
    tz = f.timezone(store)
    ev = events(store, [QUEUE_SNAPSHOT], f)
    # column by column: a month is ~130k snapshots per checkout, a dict per row is seconds
    payloads: list[dict[str, Any]] = ev["payload"].tolist()
    zones = ev["zone"].tolist()
    cols: dict[str, Any] = {
        "ts": ev["ts"].to_numpy(),
        "time": local_times(ev["ts"].to_numpy(), tz),
        "camera": ev["camera"].tolist(),
        "zone": zones,
        "checkout": [p.get("checkout", z) for p, z in zip(payloads, zones, strict=True)],
    }
    for k in SERIES_COLUMNS[5:17]:
        cols[k] = [p.get(k) for p in payloads]
    forecasts = [p.get("forecast") or {} for p in payloads]
    for h in HORIZONS:
        fh = [fc.get(str(h)) or {} for fc in forecasts]
        cols[f"forecast_{h}"] = [f.get("length") for f in fh]
        cols[f"forecast_median_{h}"] = [f.get("median") for f in fh]
        cols[f"forecast_wait_{h}"] = [f.get("wait") for f in fh]
    if len(ev):
        cols["time"] = cols["time"].astype(_DATETIME_DTYPE)  # as pandas types Python datetimes
        df = pd.DataFrame(cols, columns=SERIES_COLUMNS)
    else:
        df = pd.DataFrame([], columns=SERIES_COLUMNS)
    for c in SERIES_COLUMNS:
        if c not in ("time", "camera", "zone", "checkout", "forecast_source"):
            df[c] = pd.to_numeric(df[c], errors="coerce")
    return with_timezone(df, tz)


def forecast_series(series: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """The forecasts made ``horizon`` minutes earlier, placed at the time they are about.

    Args:
        series: a :func:`queue_series` table.
        horizon: 5, 10 or 15.

    Returns:
        Columns ``ts`` (= snapshot ts + horizon), ``time``, ``camera``, ``zone``, ``forecast``
        (expected length), ``forecast_median``, ``forecast_wait``; sorted by ``ts``.
    """
    if horizon not in HORIZONS:
        raise ValueError(f"horizon must be one of {HORIZONS}")
    shift = horizon * 60.0
    out = pd.DataFrame(
        {
            "ts": series["ts"] + shift,
            "time": series["time"] + pd.Timedelta(seconds=shift),
            "camera": series["camera"],
            "zone": series["zone"],
            "forecast": series[f"forecast_{horizon}"],
            "forecast_median": series[f"forecast_median_{horizon}"],
            "forecast_wait": series[f"forecast_wait_{horizon}"],
        }
    )
    out.attrs.update(series.attrs)
    return out.sort_values("ts", kind="stable").reset_index(drop=True)


WAIT_COLUMNS = ["ts", "ts_end", "time", "camera", "zone", "checkout", "outcome", "wait", "counter", "role"]


@takes_filter(role="all")
def waits(store: Store, f: EventFilter) -> pd.DataFrame:
    """Every customer's wait: ``outcome`` is ``served``, ``abandoned`` or ``lost``; ``ts`` = joined.

    Columns: :data:`WAIT_COLUMNS` (``wait`` in seconds, ``counter`` for the served, ``role`` the
    track's final role). ``f``: period, cameras, queue zones, role (the old spelling
    ``camera=, zone=, since=, until=, tz=`` keeps every role) and the time zone of ``time``.
    """
    tz = f.timezone(store)
    ev = events(store, WAIT_EVENTS, f)
    names = {"wait": "served", "abandon": "abandoned", "lost": "lost"}
    rows = [
        (
            r.ts,
            r.ts_end,
            local_time(r.ts, tz),
            r.camera,
            r.zone,
            r.payload.get("checkout", r.zone),
            names[r.type],
            float(r.payload.get("wait", (r.ts_end or r.ts) - r.ts)),
            r.payload.get("counter"),
            r.role,
        )
        for r in ev.itertuples(index=False)
    ]
    return with_timezone(pd.DataFrame(rows, columns=WAIT_COLUMNS), tz)


def queue_summary(
    store: Store,
    *,
    camera: int | str | None = None,
    since: Moment = None,
    until: Moment = None,
    role: Role = "customer",
    series: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per checkout for a period: :func:`app.store.metrics.checkout_numbers` (the catalogue's numbers).

    Columns :data:`app.store.metrics.CHECKOUT_COLUMNS`: ``queue_customers`` = ``queue_served`` +
    ``queue_abandoned`` + ``queue_lost``; ``abandon_rate`` = abandoned / (served + abandoned);
    ``wait_mean_s``/``wait_p90_s`` over the served, ``wait_max_s`` over everyone;
    ``queue_length_*`` from the snapshots; ``queue_alerts`` the alerts raised.

    Args:
        store: the database.
        camera: row id or config id (default: all).
        since: start of the period.
        until: end of the period (exclusive).
        role: whose waits count: ``customer`` (everyone not staff, by the track's final role —
            a person relabelled as staff later drops out), ``staff`` or ``all``.
        series: the :func:`queue_series` of the same camera and period when the caller already
            has it (a report reads it once for several sheets); None to read it here.
    """
    from app.store.metrics import checkout_numbers

    cam = camera if camera is None or isinstance(camera, str) else _camera_config_id(store, camera)
    return checkout_numbers(store, since, until, camera=cam, role=role, series=series)


def _camera_config_id(store: Store, camera: int) -> str:
    with store.session() as s:
        cid = s.scalar(select(Camera.config_id).where(Camera.id == camera))
    if cid is None:
        raise UserError(f"no camera {camera!r} in the database", 2)
    return str(cid)


# --- history for the forecast -------------------------------------------------------------------


def entry_times(
    store: Store, *, site: str | None = None, since: Moment = None, until: Moment = None
) -> np.ndarray:
    """Store entries: ``footfall`` / ``in`` events on entrance lines of every camera (of ``site``), not staff.

    Staff by the final role (:func:`app.store.event_rows.final_role`), as every statistic.

    Returns:
        Sorted epoch seconds.
    """
    q = (
        select(Event.ts, payload_text(), Track.role)
        .join(Zone, Event.zone_id == Zone.id)
        .join(Camera, Event.camera_id == Camera.id)
        .outerjoin(Track, Event.track_id == Track.id)
        .where(
            Event.module == FOOTFALL_IN.module, Event.type == FOOTFALL_IN.type, Zone.type == "entrance_line"
        )
    )
    if site is not None:
        q = q.join(Site, Camera.site_id == Site.id).where(Site.name == site)
    q = where_events(q, since=since, until=until)
    rows, payloads = fetch_events(store, q, payload=1)
    ts = [
        t for (t, _, track_role), p in zip(rows, payloads, strict=True) if final_role(track_role, p) != STAFF
    ]
    return np.sort(np.asarray(ts, dtype=np.float64))


def _site_of(store: Store, camera: str | int) -> str:
    q = select(Site.name).join(Camera, Camera.site_id == Site.id)
    q = where_camera(q, camera)
    with store.session() as s:
        names = s.scalars(q).all()
    if not names:
        raise UserError(f"no camera {camera!r} in the database", 2)
    return str(names[0])


def checkouts(store: Store) -> list[tuple[str, str]]:
    """(camera, queue zone) of every checkout that has stored snapshots, in order."""
    q = (
        select(Camera.config_id, Zone.config_id)
        .select_from(Event)
        .join(Camera, Event.camera_id == Camera.id)
        .join(Zone, Event.zone_id == Zone.id)
        .where(Event.module == MODULE, Event.type == QUEUE_SNAPSHOT.type)
        .distinct()
        .order_by(Camera.config_id, Zone.config_id)
    )
    with store.session() as s:
        return [(c, z) for c, z in s.execute(q)]


def calendar_for(tz: dt.tzinfo | None, around: float) -> Calendar:
    """A fixed-offset :class:`~analytics.queue_backtest.Calendar` for ``tz`` at the time ``around``."""
    offset = dt.datetime.fromtimestamp(around, tz).astimezone(tz).utcoffset() if tz else None
    if offset is None:
        offset = dt.datetime.fromtimestamp(around).astimezone().utcoffset() or dt.timedelta()
    return Calendar(tz_offset=offset.total_seconds(), day0_weekday=3)


def checkout_history(
    store: Store,
    camera: str | int,
    zone: str,
    *,
    since: Moment = None,
    until: Moment = None,
) -> CheckoutHistory:
    """One checkout's stored history as the backtest reads it (queue state from the raw length).

    Raises:
        UserError: no such camera.
    """
    site = _site_of(store, camera)
    tz = site_timezone(store, camera)
    snaps = queue_series(store, camera=camera, zone=zone, since=since, until=until, tz=tz)
    w = waits(store, camera=camera, zone=zone, since=since, until=until, tz=tz)
    sv = events(store, [QUEUE_SERVICE], EventFilter(since, until, camera))
    if not sv.empty:
        sv = sv[sv["payload"].map(lambda p: p.get("queue") == zone)]
    sv = sv.sort_values("ts_end") if not sv.empty else sv
    done = w[w["outcome"] != "lost"].sort_values("ts_end")
    around = float(snaps["ts"].median()) if len(snaps) else 0.0
    return CheckoutHistory(
        entries=entry_times(store, site=site, since=since, until=until),
        joins=np.sort(w["ts"].to_numpy(np.float64)),
        service_end=sv["ts_end"].to_numpy(np.float64) if len(sv) else np.zeros(0),
        service_time=(sv["ts_end"] - sv["ts"]).to_numpy(np.float64) if len(sv) else np.zeros(0),
        wait_end=done["ts_end"].to_numpy(np.float64),
        wait=done["wait"].to_numpy(np.float64),
        gave_up=(done["outcome"] == "abandoned").to_numpy(bool),
        state_ts=snaps["ts"].to_numpy(np.float64),
        waiting=snaps["length_raw"].fillna(0).to_numpy(np.float64),
        in_service=snaps["in_service"].fillna(0).to_numpy(np.float64),
        counters=snaps["open_counters"].fillna(0).to_numpy(np.float64),
        calendar=calendar_for(tz, around),
    )


def learn_arrival_model(
    store: Store,
    *,
    site: str,
    until: float,
    days: float = 28.0,
    prior: ArrivalKernel | None = None,
    tz: dt.tzinfo | None = None,
) -> ArrivalModel:
    """The entry → checkout kernel learnt from the last ``days`` days before ``until`` (all checkouts).

    Args:
        store: the database.
        site: the site's name.
        until: learn from history before this time.
        days: how much history.
        prior: the kernel to fall back on (default: 60 % after ~12 minutes).
        tz: the site's time zone (default: the stored one).
    """
    prior = prior or default_prior()
    since = until - days * 86400.0
    entries = entry_times(store, site=site, since=since - 7200.0, until=until)
    q = (
        select(Event.ts)
        .join(Camera, Event.camera_id == Camera.id)
        .join(Site, Camera.site_id == Site.id)
        .where(Site.name == site, Event.module == MODULE, Event.type.in_(WAIT_TYPES))
        .where(Event.ts >= since, Event.ts < until)
    )
    snap_q = (
        select(Event.ts)
        .join(Camera, Event.camera_id == Camera.id)
        .join(Site, Camera.site_id == Site.id)
        .where(Site.name == site, Event.module == MODULE, Event.type == QUEUE_SNAPSHOT.type)
        .where(Event.ts >= since, Event.ts < until)
    )
    with store.session() as s:
        joins = np.asarray(s.scalars(q).all(), dtype=np.float64)
        snaps = np.sort(np.asarray(s.scalars(snap_q).all(), dtype=np.float64))
    if not len(joins) or not len(snaps):
        return ArrivalModel(prior=prior)
    tz = tz if tz is not None else site_timezone(store)
    t0 = np.floor(min(snaps[0], entries[0] if len(entries) else snaps[0]) / 60.0) * 60.0
    edges = np.arange(t0, until + 60.0, 60.0)
    e = np.histogram(entries, edges)[0].astype(np.float64)
    a = np.histogram(joins, edges)[0].astype(np.float64)
    covered = np.histogram(snaps, edges)[0] > 0
    slots = calendar_for(tz, float(snaps[-1])).slot(edges[:-1])
    return fit_arrival_model(e, a, slots, prior=prior, valid=covered)


def prime_feed(store: Store, feed: Any, *, now: float, days: float = 28.0) -> None:
    """Give a live :class:`~app.engine.site_feed.SiteFeed` the last 3 hours of entries and a learnt model.

    Call it when the engine starts, before the pipelines run. Entries are then taken as known
    from 3 hours before ``now`` only if the database has entries in that time (the entrance
    cameras were recording).
    """
    recent = entry_times(store, site=feed.site_name, since=now - feed.keep_seconds, until=now)
    if len(recent):
        feed.add_entries(recent)
        feed.watch_from(float(recent[0]))
    feed.arrival_model = learn_arrival_model(store, site=feed.site_name, until=now, days=days)
