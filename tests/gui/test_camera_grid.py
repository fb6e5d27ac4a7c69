"""The live grid and its tiles, fed with snapshots (the engine's own tests run it for real)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from analytics.types import Detections, Frame
from app.config import CameraConfig
from app.engine.engine import CameraSnapshot
from app.engine.sources import CameraState, CameraStatus
from app.gui.camera_grid import CameraGrid

pytestmark = pytest.mark.gui


def _frame(demo_video: Path) -> np.ndarray:
    cap = cv2.VideoCapture(str(demo_video))
    ok, img = cap.read()
    cap.release()
    assert ok
    return img


def _snap(cid: str, image: np.ndarray, seq: int = 1, **kw) -> CameraSnapshot:  # type: ignore[no-untyped-def]
    dets = Detections(
        xyxy=[[100, 100, 160, 260], [400, 120, 450, 280]],
        confidence=[0.9, 0.8],
        class_id=[0, 0],
        tracker_id=[7, 12],
        keypoints=np.tile(np.array([[130, 120, 0.9]], np.float32), (2, 17, 1)),
    )
    cam = CameraConfig(
        id=cid, name=f"Camera {cid}", source="x.mp4",
        zones=[{"id": "q", "name": "Queue", "type": "queue", "points": [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]},
               {"id": "in", "type": "entrance_line", "points": [[0.6, 0.2], [0.6, 0.8]]}],
    )  # fmt: skip
    base = CameraSnapshot(
        camera_id=cid, label=cam.label, state=CameraState(CameraStatus.LIVE, "playing", time.time(), seq),
        frame=Frame(cid, seq, time.time(), image), detections=dets, detections_ts=time.time(),
        analysis_fps=9.5, backend="NanoDet (CPU)", running=True, run_id=1, result="", reason="",
        camera=cam, seq=seq, roles={12: "staff"},
    )  # fmt: skip
    return replace(base, **kw)


def test_layouts_pages_focus_and_repaint_only_on_change(qtbot, demo_video: Path) -> None:  # type: ignore[no-untyped-def]
    image = _frame(demo_video)
    snaps = {f"c{i}": _snap(f"c{i}", image) for i in range(6)}
    grid = CameraGrid(lambda: snaps)
    qtbot.addWidget(grid)
    grid.resize(1000, 700)
    grid.show()
    grid.set_cameras([(c, s.label) for c, s in snaps.items()])
    assert len(grid.tiles()) == 4 and grid.pages() == 2
    grid.set_page(1)
    assert [t.camera_id for t in grid.tiles()] == ["c4", "c5", "", ""]
    grid.set_layout(9)
    assert len(grid.tiles()) == 9 and grid.pages() == 1
    grid.set_layout(1)
    assert grid.pages() == 6

    grid.set_layout(4)
    tile = grid.tiles()[0]
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton)
    assert grid.layout_size() == 1 and grid.tiles()[0].camera_id == "c0"
    qtbot.mouseDClick(grid.tiles()[0], Qt.MouseButton.LeftButton)
    assert grid.layout_size() == 4

    qtbot.waitExposed(grid)
    qtbot.wait(50)  # let the layout settle
    assert grid.poll() == 0  # nothing new since the last poll
    snaps["c1"] = _snap("c1", image, seq=2)
    assert grid.poll() == 1  # only the tile whose camera has a new frame repaints
    pic = grid.tiles()[1].grab().toImage()
    assert pic.width() > 300
    # the people's boxes are drawn in the role colour: staff (track 12) blue, unknown (7) amber
    tile1 = grid.tiles()[1]
    r = tile1.image_rect(image.shape[1], image.shape[0])
    sx = r.width() / image.shape[1]
    x_staff = round(r.x() + 400 * sx)
    y_mid = round(r.y() + 200 * sx)
    colors = {pic.pixelColor(x_staff + dx, y_mid).name() for dx in (-1, 0, 1)}
    assert "#4aa3ff" in colors


def test_status_line_says_why_a_camera_is_not_live(qtbot, demo_video: Path) -> None:  # type: ignore[no-untyped-def]
    image = _frame(demo_video)
    snap = _snap(
        "door", image, frame=None,
        state=CameraState(CameraStatus.RECONNECTING, "connection refused by 10.0.0.5:554; retrying in 4 s"),
    )  # fmt: skip
    assert snap.status_text.startswith("reconnecting: connection refused")
    failed = _snap("door", image, result="failed", reason="video file not found: a.mp4", running=False)
    assert failed.status_text == "failed: video file not found: a.mp4"
    live = _snap("door", image)
    assert live.status_text == "live · 9.5 fps"
    grid = CameraGrid(lambda: {"door": snap})
    qtbot.addWidget(grid)
    grid.set_cameras([("door", "Door")])
    grid.resize(640, 480)
    grid.show()
    grid.poll()
    assert "connection refused" in grid.tiles()[0].toolTip()
