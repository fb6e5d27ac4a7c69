"""Labelling people staff or customer, the most uncertain first; training the site's classifier.

The list shows the people the role stage was least sure about (:func:`app.store.roles.uncertain_tracks`)
with a photo each; the selected one is shown with the crops taken along its track, the camera,
when and how long it was seen, the role decided and the evidence behind it. **Staff** (S) and
**Customer** (C) store the user's label — it becomes the track's role at once, so every statistic
follows — and move on to the next person; **Skip** (N) moves on without a label, **Clear label**
(Del) forgets it. A staff label can name the employee. **Use as staff uniform example** stores
the person's crops as pictures of the uniform (for all staff, or the chosen employee).

**Train classifier** trains the site's staff/customer network from the labelled people on a
worker thread (:func:`app.engine.role_training.train_classifier`, the same code as
``storesight roles train``) and shows how it went and where the model is saved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.gui.data import fmt_duration
from app.gui.qt_util import ROLE_COLORS, StorePage, fmt_time, run_async, splitter, to_qimage, vbox
from app.store import stats
from app.store.db import Store
from app.store.roles import TrackRow

#: People listed at most (the most uncertain ones).
LIMIT = 60
#: Crops of the selected person shown (the first ones along the track).
SHOWN_CROPS = 8
#: Crops of a person stored as uniform pictures by "Use as staff uniform example".
UNIFORM_CROPS = 2
#: Height of the crops in the detail view, and the list's photo size.
CROP_H = 240
ICON = QSize(36, 72)
#: Training passes (as ``storesight roles train``).
EPOCHS = 20

ERROR_STYLE = "color: #b3261e;"
NOTE_STYLE = "color: #5a6068;"
OK_STYLE = "color: #1e6b34;"


@dataclass(slots=True)
class Loaded:
    """What one refresh read (on a worker thread).

    Attributes:
        rows: people to label, most uncertain first.
        crops: the first crops of each (scaled QImages), by track row id.
        employees: active employees as (id, name).
        cameras: (config id, label) of every camera.
        tz: the site's time zone.
        counts: labels stored so far, by role.
    """

    rows: list[TrackRow]
    crops: dict[int, list[QImage]] = field(default_factory=dict)
    employees: list[tuple[int, str]] = field(default_factory=list)
    cameras: list[tuple[str, str]] = field(default_factory=list)
    tz: dt.tzinfo | None = None
    counts: dict[str, int] = field(default_factory=dict)


def _crop_images(data_dir: Path, row: TrackRow) -> list[QImage]:
    from app.engine.roles import read_image

    out = []
    for p in row.photos[:SHOWN_CROPS]:
        img = read_image(data_dir / p.path)
        if img is not None:
            out.append(to_qimage(img).scaledToHeight(CROP_H, Qt.TransformationMode.SmoothTransformation))
    return out


def load_people(
    store: Store, data_dir: Path, *, camera: str | None, include_labelled: bool, limit: int = LIMIT
) -> Loaded:
    """Read the people to label with their crops, the employees and the cameras (worker thread)."""
    from app.store.employees import employees
    from app.store.roles import labels, uncertain_tracks

    rows = uncertain_tracks(store, camera=camera, limit=limit, include_labelled=include_labelled)
    counts = {"staff": 0, "customer": 0}
    for lab in labels(store):
        counts[lab.role] = counts.get(lab.role, 0) + 1
    return Loaded(
        rows,
        {r.id: _crop_images(data_dir, r) for r in rows},
        [(e.id, e.name) for e in employees(store, active_only=True)],
        [(c.config_id, c.label) for c in stats.cameras(store)],
        stats.site_timezone(store),
        counts,
    )


def _icon(image: QImage) -> QPixmap:
    """A crop fitted into the list's icon size, centred (every row's text starts at the same place)."""
    pm = QPixmap(ICON)
    pm.fill(QColor("#2b2f33"))
    small = image.scaled(ICON, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    painter = QPainter(pm)
    painter.drawImage((ICON.width() - small.width()) // 2, (ICON.height() - small.height()) // 2, small)
    painter.end()
    return pm


def evidence_text(row: TrackRow) -> str:
    """The role stage's evidence in a few words (``uniform 0.42 over 8 samples · classifier …``)."""
    ev = row.evidence
    if not ev:
        return "no role decision stored for this person"
    parts = []
    u = ev.get("uniform") or {}
    if u.get("samples") and u.get("similarity") is not None:
        parts.append(f"uniform colours {u['similarity']:.2f} over {u['samples']} samples")
    c = ev.get("classifier") or {}
    if c.get("samples"):
        parts.append(f"classifier p(staff) {c.get('p_staff') or 0:.2f} over {c['samples']} runs")
    z = ev.get("staff_zone") or {}
    if z.get("seconds"):
        parts.append(f"{z['seconds']:.0f} s in staff-only zones")
    e = ev.get("employee") or {}
    if e.get("id") is not None:
        parts.append(f"matched employee {e['id']}")
    return " · ".join(parts) if parts else "no cue said anything (no uniform examples or classifier yet)"


