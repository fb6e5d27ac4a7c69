"""A date range picker with quick choices (Today, 7 days, 30 days, All data), in the site's days.

A quick choice is remembered until days are picked by hand, so an auto-refreshing page can move
its range with time (:func:`quick_range` for today's date and the newest data).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QToolButton, QWidget

from app.gui.data import day_bounds


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _date(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


#: The quick choices: key → button text.
QUICK = (("today", "Today"), ("7", "7 days"), ("30", "30 days"), ("all", "All data"))


def quick_range(key: str, span: tuple[dt.date, dt.date] | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days of a quick choice (no Qt: worker threads use it too).

    Args:
        key: ``today``; ``7`` or ``30`` (that many days up to the newest data, or today without
            data); ``all`` (the days with data, else today).
        span: first and last day with data, or None.
        today: today's date in the site's time zone.

    Returns:
        (first day, last day), both included.

    Example:
        >>> quick_range("7", (dt.date(2026, 11, 1), dt.date(2026, 11, 20)), dt.date(2026, 11, 21))
        (datetime.date(2026, 11, 14), datetime.date(2026, 11, 20))
    """
    if key == "today":
        return today, today
    if key == "all":
        return span if span else (today, today)
    end = span[1] if span else today
    return end - dt.timedelta(days=int(key) - 1), end


class PeriodPicker(QWidget):
    """Pick the first and the last day of a period (both included).

    Signals:
        changed: the period changed (by the user or by a quick button).

    Attributes:
        quick_key: the quick choice shown (``today``, ``7``, ``30``, ``all``), None for days picked
            by hand.
        tz: the site's time zone ("today" is its date; None: this computer's).
        clock: epoch seconds now (tests move it).

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
        self._today: dt.date | None = None  # fixed by set_data_span (tests, demos); else the clock's
        self.quick_key: str | None = None
        self.tz: dt.tzinfo | None = None
        self.clock: Callable[[], float] = time.time
        self.first = QDateEdit()
        self.last = QDateEdit()
        for e in (self.first, self.last):
            e.setCalendarPopup(True)
            e.setDisplayFormat("yyyy-MM-dd")
            # the whole date readable at any size (a squeezed field showed only "2026")
            e.setMinimumWidth(e.fontMetrics().horizontalAdvance("2026-12-31") + 44)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("From"))
        lay.addWidget(self.first)
        lay.addWidget(QLabel("to"))
        lay.addWidget(self.last)
        self.buttons: dict[str, QToolButton] = {}
        for key, text in QUICK:
            b = QToolButton(text=text)
            b.clicked.connect(lambda _c=False, k=key: self.quick(k))
            lay.addWidget(b)
            self.buttons[key] = b
        today = self.today()
        self.set_range(today - dt.timedelta(days=6), today)
        self.first.dateChanged.connect(self._edited)
        self.last.dateChanged.connect(self._edited)

    def set_data_span(self, span: tuple[dt.date, dt.date] | None, today: dt.date | None = None) -> None:
        """Tell the picker which days have data ("All data"), and what "today" is (tests, demos)."""
        self._span = span
        if today is not None:
            self._today = today
        self.buttons["all"].setEnabled(span is not None)

    @property
    def span(self) -> tuple[dt.date, dt.date] | None:
        """The first and last day with data (None: no data)."""
        return self._span

    def today(self) -> dt.date:
        """Today's date in the site's time zone (or the one given to :meth:`set_data_span`)."""
        return self._today or dt.datetime.fromtimestamp(self.clock(), self.tz).date()

    def set_range(
        self, first: dt.date, last: dt.date, *, emit: bool = False, quick: str | None = None
    ) -> None:
        """Show this period; ``quick`` names the quick choice it comes from (None: fixed days)."""
        self.quick_key = quick
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
        self.set_range(*quick_range(key, self._span, self.today()), emit=True, quick=key)

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
        self.quick_key = None  # days picked by hand stay where they are
        self.changed.emit()
