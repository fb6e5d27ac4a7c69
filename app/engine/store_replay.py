"""A simulated store on one camera over days or weeks: footfall, visits, zone stays, heatmaps, paths, queue.

:mod:`app.engine.queue_replay` writes the store simulator's entries and checkout queue; this adds,
on the same camera ``floor``, what the retail module would have stored for the same people:
every entry becomes a visit (in through the door line ``door``, through the departments, to the
checkout queue and the tills when that person is one of the simulation's queue customers, out
through the door), with its zone stays (``dwell``), line crossings, a track with a sparse path,
and per-hour heatmaps. Everything is derived from the simulation and a seeded random generator,
so the same seed writes the same database.

Used by ``storesight simulate-store`` (screenshots and reports of a long period) and by the
metric agreement test (every view must give the catalogue's numbers on a multi-day database).

Example:
    >>> from app.store.db import open_store
    >>> counts = write_store_simulation(open_store("sqlite://"), days=1, seed=3)  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from analytics.heatmap import Heatmap
from analytics.store_sim import SimConfig, SimResult, simulate_store
from app.config import SiteConfig
from app.engine.queue_replay import SIM_EPOCH, ReplayCounts, write_simulation
from app.store.db import Store
from app.store.records import EventRecord, HeatmapRecord, TrackRecord
from app.store.writer import StoreWriter

CAMERA = "floor"
WIDTH, HEIGHT, CELL = 640, 480, 16
HOUR = 3600.0

#: Zones of the simulated floor in 0–1 of the frame: door on the right, departments, checkout on the left.
ZONES = [
    {"id": "door", "name": "Door", "type": "entrance_line", "points": [[0.9, 0.1], [0.9, 0.9]]},
    {"id": "fresh", "name": "Fresh food", "type": "department",
     "points": [[0.55, 0.1], [0.88, 0.1], [0.88, 0.5], [0.55, 0.5]]},
    {"id": "household", "name": "Household", "type": "department",
     "points": [[0.55, 0.52], [0.88, 0.52], [0.88, 0.9], [0.55, 0.9]]},
    {"id": "queue", "name": "Checkout queue", "type": "queue",
     "points": [[0.2, 0.2], [0.5, 0.2], [0.5, 0.8], [0.2, 0.8]]},
    {"id": "tills", "name": "Tills", "type": "counter",
     "points": [[0.03, 0.2], [0.18, 0.2], [0.18, 0.8], [0.03, 0.8]]},
]  # fmt: skip


def floor_site(name: str = "Simulated store") -> SiteConfig:
    """The site config of the simulated floor: one camera with a door, two departments, a checkout."""
    return SiteConfig.model_validate(
        {
            "site": {"name": name, "timezone": "UTC"},
            "cameras": [
                {"id": CAMERA, "name": "Shop floor", "source": "simulated-floor.mp4", "zones": ZONES}
            ],
        }
    )


def _centre(zone_id: str) -> np.ndarray:
    pts = np.asarray(next(z["points"] for z in ZONES if z["id"] == zone_id), dtype=float)
    return pts.mean(axis=0) * [WIDTH, HEIGHT]


def _half(zone_id: str) -> np.ndarray:
    pts = np.asarray(next(z["points"] for z in ZONES if z["id"] == zone_id), dtype=float)
    return (pts.max(axis=0) - pts.min(axis=0)) * [WIDTH, HEIGHT] / 2.5


@dataclass
class _Person:
    tid: int
    stays: list[tuple[str, float, float]]  # (zone, enter, exit), in order
    start: float
    end: float
    out: bool  # left through the door (else lost from view)


def _people(sim: SimResult, rng: np.random.Generator) -> list[_Person]:
    """Every entry as a person; the queue's customers matched to an entry before them (oldest first)."""
    from collections import deque

    entries = np.sort(sim.entries)
    buyer: dict[int, int] = {}
    waiting: deque[int] = deque()  # entries that may still reach the checkout, oldest first
    k = 0
    for q in np.argsort(sim.join_ts, kind="stable").tolist():
        join = float(sim.join_ts[q])
        while k < len(entries) and entries[k] <= join - 60.0:
            waiting.append(k)
            k += 1
        while waiting and entries[waiting[0]] < join - 40 * 60.0:
            waiting.popleft()  # shopped too long ago: one who did not buy
        if waiting:
            pick = int(rng.integers(len(waiting)))
            buyer[waiting[pick]] = int(q)
            del waiting[pick]
    out: list[_Person] = []
    for i, t in enumerate(entries.tolist()):
        stays: list[tuple[str, float, float]] = []
        q = buyer.get(i)
        if q is not None:
            join = float(sim.join_ts[q])
            shop_end = join - 15.0
        else:
            shop_end = t + float(rng.lognormal(np.log(420.0), 0.6))
        depts = [d for d, p in (("fresh", 0.75), ("household", 0.5)) if rng.random() < p] or ["fresh"]
        span = max(shop_end - t - 20.0, 20.0)
        cur = t + 10.0
        for d in depts:
            stay = span * (0.4 if len(depts) == 2 else 0.7) * float(rng.uniform(0.6, 1.0))
            stays.append((d, cur, cur + stay))
            cur += stay + 5.0
        end = max(cur, shop_end) + 10.0
        if q is not None:
            gone = float(sim.end_ts[q])
            if sim.abandoned[q]:
                stays.append(("queue", join, gone))
            else:
                start = float(sim.start_ts[q])
                stays.append(("queue", join, start))
                stays.append(("tills", start, gone))
            end = gone + float(rng.uniform(15.0, 40.0))
        out.append(_Person(i + 1, stays, t, end, bool(rng.random() > 0.04)))
    return out


