"""Write a simulated store into a database as if its cameras had recorded it.

Two cameras: ``entrance`` (an entrance line ``door``: one ``footfall`` / ``in`` event per entry)
and ``checkout`` (queue zone ``queue`` feeding the counter zone ``tills``), with the events the
queue module stores — ``wait`` / ``abandon`` / ``service`` per customer, a ``snapshot`` every
minute with the forecast the product would have made then (from the history before that
minute only), and ``alert`` / ``alert_end`` from the same rules. Times start on Monday
2026-11-16 00:00 UTC. Used by ``storesight queue simulate`` and by the tests of the database
backtest; it gives the dashboard realistic queue data without cameras.

Example:
    >>> from analytics.store_sim import SimConfig, simulate_store
    >>> from app.store.db import open_store
    >>> n = write_simulation(open_store("sqlite://"), simulate_store(SimConfig(), days=1, seed=1))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass

from analytics.queue_alerts import QueueAlerter
from analytics.queue_backtest import CheckoutHistory, QueueForecaster, default_prior
from analytics.store_sim import SimResult
from app.config import SiteConfig
from app.store.db import Store
from app.store.records import EventRecord
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter

#: Epoch seconds of the simulation's time 0 (a Monday, 00:00 UTC).
SIM_EPOCH = dt.datetime(2026, 11, 16, tzinfo=dt.UTC).timestamp()
SNAPSHOT_STEP = 60.0


@dataclass(frozen=True, slots=True)
class ReplayCounts:
    """What was written."""

    events: int
    alerts: int


def simulated_site(name: str = "Simulated store") -> SiteConfig:
    """The site config of the simulated store (two cameras, zones, UTC)."""
    return SiteConfig.model_validate(
        {
            "site": {"name": name, "timezone": "UTC"},
            "cameras": [
                {
                    "id": "entrance",
                    "source": "simulated-entrance.mp4",
                    "zones": [{"id": "door", "name": "Door", "type": "entrance_line", "points": [[0.5, 0.1], [0.5, 0.9]]}],
                },
                {
                    "id": "checkout",
                    "source": "simulated-checkout.mp4",
                    "zones": [
                        {"id": "queue", "name": "Checkout queue", "type": "queue",
                         "points": [[0.1, 0.2], [0.6, 0.2], [0.6, 0.9], [0.1, 0.9]]},
                        {"id": "tills", "name": "Tills", "type": "counter",
                         "points": [[0.6, 0.2], [0.95, 0.2], [0.95, 0.9], [0.6, 0.9]]},
                    ],
                },
            ],
        }
    )  # fmt: skip


def write_simulation(
    store: Store,
    sim: SimResult,
    *,
    alert_length: int = 6,
    alert_wait: float = 600.0,
    stop: threading.Event | None = None,
    site: SiteConfig | None = None,
    entrance_camera: str = "entrance",
    checkout_camera: str = "checkout",
    extra: Callable[[StoreWriter, dict[str, int]], int] | None = None,
    entries: bool = True,
) -> ReplayCounts:
    """Write ``sim`` into ``store`` (one run per camera, status complete).

    Args:
        store: an open database.
        sim: the simulated store.
        alert_length: the queue length alert (also the forecast alert's).
        alert_wait: the wait alert, seconds.
        stop: set it to stop early (the runs are then stored incomplete).
        site: the site config (default :func:`simulated_site`); it must have an entrance line
            ``door`` on ``entrance_camera`` and zones ``queue``/``tills`` on ``checkout_camera``
            (the same camera is fine).
        entrance_camera: the camera of the entries.
        checkout_camera: the camera of the queue.
        extra: called with the writer and {camera: run id} before the runs finish, to write more
            events (e.g. :mod:`app.engine.store_replay`'s visits); returns how many it wrote.
        entries: write the entries as ``footfall`` / ``in`` events (False when ``extra`` does).

    Returns:
        How many events and alerts were written.
    """
    site = site or simulated_site()
    ids = sync_site(store, site)
    hist = CheckoutHistory.from_sim(sim)
    fc = QueueForecaster(hist, prior=default_prior(), service_prior=60.0)
    t0 = SIM_EPOCH
    n_events = 0
    n_alerts = 0
    with tempfile.TemporaryDirectory(prefix="storesight-sim-") as tmp, StoreWriter(store, tmp) as w:
        ent = w.start_run(ids[entrance_camera], f"simulated {entrance_camera}", "simulation")
        chk = (
            ent
            if checkout_camera == entrance_camera
            else w.start_run(ids[checkout_camera], f"simulated {checkout_camera}", "simulation")
        )
        for t in sim.entries.tolist() if entries else []:
            w.put_event(
                ent, EventRecord(entrance_camera, t0 + t, "footfall", "in", None, "door", {"role": "unknown"})
            )
            n_events += 1
        waits = sim.waits
        for i in range(len(sim.join_ts)):
            join = float(sim.join_ts[i])
            if sim.abandoned[i]:
                rec = EventRecord(checkout_camera, t0 + join, "queue", "abandon", None, "queue",
                                  {"wait": round(float(waits[i]), 3), "role": "unknown", "checkout": "Checkout queue"},
                                  ts_end=t0 + float(sim.end_ts[i]))  # fmt: skip
                w.put_event(chk, rec)
                n_events += 1
                continue
            start, end = float(sim.start_ts[i]), float(sim.end_ts[i])
            w.put_event(chk, EventRecord(checkout_camera, t0 + join, "queue", "wait", None, "queue",
                                         {"wait": round(start - join, 3), "role": "unknown", "counter": "tills",
                                          "checkout": "Checkout queue"}, ts_end=t0 + start))  # fmt: skip
            w.put_event(chk, EventRecord(checkout_camera, t0 + start, "queue", "service", None, "tills",
                                         {"duration": round(end - start, 3), "queued": True, "queue": "queue",
                                          "checkout": "Checkout queue"}, ts_end=t0 + end))  # fmt: skip
            n_events += 2
        alerter = QueueAlerter(length=alert_length, wait=alert_wait, forecast_length=alert_length)
        stopped = False
        for ts in hist.state_ts.tolist():
            if stop is not None and stop.is_set():
                stopped = True
                break
            st = hist.state_at(ts)
            if st is None or (st[2] <= 0 and st[0] <= 0):
                continue
            snap, alerts = _snapshot(sim, hist, fc, alerter, ts)
            w.put_event(chk, EventRecord(checkout_camera, t0 + ts, "queue", "snapshot", None, "queue", snap))
            n_events += 1
            for kind, payload, ts_end in alerts:
                if ts_end is None:
                    w.put_event(
                        chk,
                        EventRecord(
                            checkout_camera, t0 + payload.pop("_ts"), "queue", kind, None, "queue", payload
                        ),
                    )
                    n_alerts += 1
                else:
                    w.put_event(chk, EventRecord(checkout_camera, t0 + payload.pop("_ts"), "queue", kind, None, "queue",
                                                 payload, ts_end=t0 + ts_end))  # fmt: skip
                n_events += 1
        if extra is not None and not stopped:
            n_events += extra(w, {entrance_camera: ent, checkout_camera: chk})
        status = RunStatus.INCOMPLETE if stopped else RunStatus.COMPLETE
        end_ts = t0 + sim.days * 86400.0
        for run in dict.fromkeys((ent, chk)):
            w.finish_run(run, status, None if not stopped else "stopped", 0, t0, end_ts)
        w.flush()
    return ReplayCounts(n_events, n_alerts)


def _snapshot(
    sim: SimResult, hist: CheckoutHistory, fc: QueueForecaster, alerter: QueueAlerter, ts: float
) -> tuple[dict[str, object], list[tuple[str, dict[str, object], float | None]]]:
    waiting, busy, counters = hist.state_at(ts) or (0.0, 0.0, 0.0)
    waiting_now = (sim.join_ts <= ts) & ~(sim.start_ts <= ts) & ~(sim.abandoned & (sim.end_ts <= ts))
    wait_now = float(ts - sim.join_ts[waiting_now].min()) if waiting_now.any() else 0.0
    recent = (sim.start_ts > ts - 600) & (sim.start_ts <= ts)
    wait_recent = float((sim.start_ts - sim.join_ts)[recent].mean()) if recent.any() else None
    done = (sim.end_ts > ts - 600) & (sim.end_ts <= ts) & ~sim.abandoned
    forecast = fc.forecast(ts)
    fdict: dict[str, dict[str, float | None]] = {}
    if forecast is not None:
        for h in (5, 10, 15):
            p = forecast.at(h)
            fdict[str(h)] = {"length": round(p.length, 2), "median": p.median,
                             "wait": None if p.wait is None else round(p.wait, 1)}  # fmt: skip
    snap: dict[str, object] = {
        "checkout": "Checkout queue",
        "length": float(waiting),
        "length_raw": int(waiting),
        "in_service": int(busy),
        "open_counters": int(counters),
        "counters_source": "configured",
        "wait_now": round(wait_now, 1),
        "wait_recent": None if wait_recent is None else round(wait_recent, 1),
        "service_rate": round(float(done.sum()) / 10.0, 3),
        "service_time": round(fc.service_time(ts), 1),
        "joined": int((sim.join_ts <= ts).sum()),
        "served": int(((sim.start_ts <= ts) & ~sim.abandoned).sum()),
        "abandoned": int((sim.abandoned & (sim.end_ts <= ts)).sum()),
        "forecast": fdict,
        "forecast_source": "entries",
        "counters_needed": None,
    }
    out: list[tuple[str, dict[str, object], float | None]] = []
    for a in alerter.update(ts, length=float(waiting), wait=wait_now, forecast=forecast):
        alert_id = f"checkout:queue:{a.kind}:{round((SIM_EPOCH + a.ts) * 1000)}"
        if a.state == "raised":
            msg = {
                "length": f"Checkout queue: {int(waiting)} people waiting (alert at {a.threshold:g}) — open another checkout",
                "wait": f"Checkout queue: a customer has waited {wait_now / 60:.0f} min",
                "forecast": f"Checkout queue: open another checkout in ~{a.minutes_ahead or 0:.0f} min — "
                f"{a.value:.0f} people expected (now {int(waiting)}; alert at {a.threshold:g})",
            }[a.kind]
            out.append(("alert", {"_ts": a.ts, "alert_id": alert_id, "kind": a.kind, "checkout": "Checkout queue",
                                  "message": msg, "threshold": a.threshold, "value": round(a.value, 2),
                                  "length": float(waiting), "wait_now": round(wait_now, 1),
                                  "open_counters": int(counters), "minutes_ahead": a.minutes_ahead,
                                  "forecast": fdict}, None))  # fmt: skip
        else:
            out.append(("alert_end", {"_ts": a.ts, "alert_id": alert_id, "kind": a.kind, "checkout": "Checkout queue",
                                      "duration": round((a.ts_end or a.ts) - a.ts, 1)}, a.ts_end))  # fmt: skip
    return snap, out
