"""The zone editor driven with real mouse events: draw, rename, save, reload the config file."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from app.config import load_config
from app.gui.canvas import Mode
from app.gui.site_document import SiteDocument
from app.gui.zone_editor import ZoneEditor

pytestmark = pytest.mark.gui

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    shutil.copy(DEMO / "site.yaml", tmp_path / "site.yaml")
    shutil.copy(DEMO / "vtest.avi", tmp_path / "vtest.avi")
    return tmp_path / "site.yaml"


@pytest.fixture
def editor(qtbot, site_file: Path) -> ZoneEditor:  # type: ignore[no-untyped-def]
    picture = np.full((576, 768, 3), 90, np.uint8)
    ed = ZoneEditor(SiteDocument.open(site_file), snapshot=lambda cam: (picture, "test picture"))
    qtbot.addWidget(ed)
    ed.resize(1200, 800)
    ed.show()
    qtbot.waitExposed(ed)
    qtbot.waitUntil(ed.canvas.has_image, timeout=60000)  # (the worker pool may still be busy)
    return ed


def _at(editor: ZoneEditor, x: float, y: float) -> QPoint:
    p = editor.canvas.to_widget((x, y))
    return QPoint(round(p.x()), round(p.y()))


def _click(qtbot, editor: ZoneEditor, x: float, y: float, button=Qt.MouseButton.LeftButton) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(editor.canvas, button, pos=_at(editor, x, y))


def test_draw_a_polygon_rename_save_and_find_it_in_the_reloaded_config(qtbot, editor, site_file) -> None:  # type: ignore[no-untyped-def]
    before = len(editor.canvas.shapes())
    editor.act_polygon.trigger()
    assert editor.canvas.mode() == Mode.POLYGON
    corners = [(0.10, 0.70), (0.30, 0.72), (0.28, 0.92)]
    for x, y in corners:
        _click(qtbot, editor, x, y)
    assert len(editor.canvas.drawing()) == 3
    _click(qtbot, editor, *corners[0])  # clicking the first corner closes the polygon
    shapes = editor.canvas.shapes()
    assert len(shapes) == before + 1
    new = shapes[-1]
    assert new.type == "department" and not new.is_line
    assert np.allclose(new.points, corners, atol=0.01)
    assert editor.canvas.selected() == len(shapes) - 1

    qtbot.keyClicks(editor.name_edit, "Fresh fruit")
    qtbot.keyClick(editor.name_edit, Qt.Key.Key_Return)
    editor.type_box.setCurrentIndex(editor.type_box.findData("shelf"))
    editor.type_box.activated.emit(editor.type_box.currentIndex())
    assert editor.canvas.shapes()[-1].name == "Fresh fruit"
    assert editor.canvas.shapes()[-1].id == "fresh_fruit"

    saved: list[object] = []
    editor.saved.connect(saved.append)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert saved and not editor.dirty, editor.status.text()

    cfg = load_config(site_file)
    zone = {z.id: z for z in cfg.cameras[0].zones}["fresh_fruit"]
    assert zone.name == "Fresh fruit" and zone.type.value == "shelf"
    assert np.allclose(zone.points, corners, atol=0.01)
    # the video stays relative to the config file, as it was written
    assert "source: vtest.avi" in site_file.read_text()


def test_line_drag_insert_delete_undo_redo(qtbot, editor) -> None:  # type: ignore[no-untyped-def]
    editor.canvas.set_shapes(())
    editor.act_line.trigger()
    _click(qtbot, editor, 0.5, 0.2)
    _click(qtbot, editor, 0.5, 0.8)
    (line,) = editor.canvas.shapes()
    assert line.is_line and line.type == "entrance_line" and line.id == "line_1"

    editor.act_polygon.trigger()
    for x, y in [(0.1, 0.1), (0.3, 0.1), (0.3, 0.3)]:
        _click(qtbot, editor, x, y)
    qtbot.keyClick(editor.canvas, Qt.Key.Key_Return)
    assert len(editor.canvas.shapes()) == 2
    editor.act_edit.trigger()

    # drag a corner
    qtbot.mousePress(editor.canvas, Qt.MouseButton.LeftButton, pos=_at(editor, 0.3, 0.3))
    target = editor.canvas.to_widget((0.4, 0.45))
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    move = QMouseEvent(
        QMouseEvent.Type.MouseMove, QPointF(target), QPointF(target), Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(editor.canvas, move)
    qtbot.mouseRelease(editor.canvas, Qt.MouseButton.LeftButton, pos=target.toPoint())
    poly = editor.canvas.shapes()[1]
    assert np.allclose(poly.points[2], (0.4, 0.45), atol=0.01)

    # double-click an edge inserts a corner; right-click deletes it again
    qtbot.mouseDClick(editor.canvas, Qt.MouseButton.LeftButton, pos=_at(editor, 0.2, 0.1))
    assert len(editor.canvas.shapes()[1].points) == 4
    _click(qtbot, editor, 0.2, 0.1, Qt.MouseButton.RightButton)
    assert len(editor.canvas.shapes()[1].points) == 3
    _click(qtbot, editor, 0.1, 0.1, Qt.MouseButton.RightButton)  # a polygon keeps 3 corners
    assert len(editor.canvas.shapes()[1].points) == 3

    editor.act_undo.trigger()  # the deleted corner comes back
    assert len(editor.canvas.shapes()[1].points) == 4
    editor.act_undo.trigger()
    editor.act_undo.trigger()  # before the drag
    assert np.allclose(editor.canvas.shapes()[1].points[2], (0.3, 0.3), atol=0.01)
    editor.act_redo.trigger()
    assert np.allclose(editor.canvas.shapes()[1].points[2], (0.4, 0.45), atol=0.01)

    editor.canvas.select(0)
    editor.act_reverse.trigger()
    assert editor.canvas.shapes()[0].points == line.points[::-1]
    editor.act_delete.trigger()
    assert [s.is_line for s in editor.canvas.shapes()] == [False]


def test_snapping_pulls_a_corner_onto_the_border(qtbot, editor) -> None:  # type: ignore[no-untyped-def]
    editor.canvas.set_shapes(())
    editor.act_polygon.trigger()
    for x, y in [(0.004, 0.5), (0.3, 0.5), (0.3, 0.996)]:
        _click(qtbot, editor, x, y)
    editor.canvas.finish_polygon()
    pts = editor.canvas.shapes()[0].points
    assert pts[0][0] == 0.0 and pts[2][1] == 1.0
    editor.snap_box.setChecked(False)
    editor.act_polygon.trigger()
    for x, y in [(0.504, 0.5), (0.6, 0.5), (0.6, 0.7)]:
        _click(qtbot, editor, x, y)
    editor.canvas.finish_polygon()
    assert editor.canvas.shapes()[1].points[0][0] > 0.5


def test_invalid_zones_are_not_saved_and_the_reason_is_shown(qtbot, editor, site_file) -> None:  # type: ignore[no-untyped-def]
    before = site_file.read_text()
    editor.canvas.select(1)
    editor.id_edit.setText("entrance")  # the entrance line already has this id
    editor.id_edit.editingFinished.emit()
    assert not editor.save()
    assert "used twice" in editor.status.text()
    assert site_file.read_text() == before


def test_saving_keeps_the_users_file_and_the_undo_history(qtbot, editor, site_file) -> None:  # type: ignore[no-untyped-def]
    original = site_file.read_text()
    comments = [ln.strip() for ln in original.splitlines() if ln.strip().startswith("#")]
    editor.canvas.select(1)
    editor.rename_selected("Fruit and veg")
    editor.act_polygon.trigger()
    for x, y in [(0.10, 0.70), (0.30, 0.72), (0.28, 0.92), (0.10, 0.70)]:
        _click(qtbot, editor, x, y)
    editor.rename_selected("Bakery")
    assert editor.save()
    text = site_file.read_text()
    # every comment survives, unchanged keys keep their order and flow style, no default is written out
    assert [ln.strip() for ln in text.splitlines() if ln.strip().startswith("#")] == comments
    # untouched zones keep their lines verbatim (flow style, "0.50" not rewritten as "0.5")
    for line in (ln for ln in original.splitlines() if ln.strip().startswith("points:")):
        assert line in text.splitlines(), line
    assert "name: Fruit and veg" in text and "name: Department A" not in text
    assert "id: bakery" in text
    diff = [
        ln
        for ln in difflib.unified_diff(original.splitlines(), text.splitlines(), lineterm="", n=0)
        if ln[:1] in "+-" and not ln.startswith(("+++", "---"))
    ]
    # the renamed zone's line, and the new zone with only what the user set (no defaults written out)
    assert [ln for ln in diff if ln.startswith("-")] == ["-        name: Department A"], diff
    added = [ln[1:].strip() for ln in diff if ln.startswith("+")]
    assert added[0] == "name: Fruit and veg" and added[1:3] == ["- id: bakery", "name: Bakery"], added
    assert len(added) == 5, added
    assert load_config(site_file).cameras[0].zones[-1].name == "Bakery"
    # the undo history survives the save: undo brings the unsaved state back, redo too
    assert editor.canvas.can_undo()
    editor.act_undo.trigger()
    assert (
        "bakery" not in [s.id for s in editor.canvas.shapes()] or editor.canvas.shapes()[-1].name != "Bakery"
    )
    assert editor.dirty
    editor.act_redo.trigger()
    assert editor.canvas.shapes()[-1].name == "Bakery"


def test_a_ppe_zone_with_its_required_items_is_saved_and_shown_again(qtbot, editor, site_file) -> None:  # type: ignore[no-untyped-def]
    editor.act_polygon.trigger()
    corners = [(0.55, 0.05), (0.95, 0.05), (0.95, 0.2)]
    for x, y in [*corners, corners[0]]:
        _click(qtbot, editor, x, y)
    assert editor.ppe_row.isHidden()  # a new zone is a department: no PPE items to choose
    qtbot.keyClicks(editor.name_edit, "Loading dock")
    qtbot.keyClick(editor.name_edit, Qt.Key.Key_Return)
    editor.type_box.setCurrentIndex(editor.type_box.findData("ppe"))
    editor.type_box.activated.emit(editor.type_box.currentIndex())
    assert editor.type_box.currentText() == "PPE required" and not editor.ppe_row.isHidden()
    qtbot.mouseClick(editor.vest_box, Qt.MouseButton.LeftButton)
    assert editor.canvas.shapes()[-1].ppe_items == ("vest",)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert not editor.dirty, editor.status.text()
    zone = {z.id: z for z in load_config(site_file).cameras[0].zones}["loading_dock"]
    assert zone.type.value == "ppe" and zone.ppe_items == ["vest"]
    assert "ppe_items" not in site_file.read_text().split("loading_dock")[0]  # other zones untouched
    editor.canvas.select(0)  # another zone: the row hides; back to the dock: ticked as saved
    assert editor.ppe_row.isHidden()
    editor.canvas.select(len(editor.canvas.shapes()) - 1)
    assert editor.vest_box.isChecked() and not editor.helmet_box.isChecked()
