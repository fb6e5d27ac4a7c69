"""The alert popup area: open alerts from any module as cards in a corner of the window, non-modal.

Each card says what happened (the module's message, the camera, the zone, when) with
"Acknowledge" and "Snooze 10 min" buttons; what the user did is kept in the database (the
``alerts`` table, through :mod:`app.store.alerts`). The panel polls its :class:`AlertFeed` on a
worker thread every few seconds and hides itself when nothing is open.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.gui.qt_util import fmt_time, run_async
from app.store.alerts import AlertRow, acknowledge, open_alerts, snooze
from app.store.db import Store

#: Cards shown at once (the rest are counted).
MAX_CARDS = 4


class AlertFeed(Protocol):
    """Where alerts come from and where acknowledgements go (the database, or a list in tests)."""

    def open(self) -> Sequence[AlertRow]:
        """Alerts to show now, newest first."""

    def acknowledge(self, event_id: int, by: str) -> None:
        """Mark one alert as handled."""

    def snooze(self, event_id: int, minutes: float) -> None:
        """Hide one alert for a while."""


class StoreAlertFeed:
    """Alerts of the store's database (:mod:`app.store.alerts`).

    Args:
        store: the database.
        max_age_hours: only alerts raised in the last this many hours (of video time) pop up;
            None shows every open alert.

    Example:
        >>> feed = StoreAlertFeed(store); [a.message for a in feed.open()]   # doctest: +SKIP
    """

    def __init__(self, store: Store, *, max_age_hours: float | None = 12.0) -> None:
        self.store = store
        self.max_age_hours = max_age_hours

    def open(self) -> list[AlertRow]:
        """Open alerts (not cleared, acknowledged or snoozed), newest first."""
        since = None
        if self.max_age_hours is not None:
            since = dt.datetime.now(dt.UTC).timestamp() - self.max_age_hours * 3600
        return open_alerts(self.store, since=since)

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


class _Card(QFrame):
    def __init__(self, alert: AlertRow, tz: dt.tzinfo | None, panel: AlertsPanel) -> None:
        super().__init__()
        self.alert = alert
        self.setObjectName("alertCard")
        self.setStyleSheet(
            "#alertCard { background: #fff8e6; border: 1px solid #e0a020; border-left: 5px solid #e07b00;"
            " border-radius: 4px; } QLabel { background: transparent; color: #202020; }"
        )
        title = QLabel(
            f"<b>{alert.module.capitalize()} alert</b> · {alert.camera}"
            + (f" · {alert.zone}" if alert.zone else "")
        )
        when = QLabel(fmt_time(alert.ts, tz))
        when.setStyleSheet("color: #6a6f76;")
        msg = QLabel(alert.message or alert.kind)
        msg.setWordWrap(True)
        self.ack = QPushButton("Acknowledge")
        self.later = QPushButton("Snooze 10 min")
        self.ack.clicked.connect(lambda: panel.acknowledge(alert.event_id))
        self.later.clicked.connect(lambda: panel.snooze(alert.event_id))
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(when)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.later)
        buttons.addWidget(self.ack)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addLayout(head)
        lay.addWidget(msg)
        lay.addLayout(buttons)


class AlertsPanel(QWidget):
    """A stack of alert cards floating over a corner of its parent window.

    Signals:
        countChanged(int): how many alerts are open.

    Args:
        feed: where alerts come from (None: the panel stays hidden).
        parent: the window it floats over.
        interval_ms: polling period.

    Example:
        >>> panel = AlertsPanel(StoreAlertFeed(store), window); panel.start()   # doctest: +SKIP
    """

    countChanged = Signal(int)

    def __init__(
        self, feed: AlertFeed | None, parent: QWidget | None = None, *, interval_ms: int = 3000
    ) -> None:
        super().__init__(parent)
        self.feed = feed
        self.tz: dt.tzinfo | None = None
        self.alerts: list[AlertRow] = []
        self.user = _user()
        self.busy = False
        self.dismissed = False
        self._handled: set[int] = set()  # acknowledged or snoozed, being written
        self._generation = 0
        self._again = False
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFixedWidth(380)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self.more = QLabel("")
        self.more.setStyleSheet("color: #202020; background: #fff8e6; padding: 4px;")
        self.hide_button = QPushButton("Hide alerts")
        self.hide_button.clicked.connect(self.dismiss)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        self.hide()

    def start(self) -> None:
        """Poll now and then every few seconds."""
        self.poll()
        self.timer.start()

    def poll(self) -> None:
        """Read the open alerts on a worker thread (again afterwards if asked meanwhile)."""
        if self.feed is None:
            return
        if self.busy:
            self._again = True
            return
        self.busy = True
        feed, generation = self.feed, self._generation
        run_async(lambda: list(feed.open()), lambda rows: self._polled(rows, generation), self._failed)

    def _polled(self, rows: list[AlertRow], generation: int) -> None:
        self.busy = False
        if self._again or generation != self._generation:  # read before the latest acknowledgement
            self._again = False
            self.poll()
            return
        self.show_alerts(rows)

    def _failed(self, message: str) -> None:
        self.busy = False

    def show_alerts(self, alerts: list[AlertRow]) -> None:
        """Show these alerts (newest first); new alerts bring a dismissed panel back."""
        alerts = [a for a in alerts if a.event_id not in self._handled]
        new = {a.event_id for a in alerts} - {a.event_id for a in self.alerts}
        if new:
            self.dismissed = False
        shown = [c.alert.event_id for c in self.cards()]
        self.alerts = list(alerts)
        if shown != [a.event_id for a in self.alerts[:MAX_CARDS]] or not self._layout.count():
            self._rebuild()  # (the same cards are kept: a click on one may be under way)
        extra = len(self.alerts) - MAX_CARDS
        self.more.setText(f"… and {extra} more open alert{'s' * (extra != 1)}" if extra > 0 else "")
        self.more.setVisible(extra > 0)
        self.countChanged.emit(len(self.alerts))
        self.setVisible(bool(self.alerts) and not self.dismissed)
        self.place()

    def _rebuild(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            w = item.widget()
            if w is not None and w not in (self.more, self.hide_button):
                w.hide()  # deleted later: it may be the sender of the click being handled
                w.deleteLater()
        for a in self.alerts[:MAX_CARDS]:
            self._layout.addWidget(_Card(a, self.tz, self))
        self._layout.addWidget(self.more)
        self._layout.addWidget(self.hide_button, 0, Qt.AlignmentFlag.AlignRight)

    def cards(self) -> list[QWidget]:
        """The alert cards shown."""
        return [
            w for i in range(self._layout.count()) if isinstance(w := self._layout.itemAt(i).widget(), _Card)
        ]

    def place(self) -> None:
        """Move to the top-right corner of the parent, below its toolbar area."""
        self.adjustSize()
        p = self.parentWidget()
        if p is not None:
            self.move(p.width() - self.width() - 16, 64)
            self.raise_()

    def dismiss(self) -> None:
        """Hide until a new alert arrives (the alerts stay open in the database)."""
        self.dismissed = True
        self.hide()

    def reveal(self) -> None:
        """Show the panel again (the status bar's alert button)."""
        self.dismissed = False
        self.setVisible(bool(self.alerts))
        self.place()

    def acknowledge(self, event_id: int) -> None:
        """Acknowledge one alert (stored on a worker thread), then refresh."""
        if self.feed is None:
            return
        feed, user = self.feed, self.user
        self._handle(event_id, lambda: feed.acknowledge(event_id, user))

    def _handle(self, event_id: int, action: Callable[[], None]) -> None:
        self._handled.add(event_id)

        def done(_: object) -> None:
            self._handled.discard(event_id)
            self._generation += 1  # results read before this write are stale
            self.poll()

        run_async(action, done, done)
        self.show_alerts(self.alerts)

    def snooze(self, event_id: int, minutes: float = 10.0) -> None:
        """Snooze one alert (stored on a worker thread), then refresh."""
        if self.feed is None:
            return
        feed = self.feed
        self._handle(event_id, lambda: feed.snooze(event_id, minutes))
