"""The Shelves page: per shelf zone, its current state with the gaps outlined, its gaps and restock times.

For the shelf zone picked at the top the page shows:

* **the shelf now**: the running camera's latest frame (else the stored full reference, else the
  newest gap photo) with its rows and segments drawn as the shelf module cuts them; a segment with
  an open gap is filled red and says since when it is empty;
* **its numbers for the period** (the main window's period), from the metric catalogue
  (:func:`app.store.metrics.shelf_numbers`): gaps, gaps open now, gap hours, median restock time,
  shoppers at the shelf during gaps and the lost-sales estimate, always beside its inputs;
* **its gaps**, open ones first: when, which segment, how long, restock time, peak emptiness,
  shoppers, the estimate. Selecting a gap shows its photo (the frame with the gap outlined).

Everything is read on a worker thread (:func:`load_shelves`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.config import SiteConfig
from app.errors import UserError
from app.gui.data import fmt_duration
from app.gui.panels import PanelContext
from app.gui.qt_util import StorePage, fmt_time, hbox, local_dt, row_table, splitter, to_qpixmap, vbox
from app.shelves import references
from app.shelves.stats import OpenGap, open_gaps
from app.store import metrics, queries, stats
from app.store.db import Store
from app.store.queries import EventRow, PhotoRow

#: The running camera's latest frame (BGR), or None.
LiveFrame = Callable[[str], np.ndarray | None]

COLUMNS = ("Began", "Row", "Segment", "Duration", "Restock time", "Empty (peak)", "Shoppers",
           "Reached in (pose)", "Lost sales (estimate)", "Status")  # fmt: skip


@dataclass(slots=True)
class ShelfView:
    """What the page shows of one shelf zone.

    Attributes:
        camera, zone: config ids; camera_name, zone_name: their names.
        points: the zone's 4 corners (0–1 of the picture).
        rows, columns: its segments (from the config, else the newest reference event).
        numbers: the metric catalogue's ``shelf_*`` numbers for the period (None: no gaps).
        open: gaps open now.
        gaps: the period's ended gaps (``gap`` events), newest first.
        reference: the stored full reference (a file in the data folder), or None.
        photo: the newest gap photo, or None.
    """

    camera: str
    zone: str
    camera_name: str
    zone_name: str
    points: list[list[float]]
    rows: int = 1
    columns: int = 4
    numbers: dict[str, float] | None = None
    open: list[OpenGap] = field(default_factory=list)
    gaps: list[EventRow] = field(default_factory=list)
    reference: Path | None = None
    photo: PhotoRow | None = None
    photos: dict[int, PhotoRow] = field(default_factory=dict)  # gap_start event id → its photo

    @property
    def label(self) -> str:
        """``Cereals · Aisle 3``."""
        return f"{self.zone_name} · {self.camera_name}"


def load_shelves(
    store: Store, since: float | None, until: float | None, data_dir: Path | None, config: SiteConfig | None = None
) -> list[ShelfView]:
    """Every shelf zone of the database and the config, with the period's numbers and gaps."""
    views: dict[tuple[str, str], ShelfView] = {}
    for cam in stats.cameras(store):
        for z in cam.zones:
            if z.type == "shelf" and z.active:
                views[(cam.config_id, z.config_id)] = ShelfView(cam.config_id, z.config_id, cam.label, z.label, z.points)
    for c in config.cameras if config is not None else ():
        for z in c.zones:
            if z.type.value == "shelf":
                pts = [[float(x), float(y)] for x, y in z.points]
                v = views.setdefault((c.id, z.id), ShelfView(c.id, z.id, c.label, z.name or z.id, pts))
                v.points, v.camera_name, v.zone_name = pts, c.label, z.name or z.id
    layouts = {}
    for e in queries.events(store, None, "shelf", "reference", limit=None, newest_first=False):
        layouts[(e.camera, e.zone)] = (int(e.payload.get("rows", 1)), int(e.payload.get("columns", 4)))
    for c in config.cameras if config is not None else ():
        for zid, zs in c.modules.shelf.zones.items():  # type: ignore[attr-defined]
            layouts[(c.id, zid)] = (zs.rows, zs.columns)
    nums = metrics.shelf_numbers(store, since, until)
    for row in nums.to_dict("records"):
        if (row["camera"], row["zone"]) in views:
            views[(row["camera"], row["zone"])].numbers = row
    for g in open_gaps(store, since=None, until=until):  # open at the period's end, however long ago they began
        if (g.camera, g.zone) in views:
            views[(g.camera, g.zone)].open.append(g)
    for e in queries.events(store, None, "shelf", "gap", since, until, limit=None):
        ended = e.ts_end if e.ts_end is not None else e.ts
        if (e.camera, e.zone) in views and (until is None or ended < until):  # (else: open at the period's end)
            views[(e.camera, e.zone)].gaps.append(e)
    for e in queries.events(store, None, "shelf", "gap_start", since, until, limit=None):
        v = views.get((e.camera, e.zone or ""))
        if v is not None and e.photos:
            v.photos[e.id] = e.photos[0]
            v.photo = v.photo or e.photos[0]
    for v in views.values():
        v.rows, v.columns = layouts.get((v.camera, v.zone), (1, 4))
        if data_dir is not None:
            try:
                info = references.reference_info(data_dir, v.camera, v.zone)
            except UserError:  # an id from a foreign database that cannot be a file name
                info = None
            v.reference = info.path if info is not None else None
    return sorted(views.values(), key=lambda v: (v.camera_name, v.zone_name))


