"""The first-run wizard, driven like a user (pytest-qt, offscreen): the site.yaml it writes, its checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from PySide6.QtCore import QPoint, Qt

from app.config import load_config
from app.download import WeightsFile
from app.gui.first_run import WIZARD_SHOTS, FirstRunWizard, needs_first_run, screenshot_wizard
from tests.app.test_download import PAYLOAD, _Server
from tests.fixtures_rtsp import RTSP_PASSWORD, RTSP_USER

pytestmark = [pytest.mark.gui, pytest.mark.timeout(180)]


def _wizard(qtbot, tmp_path: Path, **kw) -> FirstRunWizard:  # type: ignore[no-untyped-def]
    wiz = FirstRunWizard(tmp_path / "home" / "site.yaml", online=kw.pop("online", lambda url: False), **kw)
    qtbot.addWidget(wiz)
    wiz.resize(860, 680)
    wiz.show()
    return wiz


def _store_and_data(wiz: FirstRunWizard, data: Path) -> None:
    wiz.store_page.name_edit.setText("Main Street")
    wiz.store_page.tz_box.setCurrentText("Europe/Berlin")
    wiz.next()
    assert wiz.currentId() == wiz.DATA
    wiz.data_page.path_edit.setText(str(data))
    wiz.next()
    assert wiz.currentId() == wiz.CAMERA


def test_video_camera_line_and_analyses_end_in_site_yaml(qtbot, tmp_path: Path, demo_video: Path) -> None:  # type: ignore[no-untyped-def]
    wiz = _wizard(qtbot, tmp_path)
    _store_and_data(wiz, tmp_path / "D")
    form = wiz.camera_page.form
    form.kind_box.setCurrentIndex(form.kind_box.findData("file"))
    form.file_edit.setText(str(demo_video))
    form.test_connection()
    qtbot.waitUntil(lambda: form.last_probe is not None, timeout=30_000)
    assert form.last_probe.ok and form.last_probe.image is not None
    wiz.next()
    assert wiz.currentId() == wiz.LINE
    canvas = wiz.line_page.canvas
    qtbot.waitUntil(canvas.has_image, timeout=10_000)
    rect = canvas.image_rect()
    top = QPoint(int(rect.left() + rect.width() * 0.7), int(rect.top() + rect.height() * 0.2))
    bottom = QPoint(int(rect.left() + rect.width() * 0.7), int(rect.top() + rect.height() * 0.8))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=top)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=bottom)
    line = wiz.line_page.line()
    assert line is not None and line.points[0][1] < line.points[1][1]
    wiz.line_page._reverse()  # the door is the other way round
    wiz.next()
    assert wiz.currentId() == wiz.MODULES
    wiz.modules_page.boxes["heatmap"].setChecked(False)
    wiz.modules_page.boxes["pose"].setChecked(True)
    wiz.modules_page.boxes["roles"].setChecked(False)
    wiz.next()
    assert wiz.currentId() == wiz.DETECTOR
    qtbot.waitUntil(lambda: wiz.detector_page.is_online is not None, timeout=10_000)
    assert "offline" in wiz.detector_page.status.text()
    assert "NanoDet" in wiz.detector_page.builtin.text()
    assert not wiz.detector_page.download_row.isVisible()
    wiz.accept()
    assert wiz.written == tmp_path / "home" / "site.yaml"

    cfg = load_config(wiz.written)  # what the window and the engine will read
    assert cfg.site.name == "Main Street" and cfg.site.timezone == "Europe/Berlin"
    assert cfg.storage.data_dir == str(tmp_path / "D")
    assert not cfg.roles.enabled
    (cam,) = cfg.cameras
    assert cam.kind == "file" and Path(cam.source) == demo_video
    (zone,) = cam.zones
    assert zone.type.value == "entrance_line" and zone.id == "entrance"
    (x0, y0), (x1, y1) = zone.points
    assert abs(x0 - 0.7) < 0.03 and abs(x1 - 0.7) < 0.03
    assert y0 == pytest.approx(0.8, abs=0.03) and y1 == pytest.approx(0.2, abs=0.03)  # reversed
    assert cam.modules.footfall.enabled and not cam.modules.heatmap.enabled
    assert cam.modules.pose.enabled and cam.modules.behaviour.enabled
    raw = yaml.safe_load(wiz.written.read_text())  # a plain file a person can read and edit
    assert raw["cameras"][0]["modules"]["heatmap"]["enabled"] is False


@pytest.mark.rtsp
def test_rtsp_camera_with_password_tests_and_keeps_the_secret(qtbot, tmp_path: Path, rtsp_server_auth) -> None:  # type: ignore[no-untyped-def]
    wiz = _wizard(qtbot, tmp_path)
    _store_and_data(wiz, tmp_path / "home")
    form = wiz.camera_page.form
    form.url_edit.setText(rtsp_server_auth.url)
    form.user_edit.setText(RTSP_USER)
    form.password_edit.setText(RTSP_PASSWORD)
    form.test_connection()
    qtbot.waitUntil(lambda: form.last_probe is not None, timeout=60_000)
    assert form.last_probe.ok, form.last_probe.message
    assert RTSP_PASSWORD not in form.test_message.text()
    wiz.next()
    qtbot.waitUntil(wiz.line_page.canvas.has_image, timeout=10_000)  # the test's snapshot
    wiz.next()  # no line drawn: footfall gets one later
    wiz.next()
    wiz.accept()
    cfg = load_config(wiz.written)
    assert cfg.storage.data_dir is None  # the default folder: nothing to remember
    (cam,) = cfg.cameras
    assert cam.kind == "rtsp" and cam.username == RTSP_USER
    assert cam.password.get_secret_value() == RTSP_PASSWORD and cam.zones == []


def test_bad_input_keeps_the_page_with_one_line(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wiz = _wizard(qtbot, tmp_path)
    wiz.store_page.name_edit.setText("Shop")
    wiz.store_page.tz_box.setCurrentText("Mars/Olympus")
    wiz.next()
    assert wiz.currentId() == wiz.STORE and "Mars/Olympus" in wiz.store_page.error.text()
    wiz.store_page.tz_box.setCurrentText("")
    wiz.next()
    assert wiz.currentId() == wiz.DATA
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    wiz.data_page.path_edit.setText(str(blocker / "sub"))
    wiz.next()
    assert wiz.currentId() == wiz.DATA and "Cannot use" in wiz.data_page.error.text()
    wiz.data_page.path_edit.setText(str(tmp_path / "ok"))
    wiz.next()
    form = wiz.camera_page.form
    form.url_edit.setText("")
    wiz.next()
    assert wiz.currentId() == wiz.CAMERA and "Source" in form.error.text()
    wiz.camera_page.later.setChecked(True)
    wiz.next()
    assert wiz.currentId() == wiz.MODULES  # no camera: no line to draw
    wiz.next()
    wiz.accept()
    cfg = load_config(wiz.written)
    assert cfg.cameras == [] and cfg.site.timezone is None


def test_online_download_with_progress_into_the_model_folder(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _Server()
    try:
        entry = WeightsFile("w.pt", "test weights", f"{server.url}/w.pt", release_api=f"{server.url}/release")
        wiz = _wizard(qtbot, tmp_path, weights=entry, online=lambda url: True)
        wiz.store_page.name_edit.setText("Shop")
        wiz.next()
        wiz.data_page.path_edit.setText(str(tmp_path / "data"))
        wiz.next()
        wiz.camera_page.later.setChecked(True)
        wiz.next()
        wiz.next()
        page = wiz.detector_page
        qtbot.waitUntil(lambda: page.is_online is True, timeout=10_000)
        assert page.download_row.isVisible() and page.download_button.isEnabled()
        values: list[int] = []
        page.progress.valueChanged.connect(values.append)
        with qtbot.waitSignal(page.downloadFinished, timeout=30_000) as sig:
            qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)
        assert sig.args == [str(tmp_path / "data" / "models" / "w.pt")]
        assert (tmp_path / "data" / "models" / "w.pt").read_bytes() == PAYLOAD
        assert values and values[-1] == 100
        assert "verified" in page.status.text()
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def test_wizard_opens_only_for_a_new_installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.gui.app import resolve_setup

    monkeypatch.setenv("STORESIGHT_DATA_DIR", str(tmp_path / "home"))
    assert needs_first_run(None, None)
    assert not needs_first_run(tmp_path / "x.yaml", None) and not needs_first_run(None, "sqlite://")
    (tmp_path / "home").mkdir()
    other = tmp_path / "elsewhere"
    (tmp_path / "home" / "site.yaml").write_text(f"site: {{name: Shop}}\nstorage: {{data_dir: '{other}'}}\n")
    assert not needs_first_run(None, None)
    setup = resolve_setup(None, None)  # the next start: the wizard's data folder holds the database
    try:
        assert setup.data_dir == other and setup.config.site.name == "Shop"
        assert (other / "storesight.db").is_file()
    finally:
        setup.store.close()


def test_screenshots_of_every_page(qtbot, tmp_path: Path, demo_video: Path) -> None:  # type: ignore[no-untyped-def]
    import time

    import cv2

    from app.gui.app import make_application
    from app.gui.qt_util import pending_tasks

    app = make_application()

    def wait(cond, timeout):  # type: ignore[no-untyped-def]
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            app.processEvents()
            if cond() and pending_tasks() == 0:
                return True
            time.sleep(0.02)
        return False

    saved: list[str] = []

    def save(widget, name):  # type: ignore[no-untyped-def]
        widget.grab().save(str(tmp_path / f"{name}.png"))
        saved.append(name)

    screenshot_wizard(save, wait, tmp_path / "scratch", str(demo_video))
    assert saved == list(WIZARD_SHOTS)
    for name in saved:
        img = cv2.imread(str(tmp_path / f"{name}.png"))
        assert img is not None and img.shape[:2] == (680, 860) and float(img.std()) > 10, name
    assert not (tmp_path / "scratch" / "site.yaml").exists()  # cancelled at the end: nothing written
    assert os.environ.get("QT_QPA_PLATFORM") == "offscreen"


def test_a_damaged_copy_in_the_model_folder_is_named_and_replaced(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An IT person's interrupted copy of the weights: the page says so, the download replaces it."""
    import hashlib

    server = _Server()
    try:
        sha = hashlib.sha256(PAYLOAD).hexdigest()
        entry = WeightsFile("w.pt", "test weights", f"{server.url}/w.pt", size=len(PAYLOAD), sha256=sha)
        models = tmp_path / "data" / "models"
        models.mkdir(parents=True)
        (models / "w.pt").write_bytes(PAYLOAD[:1000])  # cut short
        wiz = _wizard(qtbot, tmp_path, weights=entry, online=lambda url: True)
        wiz.store_page.name_edit.setText("Shop")
        wiz.next()
        wiz.data_page.path_edit.setText(str(tmp_path / "data"))
        wiz.next()
        wiz.camera_page.later.setChecked(True)
        wiz.next()
        wiz.next()
        page = wiz.detector_page
        qtbot.waitUntil(lambda: page.is_online is True, timeout=10_000)
        assert f"w.pt in {models} is incomplete (1,000 of {len(PAYLOAD):,} bytes)" in page.status.text()
        assert page.download_button.isEnabled()
        with qtbot.waitSignal(page.downloadFinished, timeout=30_000):
            qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)
        assert (models / "w.pt").read_bytes() == PAYLOAD and "verified" in page.status.text()
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
