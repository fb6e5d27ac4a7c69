"""The event table's model: one row per event, a thumbnail of its crop, readable columns, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QPixmap

from app.events import event_words
from app.gui.qt_util import fmt_time
from app.store.event_rows import final_role
from app.store.queries import EventRow, PhotoRow

COLUMNS = ("Photo", "Time", "Camera", "Zone", "What happened", "Person", "Role", "Details")

#: A role in words (the track's final role once decided, else the event's own: ``final_role``).
ROLE_WORDS = {"customer": "customer", "staff": "staff", "unknown": "not yet known"}


def what(ev: EventRow) -> str:
    """The event's type in words."""
    return event_words(ev.module, ev.type)


THUMB = QSize(40, 50)  # compact rows: more events on a screen

Index = QModelIndex | QPersistentModelIndex


def details(ev: EventRow) -> str:
    """The payload in a few words (duration, zones, queue length, the alert's message…)."""
    p = ev.payload
    if p.get("message"):
        return str(p["message"])
    parts = []
    if p.get("duration") is not None:
        parts.append(f"{float(p['duration']):.1f} s")
    if p.get("zones"):
        parts.append(" → ".join(str(z) for z in p["zones"]))
    if p.get("length") is not None:
        parts.append(f"{float(p['length']):.1f} people in the queue")
    if p.get("wait_now"):
        parts.append(f"waiting {float(p['wait_now']):.0f} s")
    if p.get("role") and p["role"] != "unknown":
        parts.append(str(p["role"]))
    if p.get("class") and p["class"] != "person":
        parts.append(str(p["class"]))
    if ev.module == "shelf" and p.get("row") is not None:  # a shelf gap: where, how empty, restock, estimate
        parts.append(f"row {p['row']} segment {p.get('column', '?')}, {float(p.get('fraction', 0.0)):.0%} empty")
        if p.get("restock_s") is not None:
            parts.append(f"restocked after {float(p['restock_s']) / 60:.0f} min")
        if p.get("reached") is not None:
            parts.append(f"{p['reached']} reached into it")
        if (p.get("lost_sales") or {}).get("estimate") is not None:
            parts.append(f"lost sales ≈ {float(p['lost_sales']['estimate']):,.2f} (estimate)")
    if ev.module == "objects" and p.get("label"):  # an item left behind or missing
        owner = f", owner track {p['owner_track']}" if p.get("owner_track") is not None else ""
        parts.append(f"{p['label']}, still {float(p.get('still_s', 0.0)):.0f} s{owner}")
    return ", ".join(parts)


class EventTableModel(QAbstractTableModel):
    """Events as table rows; thumbnails are read from the data folder when a row is first shown.

    Example:
        >>> model = EventTableModel(Path("data")); model.set_events(rows)   # doctest: +SKIP
    """

    def __init__(self, data_dir: Path, tz: dt.tzinfo | None = None) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.tz = tz
        self.zone_names: dict[tuple[str, str], str] = {}
        self.camera_names: dict[str, str] = {}
        self._rows: list[EventRow] = []
        self._thumbs: dict[int, QPixmap | None] = {}
        self._track_photos: dict[int, PhotoRow] = {}
        self._roles: dict[int, str] = {}

    def set_events(
        self,
        rows: list[EventRow],
        track_photos: dict[int, PhotoRow] | None = None,
        roles: dict[int, str] | None = None,
    ) -> None:
        """Show these events (with the tracks' photos for events without one, and their final roles)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._track_photos = dict(track_photos or {})
        self._roles = dict(roles or {})
        self._thumbs.clear()
        self.endResetModel()

    def event_at(self, row: int) -> EventRow:
        """The event shown in ``row``."""
        return self._rows[row]

    def events(self) -> list[EventRow]:
        """Every event shown."""
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        """Number of events."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        """Number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def thumbnail(self, row: int) -> QPixmap | None:
        """The event's first crop, scaled to the thumbnail size (cached)."""
        ev = self._rows[row]
        if ev.id not in self._thumbs:
            pix = None
            photo = self.photo(row)
            if photo is not None:
                loaded = QPixmap(str(self.data_dir / photo.path))
                if not loaded.isNull():
                    pix = loaded.scaled(
                        THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                    )
            self._thumbs[ev.id] = pix
        return self._thumbs[ev.id]

    def photo(self, row: int) -> PhotoRow | None:
        """The event's crop, else the photo of its person taken when the track started."""
        ev = self._rows[row]
        own = next((p for p in ev.photos if p.kind == "crop"), ev.photos[0] if ev.photos else None)
        if own is None and ev.track_id is not None:
            return self._track_photos.get(ev.track_id)
        return own

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, the thumbnail, tooltips."""
        if not index.isValid():
            return None
        ev = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return self.thumbnail(index.row())
        if role == Qt.ItemDataRole.SizeHintRole and col == 0:
            return QSize(THUMB.width() + 8, THUMB.height() + 6)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{ev.module} / {ev.type}: {json.dumps(ev.payload, ensure_ascii=False)}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if col == 0:
            return "" if self.photo(index.row()) is not None else "–"
        if col == 1:
            return fmt_time(ev.ts, self.tz)
        if col == 2:
            return self.camera_names.get(ev.camera, ev.camera)
        if col == 3:
            return self.zone_names.get((ev.camera, ev.zone or ""), ev.zone or "")
        if col == 4:
            return what(ev)
        if col == 5:
            return "" if ev.tracker_id is None else f"#{ev.tracker_id}"
        if col == 6:
            return self.role(ev)
        return details(ev)

    def role(self, ev: EventRow) -> str:
        """Customer / staff / not yet known, for events about a person ("" otherwise)."""
        track_role = self._roles.get(ev.track_id) if ev.track_id is not None else None
        if ev.track_id is None and not ev.payload.get("role"):
            return ""
        role = final_role(track_role, ev.payload)  # the same role the statistics count the event under
        return ROLE_WORDS.get(str(role), str(role))

    def export_csv(self, rows: list[int], path: Path, *, photos: bool = True) -> int:
        """Write these rows to a CSV file (and copy their photos into ``<name>_photos/``).

        Returns:
            Rows written.

        Raises:
            OSError: the file or the photos cannot be written.
        """
        folder = path.with_name(path.stem + "_photos")
        written = 0
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "time",
                    "epoch",
                    "camera",
                    "zone",
                    "module",
                    "type",
                    "what",
                    "track",
                    "details",
                    "payload",
                    "photo",
                ]
            )
            for r in rows:
                ev = self._rows[r]
                photo = ""
                ph = self.photo(r)
                if photos and ph is not None:
                    src = self.data_dir / ph.path
                    if src.is_file():
                        folder.mkdir(parents=True, exist_ok=True)
                        dst = folder / f"{ev.id}_{src.name}"
                        shutil.copyfile(src, dst)
                        photo = f"{folder.name}/{dst.name}"
                w.writerow(
                    [
                        fmt_time(ev.ts, self.tz),
                        f"{ev.ts:.3f}",
                        ev.camera,
                        ev.zone or "",
                        ev.module,
                        ev.type,
                        what(ev),
                        "" if ev.tracker_id is None else ev.tracker_id,
                        details(ev),
                        json.dumps(ev.payload, ensure_ascii=False),
                        photo,
                    ]
                )
                written += 1
        return written
