"""Pose reaches into an open shelf gap: a wrist inside the empty segment counts, one elsewhere does not."""

from __future__ import annotations

import numpy as np

from analytics.types import Detections, Frame
from app.config import SiteConfig
from app.engine.modules import CameraContext
from app.shelves.module import ShelfGapModule
from app.shelves.sim import make_scene
from models.shelf import ShelfGeometry


def _run(pose: bool) -> dict:
    scene = make_scene(11)
    site = SiteConfig.model_validate({
        "site": {"name": "t"},
        "cameras": [{"id": "aisle", "source": "x.mp4",
                     "zones": [{"id": "s", "type": "shelf", "points": scene.zone_points}],
                     "modules": {"shelf": {"enabled": True, "interval": 1.0, "confirm": 4.0, "clear": 2.0,
                                           "zones": {"s": {"rows": 3, "columns": 4}}}}}],
    })  # fmt: skip
    cam = site.cameras[0]
    mod = ShelfGapModule(CameraContext(site, cam, site.effective(cam)))
    geo = ShelfGeometry(scene.corners, rows=3, columns=4)
    seg = np.array([scene.segment_of(p) for p in scene.products])
    full = np.ones(len(scene.products), bool)
    gap = full.copy()
    gap[seg == 1] = False
    x1, y2 = float(scene.corners[:, 0].min()), float(scene.corners[:, 1].max())
    out = []
    for k in range(75):
        t = 1000.0 + k
        present = gap if 3 <= k < 30 else full
        dets = Detections.empty()
        if 15 <= k < 18:  # two shoppers below the shelf; track 1 reaches into the gap, track 2 into segment 3
            dets = Detections([[x1 + 10, y2 - 4, x1 + 60, y2 + 150], [x1 + 70, y2 - 4, x1 + 120, y2 + 150]],
                              [0.9, 0.9], [0, 0], tracker_id=[1, 2])  # fmt: skip
            if pose:
                kp = np.zeros((2, 17, 3), np.float32)
                kp[0, 9] = (*geo.segment_polygon(1).mean(axis=0), 0.8)
                kp[1, 10] = (*geo.segment_polygon(3).mean(axis=0), 0.8)
                dets.set("keypoints", kp)
        out += mod.process(Frame("aisle", k, t, scene.camera(present)), dets)
    (ended,) = [r for r in out if r.type == "gap"]
    return ended.payload


def test_a_wrist_in_the_empty_segment_is_a_reach() -> None:
    p = _run(pose=True)
    assert p["segment"] == 1 and p["shoppers"] == 2 and p["reached"] == 1


def test_without_pose_reaches_are_unknown() -> None:
    p = _run(pose=False)
    assert p["shoppers"] == 2 and p["reached"] is None
