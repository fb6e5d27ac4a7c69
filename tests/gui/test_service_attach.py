"""The window attached to a running service: its pictures and status over the API, a visible state when it is gone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from app.config import SiteConfig
from app.gui.app import build_window, resolve_setup
from app.gui.service_link import ServiceAlertFeed
from app.serve.http_api import ApiServer
from app.serve.service import SiteService
from models.base import DetectorSettings
from models.registry import create_detector

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.timeout(300)]

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
TOKEN = "attach-Test-token-0123456789"


def test_window_shows_a_running_service_and_says_when_it_is_gone(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(DEMO / "vtest.avi", tmp_path / "vtest.avi")
    site = yaml.safe_load((DEMO / "site.yaml").read_text())
    cam = dict(site["cameras"][0], source=str(tmp_path / "vtest.avi"), fps=5)
    cam["modules"] = {**cam.get("modules", {}), "pose": {"enabled": False}}
    site["cameras"] = [cam]
    (tmp_path / "site.yaml").write_text(yaml.safe_dump(site))
    db = f"sqlite:///{tmp_path / 'svc.db'}"
    detector = create_detector("nanodet", DetectorSettings(confidence=0.4, classes=(0,), threads=1))
    svc = SiteService(SiteConfig.model_validate(site), db_url=db, data_dir=tmp_path, detector=detector)
    svc.start()
    api = ApiServer(svc, "127.0.0.1", 0, token=TOKEN).start()
    port = api.port
    try:
        win = build_window(resolve_setup(tmp_path / "site.yaml", db), detector=detector)
        qtbot.addWidget(win)
        win.resize(1200, 800)
        win.show()
        win.tabs.setCurrentWidget(win.cameras)  # the last tab comes from QSettings, which other tests change
        assert win.attach_service(api.url, TOKEN)
        page = win.cameras
        qtbot.waitUntil(lambda: "Attached to the service" in page.engine_label.text(), timeout=20000)
        assert not page.start_button.isEnabled() and not page.stop_button.isEnabled()  # the service analyses
        assert not page.add_button.isEnabled() and "Detach" in page.add_button.toolTip()
        assert win.act_detach.isEnabled() and isinstance(win.alerts.feed, ServiceAlertFeed)
        tile = page.grid.tiles()[0]
        qtbot.waitUntil(
            lambda: tile.snapshot() is not None and tile.snapshot().frame is not None, timeout=60000
        )
        qtbot.waitUntil(lambda: tile.paint_count > 0, timeout=10000)  # painted on a later turn of the event loop
        assert tile.camera_id == cam["id"]
        first = tile.snapshot()
        assert first.frame.image.shape[:2] == (576, 768) and "via service" in first.backend
        qtbot.waitUntil(lambda: tile.snapshot().seq > first.seq, timeout=20000)  # it keeps coming
        win.grab().save(str(tmp_path / "attached.png"))  # to look at (pytest --basetemp DIR)
        assert svc.engine.snapshot(cam["id"]).frames > 0  # the service analyses, the window does not
        assert win.controller.engine is None

        # the service goes away: the Live page and the tile say so, the picture is cleared
        api.stop()
        qtbot.waitUntil(lambda: "not reachable" in page.engine_label.text(), timeout=20000)
        qtbot.waitUntil(lambda: tile.snapshot() is not None and tile.snapshot().frame is None, timeout=20000)
        assert "service not reachable" in tile.snapshot().status_text
        assert "color: #d9534f" in page.engine_label.styleSheet()
        win.grab().save(str(tmp_path / "service-gone.png"))
        # it comes back on the same address: the pictures come back by themselves
        api = ApiServer(svc, "127.0.0.1", port, token=TOKEN).start()
        qtbot.waitUntil(lambda: "Attached to the service" in page.engine_label.text(), timeout=20000)
        qtbot.waitUntil(
            lambda: tile.snapshot() is not None and tile.snapshot().frame is not None, timeout=20000
        )

        # a wrong token is a visible refusal, not a hang
        win.attach_service(api.url, "wrong-token-0123456789")
        qtbot.waitUntil(lambda: "refused the token" in page.engine_label.text(), timeout=20000)
        win.detach_service()
        assert page.start_button.isEnabled() and page.engine_label.text() == "Analysis is not running."
        assert page.add_button.isEnabled()
        assert not isinstance(win.alerts.feed, ServiceAlertFeed)
        win.close()
    finally:
        api.stop()
        svc.stop()
