"""A hand-built store for the retention tests: rows and files on both sides of a cutoff.

Everything is placed relative to the cutoff ``C`` (``D`` = one day), camera ``cam`` stays in the
config, camera ``gone`` was removed from it:

=====================  =================================================  ===========================
what                   where                                              after prune(C)
=====================  =================================================  ===========================
run ``old``            cam, complete, C−150 D … C−149 D                   kept (events/tracks left)
run ``keep``           cam, complete, C−2 D … C+9 D                       kept (ends after C)
run ``live``           cam, RUNNING, started C+1 D, data from C−146 D (an old file)  kept, with all its data
run ``empty``          gone, complete, ended C−120 D, nothing left        deleted
event ``old``          old, C−150 D, 2 photos, alert row, sent outbox     deleted with photos + files
event ``pending``      old, C−150 D, outbox still pending                 kept (not sent yet)
event ``span``         old, C−1 D … C+1 D (track ``shared``)              kept (ends after C)
event ``before``       keep, C−1 h                                        deleted
event ``new``          keep, C+4 D, 1 photo                               kept with its file
event ``live``         live, C−146 D, 1 photo                             kept with its file
tracks                 ``old`` (label) / ``shared`` / ``live`` / ``new``  only ``old`` (and its label)
outbox                 sent C−30 D (of ``new``) / expired C+4 D           the sent one
heatmap hours          cam C−150 D / cam C−146 D+1 h / cam C+30 D / gone  cam C−150 D and gone's
backgrounds            cam C−150 D / C−120 D / C+30 D, live's C−148 D,    C−150 D and gone's
                       gone C+30 D
orphan files           crops/cam/<C−140 D>/ 3 days old / written now       the 3-day-old one
=====================  =================================================  ===========================
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from app.config import SiteConfig
from app.store.db import Store, open_store
from app.store.schema import (
    Alert,
    AnalysisRun,
    Background,
    Event,
    EventPhoto,
    HeatmapHour,
    NotifyOutbox,
    RoleLabel,
    RunStatus,
    Track,
)
from app.store.sync import sync_site

D = dt.timedelta(days=1)
H = dt.timedelta(hours=1)
CAMERAS = [{"id": "cam", "source": "cam.mp4"}, {"id": "gone", "source": "gone.mp4"}]
SITE = SiteConfig.model_validate({"site": {"name": "Prune shop"}, "cameras": CAMERAS})
#: The config after camera ``gone`` was removed.
SITE_NOW = SiteConfig.model_validate({"site": {"name": "Prune shop"}, "cameras": CAMERAS[:1]})


def _file(root: Path, rel: str, size: int, *, age_days: float = 0.0) -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8" + b"x" * (size - 4) + b"\xff\xd9")
    if age_days:
        old = time.time() - age_days * 86400
        os.utime(path, (old, old))
    return rel


def _day(t: dt.datetime) -> str:
    return f"{t:%Y-%m-%d}"


def build_prune_store(url: str, data_dir: Path, cutoff: dt.datetime) -> tuple[Store, dict[str, Any]]:
    """The store and files described above; returns the store and the ids/paths by name."""
    store = open_store(url)
    cams = sync_site(store, SITE)
    sync_site(store, SITE_NOW)  # "gone" left the config (marked inactive)
    cam, gone = cams["cam"], cams["gone"]
    c = cutoff

    def ts(t: dt.datetime) -> float:
        return t.timestamp()

    ids: dict[str, Any] = {}
    with store.session() as s:
        runs = {
            "old": AnalysisRun(camera_id=cam, started_at=c - 150 * D, finished_at=c - 149 * D,
                               status=RunStatus.COMPLETE.value, first_ts=ts(c - 150 * D), last_ts=ts(c - D)),
            "keep": AnalysisRun(camera_id=cam, started_at=c - 2 * D, finished_at=c + 9 * D,
                                status=RunStatus.COMPLETE.value, first_ts=ts(c - 2 * D), last_ts=ts(c + 9 * D)),
            "live": AnalysisRun(camera_id=cam, started_at=c + D, status=RunStatus.RUNNING.value),
            "empty": AnalysisRun(camera_id=gone, started_at=c - 121 * D, finished_at=c - 120 * D,
                                 status=RunStatus.COMPLETE.value, first_ts=ts(c - 121 * D),
                                 last_ts=ts(c - 120 * D)),
        }  # fmt: skip
        s.add_all(runs.values())
        s.flush()
        run = {k: r.id for k, r in runs.items()}
        tracks = {
            "old": Track(run_id=run["old"], camera_id=cam, tracker_id=1, first_ts=ts(c - 150 * D),
                         last_ts=ts(c - 150 * D + 5 * H), role="staff"),
            "shared": Track(run_id=run["old"], camera_id=cam, tracker_id=2, first_ts=ts(c - 150 * D),
                            last_ts=ts(c - 150 * D + H)),
            "live": Track(run_id=run["live"], camera_id=cam, tracker_id=1, first_ts=ts(c - 146 * D),
                          last_ts=ts(c - 146 * D + H)),
            "new": Track(run_id=run["keep"], camera_id=cam, tracker_id=1, first_ts=ts(c + 4 * D),
                         last_ts=ts(c + 4 * D + H)),
        }  # fmt: skip
        s.add_all(tracks.values())
        s.flush()
        s.add(RoleLabel(track_id=tracks["old"].id, role="staff"))
        events = {
            "old": Event(ts=ts(c - 150 * D), camera_id=cam, module="queue", type="alert",
                         run_id=run["old"], track_id=tracks["old"].id, payload={"kind": "length"}),
            "pending": Event(ts=ts(c - 150 * D + H), camera_id=cam, module="queue", type="alert",
                             run_id=run["old"], payload={}),
            "span": Event(ts=ts(c - D), ts_end=ts(c + D), camera_id=cam, module="zones", type="dwell",
                          run_id=run["old"], track_id=tracks["shared"].id, payload={}),
            "before": Event(ts=ts(c - H), camera_id=cam, module="footfall", type="in", run_id=run["keep"],
                            payload={}),
            "new": Event(ts=ts(c + 4 * D), camera_id=cam, module="queue", type="alert", run_id=run["keep"],
                         track_id=tracks["new"].id, payload={}),
            "live": Event(ts=ts(c - 146 * D), camera_id=cam, module="footfall", type="in",
                          run_id=run["live"], track_id=tracks["live"].id, payload={}),
        }  # fmt: skip
        s.add_all(events.values())
        s.flush()
        ev = {k: e.id for k, e in events.items()}
        photos = {
            "old_a": ("old", _file(data_dir, f"crops/cam/{_day(c - 150 * D)}/a.jpg", 100)),
            "old_b": ("old", _file(data_dir, f"crops/cam/{_day(c - 150 * D)}/b.jpg", 200)),
            "new": ("new", _file(data_dir, f"crops/cam/{_day(c + 4 * D)}/c.jpg", 300)),
            "live": ("live", _file(data_dir, f"crops/cam/{_day(c - 146 * D)}/d.jpg", 400)),
        }
        for event, rel in photos.values():
            s.add(EventPhoto(event_id=ev[event], path=rel, bytes=(data_dir / rel).stat().st_size, sha256="0"))
        s.add(Alert(event_id=ev["old"], acknowledged_at=c - 149 * D, acknowledged_by="me"))
        s.add_all(
            [
                NotifyOutbox(channel="telegram", event_id=ev["old"], status="sent", created_at=c - 150 * D),
                NotifyOutbox(channel="telegram", event_id=ev["pending"], status="pending", created_at=c - 150 * D),
                NotifyOutbox(channel="webhook:x", event_id=ev["new"], status="sent", created_at=c - 30 * D),
                NotifyOutbox(channel="telegram", event_id=None, status="expired", created_at=c + 4 * D),
            ]
        )  # fmt: skip
        grid = b"\x00" * 4
        s.add_all(
            [
                HeatmapHour(camera_id=cam, hour_ts=ts(c - 150 * D), role="customer", width=1, height=1,
                            cell=1, seconds=1.0, grid=grid),
                HeatmapHour(camera_id=cam, hour_ts=ts(c - 146 * D + H), role="customer", width=1, height=1,
                            cell=1, seconds=1.0, grid=grid),
                HeatmapHour(camera_id=cam, hour_ts=ts(c + 30 * D), role="customer", width=1, height=1,
                            cell=1, seconds=1.0, grid=grid),
                HeatmapHour(camera_id=gone, hour_ts=ts(c - 130 * D), role="customer", width=1, height=1,
                            cell=1, seconds=1.0, grid=grid),
            ]
        )  # fmt: skip
        backgrounds = {
            "oldest": (cam, None, c - 150 * D, _file(data_dir, "backgrounds/cam/1.jpg", 1000)),
            "last_before": (cam, None, c - 120 * D, _file(data_dir, "backgrounds/cam/2.jpg", 1100)),
            "after": (cam, None, c + 30 * D, _file(data_dir, "backgrounds/cam/3.jpg", 1200)),
            "live": (cam, run["live"], c - 148 * D, _file(data_dir, "backgrounds/cam/4.jpg", 1300)),
            "gone": (gone, None, c + 30 * D, _file(data_dir, "backgrounds/gone/5.jpg", 1400)),
        }
        for cam_id, run_id, when, rel in backgrounds.values():
            s.add(Background(camera_id=cam_id, run_id=run_id, ts=ts(when), width=64, height=48, path=rel,
                             bytes=(data_dir / rel).stat().st_size, sha256="0"))  # fmt: skip
    ids.update(run=run, event=ev, photos={k: rel for k, (_, rel) in photos.items()})
    ids["tracks"] = {k: t.id for k, t in tracks.items()}
    ids["backgrounds"] = {k: rel for k, (_, _, _, rel) in backgrounds.items()}
    ids["orphan"] = _file(data_dir, f"crops/cam/{_day(c - 140 * D)}/orphan.jpg", 500, age_days=3)
    ids["fresh_orphan"] = _file(data_dir, f"crops/cam/{_day(c - 139 * D)}/fresh.jpg", 600)
    return store, ids
