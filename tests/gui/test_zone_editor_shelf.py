"""Shelf zones in the zone editor: rows and segments drawn and saved, the shelf module switched on,
the full reference captured into the data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from app.config import load_config
from app.gui.site_document import SiteDocument
from app.gui.zone_editor import ZoneEditor
from app.shelves import references
from app.shelves.sim import make_scene

pytestmark = pytest.mark.gui

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture
def setup(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    shutil.copy(DEMO / "site.yaml", tmp_path / "site.yaml")
    shutil.copy(DEMO / "vtest.avi", tmp_path / "vtest.avi")
    scene = make_scene(11)
    picture = scene.camera(np.ones(len(scene.products), bool))
    data = tmp_path / "data"
    ed = ZoneEditor(
        SiteDocument.open(tmp_path / "site.yaml"), snapshot=lambda cam: (picture, "live picture"), data_dir=data
    )
    qtbot.addWidget(ed)
    ed.resize(1300, 820)
    ed.show()
    qtbot.waitExposed(ed)
    qtbot.waitUntil(ed.canvas.has_image, timeout=60000)
    return ed, scene, picture, data, tmp_path / "site.yaml"


def _click(qtbot, ed: ZoneEditor, x: float, y: float) -> None:  # type: ignore[no-untyped-def]
    p = ed.canvas.to_widget((x, y))
    qtbot.mouseClick(ed.canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(p.x()), round(p.y())))


def test_draw_a_shelf_set_segments_capture_and_save(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    ed, scene, picture, data, site_file = setup
    ed.act_polygon.trigger()
    corners = [(x / 768, y / 576) for x, y in scene.corners]
    for x, y in corners:
        _click(qtbot, ed, x, y)
    qtbot.keyClick(ed.canvas, Qt.Key.Key_Return)
    assert not ed.shelf_box.isVisible()  # a department by default
    qtbot.keyClicks(ed.name_edit, "Cereals")
    qtbot.keyClick(ed.name_edit, Qt.Key.Key_Return)
    ed.type_box.setCurrentIndex(ed.type_box.findData("shelf"))
    ed.type_box.activated.emit(ed.type_box.currentIndex())
    assert ed.shelf_box.isVisible()
    assert "No full reference yet" in ed.reference_note.text()

    before = ed.canvas.grab().toImage()
    ed.rows_spin.setValue(3)
    ed.columns_spin.setValue(4)
    assert ed.canvas.shelf_grids["cereals"] == (3, 4)
    after = ed.canvas.grab().toImage()
    assert before != after  # the segment lines are drawn
    ed.shelf_on.setChecked(True)
    assert ed.dirty

    assert ed.capture_reference()
    stored = references.load_reference(data, "walkway", "cereals")
    assert stored is not None and np.array_equal(stored, picture)
    info = references.reference_info(data, "walkway", "cereals")
    assert info is not None and info.source == "zone editor, live picture"
    assert "Full reference captured" in ed.reference_note.text() and "768×576" in ed.reference_note.text()

    saved: list[object] = []
    ed.saved.connect(saved.append)
    qtbot.mouseClick(ed.save_button, Qt.MouseButton.LeftButton)
    assert saved and not ed.dirty, ed.status.text()
    cam = load_config(site_file).cameras[0]
    assert cam.modules.shelf.enabled
    z = cam.modules.shelf.zones["cereals"]
    assert (z.rows, z.columns) == (3, 4)
    # reopened: the layout comes back from the file
    ed.set_camera("walkway", force=True)
    ed.canvas.select([s.id for s in ed.canvas.shapes()].index("cereals"))
    assert (ed.rows_spin.value(), ed.columns_spin.value()) == (3, 4) and ed.shelf_on.isChecked()


def test_a_shelf_needs_four_corners(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    ed, *_ = setup
    ed.canvas.set_shapes(())
    ed.act_polygon.trigger()
    for x, y in [(0.1, 0.1), (0.5, 0.1), (0.5, 0.5)]:
        _click(qtbot, ed, x, y)
    qtbot.keyClick(ed.canvas, Qt.Key.Key_Return)
    ed.type_box.setCurrentIndex(ed.type_box.findData("shelf"))
    ed.type_box.activated.emit(ed.type_box.currentIndex())
    assert "exactly 4 corners" in ed.reference_note.text()
    assert not ed.capture_button.isEnabled()