def draw_state(image: np.ndarray, view: ShelfView, tz: dt.tzinfo | None, now: float | None = None) -> np.ndarray:
    """The picture with the shelf's segments outlined (green) and its open gaps filled red with their age."""
    from models.shelf import ShelfGeometry

    img = image.copy()
    h, w = img.shape[:2]
    if len(view.points) != 4:
        return img
    geo = ShelfGeometry(np.float32(view.points) * [w, h], rows=view.rows, columns=view.columns)
    now = time.time() if now is None else now
    open_by = {g.segment: g for g in view.open}
    overlay = img.copy()
    for s in range(geo.segments):
        if s in open_by:
            cv2.fillPoly(overlay, [geo.segment_polygon(s).astype(np.int32)], (40, 40, 220))
    img = cv2.addWeighted(overlay, 0.45, img, 0.55, 0)
    scale = max(0.4, min(w, h) / 900)
    for s in range(geo.segments):
        poly = geo.segment_polygon(s).astype(np.int32)
        gap = open_by.get(s)
        cv2.polylines(img, [poly], True, (40, 40, 230) if gap else (80, 200, 80), 3 if gap else 1, cv2.LINE_AA)
        if gap is not None:
            x, y = poly[:, 0].min() + 4, int(poly[:, 1].mean())
            when = local_dt(gap.since, tz).strftime("%d %b %H:%M" if now - gap.since > 86400 else "%H:%M")
            text = f"empty since {when}"
            for color, thick in (((0, 0, 0), 4), ((255, 255, 255), 1)):
                cv2.putText(img, text, (int(x), y), cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale * 1.6, color, thick, cv2.LINE_AA)
    cv2.polylines(img, [geo.corners.astype(np.int32)], True, (255, 255, 160), 2, cv2.LINE_AA)
    return img


