"""The Plates page: plate reads with their photos, search by (part of a) plate, a vehicle's visits.

Reads the stored ``plates``/``read`` events (newest first, on a worker thread). The search field
matches part of a plate with Latin and Cyrillic look-alike letters equal (``a123`` finds
``А123ВС77``). Selecting a read shows its plate and vehicle photos and the vehicle's visits
(:func:`analytics.plates.parking_stats` over the loaded reads — the same numbers as the report's
Parking sheet).

The "Lists" box edits the camera's deny / watch / allow lists (``cameras[].modules.plates``) with
a note per plate, saved to the site config file through :class:`~app.gui.site_document.SiteDocument`.
A typed plate is spelled as the reader spells it (Latin look-alikes → Cyrillic, no spaces); an
impossible plate (format, region code) is refused with one line under the form.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analytics.plates import on_list, parking_stats, plate_matches, width_warnings
from app.config import format_validation_error
from app.errors import UserError
from app.gui.qt_util import StorePage, fill_module_cameras, row_table
from app.gui.site_document import SiteDocument
from app.modules.plates.lists import edit_lists
from app.modules.plates.lists import entries as list_entries
from app.modules.plates.settings import LISTS, PlatesSettings, list_plate
from app.reports.parking_sheets import counted_passages
from app.store import queries, stats
from app.store.db import Store
from app.store.queries import EventRow

if TYPE_CHECKING:
    from app.gui.panels import PanelContext

#: Reads loaded at most (newest first).
LIMIT = 2000
COLUMNS = ("Time", "Camera", "Plate", "Confidence", "Direction", "List")
LIST_COLUMNS = ("Plate", "List", "Note")
#: The list filter's choices: (label, value of ``plates log --list``; None: every read).
LIST_FILTERS = (
    ("All reads", None),
    ("Deny list", "deny"),
    ("Watch list", "watch"),
    ("Allow list", "allow"),
    ("On a list", "any"),
    ("On no list", "none"),
)


class PlateListsPanel(QGroupBox):
    """One camera's deny / watch / allow plate lists with notes, saved to the site config.

    Signals:
        saved: the lists were written to the config file.

    Args:
        document: the site config (saved through it).

    Example:
        >>> panel = PlateListsPanel(doc); panel.plate.setText("a123bc77"); panel.add()  # doctest: +SKIP
    """

    saved = Signal()

    def __init__(self, document: SiteDocument) -> None:
        super().__init__("Lists (deny: alert, watch: alert, allow: known vehicles)")
        self.document = document
        self.camera = QComboBox()
        self.camera.currentIndexChanged.connect(self._show)
        self.table = QTableWidget(0, len(LIST_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(LIST_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.plate = QLineEdit()
        self.plate.setPlaceholderText("Plate, e.g. А123ВС77 or a123bc77")
        self.plate.returnPressed.connect(self.add)
        self.which = QComboBox()
        self.which.addItems(list(LISTS))
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note (why it is listed)")
        self.note.returnPressed.connect(self.add)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.clicked.connect(self.remove)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        form = QHBoxLayout()
        form.addWidget(QLabel("Camera"))
        form.addWidget(self.camera)
        form.addWidget(self.plate, 1)
        form.addWidget(self.which)
        form.addWidget(self.note, 2)
        form.addWidget(self.add_button)
        form.addWidget(self.remove_button)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        document.changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        """Show the config's cameras (plates-enabled first) and the selected camera's lists."""
        cams = fill_module_cameras(self.camera, self.document.config.cameras, "plates")
        for w in (self.plate, self.note, self.add_button, self.remove_button):
            w.setEnabled(bool(cams))
        self._show()

    def entries(self) -> list[tuple[str, str, str]]:
        """The selected camera's listed plates: (plate, list, note)."""
        cfg = self._settings()
        return [] if cfg is None else list_entries(cfg)

    def _settings(self) -> PlatesSettings | None:
        cam = self.document.camera(self.camera.currentData() or "")
        return cam.modules.plates if cam is not None else None

    def _show(self) -> None:
        rows = self.entries()
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                self.table.setItem(i, j, QTableWidgetItem(text))
        if not self.document.config.cameras:
            self._say("Add a camera first (Cameras tab): lists belong to a camera.", error=False)

    def _say(self, text: str, *, error: bool) -> None:
        self.message.setStyleSheet("color: #c62828;" if error else "")
        self.message.setText(text)

    def add(self) -> None:
        """Put the typed plate on the chosen list (off any other list) with its note, and save."""
        try:
            plate = list_plate(self.plate.text())
        except ValueError as e:
            self._say(str(e), error=True)
            return
        which = self.which.currentText()
        note = self.note.text().strip()
        if self._save(plate, which, note):
            self._say(f"{plate} is on the {which} list of {self.camera.currentData()} (saved).", error=False)
            self.plate.clear()
            self.note.clear()

    def remove(self) -> None:
        """Take the selected plates off their lists and save."""
        picked = {self.table.item(ix.row(), 0).text() for ix in self.table.selectionModel().selectedRows()}
        if not picked:
            self._say("Select a plate in the list to remove it.", error=True)
            return
        if self._save(picked, None, ""):
            self._say(f"Removed {', '.join(sorted(picked))} (saved).", error=False)

    def _save(self, plates: str | set[str], which: str | None, note: str) -> bool:
        cam = self.document.camera(self.camera.currentData() or "")
        if cam is None:
            self._say("No camera to list plates for.", error=True)
            return False
        gone = {plates} if isinstance(plates, str) else plates
        try:
            new = edit_lists(cam.modules.plates, gone, which, note)
            modules = cam.modules.model_copy(update={"plates": new})
            self.document.replace_camera(cam.model_copy(update={"modules": modules}))
        except ValidationError as e:
            self._say(f"Not saved: {format_validation_error(e)}", error=True)
            return False
        except UserError as e:
            self._say(f"Not saved: {e}", error=True)
            return False
        self.saved.emit()
        return True


