"""``storesight gui`` (and ``storesight`` without a command): open the window, or take screenshots.

Nothing here imports Qt until it is needed, so the CLI stays fast and works without a display.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import threading

from app.errors import UserError

HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc")


def display_available() -> bool:
    """Whether a window can be shown here: PySide6 is installed and there is a screen.

    Windows and macOS always have one; on Linux it needs ``DISPLAY`` (X11) or ``WAYLAND_DISPLAY``.
    A headless Qt platform chosen in ``QT_QPA_PLATFORM`` (``offscreen``…) counts as no display.
    """
    if importlib.util.find_spec("PySide6") is None:
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform in HEADLESS_PLATFORMS:
        return False
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_gui(args: argparse.Namespace, stop: threading.Event) -> int:
    """Open the window until it is closed (or Ctrl+C), or write screenshots with ``--screenshot``.

    Raises:
        UserError: no display, ``--screenshot`` without ``--db``, or a bad config/database.
    """
    if importlib.util.find_spec("PySide6") is None:
        raise UserError("the GUI needs PySide6, which is not installed (pip install pyside6-essentials)")
    if getattr(args, "check", False):
        return _check(args)
    if getattr(args, "scale", 1.0) != 1.0 and args.screenshot is None:
        raise UserError("--scale goes with --screenshot (the open window follows the screen's own scale)", 2)
    if args.screenshot is not None:
        if not args.db:
            raise UserError("--screenshot needs --db: the database whose screens to render", 2)
        from app.gui.screenshots import take_screenshots

        files = take_screenshots(
            args.screenshot.expanduser(), db=args.db, config=args.config, scale=getattr(args, "scale", 1.0)
        )
        print(f"{len(files)} screenshots written to {args.screenshot}")
        return 0
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if not display_available() and platform not in HEADLESS_PLATFORMS:
        raise UserError(
            "no display to open the window on (DISPLAY/WAYLAND_DISPLAY are not set): run it on the "
            "computer's desktop, over ssh -X or a remote desktop, or in a virtual display (xvfb-run "
            "storesight gui); without one use the other commands, or gui --screenshot DIR --db URL"
        )
    from app.gui.platform_check import check_display, uses_xcb

    if uses_xcb():
        check = check_display()
        if not check.ok:
            raise UserError(check.message)
    from app.gui.app import run

    return run(args.config, args.db, stop=stop, service=getattr(args, "service", None),
               stores=getattr(args, "stores", None))


def _check(args: argparse.Namespace) -> int:
    """``gui --check``: the X11 plugin's libraries, the display, then a window really opened."""
    from app.gui.platform_check import check_display, uses_xcb

    check = check_display()
    print(f"Qt platform libraries: {'OK' if check.ok else 'MISSING'} — {check.message}")
    if not check.ok:
        return 1
    if not display_available():
        print("Display: none (DISPLAY/WAYLAND_DISPLAY not set) — the window needs a desktop session")
        return 1
    import subprocess

    probe = (
        "from PySide6.QtWidgets import QApplication, QWidget; a = QApplication([]); w = QWidget(); "
        "w.show(); a.processEvents(); print(a.platformName())"
    )
    env = dict(os.environ, QT_DEBUG_PLUGINS="0")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=env)
    if out.returncode != 0:
        last = [ln for ln in out.stderr.strip().splitlines() if ln.strip()][-3:]
        print(f"Display: a test window could not open — {' / '.join(last) or 'exit ' + str(out.returncode)}")
        return 1
    where = os.environ.get("DISPLAY") if uses_xcb() else os.environ.get("WAYLAND_DISPLAY", "")
    print(f"Display: OK — a test window opened on {out.stdout.strip()} {where or ''}".rstrip())
    return 0
