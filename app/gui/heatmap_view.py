"""The heatmap page: camera, period and role → where people spent time (or walked), export as PNG."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from app.gui.data import HeatmapPicture, default_period, heatmap_picture
from app.gui.period_picker import PeriodPicker
from app.gui.qt_util import StorePage, hbox, to_qpixmap, vbox
from app.store import stats
from app.store.db import Store

ROLES = (("customer", "Customers"), ("staff", "Staff"), ("all", "Everyone"))
KINDS = (("heat", "Time spent (heatmap)"), ("paths", "Paths people walked"))


class _Picture(QLabel):
    """A picture that keeps its aspect ratio when the page is resized."""

    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(QSize(320, 240))
        self.setStyleSheet("background: #1e2124; color: #c8ccd0;")
        self._pix: QPixmap | None = None

    def set_picture(self, pix: QPixmap | None, text: str = "") -> None:
        self._pix = pix
        if pix is None:
            self.clear()
            self.setText(text)
        self._fit()

    def _fit(self) -> None:
        if self._pix is not None:
            self.setPixmap(
                self._pix.scaled(
                    self.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Rescale the picture to the new size."""
        super().resizeEvent(event)
        self._fit()


class HeatmapView(QWidget, StorePage):
    """Shows a camera's heatmap over its background for a period and role; exports it as PNG.

    Signals:
        loaded: a new picture (or the reason there is none) is on screen.

    Args:
        store: the database.
        data_dir: the data folder (camera backgrounds are under ``backgrounds/``).

    Example:
        >>> view = HeatmapView(store, Path("data")); view.refresh()   # doctest: +SKIP
    """

    loaded = Signal()

    def __init__(self, store: Store | None, data_dir: Path) -> None:
        super().__init__()
        self.store = store
        self.data_dir = Path(data_dir)
        self.tz: dt.tzinfo | None = None
        self.image: np.ndarray | None = None
        self.camera_box = QComboBox()
        self.camera_box.setMinimumWidth(160)
        self.kind_box = QComboBox()
        for key, text in KINDS:
            self.kind_box.addItem(text, key)
        self.role_box = QComboBox()
        for key, text in ROLES:
            self.role_box.addItem(text, key)
        self.period = PeriodPicker()
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setEnabled(False)
        self.picture = _Picture()
        self.note = QLabel("")
        self.note.setStyleSheet("color: #5a6068;")
        bar = hbox(QLabel("Camera"), self.camera_box, self.kind_box, self.period, QLabel("Who"), self.role_box, 1,
                   self.export_button)  # fmt: skip
        vbox(bar, (self.picture, 1), self.note, parent=self)
        for box in (self.camera_box, self.kind_box, self.role_box):
            box.activated.connect(lambda _i: self.refresh())
        self.period.changed.connect(self.refresh)
        self.export_button.clicked.connect(lambda: self.export())

    def store_changed(self) -> None:
        """The cameras and the period of the new database."""
        self.camera_box.clear()
        store = self.store
        if store is None:
            return
        for c in stats.cameras(store):
            self.camera_box.addItem(c.label, c.config_id)
        self.tz = stats.site_timezone(store)
        first, last = default_period(store)
        span = stats.data_span(store)
        self.period.set_data_span(
            tuple(dt.datetime.fromtimestamp(t, self.tz).date() for t in span) if span else None  # type: ignore[arg-type]
        )
        self.period.set_range(first, last)

    def refresh(self) -> None:
        """Draw the picture for the chosen filters (on a worker thread)."""
        camera = self.camera_box.currentData()
        if self.store is None or camera is None:
            self.picture.set_picture(None, "No camera in the database yet.")
            self.loaded.emit()
            return
        store, data_dir = self.store, self.data_dir
        since, until = self.period.bounds(self.tz)
        role = self.role_box.currentData()
        paths = self.kind_box.currentData() == "paths"
        period = self.period.text()

        def draw() -> HeatmapPicture:
            return heatmap_picture(store, camera, since, until, role=role, data_dir=data_dir, period=period, paths=paths)

        if self.read_in_background(draw, self._show, self._failed, again=self.refresh):
            self.note.setText("drawing…")

    def _failed(self, message: str) -> None:
        self._show(HeatmapPicture(None, f"Could not draw the heatmap: {message}"))

    def _show(self, pic: HeatmapPicture) -> None:
        self.image = pic.image
        self.export_button.setEnabled(pic.image is not None)
        if pic.image is None:
            self.picture.set_picture(None, pic.note + "\nTry another period (“All data”) or another camera.")
            self.note.setText("")
        else:
            self.picture.set_picture(to_qpixmap(pic.image))
            self.note.setText(pic.note)
        self.loaded.emit()

    def export(self, path: Path | None = None) -> Path | None:
        """Save the picture as PNG (asks where when ``path`` is None); returns the file written."""
        if self.image is None:
            return None
        if path is None:
            name = f"heatmap-{self.camera_box.currentData()}-{self.period.dates()[0].isoformat()}.png"
            chosen, _ = QFileDialog.getSaveFileName(self, "Export heatmap", name, "PNG pictures (*.png)")
            if not chosen:
                return None
            path = Path(chosen)
        from app.render import encode_png

        try:
            path.write_bytes(encode_png(self.image))
        except OSError as e:
            self.note.setText(f"Not saved: {e.strerror or e}")
            return None
        self.note.setText(f"Saved {path}")
        return path
