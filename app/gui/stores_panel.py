"""The head office's store switcher: a Store list in the window's toolbar and an "All stores" table.

With a stores file (:mod:`app.chain`; ``storesight gui --stores FILE`` or ``$STORESIGHT_STORES``)
the window gets a **Store** list next to the period: choosing a store opens its database (and its
site config) in the window and attaches to its running service when the file lists one. **View ▸
All stores…** shows every store's numbers for the window's period and the all-stores row — the
metric catalogue's numbers (:func:`app.chain.chain_numbers`), as ``storesight stores`` prints them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.chain import StoreNumbers, StoreRef, chain_numbers
from app.gui.qt_util import run_async

#: The columns of the All stores table (catalogue keys).
COLUMNS = (
    "footfall_in",
    "visits",
    "visit_median_s",
    "conversion",
    "queue_customers",
    "wait_p90_s",
    "queue_alerts",
)

#: Opens a store in the window: its site config (or None), its database URL, its service URL (or None).
SwitchStore = Callable[[StoreRef], None]


class AllStoresDialog(QDialog):
    """Every store's numbers and the all-stores row for a period (read on a worker thread).

    Args:
        refs: the chain's stores.
        period: ``(since, until)`` epoch seconds (None: open end).
        switch: opens a store (double-click on its row); None: the table only.
    """

    def __init__(
        self, refs: list[StoreRef], period: tuple[float | None, float | None], switch: SwitchStore | None = None,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        from app.store.metrics import CATALOGUE

        self.refs, self.switch = refs, switch
        self.setWindowTitle("All stores")
        self.resize(1120, 360)
        self.status = QLabel("Reading every store's database…")
        self.table = QTableWidget(0, len(COLUMNS) + 1)
        self.table.setHorizontalHeaderLabels(["Store", *(CATALOGUE[k].name for k in COLUMNS)])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.cellDoubleClicked.connect(self._open_row)
        note = QLabel("All stores: counts added, conversion from the added counts; medians and percentiles "
                      "of durations are per store only (–). Double-click a store to open it.")  # fmt: skip
        note.setWordWrap(True)
        note.setStyleSheet("color: #888;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for w in (self.status, self.table, note, buttons):
            lay.addWidget(w)
        self.rows: list[StoreNumbers] = []
        self.combined: dict[str, Any] = {}
        self.loaded = False
        since, until = period
        run_async(lambda: chain_numbers(refs, since, until), self._show, self._failed)

    def _show(self, result: tuple[list[StoreNumbers], dict[str, Any]]) -> None:
        from app.cli.stats_cmd import fmt_metric

        self.rows, self.combined = result
        self.table.setRowCount(len(self.rows) + 1)
        for r, row in enumerate(self.rows):
            self.table.setItem(r, 0, QTableWidgetItem(row.store.label))
            if row.numbers is None:
                item = QTableWidgetItem(f"not read: {row.error}")
                item.setToolTip(row.error)
                self.table.setItem(r, 1, item)
                self.table.setSpan(r, 1, 1, len(COLUMNS))
                continue
            for c, key in enumerate(COLUMNS, 1):
                self.table.setItem(r, c, QTableWidgetItem(fmt_metric(key, row.numbers.get(key, math.nan))))
        last = len(self.rows)
        ok = sum(1 for r in self.rows if r.numbers is not None)
        self.table.setItem(last, 0, QTableWidgetItem(f"All stores ({ok})"))
        for c, key in enumerate(COLUMNS, 1):
            self.table.setItem(last, c, QTableWidgetItem(fmt_metric(key, self.combined.get(key, math.nan))))
        for c in range(self.table.columnCount()):
            item = self.table.item(last, c)
            if item is not None:
                f = item.font()
                f.setBold(True)
                item.setFont(f)
        self.table.resizeColumnsToContents()
        bad = len(self.rows) - ok
        self.status.setText(f"{len(self.rows)} stores" + (f", {bad} could not be read" if bad else ""))
        self.loaded = True

    def _failed(self, message: str) -> None:
        self.status.setText(f"The stores could not be read: {message}")
        self.loaded = True

    def _open_row(self, row: int, _col: int) -> None:
        if self.switch is not None and row < len(self.rows):
            self.switch(self.rows[row].store)
            self.accept()


def install_store_switcher(
    window: Any, refs: list[StoreRef], current: StoreRef | None, switch: SwitchStore
) -> QComboBox:
    """Add the Store list to ``window``'s period toolbar and View ▸ All stores…; returns the list.

    Args:
        window: the :class:`~app.gui.main_window.MainWindow`.
        refs: the chain's stores.
        current: the store the window shows (None: a database that is not in the file).
        switch: opens another store.
    """
    from PySide6.QtGui import QAction

    box = QComboBox()
    box.setObjectName("storeSwitcher")
    box.setToolTip("The store whose database (and running service) the window shows")
    if current is None:
        box.addItem("(this database)", None)
    for ref in refs:
        box.addItem(ref.label, ref.id)
        box.setItemData(box.count() - 1, f"{ref.safe_db}" + (f"\nservice: {ref.service}" if ref.service else ""),
                        3)  # Qt.ToolTipRole  # fmt: skip
    if current is not None:
        box.setCurrentIndex(box.findData(current.id))
    by_id = {r.id: r for r in refs}

    def chosen(index: int) -> None:
        ref = by_id.get(box.itemData(index))
        if ref is not None and (current is None or ref.id != current.id):
            switch(ref)

    box.activated.connect(chosen)
    window.period_bar.addWidget(QLabel("   Store:  "))
    window.period_bar.addWidget(box)

    def all_stores() -> AllStoresDialog:
        tz = window.period.tz
        dlg = AllStoresDialog(refs, window.period.bounds(tz), switch, parent=window)
        dlg.show()
        window.all_stores_dialog = dlg
        return dlg

    act = QAction("All &stores…", window)
    act.triggered.connect(lambda _c=False: all_stores())
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    view.addAction(act)
    window.act_all_stores = act
    window.store_box = box
    window.show_all_stores = all_stores
    return box
