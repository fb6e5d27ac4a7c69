"""The zone editor page: pick a camera, draw its zones and lines on a snapshot, name them, save.

Saving validates the zones like the config file does, writes the site config and emits
:attr:`ZoneEditor.saved`; the main window hands the camera to the running engine, which applies
the zones between two frames without a restart.

A **shelf** zone (4 corners: top-left, top-right, bottom-right, bottom-left) shows its rows and
segments as the shelf module cuts them; the "Shelf" box sets them, turns the camera's shelf module
on, and captures the picture shown as the zone's full reference (kept in the data folder,
:mod:`app.shelves.references`; a running analysis measures against it from its next measurement).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.config import CameraConfig
from app.errors import UserError
from app.gui.canvas import Mode, ZoneCanvas
from app.gui.qt_util import form_rows, hbox, int_spin, run_async, splitter, vbox, zone_color
from app.gui.shapes import (
    LINE_TYPES,
    POLYGON_TYPES,
    TYPE_LABELS,
    Shape,
    camera_with_shapes,
    shapes_from_camera,
    slug,
)
from app.gui.site_document import SiteDocument
from app.shelves import references

#: Returns a picture of a camera (BGR) and where it came from; runs on a worker thread.
SnapshotProvider = Callable[[CameraConfig], tuple[np.ndarray | None, str]]


def _swatch(zone_type: str) -> QIcon:
    pix = QPixmap(14, 14)
    pix.fill(QColor("#505860"))
    p = QPainter(pix)
    p.fillRect(1, 1, 12, 12, zone_color(zone_type))
    p.end()
    return QIcon(pix)


class ZoneEditor(QWidget):
    """Draw, name and save a camera's zones.

    Signals:
        saved(object): the camera's new :class:`~app.config.CameraConfig` after a successful save.

    Args:
        document: the open site config.
        snapshot: fetches a camera picture (latest live frame, a stored background, or one frame
            read from the camera); called on a worker thread.
        data_dir: the data folder shelf references are kept in (None: no capture).

    Example:
        >>> editor = ZoneEditor(doc, snapshot=lambda cam: (None, "no picture"))  # doctest: +SKIP
        >>> editor.set_camera("entrance")                                        # doctest: +SKIP
    """

    saved = Signal(object)

    def __init__(
        self, document: SiteDocument, *, snapshot: SnapshotProvider | None = None, data_dir: Path | None = None
    ) -> None:
        super().__init__()
        self.document = document
        self.snapshot = snapshot
        self.data_dir = data_dir
        self._layouts: dict[str, tuple[int, int]] = {}  # shelf zone id → rows, segments (unsaved edits)
        self._shelf_on = False
        self._picture_notes: dict[str, str] = {}
        self.camera_id: str | None = None
        self._loading = False
        self._dirty = False
        self._saving = False
        self._pictures: dict[str, np.ndarray] = {}
        #: Asked before another camera is shown over unsaved changes: True to go on (the window sets it).
        self.leaving: Callable[[], bool] = lambda: True

        self.canvas = ZoneCanvas()
        self.camera_box = QComboBox()
        self.camera_box.setMinimumWidth(200)
        self.picture_note = QLabel()
        self.picture_note.setStyleSheet("color: #888;")
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.act_edit = self._action("Edit", "E", lambda: self.canvas.set_mode(Mode.EDIT), checkable=True)
        self.act_polygon = self._action(
            "New zone", "N", lambda: self.canvas.set_mode(Mode.POLYGON), checkable=True
        )
        self.act_line = self._action("New line", "L", lambda: self.canvas.set_mode(Mode.LINE), checkable=True)
        self.toolbar.addSeparator()
        self.act_undo = self._action("Undo", QKeySequence.StandardKey.Undo, self.canvas.undo)
        self.act_redo = self._action("Redo", QKeySequence.StandardKey.Redo, self.canvas.redo)
        self.act_redo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Redo), QKeySequence("Ctrl+Y")])
        self.act_delete = self._action(
            "Delete zone", QKeySequence.StandardKey.Delete, self.canvas.delete_selected
        )
        self.act_reverse = self._action("Flip line direction", "F", self.canvas.reverse_selected)
        self.toolbar.addSeparator()
        self.snap_box = QCheckBox("Snap to corners and edges")
        self.snap_box.setChecked(True)
        self.snap_box.toggled.connect(lambda on: setattr(self.canvas, "snapping", on))
        self.toolbar.addWidget(self.snap_box)
        self.act_edit.setChecked(True)

        # zone list and properties
        self.zone_list = QListWidget()
        self.zone_list.setMinimumWidth(230)
        self.id_edit = QLineEdit()
        self.id_edit.setToolTip("Short unique id used in the database and reports (letters, digits, _ . -).")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Fresh fruit")
        self.name_edit.setToolTip("Name shown in the dashboards and reports.")
        self.type_box = QComboBox()
        self.helmet_box = QCheckBox("Helmet")
        self.vest_box = QCheckBox("Hi-vis vest")
        self.ppe_row = QWidget()
        pr = QHBoxLayout(self.ppe_row)
        pr.setContentsMargins(0, 0, 0, 0)
        pr.addWidget(self.helmet_box)
        pr.addWidget(self.vest_box)
        pr.addStretch(1)
        self.ppe_row.setToolTip(
            "What everyone inside this PPE zone must wear (none ticked: the PPE module's default)."
        )
        props = QGroupBox("Selected zone")
        form = form_rows(
            ("Name", self.name_edit), ("Type", self.type_box), ("Id", self.id_edit), ("Required", self.ppe_row),
            parent=props,
        )  # fmt: skip
        self._ppe_label = form.labelForField(self.ppe_row)
        self.shelf_box = QGroupBox("Shelf")
        self.rows_spin = int_spin(1, 12, tip="Shelf boards inside the zone, top to bottom.")
        self.columns_spin = int_spin(1, 24, tip="Segments (facings) each row is split into; gaps are found per segment.")
        self.shelf_on = QCheckBox("Measure shelf gaps on this camera")
        self.shelf_on.setToolTip("Turns the camera's shelf module on (gaps, restock time, alerts, lost sales).")
        self.capture_button = QPushButton("Capture full reference")
        self.capture_button.setToolTip(
            "Keep the picture shown as this shelf's full reference: the shelf full and nobody in front."
        )
        self.reference_note = QLabel()
        self.reference_note.setWordWrap(True)
        self.reference_note.setStyleSheet("color: #555;")
        form_rows(
            ("Rows", self.rows_spin), ("Segments per row", self.columns_spin), self.shelf_on, self.capture_button,
            self.reference_note,
            parent=self.shelf_box,
        )  # fmt: skip
        self.shelf_box.setVisible(False)
        self.save_button = QPushButton("Save zones")
        self.save_button.setDefault(True)
        self.save_button.setToolTip(
            "Check the zones, write them to the site config and apply them to the camera."
        )
        self.revert_button = QPushButton("Discard changes")
        self.refresh_button = QPushButton("Refresh picture")

        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(QLabel("Zones and lines"))
        sl.addWidget(self.zone_list, 1)
        sl.addWidget(props)
        sl.addWidget(self.shelf_box)
        row = QHBoxLayout()
        row.addWidget(self.revert_button)
        row.addWidget(self.save_button)
        sl.addLayout(row)
        sl.addWidget(self.status)

        top = hbox(QLabel("Camera"), self.camera_box, self.refresh_button, (self.picture_note, 1))
        split = splitter(self.canvas, side, stretch=(1, 0), sizes=(900, 280))
        vbox(top, self.toolbar, (split, 1), parent=self)

        self.canvas.shapesChanged.connect(self._shapes_changed)
        self.canvas.selectionChanged.connect(self._selection_changed)
        self.canvas.modeChanged.connect(self._mode_changed)
        self.canvas.shapeCreated.connect(lambda _i: self.name_edit.setFocus())
        self.zone_list.currentRowChanged.connect(self._list_row_changed)
        self.name_edit.editingFinished.connect(self._apply_properties)
        self.id_edit.editingFinished.connect(self._apply_properties)
        self.type_box.activated.connect(lambda _i: self._apply_properties())
        self.helmet_box.toggled.connect(lambda _on: self._apply_properties())
        self.vest_box.toggled.connect(lambda _on: self._apply_properties())
        self.camera_box.activated.connect(lambda _i: self._pick_camera(self.camera_box.currentData()))
        self.rows_spin.valueChanged.connect(lambda _v: self._layout_changed())
        self.columns_spin.valueChanged.connect(lambda _v: self._layout_changed())
        self.shelf_on.toggled.connect(self._shelf_toggled)
        self.capture_button.clicked.connect(self.capture_reference)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.discard_changes)
        self.refresh_button.clicked.connect(lambda: self.load_picture(force=True))
        self.document.changed.connect(self._document_changed)
        self._fill_cameras()
        self._selection_changed(-1)

    def _action(
        self,
        text: str,
        shortcut: QKeySequence.StandardKey | str,
        slot: Callable[[], object],
        *,
        checkable: bool = False,
    ) -> QAction:
        act = QAction(text, self)
        act.setShortcut(QKeySequence(shortcut))
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.setCheckable(checkable)
        act.triggered.connect(lambda _checked=False: slot())
        self.toolbar.addAction(act)
        self.addAction(act)
        return act

    def release_shortcuts(self) -> None:
        """Leave Undo/Redo's keys to the window's Edit menu (which calls these actions)."""
        for act in (self.act_undo, self.act_redo):
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts())
            act.setShortcuts([])
            act.setToolTip(f"{act.text()} ({keys})")

    def discard_changes(self) -> None:
        """Drop the unsaved changes: the camera's zones as saved."""
        self.set_camera(self.camera_id, force=True)

    # --- cameras --------------------------------------------------------------------------

    def _pick_camera(self, camera_id: str | None) -> None:
        if camera_id == self.camera_id:
            return
        if self._dirty and not self.leaving():
            ids = [c.id for c in self.document.config.cameras]
            if self.camera_id in ids:
                self.camera_box.setCurrentIndex(ids.index(self.camera_id))  # stay on the edited camera
            return
        self.set_camera(camera_id)

    def _fill_cameras(self) -> None:
        current = self.camera_id
        self.camera_box.clear()
        for c in self.document.config.cameras:
            self.camera_box.addItem(f"{c.label} ({c.id})" if c.name else c.id, c.id)
        ids = [c.id for c in self.document.config.cameras]
        if current in ids:
            self.camera_box.setCurrentIndex(ids.index(current))
        elif ids:
            self.set_camera(ids[0])
        else:
            self.camera_id = None
            self._loading = True  # nothing to edit: not a change
            self.canvas.set_shapes(())
            self._loading = False
            self._dirty = False
            self.canvas.placeholder = "Add a camera first (Cameras page)"
            self.status.setText("No cameras in the site config yet.")

    def _document_changed(self) -> None:
        if self._dirty or self._saving:
            return
        self._fill_cameras()
        cam = self.document.camera(self.camera_id or "")
        if cam is not None and shapes_from_camera(cam) != self.canvas.shapes():
            self.set_camera(cam.id, force=True)  # changed elsewhere (after our own save: unchanged)

    def set_camera(self, camera_id: str | None, *, force: bool = False) -> None:
        """Show this camera's zones (and its picture)."""
        if camera_id is None:
            return
        cam = self.document.camera(camera_id)
        if cam is None:
            return
        if camera_id == self.camera_id and not force:
            return
        self.camera_id = camera_id
        ids = [c.id for c in self.document.config.cameras]
        self.camera_box.setCurrentIndex(ids.index(camera_id))
        shelf = cam.modules.shelf  # type: ignore[attr-defined]
        self._layouts = {zid: (z.rows, z.columns) for zid, z in shelf.zones.items()}
        self._shelf_on = bool(shelf.enabled)
        self.canvas.shelf_grids = self._layouts
        self._loading = True
        self.canvas.set_shapes(shapes_from_camera(cam))
        self._loading = False
        self._dirty = False
        self._update_buttons()
        self.status.setText("")
        picture = self._pictures.get(camera_id)
        self.canvas.set_image(picture)
        if picture is None:
            self.load_picture()

    def set_picture(self, camera_id: str, image: np.ndarray | None, note: str = "") -> None:
        """Show ``image`` under this camera's zones (and remember it)."""
        if image is not None:
            self._pictures[camera_id] = image
        self._picture_notes[camera_id] = note
        if camera_id == self.camera_id:
            self.canvas.set_image(image)
            self.picture_note.setText(note)
            self._show_shelf(self.canvas.selected())

    def load_picture(self, *, force: bool = False) -> None:
        """Fetch a picture of the current camera on a worker thread."""
        cam = self.document.camera(self.camera_id or "")
        if cam is None or self.snapshot is None:
            return
        if force:
            self._pictures.pop(cam.id, None)
        self.picture_note.setText("getting a picture from the camera…")
        provider = self.snapshot
        cid = cam.id
        run_async(
            lambda: provider(cam),
            lambda res: self.set_picture(cid, res[0], res[1]),
            lambda msg: self.picture_note.setText(f"no picture: {msg}"),
        )

    # --- list and properties --------------------------------------------------------------

    def _shapes_changed(self) -> None:
        shapes = self.canvas.shapes()
        self.zone_list.blockSignals(True)
        self.zone_list.clear()
        for s in shapes:
            item = QListWidgetItem(f"{s.label}  ·  {TYPE_LABELS.get(s.type, s.type)}")
            item.setIcon(_swatch(s.type))
            item.setToolTip(f"id {s.id}, {len(s.points)} points")
            self.zone_list.addItem(item)
        self.zone_list.setCurrentRow(self.canvas.selected())
        self.zone_list.blockSignals(False)
        if not self._loading:
            self._dirty = True
            self.status.setText("Unsaved changes.")
        self._selection_changed(self.canvas.selected())
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.act_undo.setEnabled(self.canvas.can_undo())
        self.act_redo.setEnabled(self.canvas.can_redo())
        sel = self.canvas.selected()
        has = 0 <= sel < len(self.canvas.shapes())
        self.act_delete.setEnabled(has)
        self.act_reverse.setEnabled(has and self.canvas.shapes()[sel].is_line)
        self.save_button.setEnabled(self.camera_id is not None)
        self.revert_button.setEnabled(self._dirty)

    def _selection_changed(self, index: int) -> None:
        shapes = self.canvas.shapes()
        has = 0 <= index < len(shapes)
        for w in (self.name_edit, self.id_edit, self.type_box):
            w.setEnabled(has)
        self.zone_list.blockSignals(True)
        self.zone_list.setCurrentRow(index)
        self.zone_list.blockSignals(False)
        self.type_box.clear()
        if has:
            s = shapes[index]
            kinds = sorted(LINE_TYPES) if s.is_line else list(POLYGON_TYPES)
            for k in kinds:
                self.type_box.addItem(TYPE_LABELS[k], k)
            self.type_box.setCurrentIndex(kinds.index(s.type))
            self.name_edit.setText(s.name)
            self.id_edit.setText(s.id)
        else:
            self.name_edit.clear()
            self.id_edit.clear()
        self._show_shelf(index)
        self._show_ppe(shapes[index] if has else None)
        self._update_buttons()

    def _show_ppe(self, s: Shape | None) -> None:
        """The required-items row: shown for a PPE zone only, ticked as the zone says."""
        ppe = s is not None and s.type == "ppe"
        self.ppe_row.setVisible(ppe)
        if self._ppe_label is not None:
            self._ppe_label.setVisible(ppe)
        for box, item in ((self.helmet_box, "helmet"), (self.vest_box, "vest")):
            box.blockSignals(True)
            box.setChecked(ppe and s is not None and item in s.ppe_items)
            box.blockSignals(False)

    # --- shelf zones ----------------------------------------------------------------------

    def _selected_shelf(self, index: int | None = None) -> Shape | None:
        shapes = self.canvas.shapes()
        i = self.canvas.selected() if index is None else index
        return shapes[i] if 0 <= i < len(shapes) and shapes[i].type == "shelf" else None

    def _show_shelf(self, index: int) -> None:
        s = self._selected_shelf(index)
        self.shelf_box.setVisible(s is not None)
        if s is None:
            return
        rows, cols = self._layouts.get(s.id, (1, 4))
        for spin, v in ((self.rows_spin, rows), (self.columns_spin, cols)):
            spin.blockSignals(True)
            spin.setValue(v)
            spin.blockSignals(False)
        self.shelf_on.blockSignals(True)
        self.shelf_on.setChecked(self._shelf_on)
        self.shelf_on.blockSignals(False)
        self.capture_button.setEnabled(self.data_dir is not None and self.canvas.has_image() and len(s.points) == 4)
        self.reference_note.setText(
            self.reference_text(s.id) if len(s.points) == 4 else
            f"A shelf zone needs exactly 4 corners (top-left, top-right, bottom-right, bottom-left); this one has "
            f"{len(s.points)}."
        )  # fmt: skip

    def reference_text(self, zone_id: str) -> str:
        """What the selected shelf zone is measured against, in one or two sentences."""
        if self.camera_id is None or self.data_dir is None:
            return "No data folder: the reference is captured automatically when the analysis starts."
        cam = self.document.camera(self.camera_id)
        configured = cam.modules.shelf.zones.get(zone_id) if cam is not None else None  # type: ignore[attr-defined]
        if configured is not None and configured.reference:
            return f"Measured against the configured picture {configured.reference}."
        try:
            info = references.reference_info(self.data_dir, self.camera_id, zone_id)
        except UserError as e:
            return str(e)
        if info is None:
            return ("No full reference yet: captured automatically from the first frame with nobody in front "
                    "of the shelf, or capture it now.")  # fmt: skip
        when = dt.datetime.fromtimestamp(info.captured_at).strftime("%Y-%m-%d %H:%M")
        how = {"auto": "automatically"}.get(info.source, f"from the {info.source}")
        return f"Full reference captured {when} ({how}), {info.width}×{info.height}."

    def _layout_changed(self) -> None:
        s = self._selected_shelf()
        if s is None:
            return
        self._layouts[s.id] = (self.rows_spin.value(), self.columns_spin.value())
        self.canvas.update()
        self._changed()

    def _shelf_toggled(self, on: bool) -> None:
        self._shelf_on = on
        self._changed()

    def _changed(self) -> None:
        if not self._loading:
            self._dirty = True
            self.status.setText("Unsaved changes.")
            self._update_buttons()

    def capture_reference(self) -> bool:
        """Keep the picture shown as the selected shelf zone's full reference (in the data folder).

        Returns:
            True if stored; otherwise the reason is shown under the Save button.
        """
        s = self._selected_shelf()
        image = self._pictures.get(self.camera_id or "")
        if s is None or self.camera_id is None or self.data_dir is None or image is None:
            self.status.setText("Select a shelf zone of a camera with a picture first.")
            return False
        note = self._picture_notes.get(self.camera_id, "") or "zone editor"
        try:
            references.save_reference(self.data_dir, self.camera_id, s.id, image, source=f"zone editor, {note}")
        except UserError as e:
            self.status.setText(f"<span style='color:#d03030'>Reference not captured: {e}</span>")
            return False
        self.reference_note.setText(self.reference_text(s.id))
        self.status.setText(
            f"Full reference of {s.label} captured; a running analysis measures against it from its next "
            "measurement. Capture again whenever the shelf is full and nobody stands in front."
        )
        return True

    def _list_row_changed(self, row: int) -> None:
        self.canvas.select(row)

    def _mode_changed(self, mode: str) -> None:
        self.act_edit.setChecked(mode == Mode.EDIT.value)
        self.act_polygon.setChecked(mode == Mode.POLYGON.value)
        self.act_line.setChecked(mode == Mode.LINE.value)

    def _apply_properties(self) -> None:
        index = self.canvas.selected()
        shapes = self.canvas.shapes()
        if not 0 <= index < len(shapes):
            return
        s = shapes[index]
        name = self.name_edit.text().strip()
        zid = self.id_edit.text().strip() or s.id
        if name and s.id.startswith(("zone_", "line_")) and zid == s.id:
            candidate = slug(name)  # a zone named before its id was edited gets an id from its name
            if candidate and candidate not in {o.id for o in shapes if o is not s}:
                zid = candidate
        kind = self.type_box.currentData() or s.type
        if zid != s.id and s.id in self._layouts:
            self._layouts[zid] = self._layouts.pop(s.id)
        items = tuple(i for b, i in ((self.helmet_box, "helmet"), (self.vest_box, "vest")) if b.isChecked())
        new = Shape(zid, name, kind, s.points, items if kind == "ppe" else ())
        self.canvas.replace_shape(index, new)
        self.id_edit.setText(zid)
        self._show_ppe(new)

    def rename_selected(self, name: str) -> None:
        """Give the selected zone this name (as typing it in the form does)."""
        self.name_edit.setText(name)
        self._apply_properties()

    # --- save -----------------------------------------------------------------------------

    def save(self) -> bool:
        """Validate the zones, write them to the site config and emit :attr:`saved`.

        Returns:
            True if saved; otherwise the problem is shown in one line under the button.
        """
        self._apply_properties()
        cam = self.document.camera(self.camera_id or "")
        if cam is None:
            return False
        try:
            new = self._with_shelves(camera_with_shapes(cam, self.canvas.shapes()))
            self._saving = True
            self.document.replace_camera(new)
        except UserError as e:
            self._dirty = True
            self.status.setText(f"<span style='color:#d03030'>Not saved: {e}</span>")
            return False
        finally:
            self._saving = False
        self._fill_cameras()
        saved = shapes_from_camera(new)
        if saved != self.canvas.shapes():  # (rounded as the file holds them) the undo history stays
            self._loading = True
            self.canvas.set_shapes(saved, reset_history=False)
            self._loading = False
        self._dirty = False
        n = len(new.zones)
        self.status.setText(f"Saved {n} zone{'s' * (n != 1)} to {self.document.path.name}.")
        self._update_buttons()
        self.saved.emit(new)
        return True

    def _with_shelves(self, camera: CameraConfig) -> CameraConfig:
        """The camera with the shelf zones' rows and segments and the shelf module's switch as edited."""
        from app.shelves.settings import ShelfZoneSettings

        shelf = camera.modules.shelf  # type: ignore[attr-defined]
        ids = [z.id for z in camera.zones if z.type.value == "shelf"]
        zones = {}
        for zid in ids:
            if zid in self._layouts or zid in shelf.zones:  # (the defaults are not written out)
                rows, cols = self._layouts.get(zid, (1, 4))
                zones[zid] = shelf.zones.get(zid, ShelfZoneSettings()).model_copy(update={"rows": rows, "columns": cols})
        if zones == shelf.zones and self._shelf_on == shelf.enabled:
            return camera
        new_shelf = shelf.model_copy(update={"zones": zones, "enabled": self._shelf_on})
        return camera.model_copy(update={"modules": camera.modules.model_copy(update={"shelf": new_shelf})})

    @property
    def dirty(self) -> bool:
        """Whether there are unsaved changes (of a camera's zones)."""
        return self._dirty and self.camera_id is not None
