"""The retention on the engine's background thread: once at start, then every interval."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from app.config import SiteConfig
from app.engine.engine import Engine
from app.engine.housekeeping import RetentionWorker
from app.store.schema import AnalysisRun, Event, RunStatus
from models.base import DetectorSettings
from models.registry import create_detector
from tests.fixtures_prune import CAMERAS, D, build_prune_store

pytestmark = pytest.mark.timeout(180)

CUT = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _site(days: int, source: str = "cam.mp4") -> SiteConfig:
    cams = [{**CAMERAS[0], "source": source}]
    return SiteConfig.model_validate(
        {"site": {"name": "Prune shop"}, "cameras": cams, "storage": {"retention_days": days}}
    )


def test_worker_prunes_at_start_then_every_interval_with_the_current_retention(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store, ids = build_prune_store(f"sqlite:///{tmp_path / 's.db'}", data, CUT)
    site = [_site(30)]
    worker = RetentionWorker(store, data, lambda: site[0], interval=0.2, now=lambda: CUT + 30 * D).start()
    try:
        assert worker.wait_for_pass(1, timeout=60)
        first = worker.last
        assert first is not None and first.cutoff == CUT and first.events == 2 and first.files == 5
        assert worker.wait_for_pass(2, timeout=60) and worker.last is not None and worker.last.rows == 0
        site[0] = _site(25)  # the settings page changed it: the next pass keeps 25 days
        n = worker.passes
        assert worker.wait_for_pass(n + 2, timeout=60)
        assert worker.last is not None and worker.last.cutoff == CUT + 5 * D
        with store.session() as s:
            # C+4 D went with it, and the running run's old event: that run started (C+1 D) before
            # the new cutoff, so it is a long live session, no longer a file being analysed
            assert set(s.scalars(select(Event.id))) == {ids["event"]["pending"]}
        assert worker.error == ""
    finally:
        worker.stop()
    assert not worker._thread.is_alive()
    store.close()


def test_worker_survives_a_failing_pass_and_stops_promptly(tmp_path: Path) -> None:
    store, _ = build_prune_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "data", CUT)

    def broken() -> SiteConfig:
        raise RuntimeError("config unreadable")

    worker = RetentionWorker(store, tmp_path, broken, interval=3600).start()
    assert worker.wait_for_pass(1, timeout=30)
    assert worker.error == "RuntimeError: config unreadable" and worker.last is None
    stopped = threading.Event()
    threading.Thread(target=lambda: (worker.stop(), stopped.set()), daemon=True).start()
    assert stopped.wait(5)  # waiting for the next pass an hour away does not hold the stop
    store.close()


def _video(path: Path, frames: int = 20) -> Path:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    for i in range(frames):
        w.write(np.full((48, 64, 3), (10 * i) % 256, np.uint8))
    w.release()
    return path


def test_engine_prunes_old_data_at_start_and_leaves_its_own_runs_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = f"sqlite:///{tmp_path / 's.db'}"
    now = dt.datetime.now(dt.UTC)
    store, ids = build_prune_store(url, data, now - 10 * D)  # a cutoff 10 days ago…
    store.close()
    site = _site(10, str(_video(tmp_path / "cam.avi")))  # …is what 10 days of retention keep
    detector = create_detector("nanodet", DetectorSettings(confidence=0.35, classes=(0,), threads=1))
    engine = Engine(site, db_url=url, data_dir=data, detector=detector, loop_files=True)
    engine.start()
    try:
        assert engine.retention is not None and engine.retention.wait_for_pass(1, timeout=60)
        res = engine.retention.last
        assert res is not None and res.events >= 2 and res.files >= 4
        assert not (data / ids["photos"]["old_a"]).exists() and (data / ids["photos"]["new"]).is_file()
        run_id = engine.snapshot("cam").run_id  # type: ignore[union-attr]
        with engine._store.session() as s:  # type: ignore[union-attr]
            assert ids["event"]["old"] not in set(s.scalars(select(Event.id)))
            assert s.get(AnalysisRun, run_id).status == RunStatus.RUNNING.value  # type: ignore[union-attr]
    finally:
        engine.stop()
    assert engine.retention is not None and not engine.retention._thread.is_alive()
