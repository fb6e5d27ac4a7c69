"""The capacity settings in the window: detections per second, motion gating, INT8 precision."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.config import CameraConfig, load_config
from app.gui.camera_dialog import CameraDialog
from app.gui.settings_page import SettingsPage
from app.gui.site_document import SiteDocument

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def test_camera_dialog_keeps_detect_fps_and_motion_gating(qtbot) -> None:  # type: ignore[no-untyped-def]
    cam = CameraConfig(id="door", source="/videos/door.mp4", fps=10, detect_fps=5, motion_gating=True)
    dlg = CameraDialog(cam)
    qtbot.addWidget(dlg)
    assert dlg.detect_fps_spin.value() == 5 and dlg.motion_box.isChecked()
    assert "per second" in dlg.detect_fps_spin.toolTip()
    got = dlg.camera()
    assert (got.detect_fps, got.motion_gating) == (5, True)
    dlg.detect_fps_spin.setValue(0)
    dlg.motion_box.setChecked(False)
    got = dlg.camera()
    assert (got.detect_fps, got.motion_gating) == (None, False)


def test_settings_page_saves_the_detector_precision(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(DEMO / "site.yaml", tmp_path / "site.yaml")
    shutil.copy(DEMO / "vtest.avi", tmp_path / "vtest.avi")
    doc = SiteDocument.open(tmp_path / "site.yaml")
    page = SettingsPage(doc)
    qtbot.addWidget(page)
    assert page.precision.currentText() == "float"
    page.precision.setCurrentText("int8")
    assert page.save(), page.message.text()
    assert load_config(doc.path).detector.precision == "int8"


def test_camera_dialog_keeps_the_substream(qtbot) -> None:  # type: ignore[no-untyped-def]
    cam = CameraConfig(id="door", source="rtsp://10.0.0.7/main", detect_source="rtsp://10.0.0.7/sub", username="u",
                       password="p")  # fmt: skip
    dlg = CameraDialog(cam)
    qtbot.addWidget(dlg)
    assert dlg.sub_edit.text() == "rtsp://10.0.0.7/sub" and "low-resolution" in dlg.sub_edit.toolTip()
    assert dlg.camera().detect_source == "rtsp://10.0.0.7/sub"
    dlg.sub_edit.setText("")
    assert dlg.camera().detect_source is None
    dlg.sub_edit.setText("/videos/sub.mp4")  # not a stream: refused with the field's reason
    with pytest.raises(ValueError, match="detect_source"):
        dlg.camera()
