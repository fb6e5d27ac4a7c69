"""Helpers of the fault suite: short clips, tiny real file systems, the CLI in its own process."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_VIDEO = ROOT / "resources" / "demo" / "vtest.avi"


def clip(path: Path, frames: int = 30, start: int = 0) -> Path:
    """``frames`` frames of the demo video (from ``start``) as an MJPG AVI at 10 fps."""
    cap = cv2.VideoCapture(str(DEMO_VIDEO))
    cap.set(cv2.CAP_PROP_POS_FRAMES, start)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (768, 576))
    for _ in range(frames):
        ok, frame = cap.read()
        if not ok:
            break
        out.write(frame)
    out.release()
    cap.release()
    return path


@contextlib.contextmanager
def tiny_fs(where: Path, size: str = "4m") -> Iterator[Path]:
    """A real tmpfs of ``size`` mounted at ``where`` (root only; the test is skipped otherwise).

    Yields:
        The mount point; unmounted (lazily, if busy) at the end.
    """
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (CI runs the suite as root)")
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", f"ss-{uuid.uuid4().hex[:8]}", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?): {r.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def remount_read_only(where: Path) -> None:
    """Make the tmpfs at ``where`` read-only."""
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)


def cli_env() -> dict[str, str]:
    """The environment of a CLI child process (this checkout on the path, no colours)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """``storesight ARGS`` in its own process (for real signals)."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli.main", *args],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``storesight ARGS`` in its own process, to its end."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli.main", *args],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def runs(db: Path) -> list[tuple[int, str, str | None]]:
    """(id, status, reason) of every run in a SQLite database."""
    con = sqlite3.connect(db)
    try:
        return [tuple(r) for r in con.execute("select id, status, reason from analysis_runs order by id")]
    finally:
        con.close()


def error_lines(stderr: str) -> list[str]:
    """The ``storesight: error:`` lines (and check there is no traceback)."""
    assert "Traceback" not in stderr, stderr
    return [ln for ln in stderr.splitlines() if ln.startswith("storesight: error:")]


def wait_for_rows(db: Path, table: str, n: int, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    """Wait until ``table`` has ``n`` rows (the analysis is under way), or fail."""
    import time

    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        assert proc.poll() is None, proc.communicate()
        if db.exists():
            try:
                con = sqlite3.connect(db, timeout=1)
                try:
                    if con.execute(f"select count(*) from {table}").fetchone()[0] >= n:
                        return
                finally:
                    con.close()
            except sqlite3.OperationalError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"{table} did not reach {n} rows in {timeout} s")
