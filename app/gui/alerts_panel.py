"""The alerts pane: open alerts as compact cards, snoozed ones counted, and the history.

The main window docks this pane at its right edge, so the cards never cover a camera's status
or the zone an alert is about; the pane shows itself when a new alert comes in and can be closed
(View ▸ Alerts, or the status bar's alert button brings it back).

Each card says **what** happened (in words, not the module's id), **where** (the camera's and
zone's names from the site config), **since when**, the module's message with its numbers, and
**what to do**, with "Snooze 10 min" and "Acknowledge". A card closes itself when its condition
ends (the engine stores an ``alert_end``); the history lists every alert of the last hours with
its status, who acknowledged it and when it ended. What the user did is kept in the database
(:mod:`app.store.alerts`). The pane polls its :class:`AlertFeed` on a worker thread every few
seconds.
"""

from __future__ import annotations

import datetime as dt
import getpass
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.events import event_type
from app.gui.qt_util import ReadsInBackground, fmt_time, local_dt, run_async
from app.store.alerts import AlertRow, acknowledge, alerts, snooze
from app.store.db import Store

#: Cards shown at once (the rest are counted; all of them are in the history).
MAX_CARDS = 6

#: (module, kind) → (what happened, what to do). Words a store manager reads on a card.
ALERT_WORDS: dict[tuple[str, str], tuple[str, str]] = {
    ("queue", "length"): ("Queue too long", "Open another checkout or call a colleague to the tills."),
    ("queue", "wait"): ("Customer waiting too long", "Open another checkout or help at the till now."),
    ("queue", "forecast"): ("Queue expected to build up", "Open another checkout before the queue grows."),
    ("service", "unattended"): ("Customer without help", "Send a member of staff to the customer."),
    ("faces", "unknown_face"): ("Unknown person in a staff-only area", "Check who it is and ask them to leave if needed."),
    ("shelf", "shelf_gap"): ("Shelf empty for too long", "Restock the segment outlined in the photo."),
    ("objects", "object_left"): (
        "Item left behind",
        "Check the item and look for the person it came with (photos); follow the procedure for unattended items.",
    ),
    ("objects", "object_missing"): ("Item missing", "Check the watched place: something was taken away."),
    ("ppe", "violation"): ("Working without PPE", "Ask them to put on the helmet or vest, or to leave."),
}

#: Modules whose alert cards show the alert's photos (the item and its owner, the empty segment).
PHOTO_MODULES = frozenset({"objects", "shelf", "ppe"})

#: Status words of the history.
STATUS_WORDS = {
    "open": "open",
    "snoozed": "snoozed",
    "acknowledged": "acknowledged",
    "resolved": "ended by itself",
}


def alert_words(alert: AlertRow) -> tuple[str, str]:
    """What happened and what to do, for any alert type (unknown ones get general words)."""
    words = ALERT_WORDS.get((alert.module, alert.kind))
    if words is not None:
        return words
    declared = event_type(alert.module, "alert")  # the event catalogue's words for the module's alerts
    base = declared.words if declared is not None else f"{alert.module.capitalize()} alert"
    what = base + (f" ({alert.kind})" if alert.kind else "")
    return what, "Look at the camera and decide whether someone should go there."


#: Camera id, zone id → (camera name, zone name).
Names = Callable[[str, str | None], tuple[str, str]]


def _ids(camera: str, zone: str | None) -> tuple[str, str]:
    return camera, zone or ""


class AlertFeed(Protocol):
    """Where alerts come from and where acknowledgements go (the database, or a list in tests)."""

    def recent(self) -> Sequence[AlertRow]:
        """Alerts of the last hours in every state (open, snoozed, acknowledged, ended), newest first."""

    def acknowledge(self, event_id: int, by: str) -> None:
        """Mark one alert as handled."""

    def snooze(self, event_id: int, minutes: float) -> None:
        """Hide one alert for a while."""


