"""The retention (app.store.maintenance.prune) on a hand-built store, on SQLite and PostgreSQL.

The rows and files are described in tests/fixtures_prune.py.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.store.db import Store
from app.store.maintenance import prune, removed_cameras
from app.store.schema import (
    Alert,
    AnalysisRun,
    Background,
    Camera,
    Event,
    EventPhoto,
    HeatmapHour,
    NotifyOutbox,
    RoleLabel,
    Track,
)
from tests.fixtures_prune import SITE_NOW, D, build_prune_store

CUT = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
TABLES = (Event, EventPhoto, Alert, NotifyOutbox, HeatmapHour, Track, RoleLabel, AnalysisRun, Background)


def _counts(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {t.__tablename__: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES}


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _expected(res: object) -> dict[str, int]:
    return {k: getattr(res, k) for k in (
        "events", "photos", "alerts", "notifications", "heatmap_hours", "tracks", "role_labels", "runs",
        "backgrounds", "files", "bytes_freed", "orphan_files", "missing_files",
    )}  # fmt: skip


WHAT_GOES = {
    "events": 2,  # "old" (with 2 photos, its alert row and its sent notification) and "before"
    "photos": 2,
    "alerts": 1,
    "notifications": 2,  # the old event's and the sent one queued a month before the cutoff
    "heatmap_hours": 2,  # cam's hour 150 days back and the removed camera's
    "tracks": 1,
    "role_labels": 1,
    "runs": 1,  # the removed camera's run that has nothing left
    "backgrounds": 2,  # cam's oldest, the removed camera's
    "files": 5,  # 2 photos, 2 backgrounds, 1 orphan
    "bytes_freed": 100 + 200 + 1000 + 1400 + 500,
    "orphan_files": 1,
    "missing_files": 0,
}


def test_prune_deletes_rows_and_files_before_the_cutoff_only(db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    store, ids = build_prune_store(db_url, data, CUT)
    before_rows, before_files = _counts(store), _files(data)

    dry = prune(store, data, CUT, dry_run=True, site=SITE_NOW, pause=0)
    assert dry.dry_run and _expected(dry) == WHAT_GOES
    assert _counts(store) == before_rows and _files(data) == before_files  # nothing changed

    res = prune(store, data, CUT, site=SITE_NOW, pause=0, batch=1)  # one row per transaction
    assert _expected(res) == WHAT_GOES and not res.stopped
    ev = ids["event"]
    with store.session() as s:
        assert set(s.scalars(select(Event.id))) == {ev["pending"], ev["span"], ev["new"], ev["live"]}
        assert set(s.scalars(select(EventPhoto.path))) == {ids["photos"]["new"], ids["photos"]["live"]}
        assert s.scalar(select(func.count()).select_from(Alert)) == 0
        outbox = {(o.channel, o.status) for o in s.scalars(select(NotifyOutbox))}
        assert outbox == {("telegram", "pending"), ("telegram", "expired")}
        assert set(s.scalars(select(Track.id))) == {ids["tracks"][k] for k in ("shared", "live", "new")}
        assert s.scalar(select(func.count()).select_from(RoleLabel)) == 0
        assert set(s.scalars(select(AnalysisRun.id))) == {ids["run"][k] for k in ("old", "keep", "live")}
        hours = sorted(s.scalars(select(HeatmapHour.hour_ts)))
        assert hours == [(CUT - 146 * D).timestamp() + 3600, (CUT + 30 * D).timestamp()]
        bgs = set(s.scalars(select(Background.path)))
        assert bgs == {ids["backgrounds"][k] for k in ("last_before", "after", "live")}
    left = _files(data)
    assert left == {
        ids["photos"]["new"],
        ids["photos"]["live"],
        ids["fresh_orphan"],  # written just now: maybe a row about to be committed
        *(ids["backgrounds"][k] for k in ("last_before", "after", "live")),
    }
    assert not (data / "backgrounds" / "gone").exists()  # the removed camera's folder went too
    assert not (data / ids["photos"]["old_a"]).parent.exists()  # and the emptied day folder

    again = prune(store, data, CUT, site=SITE_NOW, pause=0)
    assert again.rows == 0 and again.files == 0
    store.close()


def test_a_running_run_is_never_touched_and_a_stop_ends_between_batches(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store, ids = build_prune_store(f"sqlite:///{tmp_path / 's.db'}", data, CUT)
    late = CUT + 400 * D  # everything ended before this, the running run's data too
    with store.session(write=True) as s:  # it started after the cutoff: a recorded file with old times
        s.get(AnalysisRun, ids["run"]["live"]).started_at = late + D  # type: ignore[union-attr]
    res = prune(store, data, late, site=SITE_NOW, pause=0)
    with store.session() as s:
        live_run = ids["run"]["live"]
        assert set(s.scalars(select(Event.run_id))) == {live_run} | {ids["run"]["old"]}  # + the pending one
        assert set(s.scalars(select(Track.run_id))) == {live_run}
        assert s.get(AnalysisRun, live_run) is not None
        assert set(s.scalars(select(Background.path))) >= {ids["backgrounds"]["live"]}
        # the camera's hours from the running run's start on stay: it may still add to them
        assert sorted(s.scalars(select(HeatmapHour.hour_ts))) == [
            (CUT - 146 * D).timestamp() + 3600,
            (CUT + 30 * D).timestamp(),
        ]
    assert (data / ids["photos"]["live"]).is_file() and res.events == 4

    # the same run as a live session running since before the cutoff: what of it ended before goes
    with store.session(write=True) as s:
        s.get(AnalysisRun, ids["run"]["live"]).started_at = late - D  # type: ignore[union-attr]
    res = prune(store, data, late, site=SITE_NOW, pause=0)
    assert (res.events, res.tracks, res.photos, res.runs) == (1, 1, 1, 0)
    with store.session() as s:
        assert set(s.scalars(select(Event.run_id))) == {ids["run"]["old"]}  # the pending one only
        assert s.scalar(select(func.count()).select_from(Track)) == 0
        assert s.get(AnalysisRun, ids["run"]["live"]).status == "running"  # type: ignore[union-attr]
    assert not (data / ids["photos"]["live"]).exists()

    stop = threading.Event()
    stop.set()
    assert prune(store, data, late, pause=0, stop=stop).stopped
    store.close()


def test_removed_cameras_from_the_config_or_from_the_inactive_flag(tmp_path: Path) -> None:
    store, _ = build_prune_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "data", CUT)
    with store.session() as s:
        gone = s.scalar(select(Camera.id).where(Camera.config_id == "gone"))
    assert removed_cameras(store) == {gone} == removed_cameras(store, SITE_NOW)
    store.close()


def test_bad_arguments(tmp_path: Path) -> None:
    store, _ = build_prune_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "data", CUT)
    with pytest.raises(ValueError, match="aware"):
        prune(store, tmp_path, dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="batch"):
        prune(store, tmp_path, CUT, batch=0)
    store.close()


@pytest.mark.postgres
def test_prune_on_postgresql_keeps_every_row_after_the_cutoff(pg_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    store, ids = build_prune_store(pg_url, data, CUT)
    res = prune(store, data, CUT - 200 * D, site=SITE_NOW, pause=0)  # before everything
    assert res.rows == 1 and res.backgrounds == 1  # only the removed camera's background
    assert res.files == 1 and (data / ids["photos"]["old_a"]).is_file()
    res = prune(store, data, CUT, site=SITE_NOW, pause=0)
    assert _expected(res) == {**WHAT_GOES, "backgrounds": 1, "files": 4, "bytes_freed": 1800}
    store.close()
