"""Small Qt helpers shared by the widgets: numpy pictures to Qt, colours, times, a thread runner.

Example:
    >>> import numpy as np
    >>> to_qimage(np.zeros((4, 6, 3), np.uint8)).width()    # doctest: +SKIP
    6
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLayout,
    QLineEdit,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.gui.qt_compat import protect_none
from app.gui.shapes import TYPE_COLORS

if TYPE_CHECKING:
    from app.store.db import Store

log = logging.getLogger(__name__)

protect_none()  # every widget imports this module: guard against PySide6 6.12's None leak first

#: Colours of people by role in the live view (customer, staff, unknown).
ROLE_COLORS: dict[str, str] = {"customer": "#38d26b", "staff": "#4aa3ff", "unknown": "#ffb020"}


#: One item of :func:`hbox` / :func:`vbox`: a widget or layout, a ``(widget or layout, stretch)``
#: pair, or a number (an empty stretch of that factor).
LayoutItem = QWidget | QLayout | int | tuple[QWidget | QLayout, int]


def hbox(*items: LayoutItem) -> QHBoxLayout:
    """A row of the items, left to right (see :data:`LayoutItem`)."""
    return _fill(QHBoxLayout(), items)


def vbox(*items: LayoutItem, parent: QWidget | None = None) -> QVBoxLayout:
    """A column of the items, top to bottom; with ``parent``, that widget's own layout."""
    return _fill(QVBoxLayout(parent) if parent is not None else QVBoxLayout(), items)


def _fill(layout: Any, items: tuple[LayoutItem, ...]) -> Any:
    for item in items:
        thing, stretch = item if isinstance(item, tuple) else (item, 0)
        if isinstance(thing, int):
            layout.addStretch(thing)
        elif isinstance(thing, QLayout):
            layout.addLayout(thing, stretch)
        else:
            layout.addWidget(thing, stretch)
    return layout


#: One row of :func:`form_rows`: ``(label, field)`` (the label a text or a widget, the field a
#: widget or a layout) or a field alone across the whole row.
FormRow = tuple[str | QWidget, QWidget | QLayout] | QWidget | QLayout


def form_rows(*rows: FormRow, parent: QWidget | None = None) -> QFormLayout:
    """A form of labelled rows, top to bottom; with ``parent``, that widget's own layout."""
    form = QFormLayout(parent) if parent is not None else QFormLayout()
    for row in rows:
        if isinstance(row, tuple):
            form.addRow(*row)
        else:
            form.addRow(row)
    return form


def splitter(
    *widgets: QWidget, stretch: tuple[int, ...] = (), sizes: tuple[int, ...] = (), vertical: bool = False
) -> QSplitter:
    """The widgets side by side (or one above the other) with movable dividers.

    Args:
        widgets: left to right (top to bottom).
        stretch: each widget's share of extra room, in order (default: Qt's).
        sizes: the first widths (heights) in pixels.
        vertical: one above the other.
    """
    split = QSplitter(Qt.Orientation.Vertical) if vertical else QSplitter()
    for w in widgets:
        split.addWidget(w)
    for i, factor in enumerate(stretch):
        split.setStretchFactor(i, factor)
    if sizes:
        split.setSizes(list(sizes))
    return split


def row_table(columns: list[str] | tuple[str, ...], on_select: Callable[[], None] | None = None) -> QTableWidget:
    """A read-only table of rows picked one at a time (gap, plate read, model lists).

    No row numbers; columns sized to their contents, the last one stretched; ``on_select`` is
    called when the selected row changes.
    """
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    if on_select is not None:
        table.itemSelectionChanged.connect(on_select)
    return table


def int_spin(
    lo: int, hi: int, *, value: int | None = None, step: int | None = None, suffix: str = "", special: str = "",
    tip: str = "",
) -> QSpinBox:
    """A whole-number spin box from ``lo`` to ``hi``.

    Args:
        lo: the smallest value.
        hi: the largest value.
        value: the value shown first (default ``lo``).
        step: what one arrow click adds (default 1).
        suffix: the unit after the number (``" days"``).
        special: the words shown instead of ``lo`` (``"off"``).
        tip: the tooltip.
    """
    return _spin_box(QSpinBox(), lo, hi, value, step, suffix, special, tip)


