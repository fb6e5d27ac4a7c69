"""A date range picker with quick choices (Today, 7 days, 30 days, All data), in the site's days."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QToolButton, QWidget

from app.gui.data import day_bounds


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _date(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class PeriodPicker(QWidget):
    """Pick the first and the last day of a period (both included).

    Signals:
        changed: the period changed (by the user or by a quick button).

    Example:
        >>> picker = PeriodPicker()                                   # doctest: +SKIP
        >>> picker.set_range(dt.date(2026, 11, 14), dt.date(2026, 11, 20))  # doctest: +SKIP
        >>> picker.bounds(None)                                       # doctest: +SKIP
        (1794614400.0, 1795219200.0)
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._span: tuple[dt.date, dt.date] | None = None
        self._today = dt.date.today()
        self.first = QDateEdit()
        self.last = QDateEdit()
        for e in (self.first, self.last):
            e.setCalendarPopup(True)
            e.setDisplayFormat("yyyy-MM-dd")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("From"))
        lay.addWidget(self.first)
        lay.addWidget(QLabel("to"))
        lay.addWidget(self.last)
        self.buttons: dict[str, QToolButton] = {}
        for key, text in (("today", "Today"), ("7", "7 days"), ("30", "30 days"), ("all", "All data")):
            b = QToolButton(text=text)
            b.clicked.connect(lambda _c=False, k=key: self.quick(k))
            lay.addWidget(b)
            self.buttons[key] = b
        self.set_range(self._today - dt.timedelta(days=6), self._today)
        self.first.dateChanged.connect(self._edited)
        self.last.dateChanged.connect(self._edited)

    def set_data_span(self, span: tuple[dt.date, dt.date] | None, today: dt.date | None = None) -> None:
        """Tell the picker which days have data ("All data"), and what "today" is (tests, demos)."""
        self._span = span
        if today is not None:
            self._today = today
        self.buttons["all"].setEnabled(span is not None)

    def set_range(self, first: dt.date, last: dt.date, *, emit: bool = False) -> None:
        """Show this period."""
        for e in (self.first, self.last):
            e.blockSignals(True)
        self.first.setDate(_qdate(first))
        self.last.setDate(_qdate(last))
        for e in (self.first, self.last):
            e.blockSignals(False)
        if emit:
            self.changed.emit()

    def quick(self, key: str) -> None:
        """Apply a quick choice: ``today``, ``7``, ``30`` (days up to the newest data or today), ``all``."""
        end = self._span[1] if self._span and key != "today" else self._today
        if key == "all" and self._span:
            self.set_range(self._span[0], self._span[1], emit=True)
        elif key == "today":
            self.set_range(self._today, self._today, emit=True)
        else:
            self.set_range(end - dt.timedelta(days=int(key) - 1), end, emit=True)

    def dates(self) -> tuple[dt.date, dt.date]:
        """(first day, last day), in order."""
        a, b = _date(self.first.date()), _date(self.last.date())
        return (a, b) if a <= b else (b, a)

    def bounds(self, tz: dt.tzinfo | None) -> tuple[float, float]:
        """Epoch seconds of the period: start of the first day, end of the last day (exclusive)."""
        return day_bounds(*self.dates(), tz)

    def text(self) -> str:
        """The period in words, e.g. ``2026-11-14 – 2026-11-20``."""
        a, b = self.dates()
        return a.isoformat() if a == b else f"{a.isoformat()} – {b.isoformat()}"

    def _edited(self) -> None:
        self.changed.emit()
