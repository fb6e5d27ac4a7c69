"""What the window shows is blurred: the live tile of a running camera, also on frames it does not analyse.

A real window (offscreen Qt) plays a door-camera clip with the faces module on, detecting every 2nd
frame. With ``blur: none`` the face is found on the tile's pixels (the check can see faces); after the
Faces tab switches the camera to ``blur: all`` (applied to the running camera), no face is found on
any of the tile's pictures — analysed frames and the ones in between alike.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from PySide6.QtGui import QImage

from app.gui.app import build_window, resolve_setup
from models.base import DetectorSettings
from models.registry import create_detector
from tests.fixtures_faces import portrait_video

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.timeout(400)]


def _pixels(widget) -> np.ndarray:  # type: ignore[no-untyped-def]
    """What the widget shows, as a BGR array."""
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    arr = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, : 3 * w]
    return np.ascontiguousarray(arr.reshape(h, w, 3)[:, :, ::-1])


def test_live_tile_blurs_faces_also_between_analysed_frames(qtbot, tmp_path: Path, dlib_backend) -> None:  # type: ignore[no-untyped-def]
    video = portrait_video(tmp_path / "door.avi", names=("obama2",), seconds=40.0, fps=10)
    site = {
        "site": {"name": "Door", "timezone": "UTC"},
        "cameras": [{"id": "door", "name": "Door", "source": str(video), "stride": 2,
                     "modules": {"faces": {"enabled": True, "blur": "none", "backend": "dlib"}}}],
    }  # fmt: skip
    (tmp_path / "site.yaml").write_text(yaml.safe_dump(site))
    setup = resolve_setup(tmp_path / "site.yaml", f"sqlite:///{tmp_path / 'live.db'}")
    detector = create_detector("nanodet", DetectorSettings(confidence=0.4, classes=(0,), threads=1))
    win = build_window(setup, detector=detector)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    ctl = win.controller
    with qtbot.waitSignal(ctl.started, timeout=60000):
        win.cameras.start_button.click()
    tile = win.cameras.grid.tiles()[0]
    qtbot.waitUntil(lambda: tile.snapshot() is not None and tile.snapshot().frame is not None, timeout=60000)

    def faces_on_tile(n: int) -> list[int]:
        found = []
        for _ in range(n):
            seq = ctl.snapshot("door").seq  # type: ignore[union-attr]
            qtbot.waitUntil(lambda s=seq: ctl.snapshot("door").seq > s, timeout=20000)  # type: ignore[union-attr]
            qtbot.wait(50)
            px = _pixels(tile)
            small = cv2.resize(px, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
            found.append(len(dlib_backend.detect(small)))
        return found

    assert sum(faces_on_tile(3)) >= 2  # blur: none — the face is there to be seen
    # the Faces tab: blur everyone, saved and applied to the running camera
    page = win.panels["faces"]
    form = page.settings
    form.camera.setCurrentIndex(form.camera.findData("door"))
    form.blur.setCurrentIndex(form.blur.findData("all"))
    assert form.save(), form.message.text()
    assert "applied to the running camera" in win.statusBar().currentMessage()
    deadline = time.monotonic() + 30
    while ctl.snapshot("door").camera.modules.faces.blur != "all" and time.monotonic() < deadline:  # type: ignore[union-attr]
        qtbot.wait(100)
    qtbot.wait(500)  # the change is made between two frames
    assert faces_on_tile(8) == [0] * 8
    win.close()
