"""``storesight gui``: screenshots of every main screen from a demo database; clear errors; help."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.cli.main import main

pytestmark = [pytest.mark.gui, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_screenshots_of_every_screen_are_written_and_not_empty(demo_db, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    def counts() -> tuple[int, int]:
        con = sqlite3.connect(demo_db.folder / "storesight.db")
        try:
            return tuple(
                con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("analysis_runs", "events")
            )  # type: ignore[return-value]
        finally:
            con.close()

    before = counts()
    out = tmp_path / "shots"
    assert main(["gui", "--screenshot", str(out), "--db", demo_db.url]) == 0
    pages = ["live", "alerts", "zones", "dashboard", "heatmap", "events", "staff", "plates", "faces", "shelves",
             "models", "settings"]
    from app.gui.first_run import WIZARD_SHOTS

    dialogs = ["event-frame", "employee-dialog", "camera-dialog", *WIZARD_SHOTS]  # + the first-run wizard
    assert f"{2 * len(pages) + len(dialogs)} screenshots written" in capsys.readouterr().out
    names = sorted(p.stem for p in out.glob("*.png"))
    assert names == sorted(pages + [f"{p}-1024x700" for p in pages] + dialogs)
    for name in pages:  # every page at full HD and on a small laptop screen
        for suffix, shape in (("", (1080, 1920)), ("-1024x700", (700, 1024))):
            img = cv2.imread(str(out / f"{name}{suffix}.png"))
            assert img.shape[:2] == shape, name + suffix
            # the demo has no vehicles: its Plates page is a search box and an empty table (still drawn)
            assert float(img.std()) > (8 if name == "plates" else 20), f"{name}{suffix} looks empty"
    # the live grid shows the camera picture with coloured boxes, not a grey placeholder
    live = cv2.imread(str(out / "live.png"))
    amber = np.all(np.abs(live.astype(int) - (32, 176, 255)) < 8, axis=-1).sum()
    assert amber > 200, "no person boxes drawn on the live grid"
    # the live grid ran into a scratch database: the one shown got no new runs or events
    assert counts() == before


@pytest.mark.slow
def test_hidpi_screenshots_are_4k_pictures_of_the_same_layout(demo_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Qt's scale factor is fixed when the application starts: its own process, as docs_pictures runs it
    out = tmp_path / "hidpi"
    cmd = [sys.executable, "-m", "app.cli.main", "gui", "--screenshot", str(out), "--db", demo_db.url,
           "--scale", "2"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("QT_SCALE_FACTOR", None)
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=500)
    assert run.returncode == 0, run.stderr
    assert "2 screenshots written" in run.stdout
    assert sorted(p.stem for p in out.glob("*.png")) == ["dashboard-hidpi", "live-hidpi"]
    for name in ("live-hidpi", "dashboard-hidpi"):
        img = cv2.imread(str(out / f"{name}.png"))
        assert img.shape[:2] == (2160, 3840), name  # 1920×1080 logical at scale 2
        assert float(img.std()) > 20, f"{name} looks empty"
    # at scale 2 the person boxes are drawn, twice as many pixels as at scale 1
    live = cv2.imread(str(out / "live-hidpi.png"))
    amber = np.all(np.abs(live.astype(int) - (32, 176, 255)) < 8, axis=-1).sum()
    assert amber > 800, "no person boxes drawn on the live grid"


def test_screenshot_scale_errors(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["gui", "--scale", "2"]) == 2
    assert "--scale goes with --screenshot" in capsys.readouterr().err
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["gui", "--screenshot", str(tmp_path / "s"), "--db", db, "--scale", "9"]) == 2
    err = capsys.readouterr().err
    assert "--scale must be between 0.5 and 4" in err and "Traceback" not in err


def test_screenshot_needs_a_database(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["gui", "--screenshot", str(tmp_path)]) == 2
    assert "--screenshot needs --db" in capsys.readouterr().err
    assert main(["gui", "--screenshot", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'nope.db'}"]) == 2
    err = capsys.readouterr().err
    assert "database file not found" in err and "Traceback" not in err


def test_no_command_without_a_display_prints_help(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert main([]) == 0
    assert "usage: storesight" in capsys.readouterr().out


def test_display_detection(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.gui import launch

    monkeypatch.setattr(launch.sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    assert not launch.display_available()
    monkeypatch.setenv("DISPLAY", ":0")
    assert launch.display_available()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not launch.display_available()


def test_gui_opens_on_a_new_database_and_closes_on_ctrl_c(qapp, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from app.gui.app import resolve_setup, run

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    stop = threading.Event()
    stop.set()  # as if Ctrl+C came at once: the window closes at its first check
    url = f"sqlite:///{tmp_path / 'new' / 'storesight.db'}"
    assert run(None, url, stop=stop) == 0
    setup = resolve_setup(None, url)
    # no config given and none in the data folder (the database's): a new site, saved there on the first change
    assert setup.config.site.name == "My store" and not setup.config_saved
    assert setup.config_path == tmp_path / "new" / "site.yaml" and setup.data_dir == tmp_path / "new"
    setup.store.close()
