"""The window on a real X server (Xvfb) through Qt's xcb plugin, as on a store's Linux desktop.

Every other GUI test runs on Qt's offscreen platform, which needs none of the X11 libraries: a
machine without ``libxcb-icccm4`` passed them all while ``storesight gui`` could not open. These
tests start Xvfb and run the window in a child process with ``QT_QPA_PLATFORM=xcb``, so a missing
system library (see ``scripts/setup.sh``) fails here. ``scripts/setup.sh --test`` installs Xvfb.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.gui.platform_check import check_display, qt_plugin_files

# end to end: a real X server and the window in a child process (CI runs the slow tests too)
pytestmark = [pytest.mark.gui, pytest.mark.xvfb, pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo"


@pytest.fixture(scope="module")
def x_display(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh Xvfb server (1280×800, 24 bit) for this module; its DISPLAY."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("Xvfb is not installed (scripts/setup.sh --test installs the xvfb package)")
    read, write = os.pipe()
    log = tmp_path_factory.mktemp("xvfb") / "xvfb.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [xvfb, "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stderr=err,
            stdout=subprocess.DEVNULL,
        )
    os.close(write)
    number = b""
    with os.fdopen(read, "rb") as r:
        while not number.endswith(b"\n"):
            chunk = r.read(1)
            if not chunk:
                break
            number += chunk
    if not number.strip():
        proc.kill()
        pytest.fail(f"Xvfb did not start: {log.read_text(errors='replace')[-500:]}")
    try:
        yield f":{number.decode().strip()}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _env(display: str, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_RUNTIME_DIR=str(tmp),
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    return env


def test_the_x11_plugin_finds_every_library_it_needs() -> None:
    assert qt_plugin_files(), "PySide6's libqxcb.so not found"
    check = check_display()
    assert check.ok, check.message  # the message names the library and the apt-get line


def test_gui_check_opens_a_window_on_the_x_server(x_display: str, tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "gui", "--check"],
        env=_env(x_display, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Qt platform libraries: OK" in out.stdout
    assert f"Display: OK — a test window opened on xcb {x_display}" in out.stdout


def test_the_whole_window_on_xcb_at_1024x700(x_display: str, tmp_path: Path) -> None:
    shutil.copy(DEMO / "site.yaml", tmp_path / "site.yaml")
    shutil.copy(DEMO / "vtest.avi", tmp_path / "vtest.avi")
    png = tmp_path / "window.png"
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "gui" / "xcb_window.py"),
            str(tmp_path / "site.yaml"),
            f"sqlite:///{tmp_path / 'x.db'}",
            str(png),
            str(tmp_path / "settings.ini"),
        ],
        env=_env(x_display, tmp_path),
        capture_output=True,
        text=True,
        timeout=540,
        cwd=ROOT,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    assert out.returncode == 0 and lines, out.stdout[-2000:] + out.stderr[-3000:]
    seen = json.loads(lines[-1][7:])
    assert seen["platform"] == "xcb"
    assert seen["exposed"] is True
    assert seen["size"] == [1024, 700]  # nothing in the window forces it wider or taller
    assert seen["menus"] == ["&File", "&Edit", "&View", "&Help"]
    assert seen["tabs"] == ["Live", "Zones", "Dashboard", "Heatmap", "Events", "Staff", "Plates", "Faces", "Shelves",
                            "Models", "Settings"]
    w, h, colours = seen["grab"]
    assert (w, h) == (1024, 700) and colours > 20, seen["grab"]  # a drawn window, not a black screen
    assert seen["closed_by_ctrl_q"] is True
    assert seen["restored"] == [1024, 700, "Dashboard"]
    assert png.stat().st_size > 10_000