def float_spin(
    lo: float, hi: float, *, decimals: int | None = None, value: float | None = None, step: float | None = None,
    suffix: str = "", special: str = "", tip: str = "",
) -> QDoubleSpinBox:
    """A decimal spin box from ``lo`` to ``hi`` with ``decimals`` places (default Qt's 2); the rest as :func:`int_spin`."""
    box = QDoubleSpinBox()
    if decimals is not None:
        box.setDecimals(decimals)
    return _spin_box(box, lo, hi, value, step, suffix, special, tip)


def _spin_box(
    box: Any, lo: float, hi: float, value: float | None, step: float | None, suffix: str, special: str, tip: str
) -> Any:
    box.setRange(lo, hi)
    if step is not None:
        box.setSingleStep(step)
    if suffix:
        box.setSuffix(suffix)
    if special:
        box.setSpecialValueText(special)
    if tip:
        box.setToolTip(tip)
    if value is not None:
        box.setValue(value)
    return box


def field_label(model: type[Any], name: str, widget: QWidget) -> str:
    """A settings field's title (the form label); its description becomes ``widget``'s tooltip.

    ``model`` is the pydantic settings class the field belongs to.
    """
    info = model.model_fields[name]
    widget.setToolTip(info.description or "")
    return info.title or name


def widget_value(widget: QWidget) -> Any:
    """What a form widget holds, as a settings value.

    A check box: its state; a combo box: the chosen item's data; a spin box: its number, None at
    its minimum when that is shown in words (``"off"``, ``"backend's own"``); a line edit: its
    text without surrounding blanks.
    """
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QSpinBox | QDoubleSpinBox):
        v = widget.value()
        return None if widget.specialValueText() and v == widget.minimum() else v
    if isinstance(widget, QLineEdit):
        return widget.text().strip()
    raise TypeError(f"no value for a {type(widget).__name__}")


def set_widget_value(widget: QWidget, value: Any) -> None:
    """Show a settings value in a form widget (the reverse of :func:`widget_value`).

    A combo box without that data shows its first item; None in a spin box shows its minimum.
    """
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QComboBox):
        widget.setCurrentIndex(max(widget.findData(value), 0))
    elif isinstance(widget, QSpinBox | QDoubleSpinBox):
        widget.setValue(widget.minimum() if value is None else value)
    elif isinstance(widget, QLineEdit):
        widget.setText(value)
    else:
        raise TypeError(f"no value for a {type(widget).__name__}")


def fill_module_cameras(combo: QComboBox, cameras: Iterable[Any], module: str) -> int:
    """Refill ``combo`` with the cameras (data: the camera id) for a module's settings page.

    Those with ``module`` on come first, the others read ``"ID (MODULE off)"``; the chosen camera
    stays chosen when it is still there (else the first). No signal is emitted. Returns how many.
    """
    cams = sorted(cameras, key=lambda c: not getattr(c.modules, module).enabled)
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for c in cams:
        combo.addItem(c.id + ("" if getattr(c.modules, module).enabled else f" ({module} off)"), c.id)
    combo.setCurrentIndex(max(combo.findData(current), 0) if cams else -1)
    combo.blockSignals(False)
    return len(cams)


