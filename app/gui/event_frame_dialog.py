"""The whole camera picture of one event with the person's box, opened by double-clicking an event."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.events import event_words
from app.gui.event_data import EventFrame, event_frame
from app.gui.event_model import details
from app.gui.qt_util import fmt_time, run_async, to_qpixmap
from app.store.db import Store
from app.store.queries import EventRow


class EventFrameDialog(QDialog):
    """Shows an event's full frame with its box (found on a worker thread) and what it is.

    Example:
        >>> EventFrameDialog(store, event, Path("data"), None).exec()   # doctest: +SKIP
    """

    def __init__(
        self,
        store: Store,
        event: EventRow,
        data_dir: Path,
        tz: dt.tzinfo | None,
        parent: QWidget | None = None,
        *,
        camera_name: str = "",
        zone_name: str = "",
    ) -> None:
        super().__init__(parent)
        cam = camera_name or event.camera
        self.setWindowTitle(f"{event_words(event.module, event.type)} · {cam} · {fmt_time(event.ts, tz)}")
        self.resize(900, 720)
        self.frame: EventFrame | None = None
        self.picture = QLabel("loading the picture…")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(640, 480)
        self.picture.setStyleSheet("background: #1e2124; color: #c8ccd0;")
        who = f"person #{event.tracker_id}" if event.tracker_id is not None else ""
        zone = zone_name or (f"zone {event.zone}" if event.zone else "")
        info = " · ".join(x for x in (cam, zone, who, details(event)) if x)
        self.info = QLabel(info)
        self.source_note = QLabel("")
        self.source_note.setStyleSheet("color: #5a6068;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.picture, 1)
        lay.addWidget(self.info)
        lay.addWidget(self.source_note)
        lay.addWidget(buttons)
        run_async(lambda: event_frame(store, event, data_dir), self._show, self._failed)

    def _show(self, frame: EventFrame) -> None:
        self.frame = frame
        self.source_note.setText(frame.note)
        if frame.image is None:
            self.picture.setText(frame.note)
            return
        pix = to_qpixmap(frame.image)
        self.picture.setPixmap(
            pix.scaled(
                self.picture.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _failed(self, message: str) -> None:
        self._show(EventFrame(None, f"Could not load the picture: {message}"))
