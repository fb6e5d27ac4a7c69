"""A live grid repainting for a long time must not crash (PySide6 6.12's None leak on Python 3.11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import time
from dataclasses import replace
import numpy as np
from PySide6.QtWidgets import QApplication
from analytics.types import Detections, Frame
from app.config import CameraConfig
from app.engine.engine import CameraSnapshot
from app.engine.sources import CameraState, CameraStatus
from app.gui.camera_tile import CameraTile

app = QApplication([])
cam = CameraConfig(id="c", source="x.mp4", zones=[
    {"id": "q", "type": "queue", "points": [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]},
    {"id": "in", "type": "entrance_line", "points": [[0.6, 0.2], [0.6, 0.8]]}])
dets = Detections(xyxy=[[10, 10, 60, 160]] * 6, confidence=[0.9] * 6, class_id=[0] * 6, tracker_id=list(range(6)))
img = np.zeros((576, 768, 3), np.uint8)
snap = CameraSnapshot("c", "C", CameraState(CameraStatus.LIVE, "x", time.time(), 1), Frame("c", 0, 0.0, img),
                      dets, 0.0, 10.0, "b", True, 1, "", "", cam, 0)
tile = CameraTile("c", "C")
tile.resize(640, 480)
tile.show()
for i in range(1, 1001):  # minutes of a live camera (the bug crashed after a few hundred)
    tile.set_snapshot(replace(snap, seq=i))
    tile.grab()
print("painted", tile.paint_count)
"""


def test_thousands_of_repaints_do_not_crash_the_interpreter() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "painted 1000" in r.stdout
