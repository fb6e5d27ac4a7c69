"""Schema round trip on SQLite and a real PostgreSQL: types, JSON, UTC datetimes, FKs, cascades."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from app.store.db import Store, open_store
from app.store.schema import (
    AnalysisRun,
    Camera,
    CameraFunction,
    Employee,
    Event,
    EventPhoto,
    RunStatus,
    Site,
    Track,
    Zone,
)

pytestmark = pytest.mark.timeout(120)


def _fill(store: Store) -> dict[str, int]:
    with store.session() as s:
        site = Site(name="Shop 1", region="North", timezone="Europe/Moscow")
        cam = Camera(
            site=site, config_id="entrance", name="Entrance", source_kind="rtsp", source="rtsp://10.0.0.5/1"
        )
        zone = Zone(
            camera=cam, config_id="door", name="Door", type="entrance_line", points=[[0.1, 0.5], [0.9, 0.5]]
        )
        func_ = CameraFunction(
            camera=cam, module="tracks", enabled=True, settings={"min_frames": 3, "classes": ["person"]}
        )
        s.add_all([site, cam, zone, func_])
        s.flush()
        run = AnalysisRun(camera_id=cam.id, source_label="live", backend="nanodet cpu")
        s.add(run)
        s.flush()
        track = Track(
            run_id=run.id,
            camera_id=cam.id,
            tracker_id=7,
            class_id=0,
            first_ts=1.7e9,
            last_ts=1.7e9 + 4.5,
            frames=40,
            role="customer",
            role_confidence=0.8,
            path=[[1.7e9, 10.0, 20.0]],
        )
        s.add(track)
        s.flush()
        ev = Event(
            ts=1.7e9 + 1.234567,
            ts_end=None,
            camera_id=cam.id,
            zone_id=zone.id,
            module="footfall",
            type="enter",
            track_id=track.id,
            run_id=run.id,
            payload={"direction": "in", "n": 1, "name": "Ёлка"},
        )
        ev.photos.append(
            EventPhoto(
                kind="crop",
                path="crops/entrance/2023-11-14/a.jpg",
                bytes=10,
                sha256="0" * 64,
                width=4,
                height=3,
                box=[1.0, 2.0, 3.0, 4.0],
            )
        )
        s.add(ev)
        s.add(Employee(name="Anna", code="E1", notes=""))
        s.flush()
        return {"cam": cam.id, "run": run.id, "track": track.id, "event": ev.id, "zone": zone.id}


def test_round_trip(db_url: str) -> None:
    store = open_store(db_url)
    ids = _fill(store)
    with store.session() as s:
        ev = s.get(Event, ids["event"])
        assert ev is not None
        assert ev.ts == pytest.approx(1.7e9 + 1.234567, abs=1e-6)  # double precision: microseconds survive
        assert ev.payload == {"direction": "in", "n": 1, "name": "Ёлка"}
        assert ev.photos[0].box == [1.0, 2.0, 3.0, 4.0]
        assert ev.time.tzinfo is dt.UTC
        run = s.get(AnalysisRun, ids["run"])
        assert run is not None and run.status == RunStatus.RUNNING
        assert run.started_at.tzinfo is not None and run.started_at.utcoffset() == dt.timedelta(0)
        assert abs((dt.datetime.now(dt.UTC) - run.started_at).total_seconds()) < 60
        zone = s.get(Zone, ids["zone"])
        assert zone is not None and zone.points == [[0.1, 0.5], [0.9, 0.5]]
        track = s.get(Track, ids["track"])
        assert track is not None and track.path == [[1.7e9, 10.0, 20.0]]
    store.close()


def test_foreign_keys_enforced_and_cascades(db_url: str) -> None:
    store = open_store(db_url)
    ids = _fill(store)
    with pytest.raises(IntegrityError), store.session() as s:
        s.add(Event(ts=1.0, camera_id=999_999, module="m", type="t", run_id=ids["run"], payload={}))
    with store.session() as s:  # deleting a track keeps its events (track_id -> NULL)
        s.delete(s.get(Track, ids["track"]))
    with store.session() as s:
        assert s.scalar(select(Event.track_id).where(Event.id == ids["event"])) is None
    with store.session() as s:  # deleting the run removes its events and their photo rows
        s.delete(s.get(AnalysisRun, ids["run"]))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0
        assert s.scalar(select(func.count()).select_from(EventPhoto)) == 0
    store.close()


def test_indexes_for_the_main_queries(db_url: str) -> None:
    store = open_store(db_url)
    insp = inspect(store.engine)
    ev = {tuple(i["column_names"]) for i in insp.get_indexes("events")}
    assert ("camera_id", "ts") in ev and ("module", "type", "ts") in ev
    tr = {tuple(i["column_names"]) for i in insp.get_indexes("tracks")}
    assert ("camera_id", "first_ts") in tr
    uq = {tuple(u["column_names"]) for u in insp.get_unique_constraints("tracks")}
    assert ("run_id", "tracker_id") in uq
    store.close()


def test_naive_datetime_is_refused(tmp_path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(Exception, match="naive datetime"), store.session() as s:
        s.add(Employee(name="x", created_at=dt.datetime(2024, 1, 1)))
    store.close()