class PlatesPage(QWidget, StorePage):
    """Plate reads, searchable, with photos and the selected vehicle's visits.

    Args:
        store: the database (None: nothing to show until :meth:`set_store`).
        data_dir: the data folder (photos are relative to it).
        document: the site config (its plate lists are edited here); None: no list editor.
    """

    loaded = Signal()

    def __init__(self, store: Store | None, data_dir: Path, document: SiteDocument | None = None) -> None:
        super().__init__()
        self.store, self.data_dir = store, data_dir
        self.tz: dt.tzinfo | None = None
        self._rows: list[EventRow] = []
        self._shown: list[EventRow] = []
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            "Search a plate: part of it, Latin or Cyrillic letters (e.g. a123 or 77)"
        )
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.list_filter = QComboBox()
        for label, value in LIST_FILTERS:
            self.list_filter.addItem(label, value)
        self.list_filter.setToolTip("Only reads of plates on this list (as it was when the plate was read)")
        self.list_filter.currentIndexChanged.connect(self._filter)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.count_label = QLabel("")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.list_filter)
        top.addWidget(self.refresh_button)
        top.addWidget(self.count_label)
        # The installer's warning: a camera whose plates are too small to read reliably (newest reads).
        self.size_warning = QLabel("")
        self.size_warning.setWordWrap(True)
        self.size_warning.setStyleSheet("color: #a15c00;")
        self.size_warning.hide()
        self.table = row_table(COLUMNS, self._selected)
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
        lay.addWidget(self.size_warning)
        lay.addLayout(body, 3)
        self.lists = PlateListsPanel(document) if document is not None else None
        if self.lists is not None:
            lay.addWidget(self.lists, 2)

    def refresh(self) -> None:
        """Read the newest plate reads again (on a worker thread); ``loaded`` is emitted when shown."""
        if self.store is None:
            return
        store = self.store

        def load() -> tuple[list[EventRow], dt.tzinfo | None]:
            return queries.events(store, None, "plates", "read", limit=LIMIT), stats.site_timezone(store)

        if self.read_in_background(load, self._show, self._failed):
            self.count_label.setText("reading…")

    def _failed(self, message: str) -> None:
        self.count_label.setText(f"Could not read the plates: {message}")
        self.loaded.emit()

    def _show(self, result: tuple[list[EventRow], dt.tzinfo | None]) -> None:
        self._rows, self.tz = result
        warnings = width_warnings([(r.camera, r.payload.get("plate_px")) for r in self._rows])
        self.size_warning.setText("\n".join(w[0].upper() + w[1:] + "." for w in warnings))
        self.size_warning.setVisible(bool(warnings))
        self._filter()
        self.loaded.emit()

    def _filter(self) -> None:
        q = self.search.text().strip()
        wanted = self.list_filter.currentData()
        self._shown = [
            r
            for r in self._rows
            if (not q or plate_matches(q, str(r.payload.get("text", ""))))
            and on_list(r.payload.get("listed"), wanted)
        ]
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
        self.count_label.setText(
            f"{n:,} read{'s' * (n != 1)}" + (f" of {len(self._rows):,}" if q or wanted else "")
        )

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
        # The Parking sheet's rule: uncertain reads are shown (marked) but not counted as visits.
        mine = counted_passages(e for e in self._rows if str(e.payload.get("text", "")) == text)
        if not mine:
            self.visits.setText(f"<b>{text}</b>: an uncertain read, not counted as a visit (check the photo)")
            return
        (v,) = parking_stats(mine)
        parked = f", parked {v.parked_s / 60:.0f} min in all" if v.parked_s else ""
        self.visits.setText(
            f"<b>{text}</b>: {v.visits} visit{'s' * (v.visits != 1)} ({v.entries} in, {v.exits} out{parked}); "
            f"first {stats.local_time(v.first_ts, self.tz):%Y-%m-%d %H:%M}, "
            f"last {stats.local_time(v.last_ts, self.tz):%Y-%m-%d %H:%M}"
        )


def panel(ctx: PanelContext) -> PlatesPage:
    """The plates package's panel (``ModulePackage.panel``): the Plates tab of the main window."""
    page = PlatesPage(ctx.store, ctx.data_dir, ctx.document)
    page.setWindowTitle("Plates")
    return page
