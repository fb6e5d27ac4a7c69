"""The single batching writer on SQLite and a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.config import SiteConfig
from app.store import queries
from app.store.db import Store, open_store
from app.store.maintenance import mark_stale_runs
from app.store.records import EventRecord, HeatmapRecord, PhotoRecord, TrackRecord
from app.store.schema import AnalysisRun, Event, HeatmapHour, RunStatus, Track
from app.store.sync import sync_site
from app.store.writer import StoreWriter

pytestmark = pytest.mark.timeout(120)

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


def _setup(url: str, **kw: int) -> tuple[Store, dict[str, int]]:
    store = open_store(url, **kw)
    cfg = SiteConfig.model_validate(
        {
            "site": {"name": "Shop"},
            "cameras": [
                {
                    "id": "cam1",
                    "source": "a.mp4",
                    "zones": [{"id": "door", "type": "line", "points": [[0, 0], [1, 1]]}],
                },
                {"id": "cam2", "source": "b.mp4"},
            ],
        }
    )
    return store, sync_site(store, cfg)


def _jpeg(w: int, h: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", np.full((h, w, 3), 127, np.uint8))
    assert ok
    return buf.tobytes()


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_batches_flush_and_counters(db_url: str, tmp_path: Path) -> None:
    store, cams = _setup(db_url)
    with StoreWriter(store, tmp_path, max_batch=500, max_delay=0.2) as w:
        run = w.start_run(cams["cam1"], "a.mp4", "nanodet cpu")
        for i in range(1200):
            w.put_event(run, EventRecord("cam1", T0 + i * 0.01, "footfall", "enter", payload={"i": i}))
        w.flush()
        assert _count(store, Event) == 1200  # flush returned: everything is committed
        st = w.stats()
        assert st.events == 1200 and st.runs_started == 1 and st.dropped == 0
        assert 3 <= st.batches <= 20  # batched, not one transaction per event
        assert st.mean_batch_ms > 0 and st.mean_latency_ms > 0 and st.queued == 0
    with store.session() as s:
        assert sorted(p["i"] for p in s.scalars(select(Event.payload))) == list(range(1200))
    store.close()


def test_events_are_linked_to_tracks(db_url: str, tmp_path: Path) -> None:
    store, cams = _setup(db_url)
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["cam1"], "a.mp4")
        # event first: a stub track row is created ...
        w.put_event(run, EventRecord("cam1", T0 + 1, "tracks", "track_start", track_id=5, zone_id="door"))
        w.flush()
        # ... and completed by the later summary; a second summary updates the same row
        w.put_track(
            run, TrackRecord("cam1", 5, 0, T0 + 1, T0 + 3, 20, "customer", 0.7, ((T0 + 1, 1.0, 2.0),))
        )
        w.put_track(run, TrackRecord("cam1", 6, 0, T0 + 2, T0 + 4, 25))
        w.put_event(run, EventRecord("cam1", T0 + 2, "tracks", "track_start", track_id=6, zone_id="nope"))
        w.put_track(run, TrackRecord("cam1", 5, 0, T0 + 1, T0 + 9, 80, "staff", 0.9))
        w.put_event(run, EventRecord("cam1", T0 + 9, "tracks", "track_end", track_id=5))
        # the same tracker id in another run is another track
        run2 = w.start_run(cams["cam2"], "b.mp4")
        w.put_event(run2, EventRecord("cam2", T0 + 1, "tracks", "track_start", track_id=5))
        w.flush()
        assert w.stats().tracks == 3
    with store.session() as s:
        tracks = {(t.run_id, t.tracker_id): t for t in s.scalars(select(Track))}
    assert len(tracks) == 3
    t5 = tracks[(run, 5)]
    assert (t5.class_id, t5.frames, t5.role, t5.last_ts) == (0, 80, "staff", T0 + 9)
    assert tracks[(run2, 5)].class_id is None and tracks[(run2, 5)].camera_id == cams["cam2"]
    evs = queries.events(store, camera="cam1", newest_first=False)
    assert [(e.type, e.tracker_id, e.zone) for e in evs] == [
        ("track_start", 5, "door"),
        ("track_start", 6, None),
        ("track_end", 5, None),
    ]
    assert evs[0].track_id == evs[2].track_id == t5.id
    assert evs[1].payload == {"zone": "nope"}  # unknown zone kept by name
    store.close()


def test_photos_are_written_atomically_with_hash(db_url: str, tmp_path: Path) -> None:
    store, cams = _setup(db_url)
    crop, frame = _jpeg(40, 30), _jpeg(64, 48)
    with StoreWriter(store, tmp_path, tz=dt.UTC) as w:
        run = w.start_run(cams["cam1"], "a.mp4")
        photos = (PhotoRecord(crop, "crop", (1.0, 2.0, 41.0, 32.0)), PhotoRecord(frame, "frame"))
        w.put_event(run, EventRecord("cam1", T0, "tracks", "track_start", track_id=1, photos=photos))
        w.put_event(run, EventRecord("cam1", T0 + 1, "tracks", "track_end", track_id=1))
        w.flush()
        assert w.stats().photos == 2
    (ev, _) = queries.events(store, newest_first=False)
    assert [p.kind for p in ev.photos] == ["crop", "frame"]
    for row, data, size in zip(ev.photos, (crop, frame), ((40, 30), (64, 48)), strict=True):
        assert row.path.startswith("crops/cam1/2023-11-14/") and row.path.endswith(".jpg")
        f = tmp_path / row.path
        assert f.read_bytes() == data
        assert row.sha256 == hashlib.sha256(data).hexdigest() and row.bytes == len(data)
        assert (row.width, row.height) == size
    assert ev.photos[0].box == [1.0, 2.0, 41.0, 32.0] and ev.photos[1].box is None
    assert not list(tmp_path.rglob("*.tmp"))
    store.close()


def test_finish_run_and_last_run(db_url: str, tmp_path: Path) -> None:
    store, cams = _setup(db_url)
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["cam1"], "a.mp4", "yolo11n cuda:0")
        w.put_event(run, EventRecord("cam1", T0, "footfall", "enter"))
        w.finish_run(run, RunStatus.COMPLETE, None, frames=795, first_ts=T0, last_ts=T0 + 79.5)
    last = queries.last_run(store, "cam1")
    assert last is not None and last.id == run
    assert (last.status, last.frames, last.first_ts, last.last_ts) == ("complete", 795, T0, T0 + 79.5)
    assert last.backend == "yolo11n cuda:0" and last.finished_at is not None
    assert last.finished_at >= last.started_at
    assert queries.last_run(store, cams["cam2"]) is None
    store.close()


def test_close_writes_everything_queued(db_url: str, tmp_path: Path) -> None:
    store, cams = _setup(db_url)
    w = StoreWriter(store, tmp_path, max_delay=5.0)
    run = w.start_run(cams["cam1"], "a.mp4")
    for i in range(300):
        w.put_track(run, TrackRecord("cam1", i, 0, T0, T0 + 1, 3))
    w.close()  # no flush: close drains the queue
    assert _count(store, Track) == 300
    with pytest.raises(RuntimeError, match="closed"):
        w.put_event(run, EventRecord("cam1", T0, "m", "t"))
    w.close()  # idempotent
    store.close()


def test_bad_items_are_isolated(db_url: str, tmp_path: Path) -> None:
    store, cams = _setup(db_url)
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["cam1"], "a.mp4")
        w.put_event(run, EventRecord("cam1", T0, "ok", "a"))
        w.put_event(run, EventRecord("cam1", T0, "bad", "payload", payload={"x": object()}))
        w.put_event(987_654, EventRecord("cam1", T0, "bad", "no such run"))
        w.put_event(run, EventRecord("cam1", T0, "ok", "b", payload={"n": np.int64(3), "v": np.float32(0.5)}))
        w.flush()
        assert w.stats().dropped == 2 and w.stats().events == 2
        with pytest.raises(IntegrityError):
            w.start_run(123_456, "no such camera")
    assert sorted(e.type for e in queries.events(store)) == ["a", "b"]
    assert queries.events(store, type="b")[0].payload == {"n": 3, "v": 0.5}
    store.close()


def test_unfinished_runs_are_marked_incomplete(db_url: str, tmp_path: Path) -> None:
    store, cams = _setup(db_url)
    with StoreWriter(store, tmp_path) as w:
        r1 = w.start_run(cams["cam1"], "live")
        r2 = w.start_run(cams["cam2"], "live")
        r3 = w.start_run(cams["cam2"], "file")
        w.finish_run(r3, "failed", "decoder error")
    assert queries.last_run(store, "cam1").status == "running"  # type: ignore[union-attr]
    assert mark_stale_runs(store, camera_ids=[cams["cam1"]]) == 1
    assert mark_stale_runs(store, started_before=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)) == 0
    assert mark_stale_runs(store) == 1
    assert mark_stale_runs(store) == 0
    with store.session() as s:
        status = dict(s.execute(select(AnalysisRun.id, AnalysisRun.status)).all())
    assert status == {r1: "incomplete", r2: "incomplete", r3: "failed"}
    store.close()


def test_retries_while_sqlite_is_locked(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    store, cams = _setup(f"sqlite:///{db}", sqlite_busy_timeout_ms=50)
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["cam1"], "a.mp4")
        other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock ...
        released = threading.Timer(1.0, other.execute, ("COMMIT",))
        released.start()
        for i in range(50):
            w.put_event(run, EventRecord("cam1", T0 + i, "footfall", "enter"))
        w.flush(timeout=30)  # ... the writer waits and retries instead of dropping
        released.join()
        other.close()
        assert w.stats().retries >= 1 and w.stats().dropped == 0
    assert _count(store, Event) == 50
    store.close()


@pytest.mark.postgres
def test_survives_a_postgres_restart(pg_server, pg_url: str, tmp_path: Path) -> None:
    store, cams = _setup(pg_url)
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["cam1"], "a.mp4")
        w.put_event(run, EventRecord("cam1", T0, "footfall", "enter"))
        w.flush()
        pg_server.stop()
        try:
            for i in range(20):
                w.put_event(run, EventRecord("cam1", T0 + i, "footfall", "exit"))
            time.sleep(1.0)  # the writer is failing and retrying now
        finally:
            pg_server.start()
        w.flush(timeout=60)
        assert w.stats().retries >= 1 and w.stats().dropped == 0
    assert len(queries.events(store, type="exit")) == 20
    store.close()


def _heat(
    cam: str, hour: float, role: str, value: float, w: int = 50, h: int = 30, cell: int = 10
) -> HeatmapRecord:
    grid = np.full((-(-h // cell), -(-w // cell)), value, np.float32)
    return HeatmapRecord(cam, hour, role, w, h, cell, grid.tobytes())


def test_heatmaps_add_up_per_hour_and_role(db_url: str, tmp_path: Path) -> None:
    store, cams = _setup(db_url)
    hour = 1_699_999_200.0  # a multiple of 3600
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run("cam1", "a.mp4")  # by config id
        w.put_heatmap(run, _heat("cam1", hour, "customer", 1.0))
        w.put_heatmap(run, _heat("cam1", hour, "customer", 0.5))  # same batch: merged
        w.flush()
        w.put_heatmap(run, _heat("cam1", hour, "customer", 0.25))  # later batch: added to the stored grid
        w.put_heatmap(run, _heat("cam1", hour, "staff", 2.0))
        w.put_heatmap(run, _heat("cam1", hour + 3600, "customer", 1.0))
        with pytest.raises(ValueError, match="grid"):
            w.put_heatmap(run, HeatmapRecord("cam1", hour, "customer", 50, 30, 10, b"\0" * 8))
        w.flush()
        assert w.stats().heatmaps == 5
        with pytest.raises(ValueError, match="not in the database"):
            w.start_run("nope", "x")
    with store.session() as s:
        assert _count(store, HeatmapHour) == 3
        row = s.scalar(select(HeatmapHour).where(HeatmapHour.role == "customer", HeatmapHour.hour_ts == hour))
        assert row is not None and row.seconds == pytest.approx(1.75 * 15)
    first_hour = queries.heatmap(store, "cam1", since=hour, until=hour + 3600, roles=("customer",))
    assert first_hour is not None and first_hour.grid.shape == (3, 5) and first_hour.hours == 1
    assert np.allclose(first_hour.grid, 1.75)
    both = queries.heatmap(store, cams["cam1"])
    assert both is not None and both.hours == 3 and np.allclose(both.grid, 1.75 + 2.0 + 1.0)
    assert queries.heatmap(store, "cam2") is None
    store.close()
