"""Runs as first-class records: owners and heartbeats, dead runs, partial-run warnings (issue 19)."""

from __future__ import annotations

import datetime as dt
import errno
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from app.config import SiteConfig
from app.store import writer as writer_mod
from app.store.db import open_store
from app.store.runs import close_dead_runs, owner, partial_runs, partial_warning
from app.store.schema import AnalysisRun, RunStatus, utcnow
from app.store.sync import sync_site
from app.store.writer import StoreWriter, permanent_reason

pytestmark = pytest.mark.timeout(120)


def _store(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    cfg = SiteConfig.model_validate({"site": {"name": "S"}, "cameras": [{"id": "cam1", "source": "a.mp4"}]})
    return store, sync_site(store, cfg)["cam1"]


def test_dead_and_silent_runs_are_closed_live_ones_are_not(tmp_path: Path) -> None:
    store, cam = _store(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    pid, host = owner()
    now = utcnow()
    old = now - dt.timedelta(minutes=20)
    rows = {
        "dead pid here": (dead.pid, host, now),
        "this process": (pid, host, old),
        "other host silent": (4242, "elsewhere", old),
        "other host alive": (4242, "elsewhere", now),
        "no owner (old row)": (None, None, None),
    }
    ids = {}
    with store.session(write=True) as s:
        for name, (p, h, beat) in rows.items():
            ids[name] = s.execute(
                insert(AnalysisRun).returning(AnalysisRun.id),
                {"camera_id": cam, "source_label": name, "started_at": old, "status": "running",
                 "pid": p, "host": h, "heartbeat_at": beat},
            ).scalar_one()  # fmt: skip
    assert close_dead_runs(store) == 2
    with store.session() as s:
        status = dict(s.execute(select(AnalysisRun.source_label, AnalysisRun.status)).all())
        reasons = dict(s.execute(select(AnalysisRun.source_label, AnalysisRun.reason)).all())
    assert status == {
        "dead pid here": "incomplete",
        "this process": "running",
        "other host silent": "incomplete",
        "other host alive": "running",
        "no owner (old row)": "running",
    }
    assert f"PID {dead.pid}" in reasons["dead pid here"] and "heartbeat" in reasons["other host silent"]
    warn = partial_warning(partial_runs(store, None, None))
    assert warn.startswith("warning: the period holds 5 runs that are not complete")
    store.close()


def test_the_writer_keeps_the_heartbeat_of_its_open_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_mod, "HEARTBEAT_S", 0.3)
    store, cam = _store(tmp_path)
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cam, "a.mp4")
        with store.session() as s:
            first = s.scalar(select(AnalysisRun.heartbeat_at).where(AnalysisRun.id == run))
            assert s.scalar(select(AnalysisRun.pid).where(AnalysisRun.id == run)) == owner()[0]
        time.sleep(1.5)
        with store.session() as s:
            later = s.scalar(select(AnalysisRun.heartbeat_at).where(AnalysisRun.id == run))
        assert later > first
        w.finish_run(run, RunStatus.COMPLETE)
        w.flush(timeout=10)
    store.close()


def test_permanent_errors_are_told_from_temporary_ones() -> None:
    full = OperationalError("INSERT", {}, Exception("database or disk is full"))
    locked = OperationalError("INSERT", {}, Exception("database is locked"))
    assert permanent_reason(full) == "database or disk is full"
    assert permanent_reason(locked) is None and writer_mod._is_transient(locked)
    assert not writer_mod._is_transient(full)
    assert permanent_reason(OSError(errno.ENOSPC, "No space left on device")) == "No space left on device"
    assert permanent_reason(OSError(errno.EROFS, "Read-only file system")) == "Read-only file system"
    assert permanent_reason(OSError(errno.ECONNRESET, "reset")) is None


def test_a_permanent_error_stops_the_writer_at_once(tmp_path: Path) -> None:
    store, cam = _store(tmp_path)
    reasons: list[str] = []
    w = StoreWriter(store, tmp_path, on_fatal=reasons.append).start()
    run = w.start_run(cam, "a.mp4")
    with store.engine.begin() as conn:  # a schema another program broke: permanent, not retried for ever
        conn.exec_driver_sql("DROP TABLE events")
    from app.store.records import EventRecord

    t0 = time.monotonic()
    w.put_event(run, EventRecord("cam1", 1.0, "footfall", "in"))
    w.flush(timeout=30)
    assert time.monotonic() - t0 < 10
    assert reasons and "no such table" in reasons[0] and w.fatal == reasons[0]
    w.put_event(run, EventRecord("cam1", 2.0, "footfall", "in"))  # dropped at once, never blocks
    w.close(timeout=5)
    assert w.stats().dropped >= 2
    store.close()


def test_the_photo_files_of_a_batch_given_up_are_removed(tmp_path: Path) -> None:
    """Nothing half-written: a batch that cannot be committed leaves no photo file without its row."""
    import cv2
    import numpy as np

    from app.store.records import EventRecord, PhotoRecord

    store, cam = _store(tmp_path)
    w = StoreWriter(store, tmp_path, on_fatal=lambda _: None).start()
    run = w.start_run(cam, "a.mp4")
    jpeg = cv2.imencode(".jpg", np.full((32, 32, 3), 90, np.uint8))[1].tobytes()
    w.put_event(run, EventRecord("cam1", 1.0, "footfall", "in", photos=(PhotoRecord(jpeg),)))
    w.flush(timeout=30)
    assert len(list(tmp_path.rglob("*.jpg"))) == 1  # committed with its row
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE event_photos")
    w.put_event(run, EventRecord("cam1", 2.0, "footfall", "in", photos=(PhotoRecord(jpeg), PhotoRecord(jpeg))))
    w.flush(timeout=30)
    w.close(timeout=5)
    assert w.fatal and len(list(tmp_path.rglob("*.jpg"))) == 1  # the lost batch's two files are gone
    store.close()
