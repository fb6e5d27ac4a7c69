"""The whole window with two cameras playing: live tiles, zones applied without a restart, clean stop."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from PySide6.QtWidgets import QDialog

from app.config import CameraConfig
from app.gui.app import build_window, resolve_setup
from app.gui.shapes import Shape
from models.base import DetectorSettings
from models.registry import create_detector

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.timeout(300)]

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def test_two_cameras_play_and_a_new_zone_reaches_the_running_camera(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(DEMO / "vtest.avi", tmp_path / "vtest.avi")
    site = yaml.safe_load((DEMO / "site.yaml").read_text())
    second = dict(site["cameras"][0], id="walkway2", name="Second camera")
    site["cameras"].append(second)
    (tmp_path / "site.yaml").write_text(yaml.safe_dump(site))
    setup = resolve_setup(tmp_path / "site.yaml", f"sqlite:///{tmp_path / 'live.db'}")
    detector = create_detector("nanodet", DetectorSettings(confidence=0.4, classes=(0,), threads=1))
    win = build_window(setup, detector=detector)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    ctl = win.controller
    assert win.cameras.grid.layout_size() == 4  # two cameras: the 2x2 grid

    with qtbot.waitSignal(ctl.started, timeout=60000):
        win.cameras.start_button.click()
    assert not win.cameras.start_button.isEnabled() and win.cameras.stop_button.isEnabled()
    assert "Analysing 2 cameras live" in win.cameras.engine_label.text()
    tiles = win.cameras.grid.tiles()[:2]
    qtbot.waitUntil(
        lambda: all(t.snapshot() is not None and t.snapshot().frame is not None for t in tiles), timeout=60000
    )
    assert [t.camera_id for t in tiles] == ["walkway", "walkway2"]
    assert all(t.paint_count > 0 for t in tiles)

    # draw a zone in the editor and save: the running camera picks it up
    win.tabs.setCurrentWidget(win.zones)
    win.zones.set_camera("walkway2")
    shapes = win.zones.canvas.shapes()
    win.zones.canvas.set_shapes(
        (*shapes, Shape("fruit", "Fruit", "shelf", ((0.05, 0.7), (0.3, 0.7), (0.3, 0.95)))),
        reset_history=False,
    )
    assert win.zones.save()
    # read at once: the status bar clears it after a few seconds (a busy box may take longer to apply)
    assert "applied to the running camera" in win.statusBar().currentMessage()
    qtbot.waitUntil(
        lambda: "fruit" in [z.id for z in ctl.snapshot("walkway2").camera.zones],
        timeout=30000,  # type: ignore[union-attr]
    )
    assert "fruit" not in [z.id for z in ctl.snapshot("walkway").camera.zones]  # type: ignore[union-attr]

    # a camera added while running starts alone; the others keep playing in their runs
    runs_before = {cid: s.run_id for cid, s in ctl.snapshots().items()}
    third = CameraConfig(id="walkway3", name="Third camera", source=str(tmp_path / "vtest.avi"))
    with qtbot.waitSignal(ctl.applied, timeout=60000) as sig:
        win.document.add_camera(third)
        win.cameras.camerasEdited.emit()
    assert sig.args == ["Cameras changed: started walkway3."]
    assert "Analysing 3 cameras live" in win.cameras.engine_label.text()
    assert win.cameras.stop_button.isEnabled()
    assert {cid: s.run_id for cid, s in ctl.snapshots().items() if cid != "walkway3"} == runs_before
    qtbot.waitUntil(
        lambda: (t := win.cameras.grid.tiles()[2]).snapshot() is not None and t.snapshot().frame is not None,
        timeout=60000,
    )

    with qtbot.waitSignal(ctl.stopped, timeout=30000):
        win.cameras.stop_button.click()
    assert win.cameras.start_button.isEnabled()
    con = sqlite3.connect(tmp_path / "live.db")
    statuses = [r[0] for r in con.execute("select status from analysis_runs")]
    assert statuses == ["complete", "complete", "complete"]
    zones = [r[0] for r in con.execute("select config_id from zones where active")]
    assert "fruit" in zones

    # the dashboard's "Export report…" opens the report dialog for the site's cameras
    win.tabs.setCurrentWidget(win.dashboard)
    win.dashboard.report_button.click()
    dialogs = [w for w in win.findChildren(QDialog) if w.isVisible()]
    assert len(dialogs) == 1 and dialogs[0].windowTitle() == "Export report"
    assert dialogs[0].camera_list.count() == 3
    dialogs[0].close()
    win.close()
    setup.store.close()
