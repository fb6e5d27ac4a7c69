"""Add or edit an employee: name, personnel code, photo, schedule, workstation zones, active.

The workstation zones to choose from are the site config's zones of type *workstation* (a zone
an employee already has that is no longer in the config stays listed, marked). **Save** checks
everything like ``storesight employees add/edit`` (same functions, :mod:`app.store.employees`);
what is wrong is shown in the dialog, which stays open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserError
from app.gui.qt_util import form_rows, vbox
from app.store.db import Store
from app.store.employees import DAYS, EmployeeRow, Schedule

PHOTO_W, PHOTO_H = 96, 120
IMAGE_FILTER = "Pictures (*.jpg *.jpeg *.png *.bmp *.webp)"


def _qtime(t: dt.time) -> QTime:
    return QTime(t.hour, t.minute)


class EmployeeDialog(QDialog):
    """The employee form (modal); :attr:`saved` holds the stored employee after **Save**.

    Args:
        store: the database the employee is written to.
        data_dir: the data folder (the photo is copied to ``employees/``).
        workstations: the site's workstation zones as (camera id, zone id, text shown).
        employee: the employee to edit, None to add one.
        parent: the parent widget.

    Example:
        >>> dlg = EmployeeDialog(store, Path("data"), [("till", "desk", "Till: desk")])  # doctest: +SKIP
        >>> if dlg.exec(): print(dlg.saved.name)                                         # doctest: +SKIP
    """

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        workstations: Sequence[tuple[str, str, str]],
        employee: EmployeeRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.data_dir = Path(data_dir)
        self.employee = employee
        self.saved: EmployeeRow | None = None
        self.photo_file: Path | None = None  # a new picture chosen
        self.photo_cleared = False
        self.setWindowTitle(f"Edit {employee.name}" if employee else "Add an employee")
        self.setMinimumWidth(520)

        self.name_edit = QLineEdit(employee.name if employee else "")
        self.name_edit.setPlaceholderText("Full name")
        self.code_edit = QLineEdit((employee.code or "") if employee else "")
        self.code_edit.setPlaceholderText("optional, unique")
        self.notes_edit = QLineEdit(employee.notes if employee else "")
        self.active_box = QCheckBox("Employed (inactive employees drop out of timesheets)")
        self.active_box.setChecked(employee.active if employee else True)

        # photo
        self.photo_label = QLabel()
        self.photo_label.setFixedSize(PHOTO_W, PHOTO_H)
        self.photo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_label.setStyleSheet("background: #e3e6e9; color: #5a6068; border-radius: 3px;")
        self.photo_button = QPushButton("Choose photo…")
        self.photo_clear = QPushButton("Remove photo")
        photo_buttons = QVBoxLayout()
        photo_buttons.addWidget(self.photo_button)
        photo_buttons.addWidget(self.photo_clear)
        photo_buttons.addStretch(1)
        photo = QHBoxLayout()
        photo.addWidget(self.photo_label)
        photo.addLayout(photo_buttons)
        photo.addStretch(1)

        # schedule
        sched = employee.schedule if employee else None
        self.schedule_box = QGroupBox("Work schedule (site time)")
        self.schedule_box.setCheckable(True)
        self.schedule_box.setChecked(sched is not None or employee is None)
        self.start_edit = QTimeEdit(_qtime(sched.start) if sched else QTime(9, 0))
        self.end_edit = QTimeEdit(_qtime(sched.end) if sched else QTime(18, 0))
        for e in (self.start_edit, self.end_edit):
            e.setDisplayFormat("HH:mm")
        self.day_boxes: list[QCheckBox] = []
        days = QHBoxLayout()
        for i, d in enumerate(DAYS):
            box = QCheckBox(d.capitalize())
            box.setChecked(i in sched.days if sched else i < 5)
            self.day_boxes.append(box)
            days.addWidget(box)
        days.addStretch(1)
        times = QHBoxLayout()
        times.addWidget(QLabel("from"))
        times.addWidget(self.start_edit)
        times.addWidget(QLabel("to"))
        times.addWidget(self.end_edit)
        times.addStretch(1)
        night = QLabel("A shift that ends before it starts (22:00–06:00) ends the next morning.")
        night.setStyleSheet("color: #5a6068;")
        sl = QVBoxLayout(self.schedule_box)
        sl.addLayout(times)
        sl.addLayout(days)
        sl.addWidget(night)

        # workstations
        self.ws_list = QListWidget()
        self.ws_list.setMaximumHeight(110)
        have = set(employee.workstations) if employee else set()
        known = set()
        for cam, zone, text in workstations:
            self._add_ws(cam, zone, text, (cam, zone) in have)
            known.add((cam, zone))
        for cam, zone in sorted(have - known):
            self._add_ws(cam, zone, f"{cam}: {zone} (not in the site config any more)", True)
        self.ws_note = QLabel(
            ""
            if self.ws_list.count()
            else "The site has no workstation zones: draw one in the Zones tab (type: workstation)."
        )
        self.ws_note.setStyleSheet("color: #5a6068;")
        self.ws_note.setWordWrap(True)
        self.ws_note.setVisible(not self.ws_list.count())
        self.ws_list.setVisible(bool(self.ws_list.count()))

        self.error_label = QLabel("")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.error_label.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )

        form = form_rows(
            ("Name", self.name_edit), ("Personnel code", self.code_edit), ("Photo", photo), ("Notes", self.notes_edit),
            ("", self.active_box),
        )  # fmt: skip
        vbox(
            form, self.schedule_box, QLabel("Workstation zones (staff seen there is this employee)"), self.ws_list,
            self.ws_note, self.error_label, self.buttons,
            parent=self,
        )  # fmt: skip

        self.photo_button.clicked.connect(lambda: self.choose_photo())
        self.photo_clear.clicked.connect(self.clear_photo)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self._show_photo()

    def _add_ws(self, cam: str, zone: str, text: str, checked: bool) -> None:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setData(Qt.ItemDataRole.UserRole, (cam, zone))
        self.ws_list.addItem(item)

    # --- photo ----------------------------------------------------------------------------

    def _show_photo(self) -> None:
        path: Path | None = self.photo_file
        if path is None and not self.photo_cleared and self.employee and self.employee.photo_path:
            path = self.data_dir / self.employee.photo_path
        pm = QPixmap(str(path)) if path is not None else QPixmap()
        if pm.isNull():
            self.photo_label.setPixmap(QPixmap())
            self.photo_label.setText("no photo" if path is None else "photo\nnot found")
        else:
            self.photo_label.setPixmap(
                pm.scaled(
                    PHOTO_W,
                    PHOTO_H,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        self.photo_clear.setEnabled(path is not None)

    def choose_photo(self, path: Path | None = None) -> bool:
        """Pick a picture of the employee (a file dialog when ``path`` is not given)."""
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "Photo of the employee", "", IMAGE_FILTER)
            if not chosen:
                return False
            path = Path(chosen)
        if QPixmap(str(path)).isNull():
            self.show_error(f"{path} is not a picture that can be read")
            return False
        self.photo_file, self.photo_cleared = path, False
        self.error_label.setVisible(False)
        self._show_photo()
        return True

    def clear_photo(self) -> None:
        """No photo."""
        self.photo_file, self.photo_cleared = None, True
        self._show_photo()

    # --- saving ---------------------------------------------------------------------------

    def workstations(self) -> list[tuple[str, str]]:
        """The checked workstation zones as (camera id, zone id)."""
        out = []
        for i in range(self.ws_list.count()):
            item = self.ws_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                cam, zone = item.data(Qt.ItemDataRole.UserRole)
                out.append((str(cam), str(zone)))
        return out

    def schedule(self) -> Schedule | None:
        """The schedule entered (None when switched off).

        Raises:
            UserError: no working day, or the same start and end.
        """
        if not self.schedule_box.isChecked():
            return None
        days = [DAYS[i] for i, b in enumerate(self.day_boxes) if b.isChecked()]
        if not days:
            raise UserError("the schedule needs at least one working day (or switch the schedule off)", 2)
        return Schedule.parse(
            self.start_edit.time().toString("HH:mm"), self.end_edit.time().toString("HH:mm"), days
        )

    def show_error(self, message: str) -> None:
        """Show what is wrong (the dialog stays open)."""
        self.error_label.setText(message[:1].upper() + message[1:])
        self.error_label.setVisible(True)

    def save(self) -> bool:
        """Check and store the employee; close on success, show the problem otherwise."""
        from app.store.employees import add_employee, copy_employee_photo, update_employee

        try:
            sched = self.schedule()
            name, code = self.name_edit.text(), self.code_edit.text().strip() or None
            fields = {"code": code, "notes": self.notes_edit.text(), "schedule": sched,
                      "workstations": self.workstations(), "active": self.active_box.isChecked()}  # fmt: skip
            if self.employee is None:
                added = add_employee(self.store, name, code=code, notes=fields["notes"], schedule=sched,
                                     workstations=fields["workstations"])  # type: ignore[arg-type]  # fmt: skip
                # from now on the dialog edits it: a photo that cannot be copied does not add it twice
                self.employee = added
                self.setWindowTitle(f"Edit {added.name}")
            if self.photo_file is not None:
                fields["photo_path"] = copy_employee_photo(self.data_dir, self.employee.id, self.photo_file)
            elif self.photo_cleared:
                fields["photo_path"] = None
            row = update_employee(self.store, self.employee.id, name=name, **fields)  # type: ignore[arg-type]
        except UserError as e:
            self.show_error(str(e))
            return False
        self.saved = row
        self.accept()
        return True
