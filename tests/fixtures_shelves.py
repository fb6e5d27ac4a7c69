"""A database with shelf gaps and left items written by the real modules (for the report and GUI tests).

The shelf module measures rendered shelf pictures (:mod:`app.shelves.sim`): segment 1 (row 1,
segment 2) empties at 60 s and is refilled at 300 s while shoppers pass below the shelf (one
reaches into it: a wrist keypoint inside the segment); segment 6
(row 2, segment 3) empties at 360 s and is still open at the end (no ``gap`` event yet). The
objects module's event records are made by its own ``_records`` from a left-bag decision on a
demo-video frame (the detection itself is tested on video in tests/engine).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from analytics.left_items import ObjectEvent
from analytics.types import Detections, Frame
from app.config import SiteConfig
from app.engine.modules import CameraContext
from app.objects.module import ObjectsModule
from app.resources import resources_dir
from app.shelves.module import ShelfGapModule
from app.shelves.sim import make_scene
from app.store.db import Store, open_store
from app.store.records import EventRecord
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from models.shelf import ShelfGeometry

#: 2026-12-01 09:00 UTC: the start of the shelf's day.
T0 = 1_796_115_600.0
END = 480.0


def shelf_site(scene) -> SiteConfig:  # type: ignore[no-untyped-def]
    """A site with one aisle camera: a 3×4 shelf zone (purchase value 4.5, conversion 10 %) and objects on."""
    return SiteConfig.model_validate({
        "site": {"name": "Shelf store", "timezone": "UTC"},
        "cameras": [{
            "id": "aisle", "name": "Aisle 3", "source": "aisle.mp4",
            "zones": [{"id": "cereal", "name": "Cereals", "type": "shelf", "points": scene.zone_points}],
            "modules": {
                "shelf": {"enabled": True, "interval": 5.0, "confirm": 30.0, "clear": 20.0, "alert_after": 120.0,
                          "zones": {"cereal": {"rows": 3, "columns": 4, "basket_value": 4.5, "conversion": 0.1}}},
                "objects": {"enabled": True},
            },
        }],
    })  # fmt: skip


def shelf_records(data_dir: Path) -> tuple[SiteConfig, list, np.ndarray]:
    """The records the modules make (and the last shelf picture)."""
    scene = make_scene(11)
    site = shelf_site(scene)
    cam = site.cameras[0]
    ctx = CameraContext(site, cam, site.effective(cam), data_dir=data_dir)
    mod = ShelfGapModule(ctx)
    seg = np.array([scene.segment_of(p) for p in scene.products])
    x1 = float(np.min(scene.corners[:, 0]))
    y2 = float(np.max(scene.corners[:, 1]))
    records: list = []
    reach_at = ShelfGeometry(scene.corners, rows=3, columns=4).segment_polygon(1).mean(axis=0)
    img = scene.camera(np.ones(len(scene.products), bool))
    for k, t in enumerate(np.arange(0.0, END, 2.5)):
        present = np.ones(len(scene.products), bool)
        if 60 <= t < 300:
            present[seg == 1] = False
        if t >= 360:
            present[seg == 6] = False
        img = scene.camera(present)
        if 100 <= t < 200 and int(t) % 20 < 5:  # a shopper passing below the shelf (touches the zone's box)
            box = [[x1 + 40, y2 - 4, x1 + 120, y2 + 150]]
            dets = Detections(box, [0.9], [0], tracker_id=[int(t) // 20])
            if int(t) // 20 == 7:  # … this one reaches into the empty segment (pose keypoints)
                kp = np.zeros((1, 17, 3), np.float32)
                kp[0, 10] = (*reach_at, 0.9)
                dets.set("keypoints", kp)
        else:
            dets = Detections.empty()
        records += mod.process(Frame("aisle", k, T0 + t, img), dets)
    records += [r for r in mod.close(T0 + END) if r.type != "gap"]  # the run goes on: segment 6 stays open
    # a bag left behind: the objects module's records for its decision on a demo-video frame
    cap = cv2.VideoCapture(str(resources_dir() / "demo" / "vtest.avi"))
    ok, frame = cap.read()
    cap.release()
    assert ok
    omod = ObjectsModule(ctx)
    ev = ObjectEvent("left", 1, (300.0, 300.0, 340.0, 350.0), "backpack", T0 + 200.0, T0 + 275.0, 7,
                     (280.0, 150.0, 340.0, 330.0), T0 + 255.0)  # fmt: skip
    records += omod._records(ev, Frame("aisle", 0, T0 + 275.0, frame))
    return site, records, img


def build_shelf_store(url: str, data_dir: Path) -> Store:
    """Open ``url``, sync the site and write the modules' records through a :class:`StoreWriter`."""
    site, records, _ = shelf_records(data_dir)
    st = open_store(url)
    cams = sync_site(st, site)
    with StoreWriter(st, data_dir) as w:
        run = w.start_run(cams["aisle"], "aisle.mp4")
        for r in records:
            assert isinstance(r, EventRecord)
            w.put_event(run, r)
        w.finish_run(run, RunStatus.COMPLETE, frames=192, first_ts=T0, last_ts=T0 + END)
        w.flush()
        assert w.stats().dropped == 0
    return st