class StoreAlertFeed:
    """Alerts of the store's database (:mod:`app.store.alerts`).

    Args:
        store: the database.
        max_age_hours: only alerts raised in the last this many hours (of video time) are listed;
            None lists the latest ``limit`` alerts whenever they were raised.
        limit: at most this many alerts.

    Example:
        >>> feed = StoreAlertFeed(store); [a.message for a in feed.recent()]   # doctest: +SKIP
    """

    def __init__(self, store: Store, *, max_age_hours: float | None = 12.0, limit: int = 200) -> None:
        self.store = store
        self.max_age_hours = max_age_hours
        self.limit = limit

    def recent(self) -> list[AlertRow]:
        """Alerts raised in the last hours, every status, newest first."""
        since = None
        if self.max_age_hours is not None:
            since = dt.datetime.now(dt.UTC).timestamp() - self.max_age_hours * 3600
        return alerts(self.store, since=since, limit=self.limit)

    def open(self) -> list[AlertRow]:
        """The open ones (not ended, acknowledged or snoozed), newest first."""
        return [a for a in self.recent() if a.status == "open"]

    def acknowledge(self, event_id: int, by: str) -> None:
        """Store the acknowledgement."""
        acknowledge(self.store, event_id, by=by)

    def snooze(self, event_id: int, minutes: float) -> None:
        """Store the snooze."""
        snooze(self.store, event_id, minutes=minutes)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a service account without a passwd entry)
        return ""


def since_text(ts: float, tz: dt.tzinfo | None, now: float | None = None) -> str:
    """``since 10:03 (4 min)``; an alert of another day gets its date."""
    now = time.time() if now is None else now
    when = local_dt(ts, tz)
    today = local_dt(now, tz).date()
    clock = when.strftime("%H:%M") if when.date() == today else when.strftime("%d %b %H:%M")
    age = now - ts
    if age < 0:
        return f"since {clock}"
    if age < 45:
        ago = "just now"
    elif age < 90 * 60:
        ago = f"{max(1, round(age / 60))} min"
    elif age < 36 * 3600:
        ago = f"{age / 3600:.1f} h".replace(".0 h", " h")
    else:
        ago = f"{round(age / 86400)} days"
    return f"since {clock} ({ago})"


def _without_place(message: str, places: Sequence[object]) -> str:
    """The message without a leading "Checkout queue: " (the card says where already)."""
    for place in places:
        if place and message.startswith(f"{place}: "):
            return message[len(str(place)) + 2 :]
    return message


class AlertCard(QFrame):
    """One open alert: what, where, since when, the numbers, what to do; snooze and acknowledge."""

    def __init__(self, alert: AlertRow, tz: dt.tzinfo | None, panel: AlertsPanel) -> None:
        super().__init__()
        self.alert = alert
        self.setObjectName("alertCard")
        self.setStyleSheet(
            "#alertCard { background: #fff8e6; border: 1px solid #e0a020; border-left: 5px solid #e07b00;"
            " border-radius: 4px; } QLabel { background: transparent; color: #202020; }"
        )
        what, todo = alert_words(alert)
        cam, zone = panel.names(alert.camera, alert.zone)
        self.title = QLabel(f"<b>{what}</b>")
        self.title.setWordWrap(True)
        self.where = QLabel(" · ".join(x for x in (zone, cam) if x))
        self.where.setWordWrap(True)
        self.since = QLabel(since_text(alert.ts, tz))
        self.since.setStyleSheet("color: #5a5f66;")
        self.since.setToolTip(fmt_time(alert.ts, tz))
        text = _without_place(alert.message or "", (zone, alert.zone, alert.payload.get("checkout")))
        self.message = QLabel(text[:1].upper() + text[1:])
        self.message.setWordWrap(True)
        self.message.setVisible(bool(text))
        self.todo = QLabel(f"➜ {todo}")
        self.todo.setWordWrap(True)
        self.todo.setStyleSheet("color: #8a4b00; font-weight: 600;")
        self.ack = QPushButton("Acknowledge")
        self.ack.setToolTip("Someone is on it: the alert closes and is kept in the history.")
        self.later = QPushButton("Snooze 10 min")
        self.later.setToolTip("Hide this alert for 10 minutes; it comes back if the condition lasts.")
        self.ack.clicked.connect(lambda: panel.acknowledge(alert.event_id))
        self.later.clicked.connect(lambda: panel.snooze(alert.event_id))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.later)
        buttons.addWidget(self.ack)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 8, 6)
        lay.setSpacing(3)
        lay.addWidget(self.title)
        lay.addWidget(self.where)  # (on their own lines: side by side they squeezed each other)
        lay.addWidget(self.since)
        lay.addWidget(self.message)
        self.thumbs: list[QLabel] = []
        if alert.module in PHOTO_MODULES and panel.data_dir is not None and alert.photos:
            row = QHBoxLayout()
            for ph in alert.photos[:2]:
                pix = QPixmap(str(panel.data_dir / ph.path))
                if pix.isNull():
                    continue
                thumb = QLabel()
                thumb.setPixmap(pix.scaled(140, 90, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))  # fmt: skip
                self.thumbs.append(thumb)
                row.addWidget(thumb)
            row.addStretch(1)
            lay.addLayout(row)
        lay.addWidget(self.todo)
        lay.addLayout(buttons)


