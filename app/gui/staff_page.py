"""The Staff page: two tabs, "People to label" and "Employees".

"People to label" is :class:`~app.gui.roles_panel.RolesPanel`, "Employees" is
:class:`~app.gui.employees_panel.EmployeesPanel`.

The employee list of the labelling panel follows the employees panel; the uniform pictures
shown there follow the labelling panel's "Use as staff uniform example".
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget

from app.gui.employees_panel import EmployeesPanel
from app.gui.roles_panel import RolesPanel
from app.gui.site_document import SiteDocument
from app.store.db import Store


class StaffPage(QTabWidget):
    """Labelling people and managing employees.

    Signals:
        loaded: both panels show the latest refresh.

    Args:
        store: the database (None: the panels stay empty).
        data_dir: the data folder (crops, uniform pictures, photos, the trained classifier).
        document: the site config (its name names the classifier; its workstation zones).

    Example:
        >>> page = StaffPage(store, Path("data"), doc); page.refresh()   # doctest: +SKIP
    """

    loaded = Signal()

    def __init__(self, store: Store | None, data_dir: Path, document: SiteDocument) -> None:
        super().__init__()
        self.document = document
        self.roles = RolesPanel(store, data_dir, lambda: document.config.site.name)
        self.employees = EmployeesPanel(store, data_dir, lambda: document.config)
        self.addTab(self.roles, "People to label")
        self.addTab(self.employees, "Employees")
        self._waiting: set[object] = set()
        self.roles.uniformAdded.connect(lambda _n: self.employees.refresh())
        self.roles.loaded.connect(lambda: self._done(self.roles))
        self.employees.loaded.connect(self._employees_loaded)

    @property
    def loading(self) -> bool:
        """Whether a panel is still reading the database."""
        return self.roles.loading or self.employees.loading

    def set_store(self, store: Store | None, data_dir: Path | None = None) -> None:
        """Read from this database (and data folder)."""
        self.roles.set_store(store, data_dir)
        self.employees.set_store(store, data_dir)

    def refresh(self) -> None:
        """Reload both panels (worker threads); :attr:`loaded` is emitted when both are done."""
        self._waiting = {self.roles, self.employees}
        self.roles.refresh()
        self.employees.refresh()

    def _done(self, panel: object) -> None:
        if panel in self._waiting:
            self._waiting.discard(panel)
            if not self._waiting:
                self.loaded.emit()

    def _employees_loaded(self) -> None:
        self.roles.set_employees([(e.id, e.name) for e in self.employees.rows if e.active])
        self._done(self.employees)
