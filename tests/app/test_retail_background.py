"""The retail module samples frames with their boxes and emits the camera's clean background."""

from __future__ import annotations

import cv2
import numpy as np

from analytics.types import Detections, Frame
from app.config import SiteConfig
from app.engine.modules import CameraContext
from app.engine.retail import BACKGROUND_FIRST, RetailModule
from app.store.records import BackgroundRecord

T0 = 1_795_168_800.0


def _module() -> RetailModule:
    cfg = SiteConfig.model_validate({"site": {"name": "S"}, "cameras": [{"id": "cam", "source": "a.mp4"}]})
    cam = cfg.cameras[0]
    return RetailModule(CameraContext(site=cfg, camera=cam, detection=cfg.effective(cam)))


def test_background_record_without_the_person() -> None:
    yy, xx = np.mgrid[0:240, 0:320]
    scene = np.stack([xx % 256, yy, np.full_like(xx, 90)], axis=-1).astype(np.uint8)
    mod = _module()
    out = []
    for i in range(60):  # 30 s at 2 fps; a person stands still for 20 s (a plain median would keep them)
        x = 140 + (i % 3) * 2 if i < 40 else 10
        img = scene.copy()
        img[60:200, x : x + 40] = 255
        dets = Detections(xyxy=[[x, 60, x + 40, 200]], confidence=[0.9], class_id=[0], tracker_id=[1])
        out += mod.process(Frame("cam", i, T0 + i * 0.5, img), dets)
    early = [r for r in out if isinstance(r, BackgroundRecord)]
    assert len(early) == 1  # once BACKGROUND_FIRST samples (every 2 s) were taken
    assert early[0].samples == BACKGROUND_FIRST
    closing = [r for r in mod.close(T0 + 30) if isinstance(r, BackgroundRecord)]
    assert len(closing) == 1
    bg = closing[0]
    assert (bg.camera_id, bg.width, bg.height) == ("cam", 320, 240)
    assert (bg.first_ts, bg.ts, bg.samples) == (T0, T0 + 28.0, 15)  # every 2 s from 0 to 28 s
    img = cv2.imdecode(np.frombuffer(bg.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape == (240, 320, 3)
    # where the person stood for two thirds of the samples, the picture is the scene again (JPEG: close)
    diff = np.abs(img.astype(int) - scene.astype(int))
    assert diff[60:200, 140:184].mean() < 6
    assert diff.mean() < 6
    assert not [r for r in mod.close(T0 + 31) if isinstance(r, BackgroundRecord)]  # nothing new since
