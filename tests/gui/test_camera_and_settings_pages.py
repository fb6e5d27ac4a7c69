"""Adding and testing cameras, and the settings page: everything lands in the same config file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.config import load_config
from app.gui.camera_dialog import CameraDialog
from app.gui.cameras_page import CamerasPage
from app.gui.settings_page import SettingsPage
from app.gui.site_document import SiteDocument

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture
def doc(tmp_path: Path) -> SiteDocument:
    shutil.copy(DEMO / "site.yaml", tmp_path / "site.yaml")
    shutil.copy(DEMO / "vtest.avi", tmp_path / "vtest.avi")
    return SiteDocument.open(tmp_path / "site.yaml")


def test_camera_dialog_tests_a_video_file_and_refuses_bad_input(qtbot, demo_video: Path) -> None:  # type: ignore[no-untyped-def]
    dlg = CameraDialog(None, taken_ids={"walkway"})
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.id_edit.setText("walkway")
    dlg.kind_box.setCurrentIndex(dlg.kind_box.findData("file"))
    dlg.file_edit.setText(str(demo_video))
    dlg.accept()
    assert dlg.result_camera() is None and "already used" in dlg.error.text()
    dlg.id_edit.setText("door")
    dlg.stride_spin.setValue(2)
    qtbot.mouseClick(dlg.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.last_probe is not None, timeout=30000)
    assert dlg.last_probe.ok and "768x576" in dlg.test_message.text()
    assert dlg.picture.pixmap() is not None and not dlg.picture.pixmap().isNull()
    dlg.accept()
    cam = dlg.result_camera()
    assert cam is not None and (cam.id, cam.kind, cam.stride) == ("door", "file", 2)


def test_rtsp_test_failure_never_shows_the_password(qtbot) -> None:  # type: ignore[no-untyped-def]
    dlg = CameraDialog(None)
    qtbot.addWidget(dlg)
    dlg.id_edit.setText("till")
    dlg.url_edit.setText("rtsp://127.0.0.1:9/stream")
    dlg.user_edit.setText("admin")
    dlg.password_edit.setText("pa55word")
    dlg.test_connection()
    qtbot.waitUntil(lambda: dlg.last_probe is not None, timeout=30000)
    assert not dlg.last_probe.ok and "Failed" in dlg.test_message.text()
    assert "pa55word" not in dlg.test_message.text()
    cam = dlg.camera()
    assert cam.kind == "rtsp" and cam.password is not None and "pa55word" in cam.source_url()
    dlg.url_edit.setText("not a url")
    dlg.accept()
    assert "does not look like a network camera" in dlg.error.text()


def test_cameras_page_adds_edits_and_removes(qtbot, doc: SiteDocument, monkeypatch, demo_video: Path) -> None:  # type: ignore[no-untyped-def]
    page = CamerasPage(doc)
    qtbot.addWidget(page)
    assert page.grid.layout_size() == 1  # one camera: shown alone
    edited: list[bool] = []
    page.camerasEdited.connect(lambda: edited.append(True))

    def fake_exec(self) -> int:  # type: ignore[no-untyped-def]
        if self._original is None:
            self.id_edit.setText("till")
            self.name_edit.setText("Tills")
            self.kind_box.setCurrentIndex(self.kind_box.findData("usb"))
            self.usb_spin.setValue(3)
        else:
            self.fps_spin.setValue(5)
        self.accept()
        return int(self.result_camera() is not None)

    monkeypatch.setattr(CameraDialog, "exec", fake_exec)
    assert page.add_camera() is not None
    cfg = load_config(doc.path)
    assert [c.id for c in cfg.cameras] == ["walkway", "till"] and cfg.camera("till").source == "3"
    page.camera_list.setCurrentRow(0)
    page.edit_camera()
    assert load_config(doc.path).camera("walkway").fps == 5
    assert load_config(doc.path).camera("walkway").zones  # the zones stay
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.camera_list.setCurrentRow(1)
    page.remove_camera()
    assert [c.id for c in load_config(doc.path).cameras] == ["walkway"] and len(edited) == 3


def test_settings_are_validated_and_saved_to_the_config_file(qtbot, doc: SiteDocument) -> None:  # type: ignore[no-untyped-def]
    page = SettingsPage(doc)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: bool(page.statuses), timeout=60000)
    assert {s.key for s in page.statuses} == {"yolo", "nanodet"}
    assert next(s for s in page.statuses if s.key == "nanodet").available
    assert page.confidence.toolTip().startswith("Minimum detector score")  # from the config's description

    page.confidence.setValue(0.55)
    page.classes.setText("person, car")
    page.retention.setValue(30)
    page.cameras.cellWidget(0, 1).setValue(3)
    page.timezone.setText("Europe/Berlin")
    assert page.save(), page.message.text()
    cfg = load_config(doc.path)
    assert cfg.detector.confidence == 0.55 and cfg.detector.classes == ["person", "car"]
    assert (
        cfg.storage.retention_days == 30
        and cfg.cameras[0].stride == 3
        and cfg.site.timezone == "Europe/Berlin"
    )
    assert cfg.cameras[0].zones and "source: vtest.avi" in doc.path.read_text()

    before = doc.path.read_text()
    page.classes.setText("person, unicorn")
    assert not page.save()
    assert "unknown class 'unicorn'" in page.message.text() and doc.path.read_text() == before


def test_manager_settings_are_validated_and_saved(qtbot, doc: SiteDocument) -> None:  # type: ignore[no-untyped-def]
    page = SettingsPage(doc)
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    page.set_in_use("sqlite:////srv/shop/storesight.db", "/srv/shop")
    assert "Database: sqlite:////srv/shop/storesight.db" in page.in_use.text()
    assert page.data_dir.placeholderText() == "empty: /srv/shop"
    # detector internals are under "Advanced", hidden until asked for
    assert not page.advanced.isVisible() and not page.iou.isVisible()
    page.show_advanced.setChecked(True)
    assert page.iou.isVisible() and page.box_expand.isVisible()
    # no clipped column header: each column is at least as wide as its header text
    header = page.cameras.horizontalHeader()
    for col in range(page.cameras.columnCount()):
        text = page.cameras.horizontalHeaderItem(col).text()
        widest = max(header.fontMetrics().horizontalAdvance(line) for line in text.split("\n"))
        assert header.sectionSize(col) >= widest, text

    page.daily.setChecked(True)
    page.daily_time.setTime(page.daily_time.time().fromString("06:30", "HH:mm"))
    page.cameras.cellWidget(0, 3).setValue(4)  # queue alert at 4 people
    page.cameras.cellWidget(0, 4).setValue(3.0)  # wait alert after 3 min
    page.notify.setChecked(True)
    page.tg_chat.setText("not a chat id")
    page.tg_token.setText("123456:ABCDEFGHIJ")
    before = doc.path.read_text()
    assert not page.save()  # validated like the file: one line naming the field, nothing written
    assert "chat_id" in page.message.text() and doc.path.read_text() == before
    page.tg_chat.setText("@mystore_alerts")
    assert page.save(), page.message.text()
    cfg = load_config(doc.path)
    assert cfg.reports.daily and cfg.reports.daily_time.strftime("%H:%M") == "06:30"
    q = cfg.cameras[0].modules.queue
    assert q.alert_length == 4 and q.alert_wait == 180.0
    assert cfg.notifications.enabled and cfg.notifications.telegram is not None
    assert cfg.notifications.telegram.chat_id == "@mystore_alerts"
    assert cfg.notifications.telegram.events == ["*.alert"]
    assert "# StoreSight demo site" in doc.path.read_text()  # the user's comments survive
