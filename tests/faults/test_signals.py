"""Fault suite: SIGTERM, a double Ctrl+C and SIGKILL on a real analysis process (issue 19, defect 3).

Each test starts ``storesight analyze`` in its own process on a 40-second piece of the demo video,
waits until events are being committed, sends a real signal and checks what was kept.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.faults.support import clip, error_lines, run_cli, runs, start_cli, wait_for_rows

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _count(db: Path, table: str) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute(f"select count(*) from {table}").fetchone()[0])
    finally:
        con.close()


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clip(tmp_path_factory.mktemp("clip") / "long.avi", frames=400)


def test_sigterm_ends_the_run_as_incomplete_and_keeps_everything(tmp_path: Path, long_clip: Path) -> None:
    out = tmp_path / "out"
    db = out / "storesight.db"
    proc = start_cli(
        "analyze",
        str(long_clip),
        "--out",
        str(out),
        "--mot",
        str(out / "t.csv"),
        "--no-progress",
        cwd=tmp_path,
    )
    wait_for_rows(db, "events", 3, proc)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr
    assert "stopped by SIGTERM" in stderr
    ((_, status, reason),) = runs(db)
    assert status == "incomplete" and "stopped" in (reason or "")
    assert _count(db, "heatmap_hours") > 0  # the open hour of heat was written at the stop
    assert _count(db, "backgrounds") > 0
    part = out / "t.csv.part"
    assert part.is_file() and part.read_text().count("\n") > 10 and not (out / "t.csv").exists()
    assert str(part) in stdout  # says where the partial MOT file is
    con = sqlite3.connect(db)
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    con.close()


def test_double_ctrl_c_still_closes_the_run(tmp_path: Path, long_clip: Path) -> None:
    out = tmp_path / "out"
    db = out / "storesight.db"
    proc = start_cli("analyze", str(long_clip), "--out", str(out), "--no-progress", cwd=tmp_path)
    wait_for_rows(db, "events", 3, proc)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.02)  # two signals at once arrive as one; the second must come while it is stopping
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    ((_, status, _reason),) = runs(db)
    assert status == "incomplete"


def test_an_interrupt_inside_the_pipeline_marks_the_run_incomplete(tmp_path: Path) -> None:
    """The second Ctrl+C raises KeyboardInterrupt wherever the analysis is: the run still ends."""
    import threading

    from app.cli.commands import default_config, resolve_camera
    from app.engine.runner import analyze

    video = clip(tmp_path / "c.avi", frames=30)
    cfg = default_config()
    cam = resolve_camera(cfg, str(video), None)
    seen = []

    def on_frame(res: object) -> None:
        seen.append(res)
        if len(seen) == 10:
            raise KeyboardInterrupt

    db = tmp_path / "k.db"
    with pytest.raises(KeyboardInterrupt):
        analyze(
            cfg, cam, db_url=f"sqlite:///{db}", data_dir=tmp_path, stop=threading.Event(), on_frame=on_frame
        )
    ((_, status, reason),) = runs(db)
    assert (status, reason) == ("incomplete", "interrupted")


def test_sigkill_mid_write_keeps_a_sound_database_and_the_next_command_closes_the_run(
    tmp_path: Path, long_clip: Path
) -> None:
    out = tmp_path / "out"
    db = out / "storesight.db"
    proc = start_cli("analyze", str(long_clip), "--out", str(out), "--no-progress", cwd=tmp_path)
    wait_for_rows(db, "event_photos", 10, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(db)
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    rows = [r[0] for r in con.execute("select path from event_photos")]
    con.close()
    assert rows and all((out / p).is_file() for p in rows)  # every committed photo row has its file
    files = {str(p.relative_to(out)) for p in (out / "crops").rglob("*.jpg")}
    orphans = files - set(rows)
    assert len(orphans) <= 500  # at most the one batch being committed (swept later by prune)
    assert runs(db)[0][1] == "running"  # nobody closed it…
    r = run_cli("stats", "--db", str(db), cwd=tmp_path)  # …until the next command starts
    assert r.returncode == 0, r.stderr
    assert not error_lines(r.stderr)
    ((_, status, reason),) = runs(db)
    assert status == "incomplete" and "ended without finishing" in (reason or "")
    assert "not complete" in r.stderr  # and stats warns that the numbers may be low
