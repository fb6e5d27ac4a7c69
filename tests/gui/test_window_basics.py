"""The window as a desktop app: menus, standard shortcuts, no lost zone edit, remembered geometry and tab."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from app.config import load_config
from app.gui.app import build_window, resolve_setup

pytestmark = [pytest.mark.gui, pytest.mark.timeout(300)]

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
Button = QMessageBox.StandardButton


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copy(DEMO / "site.yaml", tmp_path / "site.yaml")
    shutil.copy(DEMO / "vtest.avi", tmp_path / "vtest.avi")
    return tmp_path / "site.yaml"


def _window(qtbot, site: Path, settings: QSettings):  # type: ignore[no-untyped-def]
    setup = resolve_setup(site, f"sqlite:///{site.parent / 'w.db'}")
    win = build_window(setup, settings=settings)
    win.ask_unsaved = lambda parent, what: Button.Discard  # never a modal box (a failed test's teardown)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win, setup


def _edit_a_zone(win) -> None:  # type: ignore[no-untyped-def]
    win.tabs.setCurrentWidget(win.zones)
    win.zones.canvas.select([s.id for s in win.zones.canvas.shapes()].index("dept_b"))
    win.zones.act_delete.trigger()  # one undoable step, as the Delete key does
    assert win.zones.dirty and not _has(win, "dept_b")


def _has(win, zone: str) -> bool:  # type: ignore[no-untyped-def]
    return zone in [s.id for s in win.zones.canvas.shapes()]


def test_menus_and_standard_shortcuts(qtbot, site: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win, setup = _window(qtbot, site, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    menus = [a.text() for a in win.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Help"]
    file_items = [a.text() for a in win.menuBar().actions()[0].menu().actions() if a.text()]
    assert file_items == ["&Open site config…", "Open &database…", "&Save zones", "&Export report…", "&Quit"]
    # the platform's Quit key (Ctrl+Q on Linux desktops; the offscreen platform has none: Ctrl+Q then)
    assert win.act_quit.shortcut().toString() == "Ctrl+Q"
    assert QKeySequence("Ctrl+Y") in win.act_redo.shortcuts()
    assert QKeySequence(QKeySequence.StandardKey.Undo) in win.act_undo.shortcuts()
    help_items = [a.text() for a in win.menuBar().actions()[3].menu().actions() if a.text()]
    assert help_items == ["Open &logs folder", "Open data &folder", "&About StoreSight"]
    about = win.about()
    assert str(setup.data_dir) in about.informativeText() and "AGPL" in about.informativeText()
    about.close()

    # Ctrl+Z / Ctrl+Y reach the zone editor through the Edit menu (no ambiguous shortcut)
    _edit_a_zone(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow(), timeout=5000)
    win.zones.canvas.setFocus()
    assert win.act_undo.isEnabled()
    qtbot.keyClick(win.zones.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _has(win, "dept_b")
    qtbot.keyClick(win.zones.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert not _has(win, "dept_b")
    qtbot.keyClick(win.zones.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(win.zones.canvas, Qt.Key.Key_Z, shift_ctrl)
    assert not _has(win, "dept_b")
    # Ctrl+3 shows the dashboard (asked about the unsaved zone first: Discard)
    asked: list[str] = []
    win.ask_unsaved = lambda parent, what: asked.append(what) or Button.Discard
    qtbot.keyClick(win.zones.canvas, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert win.tabs.currentWidget() is win.dashboard and asked == ["Walkway camera"]
    assert not win.zones.dirty and _has(win, "dept_b")
    # Ctrl+Q closes the window
    qtbot.keyClick(win.dashboard, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=30000)
    setup.store.close()


def test_unsaved_zones_are_never_lost_silently(qtbot, site: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win, setup = _window(qtbot, site, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    answers: list[Button] = []
    asked: list[str] = []
    win.ask_unsaved = lambda parent, what: asked.append(what) or answers.pop(0)
    _edit_a_zone(win)

    # Cancel on a tab switch: stay on the zones with the edit
    answers.append(Button.Cancel)
    win.tabs.setCurrentWidget(win.settings)
    assert win.tabs.currentWidget() is win.zones and win.zones.dirty
    # Cancel on close: the window stays open
    answers.append(Button.Cancel)
    assert not win.close()
    assert win.isVisible() and win.zones.dirty
    # another camera in the editor's list is asked about too (the demo has one: nothing to switch to)
    # Save on close: written to the file, then closed
    answers.append(Button.Save)
    assert win.close()
    assert len(asked) == 3
    assert "dept_b" not in [z.id for z in load_config(site).cameras[0].zones]
    setup.store.close()


def test_geometry_and_last_tab_are_remembered(qtbot, site: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ini = str(tmp_path / "s.ini")
    win, setup = _window(qtbot, site, QSettings(ini, QSettings.Format.IniFormat))
    win.resize(760, 540)  # (inside the offscreen platform's 800×600 screen: restoring fits it to the screen)
    win.tabs.setCurrentWidget(win.events)
    assert win.close()
    setup.store.close()
    win2, setup2 = _window(qtbot, site, QSettings(ini, QSettings.Format.IniFormat))
    assert win2.tabs.currentWidget() is win2.events
    assert (win2.width(), win2.height()) == (760, 540)
    assert win2.close()
    setup2.store.close()


def test_one_period_bar_for_dashboard_heatmap_and_events(qtbot, site: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win, setup = _window(qtbot, site, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert not win.is_live_site()  # the demo's camera is a video file
    assert win.period.quick_key == "today"  # (no data yet: "all data" would be empty; today it is)
    for page in (win.cameras, win.zones, win.staff, win.settings):
        win.tabs.setCurrentWidget(page)
        assert not win.period_bar.isVisible()
    for page in (win.dashboard, win.heatmap, win.events):
        win.tabs.setCurrentWidget(page)
        assert win.period_bar.isVisible()
    assert not win.dashboard.period.isVisible() and not win.events.since_edit.isVisible()
    win.period.quick("7")
    first, last = win.period.dates()
    assert (last - first).days == 6
    assert win.dashboard.period.dates() == win.heatmap.period.dates() == (first, last)
    f = win.events.filters()
    assert f["since"] == win.period.bounds(win.period.tz)[0]
    assert f["until"] == win.period.bounds(win.period.tz)[1]
    assert win.close()
    setup.store.close()