class ShelvesPage(QWidget, StorePage):
    """Per shelf zone: the shelf now with its gaps, the period's numbers, and every gap.

    Args:
        store: the database (None: nothing until :meth:`set_store`).
        data_dir: the data folder (photos and the stored references).
        config: the site config (shelf zones not analysed yet, segments); a callable returning it.
        live: the running camera's latest frame.

    Signals:
        loaded(): the data of a refresh is shown.
    """

    loaded = Signal()

    def __init__(
        self,
        store: Store | None,
        data_dir: Path,
        *,
        config: Callable[[], SiteConfig | None] | None = None,
        live: LiveFrame | None = None,
    ) -> None:
        super().__init__()
        self.store, self.data_dir = store, data_dir
        self.config = config or (lambda: None)
        self.live = live
        self.tz: dt.tzinfo | None = None
        self.since: float | None = None
        self.until: float | None = None
        self.views: list[ShelfView] = []
        self._rows: list[tuple[str, EventRow | OpenGap]] = []

        self.shelf_box = QComboBox()
        self.shelf_box.setMinimumWidth(260)
        self.shelf_box.currentIndexChanged.connect(lambda _i: self._show_view())
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.note = QLabel("")
        self.note.setStyleSheet("color: #5a5f66;")
        top = hbox(QLabel("Shelf"), self.shelf_box, self.refresh_button, (self.note, 1))

        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(360, 240)
        self.picture.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.picture.setStyleSheet("background: #2b2f33; color: #d8d8d8;")
        self.picture.setWordWrap(True)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #5a5f66;")

        c = metrics.CATALOGUE
        self.number_keys = ("shelf_gaps", "shelf_open_now", "shelf_gap_hours", "shelf_restock_median_s",
                            "shelf_shoppers", "shelf_lost_sales")  # fmt: skip
        self.values: dict[str, QLabel] = {}
        nums = QGroupBox("In this period")
        form = QFormLayout(nums)
        for k in self.number_keys:
            lab = QLabel("–")
            lab.setToolTip(c[k].definition)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[k] = lab
            name = QLabel(c[k].name)
            name.setToolTip(c[k].definition)
            form.addRow(name, lab)
        self.estimate = QLabel("")
        self.estimate.setWordWrap(True)
        self.estimate.setStyleSheet("color: #5a5f66;")
        form.addRow(self.estimate)

        self.table = row_table(COLUMNS, self._gap_selected)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.picture, 1)
        ll.addWidget(self.caption)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(nums)
        rl.addStretch(1)
        body = splitter(splitter(left, right, stretch=(3, 1)), self.table, stretch=(3, 2), vertical=True)
        vbox(top, (body, 1), parent=self)
        self._image: np.ndarray | None = None

    # --- data -----------------------------------------------------------------------------

    def set_period(self, since: float | None, until: float | None) -> None:
        """The period of the numbers and the gap list (read on the next :meth:`refresh`)."""
        self.since, self.until = since, until

    def refresh(self) -> None:
        """Read the shelf zones again on a worker thread; ``loaded`` is emitted when shown."""
        if self.store is None:
            return
        store, since, until, data_dir, cfg = self.store, self.since, self.until, self.data_dir, self.config()

        def load() -> tuple[list[ShelfView], dt.tzinfo | None]:
            return load_shelves(store, since, until, data_dir, cfg), stats.site_timezone(store)

        if self.read_in_background(load, self._show, self._failed):
            self.note.setText("reading…")

    def _failed(self, message: str) -> None:
        self.note.setText(f"Could not read the shelves: {message}")
        self.loaded.emit()

    def _show(self, result: tuple[list[ShelfView], dt.tzinfo | None]) -> None:
        self.views, self.tz = result
        current = self.current()
        key = (current.camera, current.zone) if current is not None else None
        self.shelf_box.blockSignals(True)
        self.shelf_box.clear()
        for v in self.views:
            self.shelf_box.addItem(v.label, (v.camera, v.zone))
        keys = [(v.camera, v.zone) for v in self.views]
        self.shelf_box.setCurrentIndex(keys.index(key) if key in keys else 0 if keys else -1)
        self.shelf_box.blockSignals(False)
        n_open = sum(len(v.open) for v in self.views)
        self.note.setText(
            f"{len(self.views)} shelf zone{'s' * (len(self.views) != 1)}, {n_open} gap{'s' * (n_open != 1)} open now"
            if self.views else ""
        )  # fmt: skip
        self._show_view()
        self.loaded.emit()

    def current(self) -> ShelfView | None:
        """The shelf zone shown."""
        i = self.shelf_box.currentIndex()
        return self.views[i] if 0 <= i < len(self.views) else None

    # --- showing --------------------------------------------------------------------------

    def _show_view(self) -> None:
        v = self.current()
        self.table.setRowCount(0)
        self._rows = []
        if v is None:
            self._image = None
            self.picture.clear()
            self.picture.setText(
                "No shelf zones yet.\n\nOn the Zones page, draw a zone of type Shelf by its 4 corners (top-left, "
                "top-right, bottom-right, bottom-left), set its rows and segments, capture its full reference when "
                "the shelf is full and nobody stands in front, and tick \u201cMeasure shelf gaps on this camera\u201d. "
                "Gaps, restock times and the lost-sales estimate then appear here."
            )
            self.caption.setText("")
            for lab in self.values.values():
                lab.setText("–")
            self.estimate.setText("")
            return
        self._fill_numbers(v)
        self._fill_table(v)
        self._show_now(v)

    def _fill_numbers(self, v: ShelfView) -> None:
        n = v.numbers or {}

        def num(key: str) -> float | None:
            x = n.get(key)
            return None if x is None or (isinstance(x, float) and not np.isfinite(x)) else float(x)

        self.values["shelf_gaps"].setText(f"{int(num('shelf_gaps') or 0)}")
        self.values["shelf_open_now"].setText(f"{len(v.open)}")
        self.values["shelf_gap_hours"].setText(f"{num('shelf_gap_hours') or 0.0:.2f} h")
        self.values["shelf_restock_median_s"].setText(fmt_duration(num("shelf_restock_median_s")))
        self.values["shelf_shoppers"].setText(f"{int(num('shelf_shoppers') or 0)}")
        lost, conv, value = num("shelf_lost_sales"), num("conversion"), num("basket_value")
        if lost is None or conv is None or value is None:
            self.values["shelf_lost_sales"].setText("not estimated")
            self.estimate.setText(
                "No estimate: enter this shelf's purchase value and conversion (modules → shelf → zones) to see one."
                if v.gaps else ""
            )
        else:
            self.values["shelf_lost_sales"].setText(f"≈ {lost:,.2f}")
            self.estimate.setText(
                f"An estimate, not a measurement: gap hours × {int(num('shelf_shoppers') or 0)} shoppers at the shelf "
                f"during its gaps × your conversion {conv:.0%} × your purchase value {value:,.2f}."
            )

    def _fill_table(self, v: ShelfView) -> None:
        now = time.time()
        rows: list[tuple[str, EventRow | OpenGap]] = [("open", g) for g in sorted(v.open, key=lambda g: g.since)]
        rows += [("gap", e) for e in v.gaps]
        self._rows = rows
        self.table.setRowCount(len(rows))
        for i, (kind, item) in enumerate(rows):
            if isinstance(item, OpenGap):
                cells = (fmt_time(item.since, self.tz), str(item.row), str(item.column),
                         f"{fmt_duration(max(0.0, now - item.since))} so far", "–", f"{item.fraction:.0%}", "–", "–", "–",
                         "open: still empty")  # fmt: skip
            else:
                p = item.payload
                est = (p.get("lost_sales") or {}).get("estimate")
                cells = (
                    fmt_time(item.ts, self.tz), str(p.get("row", "")), str(p.get("column", "")),
                    fmt_duration(p.get("duration")), fmt_duration(p.get("restock_s")),
                    f"{float(p.get('fraction', 0.0)):.0%}", str(p.get("shoppers", "")),
                    "–" if p.get("reached") is None else str(p["reached"]),
                    "–" if est is None else f"≈ {float(est):,.2f}",
                    "refilled" if p.get("refilled") else "not refilled when the analysis stopped",
                )  # fmt: skip
            for j, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if kind == "open":
                    cell.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(i, j, cell)

    def _base_image(self, v: ShelfView) -> tuple[np.ndarray | None, str]:
        """The picture the state is drawn on, and what it is.

        The live frame; else the photo of the newest open gap (the shelf as last seen empty), else
        the stored full reference, else the newest gap photo.
        """
        live = self.live(v.camera) if self.live is not None else None
        if live is not None:
            return live, "the live picture"
        newest = max(v.open, key=lambda g: g.since, default=None)
        candidates = (
            (v.photos.get(newest.event_id) if newest is not None else None, "the photo of the newest open gap"),
            (v.reference, "the stored full reference (the camera is not running)"),
            (v.photo, "the newest gap photo"),
        )
        for src, what in candidates:
            if src is None:
                continue
            path = src if isinstance(src, Path) else self.data_dir / src.path
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if img is not None:
                return img, what
        return None, ""

    def _show_now(self, v: ShelfView) -> None:
        img, what = self._base_image(v)
        if img is None:
            self._image = None
            self.picture.clear()
            self.picture.setText("No picture of this shelf yet: start the analysis, or capture its full reference "
                                 "on the Zones page.")  # fmt: skip
            self.caption.setText("")
            return
        self._image = draw_state(img, v, self.tz)
        self._set_picture(self._image)
        opened = ", ".join(f"row {g.row} segment {g.column}" for g in v.open) or "none"
        self.caption.setText(
            f"{v.label}: {v.rows} row{'s' * (v.rows != 1)} × {v.columns} segments, on {what}. Open gaps: {opened}."
        )

    def _set_picture(self, img: np.ndarray) -> None:
        pix = to_qpixmap(img)
        size = self.picture.size()
        self.picture.setPixmap(
            pix.scaled(max(size.width(), 50), max(size.height(), 50), Qt.AspectRatioMode.KeepAspectRatio,
                       Qt.TransformationMode.SmoothTransformation)
        )  # fmt: skip

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """Fit the picture to the new size."""
        super().resizeEvent(event)
        if self._image is not None:
            self._set_picture(self._image)

    def _gap_selected(self) -> None:
        v = self.current()
        sel = self.table.selectionModel().selectedRows()
        if v is None or not sel:
            return
        _kind, item = self._rows[sel[0].row()]
        photo = v.photos.get(item.event_id) if isinstance(item, OpenGap) else (item.photos[0] if item.photos else None)
        img = cv2.imread(str(self.data_dir / photo.path), cv2.IMREAD_COLOR) if photo is not None else None
        if img is None:
            self.caption.setText("This gap has no photo.")
            return
        self._image = img
        self._set_picture(img)
        self.caption.setText("The frame when the gap was confirmed, the gap outlined in red.")


def panel(ctx: PanelContext) -> ShelvesPage:
    """The shelf package's panel (``ModulePackage.panel``): the Shelves tab of the main window.

    The page reads the open site config (shelf zones not analysed yet, their segments) and the
    running camera's latest frame through ``ctx``.
    """
    doc = ctx.document
    page = ShelvesPage(ctx.store, ctx.data_dir, config=lambda: doc.config if doc is not None else None, live=ctx.live)
    page.setWindowTitle("Shelves")
    return page
