"""The queue module in the engine: events, snapshots with forecasts, alerts with photos, entries feed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from analytics.types import COCO_CLASSES, Detections, Frame
from app.config import SiteConfig
from app.engine.modules import CameraContext, build_modules
from app.engine.pipeline import CameraPipeline
from app.engine.queues import ENTRY_COVERAGE, QueueModule
from app.engine.site_feed import SiteFeed
from app.store.records import EventRecord

W, H = 200, 100
IMG = np.full((H, W, 3), 90, np.uint8)


def site(queue: dict[str, Any] | None = None) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "site": {"name": "S"},
            "cameras": [
                {
                    "id": "cam",
                    "source": "0",
                    "zones": [
                        {"id": "door", "type": "entrance_line", "points": [[0.95, 0], [0.95, 1]]},
                        {
                            "id": "q",
                            "name": "Till queue",
                            "type": "queue",
                            "points": [[0, 0], [0.4, 0], [0.4, 1], [0, 1]],
                        },
                        {"id": "till", "type": "counter", "points": [[0.5, 0], [0.8, 0], [0.8, 1], [0.5, 1]]},
                    ],
                    "modules": {"queue": queue or {}},
                }
            ],
        }
    )


def people(objs: list[tuple[int, float]]) -> Detections:
    return Detections(
        xyxy=np.array([[x - 3, 40, x + 3, 60] for _, x in objs], np.float32).reshape(-1, 4),
        confidence=[0.9] * len(objs),
        class_id=[0] * len(objs),
        tracker_id=[t for t, _ in objs],
    )


def module(cfg: SiteConfig, feed: SiteFeed | None = None) -> QueueModule:
    cam = cfg.cameras[0]
    mods = build_modules(CameraContext(cfg, cam, cfg.effective(cam), feed=feed))
    found = [m for m in mods if isinstance(m, QueueModule)]
    assert len(found) == 1
    return found[0]


def test_waits_services_snapshots_and_an_alert_with_photos() -> None:
    qm = module(site({"alert_length": 2, "raise_seconds": 1, "clear_seconds": 2, "snapshot_interval": 5}))
    out: list[EventRecord] = []
    for i in range(600):  # 60 s at 10 fps: three wait 30 s, one is served, the others vanish
        ts = 1000.0 + i / 10
        objs = [(1, 20.0), (2, 30.0), (3, 40.0)] if i < 300 else [(1, 130.0)] if i < 400 else []
        out += [r for r in qm.process(Frame("cam", i, ts, IMG), people(objs)) if isinstance(r, EventRecord)]
    out += [r for r in qm.close(1060.0) if isinstance(r, EventRecord)]
    kinds = [r.type for r in out]
    assert kinds.count("snapshot") == 13  # every 5 s, and one at the end
    (wait,) = [r for r in out if r.type == "wait"]
    assert (wait.track_id, wait.zone_id, wait.ts, wait.ts_end) == (1, "q", 1000.0, 1030.0)
    assert wait.payload["wait"] == 30.0 and wait.payload["counter"] == "till"
    (service,) = [r for r in out if r.type == "service"]
    assert service.zone_id == "till" and service.payload["duration"] == pytest.approx(9.9)
    assert sorted(r.track_id for r in out if r.type == "lost") == [2, 3]
    (alert,) = [r for r in out if r.type == "alert"]
    assert alert.payload["kind"] == "length" and alert.payload["length_raw"] == 3
    # the count standing there (length_raw), not the smoothed value the rule reads
    assert alert.payload["message"].startswith("Till queue: 3 people waiting now, ")
    assert [p.kind for p in alert.photos] == ["frame", "crop"]
    assert all(p.jpeg[:2] == b"\xff\xd8" for p in alert.photos)
    (end,) = [r for r in out if r.type == "alert_end"]
    assert end.payload["alert_id"] == alert.payload["alert_id"] and end.ts == alert.ts
    assert end.ts_end is not None and end.ts_end > alert.ts
    snap = next(r for r in out if r.type == "snapshot" and r.ts >= 1020.0)
    assert snap.payload["length_raw"] == 3 and set(snap.payload["forecast"]) == {"5", "10", "15"}
    assert snap.payload["forecast_source"] == "arrivals"  # the entrances were not watched long enough


def test_forecast_from_entries_warns_before_the_queue_forms() -> None:
    cfg = site({"alert_length": 4, "raise_seconds": 0, "snapshot_interval": 30, "visit_minutes": 8})
    feed = SiteFeed(cfg)
    qm = module(cfg, feed)
    t0 = 50_000.0
    alerts: list[EventRecord] = []
    snaps: list[EventRecord] = []
    for k in range(int(ENTRY_COVERAGE) + 120):  # one frame a second, nobody queuing yet
        ts = t0 + k
        if k >= ENTRY_COVERAGE - 600 and k % 10 == 0:  # then 6 people a minute come in
            feed.observe(EventRecord("cam", ts, "footfall", "in", zone_id="door"))
        for r in qm.process(Frame("cam", k, ts, IMG), Detections.empty()):
            if isinstance(r, EventRecord) and r.type == "alert":
                alerts.append(r)
            elif isinstance(r, EventRecord) and r.type == "snapshot":
                snaps.append(r)
    assert snaps[-1].payload["forecast_source"] == "entries"
    assert snaps[-1].payload["forecast"]["15"]["length"] > 4
    (alert,) = alerts
    assert alert.payload["kind"] == "forecast" and alert.payload["length"] == 0
    assert 1 <= alert.payload["minutes_ahead"] <= 15
    assert "open another checkout in ~" in alert.payload["message"]


def test_staff_footfall_is_not_an_entry_and_other_lines_do_not_count() -> None:
    feed = SiteFeed(site())
    feed.observe(EventRecord("cam", 1.0, "footfall", "in", zone_id="door", payload={"role": "staff"}))
    feed.observe(EventRecord("cam", 2.0, "footfall", "out", zone_id="door"))
    feed.observe(EventRecord("cam", 3.0, "footfall", "in", zone_id="q"))
    feed.observe(EventRecord("cam", 4.0, "footfall", "in", zone_id="door"))
    assert feed.entries(since=0, until=10).tolist() == [4.0]


def test_the_pipeline_hands_its_events_to_the_site_feed() -> None:
    class Sink:
        def __init__(self) -> None:
            self.events: list[EventRecord] = []

        def put_event(self, run_id: int, event: EventRecord) -> None:
            self.events.append(event)

    cfg = site()
    shared = SiteFeed(cfg)
    detector = SimpleNamespace(class_names=COCO_CLASSES)  # never called here
    pipe = CameraPipeline(cfg, cfg.cameras[0], object(), detector, Sink(), 1, site_feed=shared)  # type: ignore[arg-type]
    assert any(isinstance(m, QueueModule) and m.feed is shared for m in pipe.modules)
    pipe._emit([EventRecord("cam", 7.0, "footfall", "in", zone_id="door")])
    assert shared.entries(since=0, until=10).tolist() == [7.0]


def test_no_queue_zone_no_module() -> None:
    cfg = SiteConfig.model_validate({"site": {"name": "S"}, "cameras": [{"id": "c", "source": "0"}]})
    cam = cfg.cameras[0]
    assert not any(
        isinstance(m, QueueModule) for m in build_modules(CameraContext(cfg, cam, cfg.effective(cam)))
    )
