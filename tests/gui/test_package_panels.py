"""Module packages' GUI panels: the window makes a tab for each (``ModulePackage.panel``).

The Plates tab is the plates package's panel; a plug-in package (tests/plugins/headcount) adds its
own tab without any edit elsewhere; a panel that cannot be built becomes a page saying so, and the
window still opens.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel, QMessageBox

from app.gui.app import build_window, resolve_setup
from app.modules import registry

pytestmark = [pytest.mark.gui, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo"


def _window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    shutil.copy(DEMO / "site.yaml", tmp_path / "site.yaml")
    shutil.copy(DEMO / "vtest.avi", tmp_path / "vtest.avi")
    setup = resolve_setup(tmp_path / "site.yaml", f"sqlite:///{tmp_path / 'w.db'}")
    win = build_window(setup, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    win.ask_unsaved = lambda parent, what: QMessageBox.StandardButton.Discard
    qtbot.addWidget(win)
    return win


def _titles(win) -> list[str]:  # type: ignore[no-untyped-def]
    return [win.tabs.tabText(i) for i in range(win.tabs.count())]


def test_the_plates_and_shelves_tabs_are_their_packages_panels(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert registry.packages()["plates"].panel == "app.gui.plates_page:panel"
    win = _window(qtbot, tmp_path)
    names = [p.name for p in registry.panel_packages()]  # in tab order
    assert list(win.panels) == names and names[0] == "plates" and win.panels["plates"] is win.plates
    titles = _titles(win)
    assert titles[5:7] == ["Staff", "Plates"]  # the package panels sit between Staff and Models
    assert names[-1] == "shelf" and win.panels["shelf"] is win.shelves  # the Shelves tab is the shelf package's
    assert registry.packages()["shelf"].order < registry.packages()["plates"].order  # runs first, its tab comes last
    assert titles[5 + len(names)] == "Shelves" and titles[6 + len(names)] == "Models"
    assert win.shelves in win._period_pages and win.shelves in win._stale
    assert win.plates in win._stale  # read when its tab is first shown, like every page


def test_a_plugin_panel_plugs_in_and_a_broken_one_is_shown_as_such(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(ROOT / "tests" / "plugins"))
    monkeypatch.setenv(registry.ENV_VAR, "headcount")
    monkeypatch.setattr(registry, "_PACKAGES", None)  # found again, with the plug-in
    found = registry.packages()
    assert found["headcount"].panel == "headcount.panel:panel"
    win = _window(qtbot, tmp_path)
    assert "Head count" in _titles(win) and next(iter(win.panels)) == "plates"
    assert list(win.panels)[-1] == "headcount"  # order 100: after the built-in ones
    page = win.panels["headcount"]
    win.tabs.setCurrentWidget(page)  # shown: the window calls its refresh()
    assert page.label.text() == "No head count yet"
    assert page in win._panel_pages("set_store")

    broken = dataclasses.replace(found["headcount"], panel="headcount.panel:no_such_panel")
    monkeypatch.setattr(registry, "_PACKAGES", {**found, "headcount": broken})
    (tmp_path / "again").mkdir()
    win2 = _window(qtbot, tmp_path / "again")
    text = " ".join(w.text() for w in win2.panels["headcount"].findChildren(QLabel))
    assert "The Head count panel could not be shown" in text and "no_such_panel" in text
    assert "Plates" in _titles(win2)  # the other tabs go on
    sys.modules.pop("headcount.panel", None)
