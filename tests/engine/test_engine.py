"""The live multi-camera engine with real video and the real built-in detector."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.config import CameraConfig, SiteConfig, ZoneConfig
from app.engine.engine import Engine, probe_camera
from app.engine.playback import PlaybackSource
from app.engine.sources import CameraStatus
from app.store.db import open_store
from app.store.queries import runs
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from models.base import DetectorSettings
from models.registry import BackendChoice, create_detector

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def detector() -> BackendChoice:
    return create_detector("nanodet", DetectorSettings(confidence=0.35, classes=(0,), threads=1))


def _short_video(path: Path, frames: int = 5, fps: float = 10.0) -> Path:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for i in range(frames):
        w.write(np.full((48, 64, 3), (20 * i) % 256, np.uint8))
    w.release()
    return path


def _site(video: Path, n: int = 2) -> SiteConfig:
    zones = [{"id": "entrance", "type": "entrance_line", "points": [[0.62, 0.22], [0.62, 0.78]]}]
    return SiteConfig.model_validate(
        {
            "site": {"name": "Engine test"},
            "cameras": [{"id": f"cam{i}", "source": str(video), "zones": zones} for i in range(1, n + 1)],
        }
    )


def _wait(cond, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_playback_is_paced_by_timestamps_and_loops_forward_in_time(tmp_path: Path) -> None:
    video = _short_video(tmp_path / "five.avi")
    src = PlaybackSource("c", video, loop=True)
    stop = threading.Event()
    t0 = time.time()
    got = []
    for f in src.frames(stop):
        got.append(f)
        if len(got) == 12:
            stop.set()
    took = time.time() - t0
    ts = np.array([f.ts for f in got])
    assert [f.index for f in got] == list(range(12))  # numbering goes on across loops
    assert np.allclose(np.diff(ts), 0.1, atol=1e-6)  # 10 fps, also across the loop seams
    assert 1.0 <= took <= 3.0  # 12 frames at 10 fps take about 1.1 s of wall time
    assert abs(ts[0] - t0) < 0.5  # stamped with the wall clock
    assert src.loops == 2 and src.state.status == CameraStatus.ENDED

    once = PlaybackSource("c", video, loop=False, speed=10.0)
    assert len(list(once.frames(threading.Event()))) == 5
    assert once.state.status == CameraStatus.ENDED and "end of" in once.state.reason


def test_probe_camera_reads_one_frame_or_says_why(tmp_path: Path, demo_video: Path) -> None:
    ok = probe_camera(CameraConfig(id="c", source=str(demo_video)))
    assert ok.ok and ok.image is not None and ok.image.shape == (576, 768, 3) and "768x576" in ok.message
    missing = probe_camera(CameraConfig(id="c", source=str(tmp_path / "nope.mp4")))
    assert not missing.ok and missing.image is None and "not found" in missing.message
    t0 = time.monotonic()
    refused = probe_camera(CameraConfig(id="c", source="rtsp://admin:s3cret@127.0.0.1:9/live"), timeout=3)
    assert not refused.ok and "s3cret" not in refused.message and time.monotonic() - t0 < 20


@pytest.mark.slow
def test_two_cameras_live_zone_change_and_clean_stop(
    tmp_path: Path, demo_video: Path, detector: BackendChoice
) -> None:
    db = tmp_path / "live.db"
    url = f"sqlite:///{db}"
    site = _site(demo_video)
    # a run left "running" by a crash of an earlier session
    store = open_store(url)
    ids = sync_site(store, site)
    with StoreWriter(store, tmp_path) as w:
        stale = w.start_run(ids["cam1"], "old", "")
    store.close()

    engine = Engine(site, db_url=url, data_dir=tmp_path, detector=detector)
    engine.start()
    try:
        assert engine.stale_runs == 1 and engine.camera_ids() == ["cam1", "cam2"]
        assert _wait(
            lambda: all((s.frame is not None and len(s.detections)) for s in engine.snapshots().values()), 60
        )
        snap = engine.snapshot("cam1")
        assert snap is not None and snap.state.status == CameraStatus.LIVE and snap.running
        assert abs(snap.frame.ts - time.time()) < 5  # live: wall-clock timestamps
        seq = snap.seq
        assert _wait(lambda: engine.snapshot("cam1").seq > seq + 5, 30)  # type: ignore[union-attr]
        assert engine.snapshot("cam1").analysis_fps > 0.5  # type: ignore[union-attr]

        # zones change on the running camera, without a restart
        cam = site.camera("cam2")
        shelf = ZoneConfig(
            id="shelf_new", name="New shelf", type="shelf", points=[(0, 0), (0.5, 0), (0.5, 0.5)]
        )
        new = cam.model_copy(update={"zones": [*cam.zones, shelf]})
        frames_before = engine.snapshot("cam2").state.frames  # type: ignore[union-attr]
        assert engine.update_camera(new)
        assert _wait(lambda: [z.id for z in engine.snapshot("cam2").camera.zones][-1] == "shelf_new", 30)  # type: ignore[union-attr]
        # the same source goes on (the zone change can land between two frames, so wait for the next)
        assert _wait(lambda: engine.snapshot("cam2").state.frames > frames_before, 30)  # type: ignore[union-attr]
        after = engine.snapshot("cam2")
        assert after is not None and after.running
        assert after.run_id == snap.run_id + 1  # still the run it started with
        assert not engine.update_camera(CameraConfig(id="other", source="0"))
    finally:
        engine.stop()
    assert not engine.running
    con = sqlite3.connect(db)
    zones = dict(
        con.execute(
            "select z.config_id, z.active from zones z join cameras c on c.id = z.camera_id where c.config_id = 'cam2'"
        )
    )
    assert zones == {"entrance": 1, "shelf_new": 1}
    got = {r.id: r for r in runs(open_store(url))}
    assert got[stale].status == "incomplete"
    live = [r for r in got.values() if r.id != stale]
    assert len(live) == 2
    for r in live:
        assert (r.status, r.reason) == ("complete", "live session stopped") and r.frames >= 5
        assert r.last_ts is not None and r.first_ts is not None and r.last_ts > r.first_ts
    n_events = con.execute("select count(*) from events").fetchone()[0]
    assert n_events > 0  # tracks were recorded while it ran


def test_a_missing_file_fails_its_camera_only(
    tmp_path: Path, demo_video: Path, detector: BackendChoice
) -> None:
    site = SiteConfig.model_validate(
        {
            "site": {"name": "t"},
            "cameras": [
                {"id": "bad", "source": str(tmp_path / "gone.mp4")},
                {"id": "good", "source": str(demo_video)},
            ],
        }
    )
    engine = Engine(site, db_url=f"sqlite:///{tmp_path / 'x.db'}", data_dir=tmp_path, detector=detector)
    with engine:
        assert _wait(lambda: not engine.snapshot("bad").running, 20)  # type: ignore[union-attr]
        bad = engine.snapshot("bad")
        assert bad is not None and bad.result == "failed" and "not found" in bad.reason
        assert "failed" in bad.status_text
        assert _wait(lambda: engine.snapshot("good").frame is not None, 30)  # type: ignore[union-attr]
        assert engine.snapshot("good").running  # type: ignore[union-attr]


@pytest.mark.slow
def test_edited_camera_list_applies_while_running(
    tmp_path: Path, demo_video: Path, detector: BackendChoice
) -> None:
    """Add, remove, re-source and re-zone cameras on a running engine: only the touched ones stop."""
    db = tmp_path / "apply.db"
    other = _short_video(tmp_path / "other.avi", frames=40)
    site = _site(demo_video, n=3)
    engine = Engine(site, db_url=f"sqlite:///{db}", data_dir=tmp_path, detector=detector)
    with engine:
        assert _wait(lambda: all(s.frame is not None for s in engine.snapshots().values()), 60)
        before = {cid: engine.snapshot(cid) for cid in ("cam1", "cam2", "cam3")}
        cams = {c.id: c for c in site.cameras}
        shelf = ZoneConfig(id="shelf", name="Shelf", type="shelf", points=[(0, 0), (0.5, 0), (0.5, 0.5)])
        edited = site.model_copy(
            update={
                "cameras": [
                    cams["cam1"],  # untouched
                    cams["cam2"].model_copy(update={"source": str(other)}),  # new source: restart
                    cams["cam3"].model_copy(update={"zones": [*cams["cam3"].zones, shelf]}),  # zones only
                    CameraConfig(id="cam4", source=str(demo_video)),  # added
                ]
            }
        )
        change = engine.apply_site(edited)
        assert (change.started, change.stopped, change.restarted, change.updated) == (
            ["cam4"],
            [],
            ["cam2"],
            ["cam3"],
        )
        assert change.describe() == "started cam4; restarted cam2; updated cam3"
        assert engine.camera_ids() == ["cam1", "cam3", "cam2", "cam4"]
        after = engine.snapshots()
        assert after["cam1"].run_id == before["cam1"].run_id  # type: ignore[union-attr]
        assert after["cam3"].run_id == before["cam3"].run_id  # type: ignore[union-attr]
        assert after["cam2"].run_id not in {b.run_id for b in before.values() if b}  # a new run
        assert _wait(
            lambda: [z.id for z in engine.snapshot("cam3").camera.zones] == ["entrance", "shelf"], 30
        )  # type: ignore[union-attr]
        assert _wait(lambda: all(s.frame is not None for s in engine.snapshots().values()), 60)
        assert engine.snapshot("cam2").frame.image.shape[:2] == (48, 64)  # type: ignore[union-attr]

        # cam1 removed, cam4 disabled: both stop and their runs end, the rest go on
        gone = edited.model_copy(
            update={
                "cameras": [
                    edited.cameras[1],
                    edited.cameras[2],
                    edited.cameras[3].model_copy(update={"enabled": False}),
                ]
            }
        )
        change = engine.apply_site(gone)
        assert sorted(change.stopped) == ["cam1", "cam4"] and not change.started and not change.restarted
        assert engine.camera_ids() == ["cam3", "cam2"]
        assert engine.apply_site(gone).describe() == "no change"
        # the tracker's settings are read when a camera starts: changing them restarts every camera
        tuned = gone.model_copy(update={"tracker": gone.tracker.model_copy(update={"new_clear": 0.0})})
        change = engine.apply_site(tuned)
        assert sorted(change.restarted) == ["cam2", "cam3"] and not change.started and not change.stopped
        # face blurring turned on: that camera restarts, its pipeline built with the face stage (privacy)
        c3 = tuned.cameras[1]
        faces = c3.modules.faces.model_copy(update={"enabled": True, "mode": "anonymous"})
        c3 = c3.model_copy(update={"modules": c3.modules.model_copy(update={"faces": faces})})
        blurred = tuned.model_copy(update={"cameras": [tuned.cameras[0], c3]})
        change = engine.apply_site(blurred)
        assert change.restarted == ["cam3"] and not change.updated, change.describe()
    got = {r.id: r for r in runs(open_store(f"sqlite:///{db}"))}
    assert len(got) == 8  # cam1-3, cam2 again and cam4, cam2 and cam3 with the new tracker, cam3 blurred
    assert got[before["cam1"].run_id].status == "complete"  # type: ignore[union-attr]
    first, retracked = sorted(got)[:5], sorted(got)[5:]
    assert all(got[i].status == "complete" for i in first), {r.id: (r.status, r.reason) for r in got.values()}
    # the runs restarted with the new tracker were stopped with the engine (a file camera mid-way)
    assert all(got[i].status in ("complete", "incomplete") for i in retracked)
