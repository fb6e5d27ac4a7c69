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
from app.gui.event_data import event_kinds, find_events, track_photos
from app.gui.event_frame_dialog import EventFrameDialog
from app.gui.event_model import THUMB, EventTableModel
from app.gui.qt_util import run_async
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


class EventBrowser(QWidget):
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
        self.loading = False
        self._again = False
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
        self.table.verticalHeader().setDefaultSectionSize(78)
        self.table.setIconSize(THUMB)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((70, 150, 130, 130, 80, 150, 70)):
            self.table.setColumnWidth(col, width)

        filters = QHBoxLayout()
        for label, widget in (
            ("Camera", self.camera_box),
            ("Module", self.module_box),
            ("Type", self.type_box),
            ("Zone", self.zone_box),
            ("From", self.since_edit),
            ("to", self.until_edit),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.search_button)
        filters.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(QLabel("Double-click an event to see the whole picture."))
        bottom.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)

        self.search_button.clicked.connect(self.refresh)
        for b in (self.camera_box, self.module_box, self.type_box, self.zone_box):
            b.activated.connect(lambda _i: self.refresh())
        self.module_box.activated.connect(lambda _i: self._fill_types())
        self.camera_box.activated.connect(lambda _i: self._fill_zones())
        self.table.doubleClicked.connect(lambda index: self.open_event(index.row()))
        self.export_button.clicked.connect(lambda: self.export())

    # --- filters --------------------------------------------------------------------------

    def set_store(self, store: Store | None, data_dir: Path | None = None) -> None:
        """Read from this database; fill the filter lists from what it holds."""
        self.store = store
        if data_dir is not None:
            self.data_dir = Path(data_dir)
            self.model.data_dir = self.data_dir
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
            self.module_box.addItem(m, m)
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
        for t in sorted({t for m, t, _ in self._kinds if module is None or m == module}):
            words = sorted({event_words(m, tt) for m, tt, _ in self._kinds if tt == t})
            self.type_box.addItem(words[0] if len(words) == 1 and words[0] != t else t, t)

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

    def filters(self) -> dict[str, object]:
        """The chosen filters as :func:`app.gui.event_data.find_events` arguments."""
        return {
            "camera": self.camera_box.currentData(),
            "module": self.module_box.currentData(),
            "type": self.type_box.currentData(),
            "zone": self.zone_box.currentData(),
            "since": _epoch(self.since_edit.dateTime(), self.tz),
            "until": _epoch(self.until_edit.dateTime(), self.tz) + 60,  # the whole last minute
        }

    # --- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Search with the chosen filters (on a worker thread)."""
        if self.store is None:
            return
        if self.loading:
            self._again = True
            return
        self.loading = True
        self.count_label.setText("searching…")
        store, f = self.store, self.filters()

        def load() -> tuple[list[EventRow], dict[int, PhotoRow]]:
            rows = find_events(store, limit=LIMIT, **f)  # type: ignore[arg-type]
            return rows, track_photos(
                store, [r.track_id for r in rows if r.track_id is not None and not r.photos]
            )

        run_async(load, self._show, self._failed)

    def _failed(self, message: str) -> None:
        self.loading = False
        self.count_label.setText(f"Could not read the events: {message}")
        self.loaded.emit()

    def _show(self, result: tuple[list[EventRow], dict[int, PhotoRow]]) -> None:
        self.loading = False
        if self._again:
            self._again = False
            self.refresh()
            return
        rows, photos = result
        self.model.set_events(rows, photos)
        more = f" (the newest {LIMIT}; narrow the filters to see older ones)" if len(rows) >= LIMIT else ""
        self.count_label.setText(f"{len(rows)} event{'s' * (len(rows) != 1)}{more}")
        self.loaded.emit()

    # --- actions --------------------------------------------------------------------------

    def open_event(self, row: int) -> EventFrameDialog | None:
        """Show the whole picture of the event in ``row`` (non-blocking dialog)."""
        if self.store is None or not 0 <= row < self.model.rowCount():
            return None
        dlg = EventFrameDialog(self.store, self.model.event_at(row), self.data_dir, self.tz, self)
        dlg.show()
        return dlg

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