class AlertsPanel(QWidget, ReadsInBackground):
    """Open alerts as cards over the history of the last hours (put it in a dock).

    Signals:
        countChanged(int): how many alerts are open (snoozed ones not counted).
        alertArrived(): an alert not seen before is open (the window shows the pane).

    Attributes:
        alerts: the open alerts, newest first.
        snoozed: the snoozed ones.
        history: every alert read (all statuses), newest first.

    Args:
        feed: where alerts come from (None: nothing is shown).
        parent: the parent widget.
        interval_ms: polling period.
        names: camera and zone names for ids (default: the ids).

    Example:
        >>> panel = AlertsPanel(StoreAlertFeed(store)); panel.start()   # doctest: +SKIP
    """

    countChanged = Signal(int)
    alertArrived = Signal()

    def __init__(
        self,
        feed: AlertFeed | None,
        parent: QWidget | None = None,
        *,
        interval_ms: int = 3000,
        names: Names | None = None,
    ) -> None:
        super().__init__(parent)
        self.feed = feed
        self.names: Names = names or _ids
        #: The data folder the alerts' photos are in (None: cards without photos).
        self.data_dir: Path | None = None
        self.tz: dt.tzinfo | None = None
        self.alerts: list[AlertRow] = []
        self.snoozed: list[AlertRow] = []
        self.history: list[AlertRow] = []
        self.user = _user()
        self._seen: set[int] = set()
        self._handled: dict[int, str] = {}  # event id → 'acknowledged' / 'snoozed', being written
        self._generation = 0

        self.summary = QLabel("No open alerts")
        self.summary.setStyleSheet("font-weight: 600; padding: 2px;")
        self._cards = QWidget()
        self._layout = QVBoxLayout(self._cards)
        self._layout.setContentsMargins(0, 0, 4, 0)
        self._layout.setSpacing(6)
        self._layout.addStretch(1)
        self.more = QLabel("")
        self.more.setStyleSheet("color: #5a5f66;")
        self.more.hide()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._cards)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.summary)
        tl.addWidget(scroll, 1)
        tl.addWidget(self.more)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Raised", "What · where", "Status", "Ended"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        hours = getattr(feed, "max_age_hours", None)
        bl.addWidget(QLabel(f"<b>History</b> (last {hours:g} hours)" if hours else "<b>History</b>"))
        bl.addWidget(self.table, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 180])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(split)

        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)

    def start(self) -> None:
        """Poll now and then every few seconds."""
        self.poll()
        self.timer.start()

    def poll(self) -> None:
        """Read the alerts on a worker thread (again afterwards if asked meanwhile)."""
        if self.feed is None:
            return
        feed, generation = self.feed, self._generation
        self.read_in_background(lambda: (list(feed.recent()), generation), self._polled, self._failed, again=self.poll)

    @property
    def busy(self) -> bool:
        """Whether a read of the alerts runs."""
        return self.loading

    def _polled(self, result: tuple[list[AlertRow], int]) -> None:
        rows, generation = result
        if generation != self._generation:  # read before the latest acknowledgement
            self.poll()
            return
        self.show_alerts(rows)

    def _failed(self, message: str) -> None:
        self.summary.setText(f"Alerts could not be read: {message}")

    def show_alerts(self, rows: list[AlertRow]) -> None:
        """Show these alerts (every status, newest first): the open ones as cards, all in the history."""
        self.history = list(rows)
        self.alerts = [a for a in rows if a.status == "open" and a.event_id not in self._handled]
        self.snoozed = [
            a
            for a in rows
            if a.status == "snoozed" or (a.status == "open" and self._handled.get(a.event_id) == "snoozed")
        ]
        new = {a.event_id for a in self.alerts} - self._seen
        self._seen |= {a.event_id for a in self.alerts}
        shown = [c.alert.event_id for c in self.cards()]
        if shown != [a.event_id for a in self.alerts[:MAX_CARDS]]:
            self._rebuild()  # (the same cards are kept: a click on one may be under way)
        else:
            for card in self.cards():
                card.since.setText(since_text(card.alert.ts, self.tz))
        extra = len(self.alerts) - MAX_CARDS
        self.more.setText(f"… and {extra} more open alert{'s' * (extra != 1)} (see the history)")
        self.more.setVisible(extra > 0)
        self.summary.setText(self.summary_text())
        self._fill_history()
        self.countChanged.emit(len(self.alerts))
        if new:
            self.alertArrived.emit()

    def summary_text(self) -> str:
        """``2 open alerts · 1 snoozed`` (or ``No open alerts``)."""
        n, s = len(self.alerts), len(self.snoozed)
        text = f"{n} open alert{'s' * (n != 1)}" if n else "No open alerts"
        return text + (f" · {s} snoozed" if s else "")

    def _rebuild(self) -> None:
        for card in self.cards():
            self._layout.removeWidget(card)
            card.hide()  # deleted later: it may be the sender of the click being handled
            card.deleteLater()
        for i, a in enumerate(self.alerts[:MAX_CARDS]):
            self._layout.insertWidget(i, AlertCard(a, self.tz, self))

    def _fill_history(self) -> None:
        self.table.setRowCount(len(self.history))
        for row, a in enumerate(self.history):
            what, _ = alert_words(a)
            cam, zone = self.names(a.camera, a.zone)
            status = STATUS_WORDS.get(a.status, a.status)
            if a.status == "acknowledged" and a.acknowledged_by:
                status += f" by {a.acknowledged_by}"
            ended = fmt_time(a.ts_end, self.tz, date=False) if a.ts_end is not None else "—"
            cells = [fmt_time(a.ts, self.tz, date=False), f"{what} · {zone or cam}", status, ended]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setToolTip(f"{what}\n{cam}" + (f" · {zone}" if zone else "") + f"\n{a.message}")
                self.table.setItem(row, col, item)

    def cards(self) -> list[AlertCard]:
        """The alert cards shown."""
        out = []
        for i in range(self._layout.count()):
            w = self._layout.itemAt(i).widget()
            if isinstance(w, AlertCard):
                out.append(w)
        return out

    def acknowledge(self, event_id: int) -> None:
        """Acknowledge one alert (stored on a worker thread), then refresh."""
        if self.feed is None:
            return
        feed, user = self.feed, self.user
        self._handle(event_id, "acknowledged", lambda: feed.acknowledge(event_id, user))

    def snooze(self, event_id: int, minutes: float = 10.0) -> None:
        """Snooze one alert (stored on a worker thread), then refresh."""
        if self.feed is None:
            return
        feed = self.feed
        self._handle(event_id, "snoozed", lambda: feed.snooze(event_id, minutes))

    def _handle(self, event_id: int, what: str, action: Callable[[], None]) -> None:
        self._handled[event_id] = what

        def done(_: object) -> None:
            self._handled.pop(event_id, None)
            self._generation += 1  # results read before this write are stale
            self.poll()

        run_async(action, done, done)
        self.show_alerts(self.history)