def to_qimage(image: np.ndarray) -> QImage:
    """A QImage sharing nothing with ``image`` (a BGR or grey uint8 array)."""
    img = np.ascontiguousarray(image)
    h, w = img.shape[:2]
    if img.ndim == 2:
        return QImage(img.data, w, h, img.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QImage(img.data, w, h, img.strides[0], QImage.Format.Format_BGR888).copy()


def to_qpixmap(image: np.ndarray) -> QPixmap:
    """A QPixmap of a BGR picture (GUI thread only)."""
    return QPixmap.fromImage(to_qimage(image))


def zone_color(zone_type: str, alpha: int = 255) -> QColor:
    """The outline colour of a zone type."""
    c = QColor(TYPE_COLORS.get(zone_type, "#dcdcdc"))
    c.setAlpha(alpha)
    return c


def local_dt(ts: float, tz: dt.tzinfo | None) -> dt.datetime:
    """Epoch seconds as a naive wall-clock datetime in ``tz`` (None: this computer's time)."""
    return dt.datetime.fromtimestamp(ts, tz).replace(tzinfo=None)


def fmt_time(ts: float, tz: dt.tzinfo | None, *, date: bool = True) -> str:
    """``2026-11-20 10:00:05`` (or only the clock) in the site's time zone."""
    return local_dt(ts, tz).strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted by a worker reach its slots through the event queue."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, on_done: Callable[[Any], None], on_error: Callable[[str], None] | None) -> None:
        super().__init__()
        self._on_done, self._on_error = on_done, on_error
        self.done.connect(self._deliver)
        self.failed.connect(self._fail)

    @Slot(object)
    def _deliver(self, result: Any) -> None:
        _pending.discard(self)
        _call_if_alive(self._on_done, result)

    @Slot(str)
    def _fail(self, message: str) -> None:
        _pending.discard(self)
        if self._on_error is not None:
            _call_if_alive(self._on_error, message)


def _alive(owner: object) -> bool:
    """False for a Qt object whose C++ side was deleted (its window closed); True for anything else."""
    import shiboken6

    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


def _call_if_alive(fn: Callable[[Any], None], value: Any) -> None:
    """Call a result handler unless the widget it belongs to was closed while the task ran."""
    if not _alive(getattr(fn, "__self__", None)):
        return
    try:
        fn(value)
    except RuntimeError as e:  # a closure over a widget deleted meanwhile (window closed)
        if "already deleted" not in str(e):
            raise
        log.debug("result of a background task dropped: %s", e)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as e:  # reported to the GUI as one line
            from app.errors import UserError

            if not isinstance(e, UserError):
                log.error("background task failed:\n%s", traceback.format_exc())
            self._emit(self.relay.failed, str(e) or e.__class__.__name__)
            return
        self._emit(self.relay.done, result)

    @staticmethod
    def _emit(signal: Any, value: Any) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the window closed meanwhile: nobody waits for the result
            pass


_pending: set[_Relay] = set()


def run_async(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[str], None] | None = None,
    *,
    pool: QThreadPool | None = None,
    python_thread: bool = False,
) -> None:
    """Run ``fn`` on a worker thread; ``on_done(result)`` / ``on_error(message)`` run on the GUI thread.

    Call it from the GUI thread. Results come back through queued signal connections, so the GUI
    thread never waits for the database, a camera or a decoder. ``python_thread``: a thread of
    Python's own instead of Qt's pool (dlib's face descriptor crashed now and then on pool threads).
    """
    relay = _Relay(on_done, on_error)
    _pending.add(relay)
    if python_thread:
        import threading

        threading.Thread(target=_Task(fn, relay).run, name="storesight-task", daemon=True).start()
        return
    (pool or QThreadPool.globalInstance()).start(_Task(fn, relay))


class ReadsInBackground:
    """Mixin of a page that reads its data on a worker thread, one read at a time.

    ``loading`` is True while a read runs (tests and screenshots wait for it to clear). A read
    asked for while one runs is either ignored or, with ``again`` given, remembered: the running
    read's result (or error) is then dropped when it arrives and ``again()`` is called instead, so
    what is shown always matches the latest request.

    Example:
        >>> class Page(QWidget, ReadsInBackground):                                   # doctest: +SKIP
        ...     def refresh(self):
        ...         self.read_in_background(lambda: read(store), self._show, self._failed, again=self.refresh)
    """

    loading: bool = False
    _again: bool = False

    def read_in_background(
        self,
        work: Callable[[], Any],
        show: Callable[[Any], None],
        failed: Callable[[str], None],
        *,
        again: Callable[[], None] | None = None,
    ) -> bool:
        """Run ``work()`` on a worker thread, then ``show(result)`` or ``failed(message)`` on the GUI thread.

        Returns False (and starts nothing) when a read already runs.
        """
        if self.loading:
            self._again = self._again or again is not None
            return False
        self.loading = True

        def finish(handler: Callable[[Any], None], value: Any) -> None:
            self.loading = False
            if not _alive(self):
                return
            if self._again and again is not None:  # asked again meanwhile: this answer is stale
                self._again = False
                again()
                return
            handler(value)

        run_async(work, lambda result: finish(show, result), lambda message: finish(failed, message))
        return True


class StorePage(ReadsInBackground):
    """Mixin of a page that shows one database and its data folder, read in the background.

    The page sets ``store`` and ``data_dir`` in its constructor; :meth:`set_store` switches both
    and calls :meth:`store_changed`.
    """

    store: Store | None
    data_dir: Path

    def set_store(self, store: Store | None, data_dir: Path | None = None) -> None:
        """Read from this database (and data folder, when given) from now on."""
        self.store = store
        if data_dir is not None:
            self.data_dir = Path(data_dir)
        self.store_changed()

    def store_changed(self) -> None:
        """Fill what depends on the database (called by :meth:`set_store`; default: nothing, the next refresh reads it)."""


def pending_tasks() -> int:
    """Background tasks whose result has not been delivered yet (tests and screenshots wait for 0)."""
    return len(_pending)
