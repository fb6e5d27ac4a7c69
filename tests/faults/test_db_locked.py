"""Fault suite: a database another process holds locked (``BEGIN EXCLUSIVE``) at start (issue 19, defect 5).

A writing command waits for the lock up to a deadline, saying so, then gives one line; a lock that
goes away within the deadline is simply waited for. Mid-run locks are retried by the store writer
(tests/store/test_writer.py).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli.main import main
from app.store import db as dbmod
from tests.cli_support import one_error_line, run_cli
from tests.faults.support import clip, runs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

HOLD = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
con.execute("update analysis_runs set reason = reason")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("ROLLBACK")
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    video = clip(tmp_path / "clip.avi", frames=15)
    assert main(["analyze", str(video), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    return tmp_path / "out" / "storesight.db"


@pytest.fixture
def hold(shop: Path) -> Iterator[callable]:
    procs: list[subprocess.Popen[str]] = []

    def start(seconds: float) -> None:
        p = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(shop), str(seconds)], stdout=subprocess.PIPE, text=True
        )
        assert p.stdout is not None and p.stdout.readline().strip() == "locked"
        procs.append(p)

    yield start
    for p in procs:
        p.kill()
        p.wait()


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "{video}", "--out", "{out}", "--append", "--no-progress"],
        ["roles", "label", "cam1:1", "staff", "--db", "{db}"],
        ["prune", "--db", "{db}", "--days", "1"],
    ],
)
def test_held_lock_gives_one_line_after_the_deadline(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    shop: Path,
    hold: callable,
    argv: list[str],
) -> None:
    monkeypatch.setattr(dbmod, "LOCK_WAIT_S", 1.0)
    capsys.readouterr()
    hold(120)
    video = shop.parent.parent / "clip.avi"
    args = [a.format(video=video, out=shop.parent, db=shop) for a in argv]
    code, _, err = run_cli(capsys, *args)
    assert code == 1, err
    assert "locked by another program" in one_error_line(err)
    assert [r[1] for r in runs(shop)] == ["complete"]  # nothing half-written


def test_a_lock_that_goes_away_is_waited_for(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, shop: Path, hold: callable
) -> None:
    monkeypatch.setattr(dbmod, "LOCK_WAIT_S", 60.0)
    capsys.readouterr()
    hold(8)  # longer than SQLite's own busy timeout (5 s)
    video = shop.parent.parent / "clip.avi"
    code, _, err = run_cli(
        capsys, "analyze", str(video), "--out", str(shop.parent), "--append", "--no-progress"
    )
    assert code == 0, err
    assert "locked by another program; waiting up to 60 s" in err
    assert [r[1] for r in runs(shop)] == ["complete", "complete"]
