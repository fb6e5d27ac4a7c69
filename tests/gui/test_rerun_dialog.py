"""The window asks before analysing a file again that already has a run (issue 19).

A real window on a short clip with the real detector: the first start asks nothing; the next
ones show the question, and each answer is checked in the database (keep: nothing starts and
the run stays; replace: the old run and its rows are gone; add: both runs).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from app.gui.app import build_window, resolve_setup
from app.store.accounts import User
from models.base import DetectorSettings
from models.registry import create_detector
from tests.faults.support import clip

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.timeout(300)]

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _runs(db: Path) -> list[tuple[int, str]]:
    """(id, started_at) of every run (a replaced run's id may be used again: the start time differs)."""
    con = sqlite3.connect(db)
    try:
        return [tuple(r) for r in con.execute("select id, started_at from analysis_runs order by id")]
    finally:
        con.close()


def _tracks_of(db: Path, run_id: int) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("select count(*) from tracks where run_id = ?", (run_id,)).fetchone()[0]
    finally:
        con.close()


class Answer:
    """Click a button of the question box once it shows (the box is modal: a timer does it)."""

    def __init__(self, button: str) -> None:
        self.button, self.seen_text, self.enabled = button, "", {}
        QTimer.singleShot(50, self._try)

    def _try(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, self._try)
            return
        self.seen_text = box.text()
        buttons = {b.objectName(): b for b in box.findChildren(QPushButton) if b.objectName()}
        self.enabled = {name: b.isEnabled() for name, b in buttons.items()}
        (buttons[self.button] if self.enabled[self.button] else buttons["keep"]).click()


def test_the_window_asks_keep_replace_or_add_before_analysing_a_file_again(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clip(tmp_path / "vtest.avi", frames=30)
    site = yaml.safe_load((DEMO / "site.yaml").read_text())
    (tmp_path / "site.yaml").write_text(yaml.safe_dump(site))
    db = tmp_path / "w.db"
    setup = resolve_setup(tmp_path / "site.yaml", f"sqlite:///{db}")
    detector = create_detector("nanodet", DetectorSettings(confidence=0.4, classes=(0,), threads=1))
    win = build_window(setup, detector=detector)
    qtbot.addWidget(win)
    win.show()
    ctl = win.controller

    def analyse(answer: str | None) -> Answer | None:
        ans = Answer(answer) if answer else None
        if answer == "keep":
            win.cameras.start_button.click()
            qtbot.wait(300)
            assert not ctl.running and not ctl.busy
            return ans
        with qtbot.waitSignal(ctl.started, timeout=90000):
            win.cameras.start_button.click()
        qtbot.waitUntil(lambda: (s := ctl.snapshot("walkway")) is not None and s.frame is not None, timeout=60000)
        qtbot.wait(1500)
        with qtbot.waitSignal(ctl.stopped, timeout=60000):
            ctl.stop()
        return ans

    analyse(None)  # the first time: no question
    ((first, started),) = _runs(db)
    n_tracks = _tracks_of(db, first)
    assert n_tracks > 0

    ans = analyse("keep")
    assert ans is not None and "already analysed vtest.avi" in ans.seen_text and "twice" in ans.seen_text
    assert _runs(db) == [(first, started)] and _tracks_of(db, first) == n_tracks
    assert "old runs were kept" in win.statusBar().currentMessage()

    analyse("replace")
    ((second, started2),) = _runs(db)  # one run: the old one and its rows were deleted first
    assert started2 != started and _tracks_of(db, second) > 0

    analyse("append")
    assert [r for r, _ in _runs(db)] == [second, second + 1]

    # An account that may not erase is not offered "replace".
    win.current_user = User("olga", "operator")
    ans = analyse("keep")
    assert ans is not None and ans.enabled == {"keep": True, "replace": False, "append": True}
    assert [r for r, _ in _runs(db)] == [second, second + 1]
