"""A small store with known numbers, written through the real writer (for the stats and CLI tests).

Site "Stats shop" in Europe/Berlin (UTC+1 in November). Camera ``door`` has an entrance line,
two departments and a checkout queue; camera ``back`` has one counting line. Everything happens
on 2026-11-20 from 10:00 UTC (= 11:00 in Berlin). The expected numbers are worked out in the
tests next to each assertion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from app.config import SiteConfig
from app.store.db import Store, open_store
from app.store.records import BackgroundRecord, EventRecord, HeatmapRecord, TrackRecord
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter

T0 = 1_795_168_800.0  # 2026-11-20 10:00:00 UTC = 11:00 Europe/Berlin
W, H, CELL = 320, 240, 8

SITE: dict[str, Any] = {
    "site": {"name": "Stats shop", "timezone": "Europe/Berlin"},
    "cameras": [
        {
            "id": "door",
            "name": "Front door",
            "source": "door.mp4",
            "zones": [
                {
                    "id": "entrance",
                    "name": "Entrance",
                    "type": "entrance_line",
                    "points": [[0.5, 0.1], [0.5, 0.9]],
                },
                {
                    "id": "dept_a",
                    "name": "Dairy",
                    "type": "department",
                    "points": [[0, 0], [0.4, 0], [0.4, 0.5]],
                },
                {
                    "id": "dept_b",
                    "name": "Bakery",
                    "type": "department",
                    "points": [[0, 0.5], [0.4, 0.5], [0.4, 1]],
                },
                {
                    "id": "queue",
                    "name": "Checkout queue",
                    "type": "queue",
                    "points": [[0.6, 0], [1, 0], [1, 0.5]],
                },
            ],
        },
        {
            "id": "back",
            "source": "back.mp4",
            "zones": [{"id": "l2", "name": "Back door", "type": "line", "points": [[0.1, 0.5], [0.9, 0.5]]}],
        },
    ],
}


def _ev(cam: str, t: float, module: str, typ: str, zone: str | None, role: str, **kw: Any) -> EventRecord:
    payload = {"role": role, **kw.pop("payload", {})}
    return EventRecord(cam, T0 + t, module, typ, zone_id=zone, payload=payload, **kw)


def events() -> list[EventRecord]:
    """The hand-made events (times in seconds after T0)."""
    out = [
        # footfall, door: UTC hour 10 → 3 customer in (+1 staff in), 1 out; UTC 12 → 1 in, 1 out
        _ev("door", 5 * 60, "footfall", "in", "entrance", "customer"),
        _ev("door", 10 * 60, "footfall", "in", "entrance", "staff"),
        _ev("door", 20 * 60, "footfall", "in", "entrance", "unknown"),
        _ev("door", 40 * 60, "footfall", "out", "entrance", "customer"),
        _ev("door", 3599, "footfall", "in", "entrance", "customer"),
        _ev("door", 2 * 3600 + 30 * 60, "footfall", "out", "entrance", "unknown"),
        _ev("door", 2 * 3600 + 31 * 60, "footfall", "in", "entrance", "unknown"),
        _ev("back", 15 * 60, "footfall", "in", "l2", "unknown"),
    ]
    # dwell in dept_a: [0,10) [5,25) [10,40) [15,55) [20,120) → 10, 20, 30, 40, 100 s
    for start, dur in ((0, 10), (5, 20), (10, 30), (15, 40), (20, 100)):
        out.append(_ev("door", start, "zones", "enter", "dept_a", "unknown"))
        out.append(
            _ev(
                "door",
                start,
                "zones",
                "dwell",
                "dept_a",
                "unknown",
                payload={"duration": dur},
                ts_end=T0 + start + dur,
            )
        )
    # dept_b: staff only; queue: two stays that touch ([60,90) and [90,120)) never overlap
    out.append(_ev("door", 30, "zones", "dwell", "dept_b", "staff", payload={"duration": 50}, ts_end=T0 + 80))
    out.append(
        _ev("door", 60, "zones", "dwell", "queue", "customer", payload={"duration": 30}, ts_end=T0 + 90)
    )
    out.append(
        _ev("door", 90, "zones", "dwell", "queue", "customer", payload={"duration": 30}, ts_end=T0 + 120)
    )
    visits = [
        (["entrance", "dept_a", "queue"], 60, "customer"),
        (["entrance", "dept_b", "dept_a"], 120, "unknown"),
        (["entrance", "queue", "dept_a"], 30, "customer"),
        (["entrance", "dept_a", "dept_b", "queue"], 300, "customer"),
        (["entrance", "dept_a", "queue"], 600, "staff"),
        (["dept_b", "queue"], 90, "unknown"),  # began without crossing the entrance line
    ]
    for i, (zones, dur, role) in enumerate(visits):
        start = 100 + 10 * i
        out.append(
            _ev(
                "door",
                start,
                "visits",
                "visit",
                None,
                role,
                payload={"zones": zones, "duration": dur},
                ts_end=T0 + start + dur,
            )
        )
    return out


def heat_grid(value: float) -> bytes:
    """A W×H heatmap grid with ``value`` seconds in a 4×4-cell block near the middle."""
    g = np.zeros((H // CELL, W // CELL), np.float32)
    g[12:16, 18:22] = value
    return g.tobytes()


def background_jpeg() -> bytes:
    """A textured W×H picture (so a PNG drawn over it is not blank)."""
    yy, xx = np.mgrid[0:H, 0:W]
    img = np.stack([(xx * 255 // W), (yy * 255 // H), np.full_like(xx, 128)], axis=-1).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


def build_store(url: str, data_dir: Path, *, with_background: bool = True) -> Store:
    """Open ``url``, sync the site and write everything above through a :class:`StoreWriter`."""
    store = open_store(url)
    cams = sync_site(store, SiteConfig.model_validate(SITE))
    with StoreWriter(store, data_dir) as w:
        runs = {cam: w.start_run(cams[cam], f"{cam}.mp4") for cam in ("door", "back")}
        for e in events():
            w.put_event(runs[e.camera_id], e)
        path1 = ((T0 + 1, 40.0, 200.0), (T0 + 2, 80.0, 180.0), (T0 + 3, 160.0, 120.0), (T0 + 4, 200.0, 60.0))
        path2 = ((T0 + 50, 300.0, 200.0), (T0 + 52, 250.0, 150.0), (T0 + 54, 120.0, 100.0))
        w.put_track(runs["door"], TrackRecord("door", 1, 0, T0 + 1, T0 + 4, 4, path=path1))
        w.put_track(runs["door"], TrackRecord("door", 2, 0, T0 + 50, T0 + 54, 3, role="staff", path=path2))
        w.put_heatmap(runs["door"], HeatmapRecord("door", T0, "unknown", W, H, CELL, heat_grid(3.0)))
        w.put_heatmap(runs["door"], HeatmapRecord("door", T0 + 3600, "customer", W, H, CELL, heat_grid(1.0)))
        w.put_heatmap(runs["door"], HeatmapRecord("door", T0, "staff", W, H, CELL, heat_grid(10.0)))
        if with_background:
            w.put_background(
                runs["door"], BackgroundRecord("door", T0 + 100, background_jpeg(), W, H, 12, T0)
            )
        for run in runs.values():
            w.finish_run(run, RunStatus.COMPLETE, frames=100, first_ts=T0, last_ts=T0 + 3 * 3600)
        w.flush()
        assert w.stats().dropped == 0
    return store
