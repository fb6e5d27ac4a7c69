"""The whole camera picture of one event with the person's box, opened by double-clicking an event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
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
        self.store, self.data_dir, self.tz = store, data_dir, tz
        self.resize(900, 720)
        self.frame: EventFrame | None = None
        self.current = event
        #: Shows the event ``delta`` rows away (the browser sets it): previous / next.
        self.navigate: Callable[[int], None] | None = None
        self.picture = QLabel("loading the picture…")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(640, 480)
        self.picture.setStyleSheet("background: #1e2124; color: #c8ccd0;")
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.source_note = QLabel("")
        self.source_note.setStyleSheet("color: #5a6068;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.prev_button = buttons.addButton("◀ Previous", QDialogButtonBox.ButtonRole.ActionRole)
        self.next_button = buttons.addButton("Next ▶", QDialogButtonBox.ButtonRole.ActionRole)
        self.prev_button.setShortcut(QKeySequence(Qt.Key.Key_Left))
        self.next_button.setShortcut(QKeySequence(Qt.Key.Key_Right))
        self.prev_button.setToolTip("The newer event above in the list (←)")
        self.next_button.setToolTip("The older event below in the list (→)")
        self.prev_button.clicked.connect(lambda: self.navigate(-1) if self.navigate else None)
        self.next_button.clicked.connect(lambda: self.navigate(1) if self.navigate else None)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.picture, 1)
        lay.addWidget(self.info)
        lay.addWidget(self.source_note)
        lay.addWidget(buttons)
        self.show_event(event, camera_name=camera_name, zone_name=zone_name)

    def show_event(self, event: EventRow, *, camera_name: str = "", zone_name: str = "") -> None:
        """Show this event (its words, where, the picture loaded on a worker thread)."""
        self.current = event
        self.frame = None
        cam = camera_name or event.camera
        tz = self.tz
        self.setWindowTitle(f"{event_words(event.module, event.type)} · {cam} · {fmt_time(event.ts, tz)}")
        who = f"person #{event.tracker_id}" if event.tracker_id is not None else ""
        zone = zone_name or (f"zone {event.zone}" if event.zone else "")
        self.info.setText(" · ".join(x for x in (cam, zone, who, details(event)) if x))
        self.picture.setText("loading the picture…")
        store, data_dir, wanted = self.store, self.data_dir, event.id
        run_async(
            lambda: event_frame(store, event, data_dir),
            lambda frame: self._show(frame) if self.current.id == wanted else None,
            self._failed,
        )

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