def _path(p: _Person, rng: np.random.Generator, step: float = 5.0) -> np.ndarray:
    """(N, 3) ts, x, y: a point every ``step`` seconds — walking between zones, wandering inside them."""
    door = np.array([0.9 * WIDTH, 0.5 * HEIGHT])
    times = [p.start]
    xs, ys = [door[0]], [door[1]]
    for zone, a, b in p.stays:
        c = _centre(zone)
        times += [a, b]
        xs += [c[0], c[0]]
        ys += [c[1], c[1]]
    times.append(p.end)
    xs.append(door[0])
    ys.append(door[1])
    ts = np.arange(p.start, p.end, step)
    xy = np.column_stack([np.interp(ts, times, xs), np.interp(ts, times, ys)])
    for zone, a, b in p.stays:  # wander: a random walk around the zone's centre, kept inside it
        inside = (ts >= a) & (ts < b)
        half = _half(zone)
        walk = np.cumsum(rng.normal(0.0, 0.25, (int(inside.sum()), 2)), axis=0) * half
        xy[inside] += np.clip(walk, -1.2 * half, 1.2 * half)
    xy = np.clip(xy, 0, [WIDTH - 1, HEIGHT - 1])
    return np.column_stack([ts, xy])


def _retail(w: StoreWriter, run: int, sim: SimResult, rng: np.random.Generator) -> int:
    t0 = SIM_EPOCH
    n = 0
    heat: dict[float, Heatmap] = {}
    for p in _people(sim, rng):
        path = _path(p, rng)
        pts = np.column_stack([np.round(path[:, 0] + t0, 3), np.round(path[:, 1:], 1)])
        w.put_track(
            run,
            TrackRecord(CAMERA, p.tid, 0, t0 + p.start, t0 + p.end, len(path), "customer", 0.9,
                        tuple(map(tuple, pts.tolist()))),
        )  # fmt: skip
        hours = np.floor(pts[:, 0] / HOUR) * HOUR
        for hour in np.unique(hours).tolist():
            hm = heat.get(hour)
            if hm is None:
                hm = heat[hour] = Heatmap(WIDTH, HEIGHT, cell=CELL)
            hm.add(path[hours == hour, 1:3], 5.0)
        role = {"role": "customer"}
        w.put_event(
            run, EventRecord(CAMERA, t0 + p.start, "footfall", "in", p.tid, "door", role | {"line": "Door"})
        )
        n += 1  # (queue_replay writes no entries of its own here: entries=False)
        if p.out:
            w.put_event(
                run,
                EventRecord(CAMERA, t0 + p.end, "footfall", "out", p.tid, "door", role | {"line": "Door"}),
            )
            n += 1
        for zone, a, b in p.stays:
            w.put_event(run, EventRecord(CAMERA, t0 + a, "zones", "dwell", p.tid, zone,
                                         role | {"duration": round(b - a, 3)}, ts_end=t0 + b))  # fmt: skip
            n += 1
        zones = ["door", *dict.fromkeys(z for z, _, _ in p.stays)]
        payload = {"duration": round(p.end - p.start, 3), "zones": zones, "tracks": [p.tid], "role": "customer",
                   "end": "exit" if p.out else "lost"}  # fmt: skip
        w.put_event(
            run, EventRecord(CAMERA, t0 + p.start, "visits", "visit", p.tid, None, payload, ts_end=t0 + p.end)
        )
        n += 1
    for hour, hm in sorted(heat.items()):
        w.put_heatmap(
            run,
            HeatmapRecord(CAMERA, hour, "customer", WIDTH, HEIGHT, CELL,
                          np.ascontiguousarray(hm.grid, dtype=np.float32).tobytes()),
        )  # fmt: skip
    return n


def write_store_simulation(
    store: Store,
    *,
    days: int = 28,
    seed: int = 1,
    alert_length: int = 6,
    config: SimConfig | None = None,
    stop: threading.Event | None = None,
) -> tuple[SimResult, ReplayCounts]:
    """Simulate ``days`` of a store from Monday 2026-11-16 and write it as the camera ``floor`` recorded it.

    Returns:
        The simulation and what was written.
    """
    sim = simulate_store(config or SimConfig(), days=days, seed=seed)
    rng = np.random.default_rng(seed)
    counts = write_simulation(
        store,
        sim,
        alert_length=alert_length,
        stop=stop,
        site=floor_site(),
        entrance_camera=CAMERA,
        checkout_camera=CAMERA,
        entries=False,
        extra=lambda w, runs: _retail(w, runs[CAMERA], sim, rng),
    )
    return sim, counts
