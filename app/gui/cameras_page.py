"""The live page: the camera list (add, edit, remove), start/stop, and the 1/4/9 camera grid."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.config import CameraConfig
from app.engine.sources import redact_url
from app.errors import UserError
from app.gui.camera_dialog import CameraDialog
from app.gui.camera_grid import LAYOUTS, CameraGrid, SnapshotSource
from app.gui.qt_util import ROLE_COLORS, splitter, vbox
from app.gui.site_document import SiteDocument

KIND_WORDS = {"rtsp": "network", "file": "video file", "usb": "USB"}


class CamerasPage(QWidget):
    """Manage cameras and watch them live.

    Signals:
        startRequested: the user pressed Start.
        stopRequested: the user pressed Stop.
        camerasEdited: the camera list or a camera's source changed (a running engine needs a restart).

    Args:
        document: the open site config.
        source: the engine's snapshots (for the grid).

    Example:
        >>> page = CamerasPage(doc, controller.snapshots)     # doctest: +SKIP
    """

    startRequested = Signal()
    stopRequested = Signal()
    camerasEdited = Signal()

    def __init__(self, document: SiteDocument, source: SnapshotSource | None = None) -> None:
        super().__init__()
        self.document = document
        self.grid = CameraGrid(source)
        self.camera_list = QListWidget()
        self.camera_list.setMinimumWidth(220)
        self.camera_list.setWordWrap(True)
        self.camera_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        self.start_button = QPushButton("Start analysis")
        self.start_button.setToolTip(
            "Analyse every enabled camera live (video files play in real time, looping)."
        )
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.engine_label = QLabel("Analysis is not running.")
        self.engine_label.setWordWrap(True)
        self.page_label = QLabel("")
        self.prev_button = QToolButton(text="◀")
        self.next_button = QToolButton(text="▶")
        self.layout_buttons = QButtonGroup(self)
        top = QHBoxLayout()
        top.addWidget(self.start_button)
        top.addWidget(self.stop_button)
        top.addWidget(self.engine_label, 1)
        top.addWidget(QLabel("Layout"))
        for n in LAYOUTS:
            b = QToolButton(text=f"{n}")
            b.setCheckable(True)
            b.setToolTip(f"{n} camera{'s' * (n > 1)} at once")
            b.setMinimumWidth(32)
            self.layout_buttons.addButton(b, n)
            top.addWidget(b)
        self.layout_buttons.button(4).setChecked(True)
        top.addWidget(self.prev_button)
        top.addWidget(self.page_label)
        top.addWidget(self.next_button)

        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(QLabel("Cameras"))
        sl.addWidget(self.camera_list, 1)
        row = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.remove_button):
            row.addWidget(b)
        sl.addLayout(row)
        hint = QLabel(
            "Double-click a picture to see it alone.<br>Boxes: "
            f"<span style='color:{ROLE_COLORS['customer']}'>■</span> customer · "
            f"<span style='color:{ROLE_COLORS['staff']}'>■</span> staff · "
            f"<span style='color:{ROLE_COLORS['unknown']}'>■</span> not yet known"
        )
        hint.setStyleSheet("color: #888;")
        hint.setWordWrap(True)
        sl.addWidget(hint)

        vbox(top, (splitter(side, self.grid, stretch=(0, 1), sizes=(240, 1000)), 1), parent=self)

        self.add_button.clicked.connect(self.add_camera)
        self.edit_button.clicked.connect(self.edit_camera)
        self.remove_button.clicked.connect(self.remove_camera)
        self.camera_list.itemDoubleClicked.connect(lambda _i: self.edit_camera())
        self.camera_list.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.start_button.clicked.connect(self.startRequested)
        self.stop_button.clicked.connect(self.stopRequested)
        self.layout_buttons.idClicked.connect(self.grid.set_layout)
        self.prev_button.clicked.connect(lambda: self.grid.set_page(self.grid.page() - 1))
        self.next_button.clicked.connect(lambda: self.grid.set_page(self.grid.page() + 1))
        self.grid.pageChanged.connect(self._page_changed)
        self.document.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show the config's cameras in the list and the grid."""
        current = self.selected_id()
        self.camera_list.clear()
        for c in self.document.config.cameras:
            where = redact_url(c.source) if c.kind == "rtsp" else c.source
            short = Path(c.source).name if c.kind == "file" else where
            item = QListWidgetItem(f"{c.label}\n{KIND_WORDS[c.kind]} · {short}")
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(where)
            if not c.enabled:
                item.setForeground(Qt.GlobalColor.gray)
                item.setText(item.text() + " · off")
            self.camera_list.addItem(item)
            if c.id == current:
                self.camera_list.setCurrentItem(item)
        shown = [(c.id, c.label) for c in self.document.config.cameras if c.enabled]
        first = not self.grid.cameras()
        self.grid.set_cameras(shown)
        if first and shown:  # open with the smallest layout that shows every camera
            size = next((n for n in LAYOUTS if n >= len(shown)), LAYOUTS[-1])
            self.grid.set_layout(size)
            self.layout_buttons.button(size).setChecked(True)
        self._update_buttons()

    def selected_id(self) -> str | None:
        """The id of the camera selected in the list."""
        item = self.camera_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def _page_changed(self, page: int, pages: int) -> None:
        self.page_label.setText(f"{page + 1}/{pages}")
        self.prev_button.setEnabled(page > 0)
        self.next_button.setEnabled(page + 1 < pages)

    def set_running(self, running: bool, text: str = "", *, busy: bool = False, details: str = "") -> None:
        """Reflect the engine's state in the buttons and the status line (``details`` in its tooltip)."""
        self.start_button.setEnabled(not running and not busy)
        self.stop_button.setEnabled(running and not busy)
        self.engine_label.setText(text)
        self.engine_label.setToolTip(details or text)
        if running:
            self.grid.start()
        else:
            self.grid.stop()
            self.grid.poll()

    # --- add / edit / remove --------------------------------------------------------------

    def _taken(self) -> set[str]:
        return {c.id for c in self.document.config.cameras}

    def add_camera(self) -> CameraConfig | None:
        """Open the camera dialog and add the camera to the config."""
        dlg = CameraDialog(None, taken_ids=self._taken(), parent=self)
        if not dlg.exec() or dlg.result_camera() is None:
            return None
        return self._save(lambda cam: self.document.add_camera(cam), dlg.result_camera())

    def edit_camera(self) -> CameraConfig | None:
        """Edit the selected camera's connection and frame-rate settings."""
        cam = self.document.camera(self.selected_id() or "")
        if cam is None:
            return None
        dlg = CameraDialog(cam, taken_ids=self._taken(), parent=self)
        if not dlg.exec() or dlg.result_camera() is None:
            return None
        return self._save(lambda c: self.document.replace_camera(c), dlg.result_camera())

    def _save(self, action, cam: CameraConfig | None) -> CameraConfig | None:  # type: ignore[no-untyped-def]
        if cam is None:
            return None
        try:
            action(cam)
        except UserError as e:
            QMessageBox.warning(self, "Camera not saved", str(e))
            return None
        self.camerasEdited.emit()
        return cam

    def remove_camera(self) -> None:
        """Remove the selected camera from the config (its recorded history stays)."""
        cid = self.selected_id()
        if cid is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove camera",
            f"Remove camera {cid!r} from the site config?\nWhat it recorded stays in the database.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.document.remove_camera(cid)
        except UserError as e:
            QMessageBox.warning(self, "Camera not removed", str(e))
            return
        self.camerasEdited.emit()
