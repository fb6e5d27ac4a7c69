"""The Plates page: plate reads with their photos, search by (part of a) plate, a vehicle's visits.

Reads the stored ``plates``/``read`` events (newest first, on a worker thread). The search field
matches part of a plate with Latin and Cyrillic look-alike letters equal (``a123`` finds
``А123ВС77``). Selecting a read shows its plate and vehicle photos and the vehicle's visits
(:func:`analytics.plates.parking_stats` over the loaded reads — the same numbers as the report's
Parking sheet).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analytics.plates import Passage, parking_stats, plate_matches
from app.gui.qt_util import run_async
from app.store import queries, stats
from app.store.db import Store
from app.store.queries import EventRow

#: Reads loaded at most (newest first).
LIMIT = 2000
COLUMNS = ("Time", "Camera", "Plate", "Confidence", "Direction", "List")


class PlatesPage(QWidget):
    """Plate reads, searchable, with photos and the selected vehicle's visits.

    Args:
        store: the database (None: nothing to show until :meth:`set_store`).
        data_dir: the data folder (photos are relative to it).
    """

    loaded = Signal()

    def __init__(self, store: Store | None, data_dir: Path) -> None:
        super().__init__()
        self.store, self.data_dir = store, data_dir
        self.tz: dt.tzinfo | None = None
        self._rows: list[EventRow] = []
        self._shown: list[EventRow] = []
        self.loading = False
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            "Search a plate: part of it, Latin or Cyrillic letters (e.g. a123 or 77)"
        )
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.count_label = QLabel("")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.count_label)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selected)
        self.plate_photo = QLabel("Select a read to see its photos")
        self.plate_photo.setMinimumSize(260, 70)
        self.plate_photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.vehicle_photo = QLabel()
        self.vehicle_photo.setMinimumSize(260, 200)
        self.vehicle_photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.visits = QLabel("")
        self.visits.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(self.plate_photo)
        side.addWidget(self.vehicle_photo)
        side.addWidget(self.visits)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addLayout(side, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(body, 1)

    def set_store(self, store: Store | None, data_dir: Path | None = None) -> None:
        """Show another database (read on the next :meth:`refresh`)."""
        self.store = store
        if data_dir is not None:
            self.data_dir = data_dir

    def refresh(self) -> None:
        """Read the newest plate reads again (on a worker thread); ``loaded`` is emitted when shown."""
        if self.store is None or self.loading:
            return
        self.loading = True
        self.count_label.setText("reading…")
        store = self.store

        def load() -> tuple[list[EventRow], dt.tzinfo | None]:
            return queries.events(store, None, "plates", "read", limit=LIMIT), stats.site_timezone(store)

        run_async(load, self._show, self._failed)

    def _failed(self, message: str) -> None:
        self.loading = False
        self.count_label.setText(f"Could not read the plates: {message}")
        self.loaded.emit()

    def _show(self, result: tuple[list[EventRow], dt.tzinfo | None]) -> None:
        self.loading = False
        self._rows, self.tz = result
        self._filter()
        self.loaded.emit()

    def _filter(self) -> None:
        q = self.search.text().strip()
        self._shown = [r for r in self._rows if not q or plate_matches(q, str(r.payload.get("text", "")))]
        self.table.setRowCount(len(self._shown))
        for i, r in enumerate(self._shown):
            p = r.payload
            cells = (
                stats.local_time(r.ts, self.tz).strftime("%Y-%m-%d %H:%M:%S"),
                r.camera,
                str(p.get("text", "")) + ("  (uncertain)" if p.get("uncertain") else ""),
                f"{float(p.get('confidence', 0.0)):.0%}",
                str(p.get("direction", "")),
                str(p.get("listed") or ""),
            )
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        n = len(self._shown)
        self.count_label.setText(f"{n:,} read{'s' * (n != 1)}" + (f" of {len(self._rows):,}" if q else ""))

    def selected_row(self) -> EventRow | None:
        """The read selected in the table."""
        rows = self.table.selectionModel().selectedRows()
        return self._shown[rows[0].row()] if rows else None

    def _selected(self) -> None:
        r = self.selected_row()
        if r is None:
            return
        for label, kind, width in ((self.plate_photo, "plate", 260), (self.vehicle_photo, "crop", 260)):
            photo = next((ph for ph in r.photos if ph.kind == kind), None)
            pix = QPixmap(str(self.data_dir / photo.path)) if photo is not None else QPixmap()
            if pix.isNull():
                label.setPixmap(QPixmap())
                label.setText("no photo" + (" (plates stored hashed)" if r.payload.get("hashed") else ""))
            else:
                label.setPixmap(pix.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation))
        text = str(r.payload.get("text", ""))
        mine = [
            Passage(text, e.ts, str(e.payload.get("direction", "")))
            for e in self._rows
            if str(e.payload.get("text", "")) == text
        ]
        (v,) = parking_stats(mine)
        parked = f", parked {v.parked_s / 60:.0f} min in all" if v.parked_s else ""
        self.visits.setText(
            f"<b>{text}</b>: {v.visits} visit{'s' * (v.visits != 1)} ({v.entries} in, {v.exits} out{parked}); "
            f"first {stats.local_time(v.first_ts, self.tz):%Y-%m-%d %H:%M}, "
            f"last {stats.local_time(v.last_ts, self.tz):%Y-%m-%d %H:%M}"
        )
