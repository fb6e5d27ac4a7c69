"""Run by test_real_display.py in a child process on a real X server (Qt's xcb platform).

Opens StoreSight's whole window at 1024×700 on the demo site, grabs the screen, walks the tabs,
checks the window manager-facing basics (menus, geometry kept across a restart) and closes the
window with Ctrl+Q. Prints one JSON line with what it saw.

Usage: python tests/gui/xcb_window.py SITE.yaml DB_URL OUT.png SETTINGS.ini
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import app.config  # noqa: F401  (pydantic before PySide6: see the shiboken import hook)


def main() -> int:
    site, db, out, ini = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    from app.gui.app import build_window, make_application, resolve_setup

    app = make_application()
    seen: dict[str, object] = {"platform": QGuiApplication.platformName()}

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    setup = resolve_setup(site, db)
    win = build_window(setup, settings=QSettings(ini, QSettings.Format.IniFormat))
    win.resize(1024, 700)
    win.show()
    spin(1.0)
    seen["exposed"] = win.windowHandle().isExposed()
    seen["size"] = [win.width(), win.height()]
    seen["menus"] = [a.text() for a in win.menuBar().actions()]
    tabs = []
    for i in range(win.tabs.count()):
        win.tabs.setCurrentIndex(i)
        spin(0.3)
        tabs.append(win.tabs.tabText(i))
    win.tabs.setCurrentWidget(win.dashboard)
    spin(1.0)
    shot = QGuiApplication.primaryScreen().grabWindow(win.winId())
    shot.save(str(out))
    img = shot.toImage()
    colours = {img.pixel(x, y) for x in range(0, img.width(), 17) for y in range(0, img.height(), 17)}
    seen["tabs"] = tabs
    seen["grab"] = [img.width(), img.height(), len(colours)]
    win.activateWindow()
    spin(0.5)
    QTest.keyClick(win, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # File ▸ Quit
    spin(3.0)
    seen["closed_by_ctrl_q"] = not win.isVisible()
    if win.isVisible():
        win.close()
    setup.store.close()

    # a new window on the same settings comes back at the size and tab it was closed with
    setup2 = resolve_setup(site, db)
    win2 = build_window(setup2, settings=QSettings(ini, QSettings.Format.IniFormat))
    win2.show()
    spin(1.0)
    seen["restored"] = [win2.width(), win2.height(), win2.tabs.tabText(win2.tabs.currentIndex())]
    win2.close()
    setup2.store.close()
    print("RESULT " + json.dumps(seen), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
