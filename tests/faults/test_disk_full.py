"""Fault suite: a full disk is a permanent error (issue 19, defect 4).

A real tmpfs of 1 MB holds the database and the photos (or only the ``--mot`` file): the analysis
must stop by itself with one line, the run marked ``failed`` with the reason, what was committed
kept and the database sound — never a wait without end, never a traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.faults.support import clip, error_lines, run_cli, runs, tiny_fs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clip(tmp_path_factory.mktemp("clip") / "long.avi", frames=400)


def test_full_disk_stops_the_analysis_and_fails_the_run(tmp_path: Path, long_clip: Path) -> None:
    with tiny_fs(tmp_path / "full", "1m") as out:
        r = run_cli("analyze", str(long_clip), "--out", str(out), "--no-progress", cwd=tmp_path, timeout=400)
        assert r.returncode == 4, r.stderr
        (line,) = error_lines(r.stderr)
        assert "full" in line or "No space left" in line, line
        ((_, status, reason),) = runs(out / "storesight.db")
        assert status == "failed" and ("full" in (reason or "") or "space" in (reason or "")), reason
        con = sqlite3.connect(out / "storesight.db")
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        photos = [p for (p,) in con.execute("select path from event_photos")]
        events = con.execute("select count(*) from events").fetchone()[0]
        con.close()
        assert events > 0  # what was committed before the disk filled is kept
        assert all((out / p).is_file() for p in photos)


def test_full_disk_under_the_mot_file_is_one_line(tmp_path: Path, long_clip: Path) -> None:
    with tiny_fs(tmp_path / "motfs", "64k") as mnt:
        out = tmp_path / "out"
        r = run_cli(
            "analyze", str(long_clip), "--out", str(out), "--mot", str(mnt / "t.csv"), "--no-progress",
            cwd=tmp_path, timeout=400,
        )  # fmt: skip
        assert r.returncode == 4, r.stderr
        lines = error_lines(r.stderr)
        assert len(lines) == 1 and "--mot" in lines[0] and "No space left" in lines[0], r.stderr
        ((_, status, reason),) = runs(out / "storesight.db")
        assert status == "failed" and "--mot" in (reason or "")
        assert not (mnt / "t.csv").exists() and not (mnt / "t.csv.part").exists()


def test_disk_full_at_the_final_rows_marks_the_run_incomplete_with_nothing_half_written(
    tmp_path: Path, long_clip: Path
) -> None:
    """The whole file is analysed; the disk fills just before the last rows are written.

    The run is ``incomplete`` (everything before those rows is sound; they are missing), not
    ``complete`` and not ``failed``; the space reserve next to the database is what lets that
    last UPDATE fit. The lost batch leaves neither rows nor photo files behind.
    """
    import threading

    from app.config import load_config
    from app.engine.runner import analyze
    from app.store.reserve import RESERVE_BYTES

    site = load_config(Path(__file__).resolve().parents[2] / "resources" / "demo" / "site.yaml")
    short = clip(tmp_path / "short.avi", frames=60)
    camera = site.cameras[0].model_copy(update={"source": str(short)})
    with tiny_fs(tmp_path / "fs", "16m") as out:
        filled: list[int] = []

        def fill_the_disk() -> None:  # called after the last frame, before the final rows are flushed
            assert (out / "s.db.reserve").stat().st_size == RESERVE_BYTES
            with open(out / "filler", "wb", buffering=0) as f:
                try:
                    while True:
                        f.write(b"\0" * 4096)
                except OSError as e:
                    filled.append(e.errno or 0)

        r = analyze(
            site, camera, db_url=f"sqlite:///{out / 's.db'}", data_dir=out, stop=threading.Event(),
            failure=fill_the_disk,
        )  # fmt: skip
        assert filled == [28]
        assert r.summary.frames == 60  # the whole file was analysed
        assert r.summary.status == "incomplete", r.summary.reason
        assert "last rows could not be stored" in r.summary.reason and "full" in r.summary.reason
        ((_, status, reason),) = runs(out / "s.db")
        assert status == "incomplete" and reason == r.summary.reason
        assert not (out / "s.db.reserve").exists()
        (out / "filler").unlink()
        con = sqlite3.connect(out / "s.db")
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        rows = {p for (p,) in con.execute("select path from event_photos")}
        rows |= {p for (p,) in con.execute("select path from backgrounds")}
        con.close()
        files = {p.relative_to(out).as_posix() for p in out.rglob("*.jpg")}
        assert files == rows, (files - rows, rows - files)  # no photo without its row, no row without its file
        assert r.writer_stats.dropped > 0  # there were final rows, and they were lost whole
