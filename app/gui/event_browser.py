"""The event browser: every event with its photo; filter by camera, module, type, zone and time.

Double-click an event to see the whole camera picture with the person's box; export the
selected events (or all shown) to CSV with their photos.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.events import event_words
from app.gui.event_data import event_kinds, find_events, track_photos, track_roles
from app.gui.event_frame_dialog import EventFrameDialog
from app.gui.event_model import THUMB, EventTableModel
from app.gui.qt_util import StorePage
from app.store import stats
from app.store.db import Store
from app.store.queries import EventRow, PhotoRow

LIMIT = 1000


def _qdt(ts: float, tz: dt.tzinfo | None) -> QDateTime:
    t = dt.datetime.fromtimestamp(ts, tz)
    return QDateTime(t.year, t.month, t.day, t.hour, t.minute, t.second)


def _epoch(q: QDateTime, tz: dt.tzinfo | None) -> float:
    d, t = q.date(), q.time()
    naive = dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second())
    return (naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()).timestamp()


class EventBrowser(QWidget, StorePage):
    """Browse, filter and export events.

    Signals:
        loaded: the table shows the result of the latest filters.

    Args:
        store: the database.
        data_dir: the data folder (photos are under ``crops/``).

    Example:
        >>> browser = EventBrowser(store, Path("data")); browser.set_store(store)   # doctest: +SKIP
        >>> browser.set_filter(module="footfall"); browser.refresh()                # doctest: +SKIP
    """

    loaded = Signal()

    def __init__(self, store: Store | None, data_dir: Path) -> None:
        super().__init__()
        self.store = store
        self.data_dir = Path(data_dir)
        self.tz: dt.tzinfo | None = None
        self.model = EventTableModel(self.data_dir)
        self._cams: list[stats.CameraRow] = []
        self._kinds: list[tuple[str, str, int]] = []

        self.camera_box = QComboBox()
        self.module_box = QComboBox()
        self.type_box = QComboBox()
        self.zone_box = QComboBox()
        for b in (self.camera_box, self.module_box, self.type_box, self.zone_box):
            b.setMinimumWidth(120)
        self.since_edit = QDateTimeEdit()
        self.until_edit = QDateTimeEdit()
        for e in (self.since_edit, self.until_edit):
            e.setCalendarPopup(True)
            e.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.search_button = QPushButton("Search")
        self.snapshots = QCheckBox("Queue snapshots")
        self.snapshots.setToolTip(
            "Show the queue's status written every few seconds (hidden: they bury the events of people)."
        )
        self.newer_button = QPushButton("◀ Newer")
        self.older_button = QPushButton("Older ▶")
        self.newer_button.setToolTip(f"The {LIMIT} events before these")
        self.older_button.setToolTip(f"The next {LIMIT} older events")
        self._pages: list[tuple[float, int] | None] = [None]  # the cursor of each page shown so far
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(
            "Write the selected events (all shown if none is selected) to CSV, with photos."
        )
        self.count_label = QLabel("")
        self.count_label.setStyleSheet("color: #5a6068;")

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(THUMB.height() + 6)
        self.table.setIconSize(THUMB)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((52, 150, 130, 130, 170, 70, 110)):
            self.table.setColumnWidth(col, width)

        filters = QHBoxLayout()
        self.filter_labels: dict[str, QLabel] = {}
        for label, widget in (
            ("Camera", self.camera_box),
            ("Module", self.module_box),
            ("Type", self.type_box),
            ("Zone", self.zone_box),
            ("From", self.since_edit),
            ("to", self.until_edit),
        ):
            self.filter_labels[label] = QLabel(label)
            filters.addWidget(self.filter_labels[label])
            filters.addWidget(widget)
        filters.addWidget(self.snapshots)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.newer_button)
        bottom.addWidget(self.older_button)
        bottom.addWidget(QLabel("Double-click an event to see the whole picture."))
        bottom.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)

        self.search_button.clicked.connect(self.refresh)
        self.snapshots.toggled.connect(lambda _on: self.refresh())
        self.older_button.clicked.connect(self.older)
        self.newer_button.clicked.connect(self.newer)
        for b in (self.camera_box, self.module_box, self.type_box, self.zone_box):
            b.activated.connect(lambda _i: self.refresh())
        self.module_box.activated.connect(lambda _i: self._fill_types())
        self.camera_box.activated.connect(lambda _i: self._fill_zones())
        self.table.doubleClicked.connect(lambda index: self.open_event(index.row()))
        self.export_button.clicked.connect(lambda: self.export())

    # --- filters --------------------------------------------------------------------------

    def store_changed(self) -> None:
        """Fill the filter lists from what the new database holds."""
        self.model.data_dir = self.data_dir
        store = self.store
        for b in (self.camera_box, self.module_box):
            b.clear()
            b.addItem("any", None)
        if store is None:
            return
        self.tz = stats.site_timezone(store)
        self.model.tz = self.tz
        self._cams = stats.cameras(store)
        self.model.zone_names = {(c.config_id, z.config_id): z.label for c in self._cams for z in c.zones}
        self.model.camera_names = {c.config_id: c.label for c in self._cams}
        for c in self._cams:
            self.camera_box.addItem(c.label, c.config_id)
        self._kinds = event_kinds(store)
        for m in sorted({m for m, _, _ in self._kinds}):
            n = sum(c for mm, _, c in self._kinds if mm == m)
            self.module_box.addItem(f"{m} ({n:,})", m)
        self._fill_types()
        self._fill_zones()
        span = stats.data_span(store)
        lo, hi = span if span else (dt.datetime.now().timestamp() - 86400, dt.datetime.now().timestamp())
        self.since_edit.setDateTime(_qdt(lo - 60, self.tz))
        self.until_edit.setDateTime(_qdt(hi + 60, self.tz))

    def _fill_types(self) -> None:
        module = self.module_box.currentData()
        self.type_box.clear()
        self.type_box.addItem("any", None)
        counts: dict[str, int] = {}
        for m, t, n in self._kinds:
            if module is None or m == module:
                counts[t] = counts.get(t, 0) + n
        for t in sorted(counts, key=lambda k: -counts[k]):  # the most frequent kinds first
            words = sorted({event_words(m, tt) for m, tt, _ in self._kinds if tt == t})
            name = words[0] if len(words) == 1 else t.replace("_", " ")
            self.type_box.addItem(f"{name} ({counts[t]:,})", t)

    def _fill_zones(self) -> None:
        camera = self.camera_box.currentData()
        self.zone_box.clear()
        self.zone_box.addItem("any", None)
        for c in self._cams:
            if camera is None or c.config_id == camera:
                for z in c.zones:
                    self.zone_box.addItem(z.label if camera else f"{c.label}: {z.label}", z.config_id)

    def set_filter(self, **values: str | None) -> None:
        """Choose filter values by data: ``camera``, ``module``, ``type``, ``zone`` (None: any)."""
        boxes = {
            "camera": self.camera_box,
            "module": self.module_box,
            "type": self.type_box,
            "zone": self.zone_box,
        }
        for key in ("camera", "module", "type", "zone"):
            if key not in values:
                continue
            box = boxes[key]
            i = box.findData(values[key]) if values[key] is not None else 0
            if i < 0:
                raise ValueError(f"no {key} {values[key]!r} to filter on")
            box.setCurrentIndex(i)
            if key == "module":
                self._fill_types()
            if key == "camera":
                self._fill_zones()

    def set_period(self, since: float, until: float) -> None:
        """Search events in ``[since, until)`` (the window's shared period control)."""
        self.since_edit.setDateTime(_qdt(since, self.tz))
        self.until_edit.setDateTime(_qdt(until - 60, self.tz))

    def hide_period(self) -> None:
        """The window's shared period control is used instead of this page's own fields."""
        for w in (self.since_edit, self.until_edit, self.filter_labels["From"], self.filter_labels["to"]):
            w.hide()

    def filters(self) -> dict[str, object]:
        """The chosen filters as :func:`app.gui.event_data.find_events` arguments."""
        return {
            "camera": self.camera_box.currentData(),
            "module": self.module_box.currentData(),
            "type": self.type_box.currentData(),
            "zone": self.zone_box.currentData(),
            "since": _epoch(self.since_edit.dateTime(), self.tz),
            "until": _epoch(self.until_edit.dateTime(), self.tz) + 60,  # the whole last minute
            "exclude": () if self.snapshots.isChecked() or self.type_box.currentData() == "snapshot"
            else (("queue", "snapshot"),),
        }

    # --- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Search with the chosen filters (on a worker thread), from the newest event."""
        self._pages = [None]
        self._load()

    def older(self) -> None:
        """The next page of older events."""
        rows = self.model.events()
        if rows:
            self._pages.append((rows[-1].ts, rows[-1].id))
            self._load()

    def newer(self) -> None:
        """Back to the page of newer events."""
        if len(self._pages) > 1:
            self._pages.pop()
            self._load()

    def _load(self) -> None:
        if self.store is None:
            return
        store, f, before = self.store, self.filters(), self._pages[-1]

        def load() -> tuple[list[EventRow], dict[int, PhotoRow], dict[int, str]]:
            rows = find_events(store, limit=LIMIT, before=before, **f)  # type: ignore[arg-type]
            photos = track_photos(store, [r.track_id for r in rows if r.track_id is not None and not r.photos])
            return rows, photos, track_roles(store, [r.track_id for r in rows if r.track_id is not None])

        if self.read_in_background(load, self._show, self._failed, again=self._load):
            self.count_label.setText("searching…")

    def _failed(self, message: str) -> None:
        self.count_label.setText(f"Could not read the events: {message}")
        self.loaded.emit()

    def _show(self, result: tuple[list[EventRow], dict[int, PhotoRow], dict[int, str]]) -> None:
        rows, photos, roles = result
        self.model.set_events(rows, photos, roles)
        page = len(self._pages)
        first = (page - 1) * LIMIT
        if page == 1 and len(rows) < LIMIT:
            text = f"{len(rows):,} event{'s' * (len(rows) != 1)}"
        else:
            text = f"events {first + 1:,}–{first + len(rows):,}, newest first"
        if not self.snapshots.isChecked():
            text += " · queue snapshots hidden"
        self.count_label.setText(text)
        self.newer_button.setEnabled(page > 1)
        self.older_button.setEnabled(len(rows) >= LIMIT)
        self.loaded.emit()

    # --- actions --------------------------------------------------------------------------

    def open_event(self, row: int) -> EventFrameDialog | None:
        """Show the whole picture of the event in ``row`` (non-blocking dialog with previous/next)."""
        if self.store is None or not 0 <= row < self.model.rowCount():
            return None
        ev = self.model.event_at(row)
        dlg = EventFrameDialog(self.store, ev, self.data_dir, self.tz, self, **self._names(ev))
        current = [row]

        def step(delta: int) -> None:
            new = current[0] + delta
            if 0 <= new < self.model.rowCount():
                current[0] = new
                self.table.selectRow(new)
                e = self.model.event_at(new)
                dlg.show_event(e, **self._names(e))
            dlg.prev_button.setEnabled(current[0] > 0)
            dlg.next_button.setEnabled(current[0] < self.model.rowCount() - 1)

        dlg.navigate = step
        step(0)
        dlg.show()
        return dlg

    def _names(self, ev: EventRow) -> dict[str, str]:
        return {
            "camera_name": self.model.camera_names.get(ev.camera, ""),
            "zone_name": self.model.zone_names.get((ev.camera, ev.zone), "") if ev.zone else "",
        }

    def selected_rows(self) -> list[int]:
        """Selected rows, in table order."""
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def export(self, path: Path | None = None) -> int:
        """Export the selected events (all shown when none is) to CSV with their photos.

        Returns:
            Rows written (0 when cancelled or failed; the reason is shown).
        """
        rows = self.selected_rows() or list(range(self.model.rowCount()))
        if not rows:
            return 0
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export events", "events.csv", "CSV files (*.csv)")
            if not chosen:
                return 0
            path = Path(chosen)
        try:
            n = self.model.export_csv(rows, path)
        except OSError as e:
            self.count_label.setText(f"Not exported: {e.strerror or e}")
            return 0
        self.count_label.setText(f"Exported {n} event{'s' * (n != 1)} to {path}")
        return n
