"""The Faces tab (the faces package's ``panel=``): privacy settings per camera, enrolled employees, audit log.

* **Settings of a camera** (``cameras[].modules.faces``): on/off, identify or anonymous mode, whose
  faces are blurred, the backend, the match distance, the smallest face, alerts, age and gender,
  returning visitors with their legal basis, and how long face events and visitors are kept. Saved
  to the site config through :class:`~app.gui.site_document.SiteDocument`, validated like the file
  (a red line says what is wrong; nothing is half-saved). Used from the next start of the analysis.
* **Enrolled employees**: embeddings, consent and its basis; *Withdraw consent and erase* removes
  every piece of the employee's face data (:func:`app.faces.gallery.erase_employee`);
  *Apply retention now* runs what ``storesight faces prune`` does.
* **Audit log**: enrolments, erasures, consent changes, retention runs (no biometric data).

Example:
    >>> page = FacesPage(store, Path("data"), document); page.refresh()   # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.config import format_validation_error
from app.errors import UserError
from app.gui.qt_util import (
    StorePage,
    field_label,
    fill_module_cameras,
    float_spin,
    hbox,
    int_spin,
    run_async,
    set_widget_value,
    vbox,
    widget_value,
)
from app.gui.site_document import SiteDocument
from app.modules.faces.settings import FacesSettings
from app.store.db import Store

NOTE = "color: #5a6068;"
ERROR = "color: #b3261e;"
OK = "color: #1b6e2f;"
MODES = (("identify", "Identify employees"), ("anonymous", "Anonymous (store no face data)"))
BLURS = (("non_employees", "Everyone but identified employees"), ("all", "Everyone"), ("none", "Nobody"))
BACKENDS = (("auto", "Automatic (deepface if installed, else built-in)"), ("dlib", "Built-in (dlib, CPU)"),
            ("deepface", "deepface"))  # fmt: skip


def _combo(items: tuple[tuple[str, str], ...]) -> QComboBox:
    box = QComboBox()
    # long choices do not widen the form past a small screen
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(16)
    for key, text in items:
        box.addItem(text, key)
    return box


#: The settings fields the panel edits, in the form's order (each one's widget is the panel's
#: attribute of the same name; labels and tooltips come from :class:`FacesSettings`).
FIELDS = (
    "enabled", "mode", "blur", "backend", "threshold", "min_face_px", "unknown_alert", "demographics",
    "retention_days", "visitors", "visitors_basis", "visitor_days",
)  # fmt: skip


class FacesSettingsPanel(QGroupBox):
    """One camera's faces settings, saved to the site config.

    Signals:
        saved(object): the settings were written (the camera's new :class:`~app.config.CameraConfig`).

    Args:
        document: the site config.
    """

    saved = Signal(object)

    def __init__(self, document: SiteDocument) -> None:
        super().__init__("Camera settings (used from the next start of the analysis)")
        self.document = document
        self.camera = QComboBox()
        self.enabled = QCheckBox("Look for faces on this camera")
        self.mode = _combo(MODES)
        self.blur = _combo(BLURS)
        self.backend = _combo(BACKENDS)
        self.threshold = float_spin(0.0, 1.99, step=0.02, special="backend's own")
        self.min_face_px = int_spin(20, 1000, suffix=" px")
        self.unknown_alert = QCheckBox("Alert")
        self.demographics = QCheckBox("Estimate (age band and gender per person)")
        self.retention_days = int_spin(1, 3650, suffix=" days")
        self.visitors = QCheckBox("Recognise returning visitors (pseudonymous)")
        self.visitors_basis = QLineEdit()
        self.visitors_basis.setPlaceholderText("e.g. loyalty programme consent (required)")
        self.visitor_days = int_spin(1, 3650, suffix=" days")
        self.save_button = QPushButton("Save")
        self.save_button.setMinimumHeight(30)
        self.message = QLabel("")
        self.message.setWordWrap(True)

        self.camera.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.camera.setMinimumContentsLength(16)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Camera", self.camera)
        for name, widget in self.fields().items():
            form.addRow(field_label(FacesSettings, name, widget), widget)
        vbox(form, hbox(self.save_button, (self.message, 1)), 1, parent=self)  # 1: the form stays at the top

        self.camera.currentIndexChanged.connect(lambda _i: self._load())
        self.mode.currentIndexChanged.connect(lambda _i: self._enable())
        self.enabled.toggled.connect(lambda _on: self._enable())
        self.visitors.toggled.connect(lambda _on: self._enable())
        self.save_button.clicked.connect(self.save)
        document.changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        """The config's cameras (faces-enabled first); the selected camera's settings."""
        fill_module_cameras(self.camera, self.document.config.cameras, "faces")
        self._load()

    def settings(self) -> FacesSettings | None:
        """The selected camera's stored faces settings."""
        cam = self.document.camera(self.camera.currentData() or "")
        return cam.modules.faces if cam is not None else None

    def _load(self) -> None:
        s = self.settings()
        if s is None:
            self._say("Add a camera first (Live tab): face settings belong to a camera.", NOTE)
            self._enable()
            return
        for name, widget in self.fields().items():
            set_widget_value(widget, getattr(s, name))
        self._say("", NOTE)
        self._enable()

    def _enable(self) -> None:
        has = self.settings() is not None
        on = has and self.enabled.isChecked()
        anonymous = self.mode.currentData() == "anonymous"
        for w in (self.mode, self.backend, self.min_face_px, self.demographics, self.retention_days):
            w.setEnabled(on)
        self.enabled.setEnabled(has)
        self.save_button.setEnabled(has)
        # anonymous mode blurs everyone and stores no face data: no identification, no visitors
        for w in (self.blur, self.threshold, self.unknown_alert, self.visitors):
            w.setEnabled(on and not anonymous)
        self.blur.setToolTip(
            "Anonymous mode blurs every face." if anonymous else FacesSettings.model_fields["blur"].description
        )
        for w in (self.visitors_basis, self.visitor_days):
            w.setEnabled(on and not anonymous and self.visitors.isChecked())

    def fields(self) -> dict[str, QWidget]:
        """The form's widgets by settings field, in the form's order."""
        return {name: getattr(self, name) for name in FIELDS}

    def values(self) -> dict[str, Any]:
        """The form as settings fields."""
        return {name: widget_value(widget) for name, widget in self.fields().items()}

    def save(self) -> bool:
        """Validate the form as the config file is validated and save it; False (and a red line) if wrong."""
        cam = self.document.camera(self.camera.currentData() or "")
        if cam is None:
            self._say("No camera to save face settings for.", ERROR)
            return False
        try:
            new = FacesSettings.model_validate({**cam.modules.faces.model_dump(), **self.values()})
            modules = cam.modules.model_copy(update={"faces": new})
            cam = cam.model_copy(update={"modules": modules})
            self.document.replace_camera(cam)
        except ValidationError as e:
            self._say(f"Not saved: {format_validation_error(e)}", ERROR)
            return False
        except UserError as e:
            self._say(f"Not saved: {e}", ERROR)
            return False
        self._say(
            f"Saved the face settings of {cam.id}. Blurring, mode and thresholds apply to a running camera at "
            "once; turning faces on or off, the backend and returning visitors from the next start.", OK)  # fmt: skip
        self.saved.emit(cam)
        return True

    def _say(self, text: str, style: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)


class FacesPage(QWidget, StorePage):
    """Settings per camera, enrolled employees (withdraw and erase), retention and the audit log.

    Signals:
        loaded: the employees and the audit log show the latest refresh.
        erased(int): an employee's face data was erased (employee id).
        cameraSaved(object): a camera's face settings were saved (its new config): the main window
            applies it to the running analysis.

    Args:
        store: the database (None: only the settings).
        data_dir: the data folder (face pictures, the key).
        document: the site config (None: no settings form).
    """

    loaded = Signal()
    erased = Signal(int)
    cameraSaved = Signal(object)

    def __init__(self, store: Store | None, data_dir: Path, document: SiteDocument | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Faces")
        self.store, self.data_dir = store, Path(data_dir)
        self.busy = False
        self.rows: list[Any] = []
        self.settings = FacesSettingsPanel(document) if document is not None else None
        if self.settings is not None:
            self.settings.saved.connect(self.cameraSaved)
        intro = QLabel(
            "Faces are personal biometric data: identify only employees who consented, keep the default "
            "blurring, and read docs/privacy.md. Enrol employees on the Staff page (from photos, or from a "
            "tracked person)."
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(NOTE)

        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Employee", "Faces", "Consent", "Basis", "Last enrolled"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumWidth(300)
        self.erase_button = QPushButton("Withdraw consent and erase…")
        self.erase_button.setToolTip(
            "Removes the selected employee's face embeddings and pictures, the face events about them and "
            "every link the cameras made to them; records the withdrawal and an audit line."
        )
        self.retention_button = QPushButton("Apply retention")
        self.retention_button.setToolTip(
            "Erase face events older than the longest 'Keep face events' of the cameras with faces on, face data of "
            "inactive or non-consenting employees, and visitors past 'Keep returning visitors'."
        )
        self.reload_button = QPushButton("Reload")
        self.note = QLabel("")
        self.note.setWordWrap(True)
        people = QGroupBox("Enrolled employees")
        pl = QVBoxLayout(people)
        pl.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.erase_button)
        buttons.addWidget(self.retention_button)
        buttons.addWidget(self.reload_button)
        buttons.addStretch(1)
        pl.addLayout(buttons)
        pl.addWidget(self.note)
        self.audit = QTableWidget(0, 4)
        self.audit.setHorizontalHeaderLabels(["When (UTC)", "What", "Whose", "Detail"])
        self.audit.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.audit.verticalHeader().setVisible(False)
        self.audit.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.audit.horizontalHeader().setStretchLastSection(True)
        log_box = QGroupBox("Audit log (newest first; no biometric data)")
        QVBoxLayout(log_box).addWidget(self.audit)

        grid = QGridLayout()
        if self.settings is not None:
            self.settings.setMaximumWidth(470)
            grid.addWidget(self.settings, 0, 0, 2, 1)
        grid.addWidget(people, 0, 1)
        grid.addWidget(log_box, 1, 1)
        grid.setColumnStretch(1, 1)
        body = QWidget()
        bl = QVBoxLayout(body)
        bl.addWidget(intro)
        bl.addLayout(grid, 1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(scroll)

        self.reload_button.clicked.connect(self.refresh)
        self.erase_button.clicked.connect(lambda: self.erase_selected())
        self.retention_button.clicked.connect(lambda: self.apply_retention())
        self.table.itemSelectionChanged.connect(self._enable)
        self._enable()

    # --- loading --------------------------------------------------------------------------

    def store_changed(self) -> None:
        """Read the new database at once."""
        self.refresh()

    def refresh(self) -> None:
        """Read the enrolled employees and the audit log (worker thread)."""
        if self.store is None:
            self.note.setText("No database.")
            self._enable()
            return
        store = self.store

        def work() -> tuple[list[Any], list[Any]]:
            from app.faces.gallery import audit_lines, enrolled

            return enrolled(store), audit_lines(store, 50)

        self.read_in_background(work, self._show, self._failed)

    def _failed(self, message: str) -> None:
        self._say(message, ERROR)
        self.loaded.emit()

    def _show(self, result: tuple[list[Any], list[Any]]) -> None:
        self.rows, lines = result
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            consent = "given" if r.consent.given else ("withdrawn" if r.consent.recorded_at else "none")
            last = r.last_enrolled.strftime("%Y-%m-%d %H:%M") if r.last_enrolled else "–"
            for j, text in enumerate((r.name, str(r.embeddings), consent, r.consent.basis, last)):
                item = QTableWidgetItem(text)
                if j == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        self.audit.setRowCount(len(lines))
        for i, a in enumerate(lines):
            for j, text in enumerate((a.at.strftime("%Y-%m-%d %H:%M"), a.action, a.subject, a.detail)):
                self.audit.setItem(i, j, QTableWidgetItem(text))
        if not self.rows and not self.note.text():
            self._say("Nobody is enrolled yet.", NOTE)
        self._enable()
        self.loaded.emit()

    def _enable(self) -> None:
        has = self.store is not None and not self.busy
        self.erase_button.setEnabled(has and self.selected() is not None)
        self.retention_button.setEnabled(has)
        self.reload_button.setEnabled(self.store is not None)

    def selected(self) -> Any | None:
        """The selected employee's row (:class:`app.faces.gallery.EnrolledRow`), if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows and rows[0].row() < len(self.rows) else None

    def _say(self, text: str, style: str) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(style)

    # --- actions --------------------------------------------------------------------------

    def erase_selected(self, *, confirm: bool = True) -> bool:
        """Withdraw the selected employee's consent and erase their face data (asks first)."""
        r = self.selected()
        if r is None or self.store is None or self.busy:
            return False
        if confirm:
            answer = QMessageBox.question(
                self, "Erase face data",
                f"Withdraw {r.name}'s consent and erase all of their face data (embeddings, face pictures, "
                "face events, links to their tracks)? This cannot be undone.",
            )  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return False
        store, folder, emp = self.store, self.data_dir, r.employee_id

        def work() -> str:
            from app.faces.gallery import erase_employee, record_consent

            record_consent(store, emp, False, basis="withdrawn (Faces tab)")
            counts = erase_employee(store, folder, emp)
            return ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())

        def done(what: str) -> None:
            self.busy = False
            self._say(f"Erased {r.name}'s face data: {what}.", OK)
            self.erased.emit(emp)
            self.refresh()

        return self._run(work, done)

    def apply_retention(self) -> bool:
        """Erase face data past its retention (the cameras' longest settings), like ``faces prune``."""
        if self.store is None or self.busy:
            return False
        days, visitor_days = 30, 30
        cams = [] if self.settings is None else [c.modules.faces for c in self.settings.document.config.cameras]
        cams = [c for c in cams if c.enabled]
        if cams:  # the longest any faces camera asks for: nothing a camera still wants is erased
            days = max(c.retention_days for c in cams)
            visitor_days = max(c.visitor_days for c in cams)
        store, folder = self.store, self.data_dir

        def work() -> str:
            from app.faces.gallery import apply_retention

            return apply_retention(store, folder, event_days=days, visitor_days=visitor_days).describe()

        def done(what: str) -> None:
            self.busy = False
            self._say(f"Retention ({days} days for face events, {visitor_days} for visitors): erased {what}.", OK)
            self.refresh()

        return self._run(work, done)

    def _run(self, work: Any, done: Any) -> bool:
        self.busy = True
        self._enable()

        def failed(message: str) -> None:
            self.busy = False
            self._say(message, ERROR)
            self._enable()

        run_async(work, done, failed)
        return True


def panel(ctx: Any) -> QWidget:
    """The faces package's panel (:class:`app.gui.panels.PanelContext` → the Faces tab)."""
    page = FacesPage(ctx.store, ctx.data_dir, ctx.document)
    if ctx.store is not None:
        page.refresh()
    return page
