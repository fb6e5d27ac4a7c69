"""Employees and the pictures of the staff uniform.

A table of the employees (name, code, employed, schedule, workstation zones, uniform pictures);
**Add…** / **Edit…** (or a double-click) open :class:`~app.gui.employee_dialog.EmployeeDialog`.
Below, the stored uniform pictures (for all staff, or one employee) with **Remove**. Reading the
database runs on a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.config import SiteConfig, ZoneType
from app.gui.employee_dialog import EmployeeDialog
from app.gui.qt_util import StorePage, run_async, to_qimage
from app.store.db import Store
from app.store.employees import EmployeeRow
from app.store.roles import UniformRow

COLUMNS = ("Name", "Code", "Employed", "Schedule", "Uniform pictures", "Workstation zones")
THUMB = QSize(48, 96)


@dataclass(slots=True)
class Staff:
    """Employees and uniform pictures as read on a worker thread."""

    employees: list[EmployeeRow]
    uniforms: list[UniformRow]
    thumbs: dict[int, QImage] = field(default_factory=dict)


def load_staff(store: Store, data_dir: Path) -> Staff:
    """Every employee and uniform picture (with a thumbnail) — worker thread."""
    from app.engine.roles import read_image
    from app.store.employees import employees
    from app.store.roles import uniform_examples

    uniforms = uniform_examples(store)
    thumbs = {}
    for u in uniforms:
        img = read_image(Path(data_dir) / u.path)
        if img is not None:
            thumbs[u.id] = to_qimage(img).scaled(
                THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
    return Staff(employees(store), uniforms, thumbs)


def workstation_zones(config: SiteConfig) -> list[tuple[str, str, str]]:
    """The site's workstation zones as (camera id, zone id, ``Camera: Zone``)."""
    out = []
    for cam in config.cameras:
        for z in cam.zones:
            if z.type == ZoneType.WORKSTATION:
                out.append((cam.id, z.id, f"{cam.label}: {z.label}"))
    return out


