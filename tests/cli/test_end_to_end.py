"""Whole-pipeline tests on real video with the real built-in detector, tracker and store."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from app.cli.main import main
from app.config import CameraConfig, SiteConfig
from app.engine.pipeline import FrameResult
from app.engine.runner import analyze
from app.store import queries
from app.store.db import open_store
from tests.fixtures_demo import DemoRun


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_demo_prints_its_summary(demo_db: DemoRun) -> None:
    """What ``storesight demo`` printed in the session's shared run (tests/fixtures_demo.py)."""
    if demo_db.stdout is None:
        pytest.skip("STORESIGHT_TEST_DEMO_DIR reuses an earlier demo: its printed output is unknown")
    assert demo_db.code == 0, demo_db.stderr
    assert f"demo output: {demo_db.folder}" in demo_db.stdout and "complete" in demo_db.stdout
    assert "Traceback" not in (demo_db.stderr or "")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_demo_produces_a_complete_database(demo_db: DemoRun) -> None:
    out = demo_db.folder
    con = sqlite3.connect(out / "storesight.db")
    status, frames = con.execute("select status, frames from analysis_runs").fetchone()
    assert (status, frames) == ("complete", 795)
    n_tracks = con.execute("select count(*) from tracks where frames >= 3").fetchone()[0]
    assert 15 <= n_tracks <= 150, n_tracks  # a few dozen people walk through; not one per frame
    kinds = dict(con.execute("select module || '/' || type, count(*) from events group by 1").fetchall())
    assert kinds["tracks/track_start"] == kinds["tracks/track_end"] >= 15
    assert kinds.get("footfall/in", 0) + kinds.get("footfall/out", 0) >= 5, kinds
    assert kinds.get("zones/dwell", 0) >= 10 and kinds.get("visits/visit", 0) >= 3, kinds
    photos = con.execute("select path, bytes from event_photos").fetchall()
    assert len(photos) >= n_tracks
    for rel, size in photos[:20]:
        assert (out / rel).stat().st_size == size
    # Every analysed frame of the MOT file is 1-based and inside the video.
    mot = (out / "tracks.mot.csv").read_text().splitlines()
    frames_seen = {int(r.split(",")[0]) for r in mot}
    assert min(frames_seen) >= 1 and max(frames_seen) <= 795
    assert len(frames_seen) > 700  # people are visible in nearly every frame
    # Per-frame person counts are plausible for this clip (3-8 people visible).
    per_frame = [sum(1 for r in mot if r.startswith(f"{f},")) for f in range(1, 796, 50)]
    assert 2 <= sum(per_frame) / len(per_frame) <= 10, per_frame


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_truncated_video_is_stored_incomplete(
    tmp_path: Path, demo_video: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.avi"
    data = demo_video.read_bytes()
    cut.write_bytes(data[: len(data) // 5])
    mot = tmp_path / "t.csv"
    code = main(["analyze", str(cut), "--out", str(tmp_path / "o"), "--mot", str(mot), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 4
    assert "ends early at frame" in err and "Traceback" not in err
    assert not mot.exists() and (tmp_path / "t.csv.part").exists()  # never looks complete
    store = open_store(f"sqlite:///{tmp_path / 'o' / 'storesight.db'}")
    run = queries.runs(store)[0]
    assert run.status == "incomplete" and "truncated" in (run.reason or "")
    assert queries.camera_counts(store)[0].events > 0  # what was analysed is kept
    store.close()


@pytest.mark.rtsp
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_rtsp_reconnect_keeps_every_event(tmp_path: Path, rtsp_people_server) -> None:  # type: ignore[no-untyped-def]
    site = SiteConfig.model_validate({"site": {"name": "t"}})
    cam = CameraConfig(id="live", source=rtsp_people_server.url_with_credentials)
    stop = threading.Event()
    seen: list[float] = []
    result: dict[str, object] = {}

    states: list[object] = []

    def on_frame(res: FrameResult) -> None:
        seen.append(time.monotonic())

    def watch() -> None:
        src = result.get("source")
        while not stop.is_set():
            if src is not None:
                states.append(src.state.status)  # type: ignore[attr-defined]
            else:
                src = result.get("source")
            time.sleep(0.05)

    def worker() -> None:
        try:
            result["r"] = analyze(
                site,
                cam,
                db_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
                data_dir=tmp_path,
                stop=stop,
                on_frame=on_frame,
                on_start=lambda choice, src: result.__setitem__("source", src),
            )
        except BaseException as e:
            result["e"] = e

    t = threading.Thread(target=worker)
    t.start()
    w = threading.Thread(target=watch, daemon=True)
    w.start()
    deadline = time.monotonic() + 60
    while len(seen) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(seen) >= 20, result
    rtsp_people_server.stop()
    time.sleep(3)
    before = len(seen)
    rtsp_people_server.start()
    deadline = time.monotonic() + 60
    while len(seen) < before + 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    t.join(60)
    assert "e" not in result, result.get("e")
    assert len(seen) >= before + 20, "the source did not resume after the server came back"
    r = result["r"]
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert queries.runs(store)[0].status == "incomplete"  # stopped by the user, not the end of a file
    written = r.writer_stats  # type: ignore[attr-defined]
    assert r.summary.events >= 4  # people were tracked before and after the outage
    assert written.dropped == 0
    assert written.events == r.summary.events == queries.camera_counts(store)[0].events  # type: ignore[attr-defined]
    from app.engine.sources import CameraStatus

    assert any(s == CameraStatus.RECONNECTING for s in states), states
    store.close()
