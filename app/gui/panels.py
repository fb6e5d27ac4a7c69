"""Module packages' GUI panels: the pages the main window shows for them (``ModulePackage.panel``).

A module package names a function ``panel(ctx: PanelContext) -> QWidget`` in its ``panel=``
(``"package.module:function"``); the main window makes one tab per such package, in tab order
(its ``panel_order``, else its running ``order``), titled with the page's ``windowTitle()`` (the
package's title when it has none). The window treats every panel page alike:

* ``set_store(store, data_dir)`` (optional) when the database changes;
* ``refresh()`` (optional) when its tab is shown and its data may be stale (after an analysis,
  a new period, a new database);
* ``set_period(start, end)`` (optional): the page follows the window's period bar;
* a ``cameraSaved(object)`` signal (optional): the page saved a camera's settings (the new
  :class:`~app.config.CameraConfig`); the window applies it to the running analysis.

A panel that cannot be built (a plug-in's bug, a missing optional package) becomes a page with
one line saying so; the window and the other tabs go on.

Example:
    >>> ctx = PanelContext(store=None, data_dir=Path("."), document=None)  # doctest: +SKIP
    >>> [(title, type(page).__name__) for _, title, page in package_panels(ctx)]  # doctest: +SKIP
    [('Plates', 'PlatesPage')]
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.modules.registry import panel_packages

if TYPE_CHECKING:
    from app.gui.site_document import SiteDocument
    from app.store.db import Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PanelContext:
    """What a package's panel may use.

    Attributes:
        store: the database (None: the page stays empty until ``set_store``).
        data_dir: the data folder (photos are relative to it).
        document: the open site config (edits are saved through it); None without one.
        live: a running camera's latest frame by camera id (None when it is not running).
    """

    store: Store | None
    data_dir: Path
    document: SiteDocument | None
    live: Callable[[str], Any] | None = None


def _failed_page(title: str, message: str) -> QWidget:
    page = QWidget()
    page.setWindowTitle(title)
    label = QLabel(message)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lay = QVBoxLayout(page)
    lay.addWidget(label)
    return page


def package_panels(ctx: PanelContext) -> list[tuple[str, str, QWidget]]:
    """``(package name, tab title, page)`` of every module package with a panel, in tab order."""
    import importlib

    out: list[tuple[str, str, QWidget]] = []
    for pkg in panel_packages():
        name = pkg.name
        module, _, attr = (pkg.panel or "").partition(":")
        try:
            page = getattr(importlib.import_module(module), attr)(ctx)
        except Exception as e:  # one panel's failure must not stop the window
            log.exception("module package %s: its panel could not be built", name)
            page = _failed_page(pkg.title, f"The {pkg.title} panel could not be shown: {e}")
        out.append((name, page.windowTitle() or pkg.title, page))
    return out
