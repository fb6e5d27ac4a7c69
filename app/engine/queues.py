"""The queue module: each checkout of a camera as live numbers, a forecast, events and alerts.

For every checkout (a queue zone and its counter zones, see
:meth:`app.config.CameraConfig.checkouts`) it runs a :class:`~analytics.queues.QueueMonitor`
on the camera's people, forecasts the queue with :mod:`analytics.forecast`, and checks the
alert rules of :class:`~analytics.queue_alerts.QueueAlerter`.

Where the forecast's arrivals come from: the store's entries (``footfall`` / ``in`` on an
entrance line of any camera of the site) through the site's
:class:`~app.engine.site_feed.SiteFeed`, spread over the entry → checkout kernel (learnt, or
the configured prior: ``visit_minutes``, ``checkout_share``). Until the feed has watched the
entrances for :data:`ENTRY_COVERAGE` seconds (entries before that are unknown), or when the
site has no entrance line, the queue's own arrival rate over the last 10 minutes is used
instead; the snapshot's ``forecast_source`` says which.

Events (module ``queue``; zone = the queue zone unless noted):
    ``snapshot``: every ``snapshot_interval`` seconds: length (smoothed and raw), people at the
        counters, open counters, current and recent wait, service rate and time, totals, and the
        forecast for +5/+10/+15 minutes (expected length, median length, expected wait).
    ``wait``: a customer reached a counter (ts = joined the queue, ts_end = reached the counter).
    ``abandon``: a customer left the queue unserved (ts = joined, ts_end = left).
    ``lost``: the tracker lost a customer inside the queue (ts = joined, ts_end = last seen).
    ``service``: a customer was served (zone = the counter; ts = reached it, ts_end = left it).
    ``alert``: an alert was raised (length, wait or forecast) with the numbers, a message, the
        frame and a crop of the queue zone.
    ``alert_end``: the alert cleared (ts = when it was raised, ts_end = when it cleared; same
        ``alert_id`` in the payload).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import cv2
import numpy as np

from analytics.forecast import ArrivalKernel, QueueForecast, QueueModel, QueueState
from analytics.queue_alerts import QueueAlert, QueueAlerter
from analytics.queues import QueueMonitor, QueueSnapshot
from analytics.types import PERSON_CLASS, Detections, Frame
from app.engine.modules import CameraContext, Module, Record, encode_crop
from app.engine.site_feed import SiteFeed
from app.events import AlertBook
from app.modules.queue.events import (
    QUEUE_OUTCOMES,
    QUEUE_SERVICE,
    QUEUE_SNAPSHOT,
)
from app.modules.queue.settings import CheckoutConfig, QueueSettings
from app.store.records import EventRecord, PhotoRecord

#: Seconds the entrances must have been watched before entries drive the forecast.
ENTRY_COVERAGE = 20 * 60.0
#: Integration step of the forecast, seconds.
FORECAST_STEP = 10.0
#: Forecast horizons stored in every snapshot, minutes.
SNAPSHOT_HORIZONS = (5, 10, 15)


def prior_kernel(settings: QueueSettings) -> ArrivalKernel:
    """The entry → checkout kernel assumed from the config until one is learnt."""
    return ArrivalKernel.lognormal(
        mean_minutes=settings.visit_minutes, sigma=0.6, share=settings.checkout_share
    )


def _fmt_wait(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


@dataclass(slots=True)
class _Checkout:
    cfg: CheckoutConfig
    name: str
    monitor: QueueMonitor
    alerter: QueueAlerter
    box: tuple[float, float, float, float]
    polygon: np.ndarray
    joins: list[float] = field(default_factory=list)  # recent join times (10 min)
    ended_wait_s: float = 0.0
    abandons: int = 0
    forecast: QueueForecast | None = None
    forecast_source: str = "none"
    counters_needed: int | None = None
    next_snapshot: float = -math.inf
    last: QueueSnapshot | None = None
    peak: int = 0  # most customers waiting on one frame since the last snapshot


class QueueModule(Module):
    """Checkout queues of one camera (people only; staff never queue once roles exist).

    Example:
        >>> from app.config import SiteConfig
        >>> site = SiteConfig.model_validate({"site": {"name": "S"}, "cameras": [{"id": "c", "source": "0",
        ...     "zones": [{"id": "q", "type": "queue", "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]},
        ...               {"id": "till", "type": "counter", "points": [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]}]}]})
        >>> ctx = CameraContext(site, site.cameras[0], site.effective(site.cameras[0]))
        >>> [c.queue for c in QueueModule(ctx).checkouts]
        ['q']
    """

    name = "queue"
    sees_hidden = True

    def __init__(self, ctx: CameraContext, feed: SiteFeed | None = None) -> None:
        super().__init__(ctx)
        self.settings = ctx.camera.modules.queue
        self.feed = feed if feed is not None else SiteFeed(ctx.site)
        self.checkouts = ctx.camera.checkouts()
        self._items: list[_Checkout] = []
        self._prior = prior_kernel(self.settings)
        self._first_ts: float | None = None
        self.alerts = AlertBook(self.name, ctx.camera.id)

    def _build(self, width: int, height: int) -> None:
        s = self.settings
        zones = {z.id: z for z in self.ctx.camera.zones}
        scale = np.array([width, height], dtype=np.float64)
        for co in self.checkouts:
            poly = np.asarray(zones[co.queue].points, dtype=np.float64) * scale
            counters = {c: np.asarray(zones[c].points, dtype=np.float64) * scale for c in co.counters}
            monitor = QueueMonitor(
                poly,
                counters,
                min_frames=s.min_frames,
                lost_timeout=max(2.0, self.ctx.lost_after),
                handoff_seconds=s.handoff_seconds,
                min_wait=s.min_wait,
                min_service=s.min_service,
                smoothing=s.smoothing,
                service_window=s.service_window,
                counters_open=co.counters_open,
            )
            alerter = QueueAlerter(
                length=s.alert_length,
                wait=s.alert_wait,
                forecast_length=s.alert_length if s.forecast_alert else None,
                hysteresis_length=s.hysteresis,
                hysteresis_wait=s.wait_hysteresis,
                raise_seconds=s.raise_seconds,
                clear_seconds=s.clear_seconds,
                cooldown=s.cooldown,
            )
            x0, y0 = poly.min(axis=0)
            x1, y1 = poly.max(axis=0)
            name = co.name or zones[co.queue].label
            self._items.append(_Checkout(co, name, monitor, alerter, (x0, y0, x1, y1), poly))

    # --- per frame ------------------------------------------------------------------------

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Update every checkout with this frame's people; emit waits, services, snapshots, alerts.

        ``roles`` (the role stage's, tracker id → role): staff never queue, they open counters.
        """
        if not self.checkouts:
            return []
        if not self._items:
            self._build(frame.width, frame.height)
        if self._first_ts is None:
            self._first_ts = frame.ts
            self.feed.watch_from(frame.ts)
        people = dets[dets.is_class(PERSON_CLASS)] if len(dets) else dets
        out: list[Record] = []
        for item in self._items:
            snap = item.monitor.update(people, frame.ts)
            item.peak = max(item.peak, snap.length_raw)
            out.extend(self._records(item, snap))
            if frame.ts >= item.next_snapshot:
                self._forecast(item, snap)
                out.append(self._snapshot_event(item, snap))
                item.peak = snap.length_raw
                item.next_snapshot = frame.ts + self.settings.snapshot_interval
            alerts = item.alerter.update(
                frame.ts, length=snap.length, wait=snap.wait_now, forecast=item.forecast
            )
            out.extend(self._alert_events(item, snap, alerts, frame))
            item.last = snap
        return out

    def _records(self, item: _Checkout, snap: QueueSnapshot) -> list[Record]:
        cam = self.ctx.camera.id
        q = item.cfg.queue
        out: list[Record] = []
        for j in snap.joins:
            item.joins.append(j.ts)
        cut = snap.ts - 600.0
        item.joins = [t for t in item.joins if t >= cut]
        for o in snap.outcomes:
            if o.kind != "lost":
                item.ended_wait_s += o.wait
                item.abandons += o.kind == "abandoned"
            payload = {"wait": round(o.wait, 3), "role": o.role, "checkout": item.name}
            if o.counter is not None:
                payload["counter"] = o.counter
            out.append(
                QUEUE_OUTCOMES[o.kind].record(
                    cam, o.join_ts, track_id=o.track_id, zone_id=q, payload=payload, ts_end=o.end_ts
                )
            )
        for sv in snap.services:
            payload = {
                "duration": round(sv.duration, 3),
                "queued": sv.queued,
                "queue": q,
                "checkout": item.name,
            }
            out.append(
                QUEUE_SERVICE.record(
                    cam,
                    sv.start_ts,
                    track_id=sv.track_id,
                    zone_id=sv.counter,
                    payload=payload,
                    ts_end=sv.end_ts,
                )
            )
        return out

    # --- forecast -------------------------------------------------------------------------

    def _forecast(self, item: _Checkout, snap: QueueSnapshot) -> None:
        s = self.settings
        ts = snap.ts
        horizon = s.forecast_minutes * 60.0
        first = self._first_ts if self._first_ts is not None else ts
        covered = self.feed.covered_since
        if self.feed.has_entrance and covered is not None and ts - covered >= ENTRY_COVERAGE:
            model = self.feed.arrival_model
            kernel = model.kernel(self._slot(ts)) if model is not None else self._prior
            entries = self.feed.entries(since=ts - kernel.max_lag, until=ts)
            recent = int((entries >= ts - 900.0).sum())
            rates = kernel.rates(entries, ts, horizon=horizon, step=FORECAST_STEP, future_rate=recent / 900.0)
            item.forecast_source = "entries"
        else:
            # People already queuing at the first frame did not arrive in the window; a short run
            # is averaged over at least 5 minutes rather than extrapolated from a few seconds.
            window = min(600.0, max(ts - first, 300.0))
            rate = sum(1 for t in item.joins if t >= ts - window and t > first + 2.0) / window
            rates = np.full(math.ceil(horizon / FORECAST_STEP), rate)
            item.forecast_source = "arrivals"
        patience = item.ended_wait_s / item.abandons if item.abandons >= 3 else None
        model_q = QueueModel(
            snap.open_counters,
            snap.service_time if snap.service_time else s.service_seconds,
            patience,
            snap.service_cv2,
        )
        state = QueueState(ts, snap.length, snap.in_service)
        item.forecast = model_q.forecast(state, rates, step=FORECAST_STEP)
        item.counters_needed = None
        if s.alert_length is not None and item.forecast.peak.length >= s.alert_length:
            item.counters_needed = model_q.counters_needed(
                state, rates, length=s.alert_length, step=FORECAST_STEP
            )

    def _slot(self, ts: float) -> int:
        """Hour of the week (Monday = 0) in the site's time zone."""
        tzname = self.ctx.site.site.timezone
        try:
            tz = ZoneInfo(tzname) if tzname else None
        except ZoneInfoNotFoundError:
            tz = None
        t = dt.datetime.fromtimestamp(ts, tz)
        return t.weekday() * 24 + t.hour

    def _snapshot_event(self, item: _Checkout, snap: QueueSnapshot) -> EventRecord:
        fc = item.forecast
        forecast: dict[str, dict[str, float | None]] = {}
        if fc is not None:
            for h in SNAPSHOT_HORIZONS:
                if h <= len(fc.points):
                    p = fc.at(h)
                    forecast[str(h)] = {
                        "length": round(p.length, 2),
                        "median": p.median,
                        "wait": None if p.wait is None else round(p.wait, 1),
                    }
        payload = {
            "checkout": item.name,
            "length": round(snap.length, 2),
            "length_raw": snap.length_raw,
            "length_peak": max(item.peak, snap.length_raw),
            "in_service": snap.in_service,
            "open_counters": snap.open_counters,
            "counters_source": snap.counters_source,
            "wait_now": round(snap.wait_now, 1),
            "wait_recent": None if snap.wait_recent is None else round(snap.wait_recent, 1),
            "service_rate": round(snap.service_rate, 3),
            "service_time": None if snap.service_time is None else round(snap.service_time, 1),
            "joined": snap.joined,
            "served": snap.served,
            "abandoned": snap.abandoned,
            "forecast": forecast,
            "forecast_source": item.forecast_source,
            "counters_needed": item.counters_needed,
        }
        return QUEUE_SNAPSHOT.record(self.ctx.camera.id, snap.ts, zone_id=item.cfg.queue, payload=payload)

    # --- alerts ---------------------------------------------------------------------------

    def _alert_events(
        self, item: _Checkout, snap: QueueSnapshot, alerts: list[QueueAlert], frame: Frame | None
    ) -> list[Record]:
        out: list[Record] = []
        for a in alerts:
            key = (item.cfg.queue, a.kind)
            if a.state == "cleared":
                duration = round((a.ts_end or a.ts) - a.ts, 1)
                end = self.alerts.end_alert(
                    key, a.ts_end or a.ts, payload={"checkout": item.name, "duration": duration}
                )
                if end is not None:
                    out.append(end)
                continue
            payload = {
                "checkout": item.name,
                "message": self._message(item, snap, a),
                "threshold": a.threshold,
                "value": round(a.value, 2),
                "length": round(snap.length, 2),
                "length_raw": snap.length_raw,
                "wait_now": round(snap.wait_now, 1),
                "open_counters": snap.open_counters,
                "counters_needed": item.counters_needed,
                "minutes_ahead": a.minutes_ahead,
                "forecast": self._snapshot_event(item, snap).payload["forecast"],
            }
            photos = self._photos(item, frame) if frame is not None and self.settings.save_snapshots else ()
            out.append(
                self.alerts.raise_alert(
                    key, a.ts, kind=a.kind, zone_id=item.cfg.queue, payload=payload, photos=photos
                )
            )
        return out

    def _message(self, item: _Checkout, snap: QueueSnapshot, a: QueueAlert) -> str:
        need = ""
        if item.counters_needed is not None and item.counters_needed > snap.open_counters:
            need = f"; {snap.open_counters} open, {item.counters_needed} needed"
        if a.kind == "length":
            # the count standing there now (the alert rule reads the smoothed count, said next to it)
            smooth = self.settings.smoothing
            avg = f", {snap.length:.1f} on average over the last {smooth:g} s" if smooth > 0 else ""
            return (
                f"{item.name}: {snap.length_raw} people waiting now{avg} (alert at {a.threshold:g}) — "
                f"open another checkout{need}"
            )
        if a.kind == "wait":
            return f"{item.name}: a customer has waited {_fmt_wait(snap.wait_now)} (alert at {_fmt_wait(a.threshold)})"
        ahead = a.minutes_ahead if a.minutes_ahead is not None else float(self.settings.forecast_minutes)
        return (
            f"{item.name}: open another checkout in ~{ahead:.0f} min — {a.value:.0f} people expected "
            f"(now {snap.length_raw}; alert at {a.threshold:g}){need}"
        )

    def _photos(self, item: _Checkout, frame: Frame) -> tuple[PhotoRecord, ...]:
        """The frame with the queue zone outlined, and a crop of the queue zone."""
        photos: list[PhotoRecord] = []
        marked = frame.image.copy()
        cv2.polylines(marked, [np.round(item.polygon).astype(np.int32)], True, (0, 0, 255), 2, cv2.LINE_AA)
        whole = encode_crop(marked, np.array([0, 0, frame.width, frame.height]), max_side=640)
        if whole is not None:
            photos.append(dataclasses.replace(whole, kind="frame", box=None))
        crop = encode_crop(frame.image, np.array(item.box), max_side=480)
        if crop is not None:
            photos.append(crop)
        return tuple(photos)

    def close(self, ts: float) -> list[Record]:
        """Close open waits (as lost) and services, store a last snapshot, clear raised alerts."""
        out: list[Record] = []
        for item in self._items:
            snap = item.monitor.flush(ts)
            out.extend(self._records(item, snap))
            self._forecast(item, snap)
            out.append(self._snapshot_event(item, snap))
            out.extend(self._alert_events(item, snap, item.alerter.flush(ts), None))
        return out


def build(ctx: CameraContext) -> list[Module]:
    """The queue module of a camera with checkouts (its package's build)."""
    return [QueueModule(ctx, ctx.feed)] if ctx.camera.modules.queue.enabled and ctx.camera.checkouts() else []