class RolesPanel(QWidget, StorePage):
    """People to label and the classifier's training.

    Signals:
        loaded: the list shows the latest refresh.
        labelled(int, str): a track's label was stored (row id, ``staff`` / ``customer`` / ``""`` cleared).
        uniformAdded(int): uniform pictures were stored (how many).
        trained(object): a classifier was trained and saved (:class:`~app.engine.role_training.TrainResult`).
        trainFailed(str): training failed (the message is also shown).
        faceEnrolled(int, int): an employee's face was enrolled from a track (track row id, employee id).

    Args:
        store: the database (None: the panel stays empty).
        data_dir: the data folder (crops; uniform pictures and the model are written there).
        site_name: the site's name, asked when training (the model file is named after it).

    Example:
        >>> panel = RolesPanel(store, Path("data"), lambda: "Demo store"); panel.refresh()   # doctest: +SKIP
    """

    loaded = Signal()
    labelled = Signal(int, str)
    uniformAdded = Signal(int)
    trained = Signal(object)
    trainFailed = Signal(str)
    faceEnrolled = Signal(int, int)
    _progressed = Signal(float)

    def __init__(
        self, store: Store | None, data_dir: Path, site_name: Callable[[], str] | None = None
    ) -> None:
        super().__init__()
        self.store = store
        self.data_dir = Path(data_dir)
        self.site_name = site_name or (lambda: "My store")
        self.tz: dt.tzinfo | None = None
        self.rows: list[TrackRow] = []
        self.crops: dict[int, list[QImage]] = {}
        self.counts: dict[str, int] = {}
        self.busy = False  # a label or uniform write is under way
        self.training = False

        # --- filters
        self.camera_box = QComboBox()
        self.camera_box.setMinimumWidth(150)
        self.camera_box.addItem("All cameras", None)
        self.labelled_box = QCheckBox("Also people already labelled")
        self.reload_button = QPushButton("Reload")
        self.count_label = QLabel("")
        self.count_label.setStyleSheet(NOTE_STYLE)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Camera"))
        bar.addWidget(self.camera_box)
        bar.addWidget(self.labelled_box)
        bar.addWidget(self.reload_button)
        bar.addWidget(self.count_label, 1)

        # --- the list
        self.list = QListWidget()
        self.list.setIconSize(ICON)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setUniformItemSizes(True)
        self.list.setMinimumWidth(330)
        self.list.setSpacing(1)

        # --- the selected person
        self.title = QLabel("")
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.crop_strip = QHBoxLayout()
        self.crop_strip.setSpacing(6)
        strip = QFrame()
        strip.setObjectName("cropStrip")
        strip.setStyleSheet("#cropStrip { background: #2b2f33; border-radius: 4px; }")
        strip.setMinimumHeight(CROP_H + 16)
        strip_lay = QHBoxLayout(strip)
        strip_lay.setContentsMargins(8, 8, 8, 8)
        strip_lay.addLayout(self.crop_strip)
        strip_lay.addStretch(1)
        # the crops scroll sideways: a long strip no longer widens the page past a small screen
        strip_scroll = QScrollArea()
        strip_scroll.setWidget(strip)
        strip_scroll.setWidgetResizable(True)
        strip_scroll.setFrameShape(QFrame.Shape.NoFrame)
        strip_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        strip_scroll.setFixedHeight(CROP_H + 16 + strip_scroll.horizontalScrollBar().sizeHint().height())
        self.title.setWordWrap(True)
        self.crop_labels: list[QLabel] = []
        self.role_label = QLabel("")
        self.role_label.setWordWrap(True)
        self.evidence_label = QLabel("")
        self.evidence_label.setWordWrap(True)
        self.evidence_label.setStyleSheet(NOTE_STYLE)

        self.staff_button = QPushButton("Staff  (S)")
        self.customer_button = QPushButton("Customer  (C)")
        self.skip_button = QPushButton("Skip  (N)")
        self.clear_button = QPushButton("Clear label  (Del)")
        for b, key in (
            (self.staff_button, "S"),
            (self.customer_button, "C"),
            (self.skip_button, "N"),
            (self.clear_button, "Del"),
        ):
            b.setShortcut(QKeySequence(key))
            b.setMinimumHeight(34)
        self.staff_button.setStyleSheet(f"QPushButton {{ border-left: 5px solid {ROLE_COLORS['staff']}; }}")
        self.customer_button.setStyleSheet(
            f"QPushButton {{ border-left: 5px solid {ROLE_COLORS['customer']}; }}"
        )
        self.staff_button.setToolTip("This person works here (S). The statistics count them as staff.")
        self.customer_button.setToolTip("This person is a customer (C).")
        self.skip_button.setToolTip("Next person without a label (N).")
        self.clear_button.setToolTip("Forget the label: the role the analysis decided is used again (Del).")
        self.employee_box = QComboBox()
        self.employee_box.setMinimumWidth(170)
        self.employee_box.setToolTip("For staff: who it is (links the person to the employee's timesheet).")
        self.uniform_button = QPushButton("Use as staff uniform example")
        self.uniform_button.setToolTip(
            f"Store {UNIFORM_CROPS} crops of this person as pictures of the staff uniform (of the chosen "
            "employee, or of all staff); used from the next analysis on."
        )
        self.face_button = QPushButton("Enrol face from this person")
        self.face_button.setToolTip(
            "Face identification: enrol the chosen employee's face from this tracked person (frames of the "
            "analysed video file, else the person's unblurred crops). Needs the employee's consent "
            "(docs/privacy.md); links this person to the employee."
        )
        self.action_label = QLabel("")
        self.action_label.setWordWrap(True)

        buttons = QHBoxLayout()
        for b in (self.staff_button, self.customer_button, self.skip_button, self.clear_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        who = QHBoxLayout()
        who.addWidget(QLabel("Employee (for staff)"))
        who.addWidget(self.employee_box)
        who.addWidget(self.uniform_button)
        who.addWidget(self.face_button)
        who.addStretch(1)

        # --- training
        self.train_box = QGroupBox("Staff / customer classifier")
        self.train_button = QPushButton("Train classifier")
        self.train_button.setMinimumHeight(30)
        self.train_button.setToolTip(
            "Train the site's classifier on the crops of the labelled people (and the uniform pictures). "
            "It is used from the next analysis on."
        )
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(260)
        self.label_counts = QLabel("")
        self.label_counts.setStyleSheet(NOTE_STYLE)
        self.train_help = QLabel(
            "Label a few dozen people (at least 2 staff and 2 customers; from 3 of each the training also "
            "measures the accuracy on people it has not seen). The classifier learns what the staff look like "
            "beyond a uniform's colours (an apron, a badge) and is used from the next analysis on."
        )
        self.train_help.setWordWrap(True)
        self.train_help.setStyleSheet(NOTE_STYLE)
        self.train_result = QLabel("")
        self.train_result.setWordWrap(True)
        self.train_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tl = QVBoxLayout(self.train_box)
        row = QHBoxLayout()
        row.addWidget(self.train_button)
        row.addWidget(self.progress)
        row.addWidget(self.label_counts, 1)
        tl.addWidget(self.train_help)
        tl.addLayout(row)
        tl.addWidget(self.train_result)

        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(8, 0, 0, 0)
        dl.addWidget(self.title)
        dl.addWidget(strip_scroll)
        dl.addWidget(self.role_label)
        dl.addWidget(self.evidence_label)
        dl.addSpacing(6)
        dl.addLayout(buttons)
        dl.addLayout(who)
        dl.addWidget(self.action_label)
        dl.addSpacing(10)
        dl.addWidget(self.train_box)
        dl.addStretch(1)

        detail_scroll = QScrollArea()  # the person's details scroll on a small screen, never overlap
        detail_scroll.setWidget(detail)
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        vbox(bar, (splitter(self.list, detail_scroll, stretch=(0, 1), sizes=(380, 1000)), 1), parent=self)

        self.reload_button.clicked.connect(self.refresh)
        self.camera_box.activated.connect(lambda _i: self.refresh())
        self.labelled_box.toggled.connect(lambda _on: self.refresh())
        self.list.currentRowChanged.connect(lambda _r: self._show_current())
        self.staff_button.clicked.connect(lambda: self.label("staff"))
        self.customer_button.clicked.connect(lambda: self.label("customer"))
        self.skip_button.clicked.connect(self.skip)
        self.clear_button.clicked.connect(self.clear)
        self.uniform_button.clicked.connect(self.add_uniform)
        self.face_button.clicked.connect(lambda: self.enrol_face())
        self.train_button.clicked.connect(self.train)
        self._progressed.connect(self._on_progress)
        self._show_current()

    # --- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the people to label (on a worker thread); the selection is kept when possible."""
        if self.store is None:
            self.count_label.setText("No database.")
            return
        store, folder = self.store, self.data_dir
        camera, also = self.camera_box.currentData(), self.labelled_box.isChecked()

        def work() -> Loaded:
            return load_people(store, folder, camera=camera, include_labelled=also)

        if self.read_in_background(work, self._show, self._failed, again=self.refresh):
            self.count_label.setText("loading…")

    def _failed(self, message: str) -> None:
        self.count_label.setText(f"Could not read the people: {message}")
        self.count_label.setStyleSheet(ERROR_STYLE)
        self.loaded.emit()

    def _show(self, data: Loaded) -> None:
        self.count_label.setStyleSheet(NOTE_STYLE)
        self.tz = data.tz
        keep = self.current()
        cam = self.camera_box.currentData()
        self.camera_box.clear()
        self.camera_box.addItem("All cameras", None)
        for cid, label in data.cameras:
            self.camera_box.addItem(label, cid)
        self.camera_box.setCurrentIndex(max(0, self.camera_box.findData(cam)))
        self.set_employees(data.employees)
        self.rows, self.crops, self.counts = list(data.rows), data.crops, data.counts
        self.list.blockSignals(True)
        self.list.clear()
        for r in self.rows:
            item = QListWidgetItem()
            self.list.addItem(item)
            self._paint_item(item, r)
        self.list.blockSignals(False)
        n = len(self.rows)
        what = "people" if self.labelled_box.isChecked() else "people not labelled yet"
        more = f" (the {LIMIT} most uncertain)" if n >= LIMIT else ""
        self.count_label.setText(
            f"{n} {what}{more}, the most uncertain first." if n else "No people to label."
        )
        self._show_counts()
        index = next((i for i, r in enumerate(self.rows) if keep and r.id == keep.id), 0 if n else -1)
        self.list.setCurrentRow(index)
        self._show_current()
        self.loaded.emit()

    def set_employees(self, people: list[tuple[int, str]]) -> None:
        """The employees a staff label can name (id, name)."""
        chosen = self.employee_box.currentData()
        self.employee_box.clear()
        self.employee_box.addItem("(not identified)", None)
        for eid, name in people:
            self.employee_box.addItem(name, eid)
        self.employee_box.setCurrentIndex(max(0, self.employee_box.findData(chosen)))

    def _camera_name(self, camera_id: str) -> str:
        i = self.camera_box.findData(camera_id)
        return self.camera_box.itemText(i) if i > 0 else camera_id

    def _show_counts(self) -> None:
        s, c = self.counts.get("staff", 0), self.counts.get("customer", 0)
        self.label_counts.setText(f"Labelled so far: {s} staff, {c} customer{'s' * (c != 1)}.")

    # --- showing --------------------------------------------------------------------------

    def _paint_item(self, item: QListWidgetItem, r: TrackRow) -> None:
        crops = self.crops.get(r.id) or []
        if crops:
            item.setIcon(QIcon(_icon(crops[0])))
        when = fmt_time(r.first_ts, self.tz)
        decided = r.role if r.role == "unknown" else f"{r.role} {100 * r.confidence:.0f} %"
        p = "–" if r.p_staff is None else f"{r.p_staff:.2f}"
        mark = f"✓ labelled {r.label}" if r.label else f"{decided} · p(staff) {p}"
        item.setText(f"{self._camera_name(r.camera)} · #{r.tracker_id} · {when}\n{fmt_duration(r.duration)} · {mark}")
        item.setData(Qt.ItemDataRole.UserRole, r.id)
        item.setForeground(QColor("#7a8088") if r.label else QColor("#1d2125"))
        item.setSizeHint(QSize(0, ICON.height() + 6))

    def current(self) -> TrackRow | None:
        """The selected person, if any."""
        i = self.list.currentRow()
        return self.rows[i] if 0 <= i < len(self.rows) else None

    def _show_current(self) -> None:
        r = self.current()
        for lab in self.crop_labels:
            self.crop_strip.removeWidget(lab)
            lab.hide()  # deleteLater waits for the event loop; hidden at once
            lab.deleteLater()
        self.crop_labels = []
        has = r is not None and self.store is not None
        for b in (self.staff_button, self.customer_button, self.skip_button, self.clear_button):
            b.setEnabled(has and not self.busy)
        self.uniform_button.setEnabled(has and not self.busy and bool(r and r.photos))
        self.face_button.setEnabled(has and not self.busy)
        self.clear_button.setEnabled(has and not self.busy and bool(r and r.label))
        self.train_button.setEnabled(self.store is not None and not self.training)
        if r is None:
            self.title.setText("Nobody to label" if self.store is not None else "No database")
            self.role_label.setText(
                "People appear here after an analysis: the ones the system was least sure about first."
            )
            self.evidence_label.setText("")
            return
        crops = self.crops.get(r.id) or []
        for img in crops:
            lab = QLabel()
            lab.setPixmap(QPixmap.fromImage(img))
            lab.setToolTip("A crop taken along the track")
            self.crop_labels.append(lab)
            self.crop_strip.addWidget(lab)
        if not crops:
            lab = QLabel("no photos of this person in the data folder")
            lab.setStyleSheet("color: #d0d4d8;")
            self.crop_labels.append(lab)
            self.crop_strip.addWidget(lab)
        end = fmt_time(r.last_ts, self.tz, date=False)
        self.title.setText(
            f"{self._camera_name(r.camera)} · person #{r.tracker_id} (run {r.run_id}) · "
            f"{fmt_time(r.first_ts, self.tz)}–{end}"
            f" · seen for {fmt_duration(r.duration)}"
        )
        colour = ROLE_COLORS.get(r.role, "#5a6068")
        conf = "" if r.role == "unknown" else f" ({100 * r.confidence:.0f} % sure)"
        p = "" if r.p_staff is None else f", p(staff) {r.p_staff:.2f}"
        label = f"<b>your label: {r.label}</b>" if r.label else "not labelled yet"
        emp = ""
        if r.employee_id is not None:
            i = self.employee_box.findData(r.employee_id)
            emp = f", employee {self.employee_box.itemText(i) if i >= 0 else r.employee_id}"
        shown = f" ({len(crops)} shown)" if 0 < len(crops) < len(r.photos) else ""
        self.role_label.setText(
            f"Role: <b style='color:{colour}'>{r.role}</b>{conf}{p}{emp} — {label}"
            f" · {len(r.photos)} crop{'s' * (len(r.photos) != 1)}{shown}"
        )
        self.evidence_label.setText(f"Why: {evidence_text(r)}")
        # the person's employee, else nobody: a name chosen for the previous person must not stick
        self.employee_box.setCurrentIndex(max(0, self.employee_box.findData(r.employee_id)))

    def _next_row(self) -> None:
        """Select the next person without a label (after the current one), else the next one."""
        start = self.list.currentRow()
        n = len(self.rows)
        for k in range(1, n + 1):
            i = (start + k) % n
            if self.rows[i].label is None:
                self.list.setCurrentRow(i)
                return
        if start + 1 < n:
            self.list.setCurrentRow(start + 1)

    def _replace(self, row: TrackRow) -> None:
        for i, r in enumerate(self.rows):
            if r.id == row.id:
                # the list keeps the crops read at refresh time (track() re-reads only the photo rows)
                self.rows[i] = dataclasses.replace(row, photos=row.photos or r.photos)
                item = self.list.item(i)
                if item is not None:
                    self._paint_item(item, self.rows[i])

    def _say(self, text: str, style: str = NOTE_STYLE) -> None:
        self.action_label.setText(text)
        self.action_label.setStyleSheet(style)

    # --- actions --------------------------------------------------------------------------

    def _write(self, fn: Callable[[], Any], done: Callable[[Any], None], *, python_thread: bool = False) -> bool:
        if self.store is None or self.busy:
            return False
        self.busy = True
        self._show_current()

        def ok(result: Any) -> None:
            self.busy = False
            done(result)
            self._show_current()

        def failed(message: str) -> None:
            self.busy = False
            self._say(message, ERROR_STYLE)
            self._show_current()

        run_async(fn, ok, failed, python_thread=python_thread)
        return True

    def label(self, role: str) -> bool:
        """Label the selected person ``staff`` or ``customer`` and move on (the write runs on a worker)."""
        r = self.current()
        if r is None or self.store is None:
            return False
        from app.store.roles import set_label, track

        store = self.store
        emp = self.employee_box.currentData() if role == "staff" else None
        old = r.label

        def write() -> TrackRow:
            set_label(store, r.id, role, employee_id=emp)
            return track(store, r.id)

        def done(row: TrackRow) -> None:
            if old != role:
                if old:
                    self.counts[old] = max(0, self.counts.get(old, 0) - 1)
                self.counts[role] = self.counts.get(role, 0) + 1
            self._show_counts()
            self._replace(row)
            who = f" ({self.employee_box.currentText()})" if emp is not None else ""
            self._say(f"Person #{row.tracker_id} of {row.camera} labelled {role}{who}.", OK_STYLE)
            self.labelled.emit(row.id, role)
            self._next_row()

        return self._write(write, done)

    def clear(self) -> bool:
        """Forget the selected person's label."""
        r = self.current()
        if r is None or self.store is None or r.label is None:
            return False
        from app.store.roles import clear_label, track

        store = self.store
        old = r.label

        def write() -> TrackRow:
            clear_label(store, r.id)
            return track(store, r.id)

        def done(row: TrackRow) -> None:
            self.counts[old] = max(0, self.counts.get(old, 0) - 1)
            self._show_counts()
            self._replace(row)
            self._say(f"Label of person #{row.tracker_id} cleared: the role is {row.role} again.")
            self.labelled.emit(row.id, "")

        return self._write(write, done)

    def skip(self) -> None:
        """Move on to the next person without a label."""
        if self.rows:
            self._next_row()

    def add_uniform(self) -> bool:
        """Store the selected person's crops as pictures of the staff uniform (worker thread)."""
        r = self.current()
        if r is None or self.store is None:
            return False
        from app.errors import UserError
        from app.store.roles import add_uniform_example, track_crops, uniform_examples

        store, folder = self.store, self.data_dir
        emp = self.employee_box.currentData()
        who = self.employee_box.currentText() if emp is not None else "all staff"

        def write() -> tuple[int, int]:
            crops = track_crops(store, folder, r.id, limit=UNIFORM_CROPS)
            if not crops:
                raise UserError(f"no crops of this person in {folder}")
            for c in crops:
                add_uniform_example(
                    store, folder, c, employee_id=emp, source=f"track:{r.camera}:{r.tracker_id}@{r.run_id}"
                )
            return len(crops), len(uniform_examples(store))

        def done(result: tuple[int, int]) -> None:
            n, total = result
            self._say(
                f"Added {n} uniform picture{'s' * (n != 1)} of {who} ({total} in all); "
                "used from the next analysis on.",
                OK_STYLE,
            )
            self.uniformAdded.emit(n)

        return self._write(write, done)

    def enrol_face(self, basis: str | None = None) -> bool:
        """Enrol the chosen employee's face from the selected person (worker thread).

        Args:
            basis: the consent's basis when none is recorded yet (None: a dialog asks).

        Returns:
            Whether the enrolment started (the note below the buttons says how it went).
        """
        r = self.current()
        if r is None or self.store is None or self.busy:
            return False
        emp = self.employee_box.currentData()
        if emp is None:
            self._say("Choose the employee this person is first (Employee box), then enrol the face.", ERROR_STYLE)
            return False
        from app.faces.gallery import consent_of

        store, folder = self.store, self.data_dir
        name = self.employee_box.currentText()
        if basis is None and not consent_of(store, emp).given:
            from app.gui.face_consent import ask_consent

            basis = ask_consent(self, name)
            if basis is None:
                self._say("Not enrolled: no consent recorded.", ERROR_STYLE)
                return False
        self._say(f"Looking for {name}'s face along person #{r.tracker_id}…")

        def write() -> tuple[str, TrackRow]:
            return _enrol_track(store, folder, emp, r.id, basis), track_of(store, r.id)

        def done(result: tuple[str, TrackRow]) -> None:
            message, row = result
            self._replace(row)
            self._say(message, OK_STYLE)
            self.faceEnrolled.emit(row.id, emp)

        return self._write(write, done, python_thread=True)  # dlib: see run_async

    # --- training -------------------------------------------------------------------------

    def train(self, *, epochs: int = EPOCHS) -> bool:
        """Train the site's classifier on a worker thread; the result (or the error) is shown."""
        if self.store is None or self.training:
            return False
        from app.engine.role_training import train_classifier

        self.training = True
        self.train_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.train_result.setStyleSheet(NOTE_STYLE)
        self.train_result.setText("Reading the crops of the labelled people…")
        store, folder, site = self.store, self.data_dir, self.site_name()

        def progress(share: float) -> None:  # worker thread: queued to the panel
            try:
                self._progressed.emit(share)
            except RuntimeError:  # the panel was closed meanwhile
                pass

        run_async(
            lambda: train_classifier(store, folder, site, epochs=epochs, progress=progress),
            self._trained,
            self._train_failed,
        )
        return True

    @Slot(float)
    def _on_progress(self, share: float) -> None:
        self.progress.setValue(round(100 * share))
        if self.training:
            self.train_result.setText("Training…")

    def _trained(self, result: Any) -> None:
        self._training_over(OK_STYLE, f"Classifier {result.describe()}. It is used from the next analysis on.")
        self.trained.emit(result)

    def _train_failed(self, message: str) -> None:
        self._training_over(ERROR_STYLE, f"Not trained: {message}")
        self.trainFailed.emit(message)

    def _training_over(self, style: str, text: str) -> None:
        self.training = False
        self.progress.setVisible(False)
        self.train_button.setEnabled(self.store is not None)
        self.train_result.setStyleSheet(style)
        self.train_result.setText(text)


def track_of(store: Store, track_id: int) -> TrackRow:
    """The track's row as the list shows it (worker thread)."""
    from app.store.roles import track

    return track(store, track_id)


def _enrol_track(store: Store, data_dir: Path, employee_id: int, track_id: int, basis: str | None) -> str:
    """Record the consent (when given) and enrol from the track — worker thread; returns the note."""
    from app.faces.track_enrol import enrol_from_track
    from app.gui.face_consent import consent_and_backend

    backend = consent_and_backend(store, employee_id, basis)
    res, found = enrol_from_track(store, data_dir, backend, employee_id, track_id)
    return (
        f"Enrolled {res.stored} face(s) ({backend.model}) from {len(found.pictures)} of {found.looked} "
        f"pictures ({found.source}); this person is now linked to the employee."
    )