class EmployeesPanel(QWidget, StorePage):
    """The employee table and the uniform pictures.

    Signals:
        loaded: the table shows the latest refresh.
        changed: an employee or a uniform picture was added, changed or removed.

    Args:
        store: the database (None: the panel stays empty).
        data_dir: the data folder (photos, uniform pictures).
        config: returns the current site config (for its workstation zones).

    Example:
        >>> panel = EmployeesPanel(store, Path("data"), lambda: doc.config); panel.refresh()   # doctest: +SKIP
    """

    loaded = Signal()
    changed = Signal()

    def __init__(
        self, store: Store | None, data_dir: Path, config: Callable[[], SiteConfig] | None = None
    ) -> None:
        super().__init__()
        self.store = store
        self.data_dir = Path(data_dir)
        self.config = config or (lambda: SiteConfig.model_validate({"site": {"name": "My store"}}))
        self.rows: list[EmployeeRow] = []
        self.uniforms: list[UniformRow] = []
        self.dialog: EmployeeDialog | None = None

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((220, 110, 90, 220, 130)):
            self.table.setColumnWidth(col, width)
        self.add_button = QPushButton("Add employee…")
        self.edit_button = QPushButton("Edit…")
        self.face_button = QPushButton("Enrol face from photos…")
        self.face_button.setToolTip(
            "Face identification: the selected employee's face from a few photos (needs their consent; "
            "docs/privacy.md). Stored encrypted; erase with `storesight faces erase`."
        )
        self.note = QLabel("")
        self.note.setStyleSheet("color: #5a6068;")
        bar = QHBoxLayout()
        bar.addWidget(self.add_button)
        bar.addWidget(self.edit_button)
        bar.addWidget(self.face_button)
        bar.addWidget(self.note, 1)

        self.uniform_list = QListWidget()
        self.uniform_list.setViewMode(QListView.ViewMode.IconMode)
        self.uniform_list.setIconSize(THUMB)
        self.uniform_list.setGridSize(QSize(150, THUMB.height() + 44))
        self.uniform_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.uniform_list.setMovement(QListView.Movement.Static)
        self.uniform_list.setWordWrap(True)
        self.uniform_list.setFixedHeight(THUMB.height() + 64)
        self.uniform_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip(
            "Remove the selected uniform pictures (used from the next analysis on)."
        )
        self.uniform_note = QLabel("")
        self.uniform_note.setStyleSheet("color: #5a6068;")
        self.uniform_note.setWordWrap(True)
        ubar = QHBoxLayout()
        title = QLabel("Uniform pictures")
        title.setStyleSheet("font-weight: 600;")
        ubar.addWidget(title)
        ubar.addWidget(self.uniform_note, 1)
        ubar.addWidget(self.remove_button)

        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)
        lay.addLayout(ubar)
        lay.addWidget(self.uniform_list)

        self.add_button.clicked.connect(lambda: self.open_dialog(None))
        self.edit_button.clicked.connect(lambda: self.open_dialog(self.selected()))
        self.face_button.clicked.connect(lambda: self.enrol_faces())
        self.enrolling = False
        self.table.doubleClicked.connect(lambda index: self.open_dialog(self._row(index.row())))
        self.table.itemSelectionChanged.connect(self._enable)
        self.uniform_list.itemSelectionChanged.connect(self._enable)
        self.remove_button.clicked.connect(self.remove_selected_uniforms)
        self._enable()

    # --- loading --------------------------------------------------------------------------

    def store_changed(self) -> None:
        """The buttons that need a database follow it."""
        self._enable()

    def refresh(self) -> None:
        """Read the employees and uniform pictures (worker thread)."""
        if self.store is None:
            self.note.setText("No database.")
            return
        store, folder = self.store, self.data_dir
        self.read_in_background(lambda: load_staff(store, folder), self._show, self._failed, again=self.refresh)

    def _failed(self, message: str) -> None:
        self.note.setText(f"Could not read the employees: {message}")
        self.note.setStyleSheet("color: #b3261e;")
        self.loaded.emit()

    def _show(self, data: Staff) -> None:
        self.note.setStyleSheet("color: #5a6068;")
        keep = self.selected()
        self.rows, self.uniforms = data.employees, data.uniforms
        names = {e.id: e.name for e in self.rows}
        zone_text = {(c, z): t for c, z, t in workstation_zones(self.config())}
        self.table.setRowCount(len(self.rows))
        for i, e in enumerate(self.rows):
            ws = ", ".join(zone_text.get(w, f"{w[0]}: {w[1]}") for w in e.workstations) or "–"
            cells = (e.name, e.code or "–", "yes" if e.active else "no",
                     e.schedule.describe() if e.schedule else "–", str(e.uniform_examples), ws)  # fmt: skip
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole, e.id)
                if not e.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(i, col, item)
        if keep is not None:
            for i, e in enumerate(self.rows):
                if e.id == keep.id:
                    self.table.selectRow(i)
        n = len(self.rows)
        active = sum(e.active for e in self.rows)
        self.note.setText(
            f"{n} employee{'s' * (n != 1)} ({active} employed). Double-click one to edit."
            if n
            else "No employees yet: add the people who work here (name, schedule, workstation)."
        )
        self.uniform_list.clear()
        for u in self.uniforms:
            owner = names.get(u.employee_id, f"employee {u.employee_id}") if u.employee_id else "all staff"
            item = QListWidgetItem(f"{owner}\n{u.source or 'picture'}")
            item.setToolTip(f"#{u.id} · {owner} · {u.source} · {self.data_dir / u.path}")
            thumb = data.thumbs.get(u.id)
            if thumb is not None:
                item.setIcon(QIcon(QPixmap.fromImage(thumb)))
            item.setData(Qt.ItemDataRole.UserRole, u.id)
            self.uniform_list.addItem(item)
        k = len(self.uniforms)
        self.uniform_note.setText(
            f"{k} picture{'s' * (k != 1)} of the staff uniform; they teach its colours (for all staff, or "
            "one employee) from the next analysis on."
            if k
            else "None yet: in “People to label”, pick a person in uniform and press "
            "“Use as staff uniform example”."
        )
        self._enable()
        self.loaded.emit()

    # --- actions --------------------------------------------------------------------------

    def _row(self, index: int) -> EmployeeRow | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def enrol_faces(self, paths: list[Path] | None = None, basis: str | None = None) -> bool:
        """Enrol the selected employee's face from photos (asks for the files and, once, the consent).

        Args:
            paths: the photos (None: a file dialog asks).
            basis: the consent's basis when none is recorded yet (None: a dialog asks).

        Returns:
            Whether the enrolment was started (it runs on a worker thread; the note says how it went).
        """
        emp = self.selected()
        if emp is None or self.store is None or self.enrolling:
            return False
        from PySide6.QtWidgets import QFileDialog

        from app.faces.gallery import consent_of

        if paths is None:
            files, _ = QFileDialog.getOpenFileNames(
                self, f"Photos of {emp.name}'s face", "", "Pictures (*.jpg *.jpeg *.png *.bmp *.webp)"
            )
            paths = [Path(f) for f in files]
        if not paths:
            return False
        store, data_dir = self.store, self.data_dir
        if basis is None and not consent_of(store, emp.id).given:
            from app.gui.face_consent import ask_consent

            basis = ask_consent(self, emp.name)
            if basis is None:
                self._say("Not enrolled: no consent recorded.", error=True)
                return False
        self.enrolling = True
        self.face_button.setEnabled(False)
        self._say(f"Enrolling {emp.name}'s face from {len(paths)} photo(s)…")
        run_async(lambda: _enrol(store, data_dir, emp.id, paths, basis), self._enrolled, self._enrol_failed,
                  python_thread=True)  # fmt: skip
        return True

    def _say(self, text: str, *, error: bool = False) -> None:
        self.note.setText(text)
        self.note.setStyleSheet("color: #b3261e;" if error else "color: #5a6068;")

    def _enrolled(self, message: str) -> None:
        self.enrolling = False
        self._enable()
        self._say(message)
        self.changed.emit()
        self.loaded.emit()

    def _enrol_failed(self, message: str) -> None:
        self.enrolling = False
        self._enable()
        self._say(f"Not enrolled: {message}", error=True)
        self.loaded.emit()

    def selected(self) -> EmployeeRow | None:
        """The selected employee, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self._row(rows[0].row()) if rows else None

    def _enable(self) -> None:
        has = self.store is not None
        self.add_button.setEnabled(has)
        self.edit_button.setEnabled(has and self.selected() is not None)
        self.face_button.setEnabled(has and self.selected() is not None and not self.enrolling)
        self.remove_button.setEnabled(has and bool(self.uniform_list.selectedItems()))

    def open_dialog(self, employee: EmployeeRow | None) -> EmployeeDialog | None:
        """The add/edit dialog (window-modal, non-blocking); the table is reloaded after **Save**."""
        if self.store is None:
            return None
        dlg = EmployeeDialog(self.store, self.data_dir, workstation_zones(self.config()), employee, self)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.accepted.connect(self._saved)
        self.dialog = dlg
        dlg.show()
        return dlg

    def _saved(self) -> None:
        dlg = self.dialog
        if dlg is not None and dlg.saved is not None:
            self.note.setText(f"Saved {dlg.saved.name}.")
        self.changed.emit()
        self.refresh()

    def remove_selected_uniforms(self) -> int:
        """Remove the selected uniform pictures (database row and file); returns how many."""
        if self.store is None:
            return 0
        from app.errors import UserError
        from app.store.roles import remove_uniform_example

        ids = [int(i.data(Qt.ItemDataRole.UserRole)) for i in self.uniform_list.selectedItems()]
        done = 0
        try:
            for uid in ids:
                remove_uniform_example(self.store, uid, self.data_dir)
                done += 1
        except UserError as e:
            self.uniform_note.setText(str(e))
        if done:
            self.changed.emit()
            self.refresh()
        return done


def _enrol(store: Store, data_dir: Path, employee_id: int, paths: list[Path], basis: str | None) -> str:
    """Record the consent (when given) and enrol the photos — worker thread; returns what the note says."""
    from app.engine.roles import read_image
    from app.errors import UserError
    from app.faces.gallery import enrol
    from app.gui.face_consent import consent_and_backend

    pictures = [(str(p), img) for p in paths if (img := read_image(p)) is not None]
    unreadable = len(paths) - len(pictures)
    if not pictures:
        raise UserError("none of the files is a readable picture")
    backend = consent_and_backend(store, employee_id, basis)
    res = enrol(store, data_dir, backend, employee_id, pictures)
    skipped = len(res.skipped) + unreadable
    tail = f"; {skipped} photo(s) without a usable face" if skipped else ""
    return f"Enrolled {res.stored} face(s) ({backend.model}){tail}."

