"""Queries: counts per camera and event filters (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.config import SiteConfig
from app.store import queries
from app.store.db import open_store
from app.store.records import EventRecord, TrackRecord
from app.store.sync import sync_site
from app.store.writer import StoreWriter

pytestmark = pytest.mark.timeout(120)

T0 = 1_700_000_000.0


def test_counts_and_filters(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url)
    cfg = SiteConfig.model_validate(
        {"site": {"name": "S"}, "cameras": [{"id": c, "source": f"{c}.mp4"} for c in ("a", "b", "idle")]}
    )
    cams = sync_site(store, cfg)
    with StoreWriter(store, tmp_path) as w:
        for cam, n in (("a", 6), ("b", 3)):
            run = w.start_run(cams[cam], f"{cam}.mp4")
            for i in range(n):
                w.put_track(run, TrackRecord(cam, i, 0, T0 + i, T0 + i + 1, 5))
                kind = ("footfall", "enter") if i % 2 == 0 else ("zones", "dwell")
                w.put_event(run, EventRecord(cam, T0 + i * 60, *kind, track_id=i, ts_end=T0 + i * 60 + 5))
    counts = {c.config_id: (c.runs, c.tracks, c.events) for c in queries.camera_counts(store)}
    assert counts == {"a": (1, 6, 6), "b": (1, 3, 3), "idle": (0, 0, 0)}

    assert len(queries.events(store)) == 9
    assert len(queries.events(store, camera="a")) == 6
    assert len(queries.events(store, camera=cams["b"])) == 3
    enters = queries.events(store, camera="a", module="footfall", type="enter", newest_first=False)
    assert [e.tracker_id for e in enters] == [0, 2, 4]
    since = dt.datetime.fromtimestamp(T0 + 60, dt.UTC)
    window = queries.events(store, camera="a", since=since, until=T0 + 180, newest_first=False)
    assert [e.ts for e in window] == [T0 + 60, T0 + 120]  # since inclusive, until exclusive
    newest = queries.events(store, limit=2)
    assert [e.ts for e in newest] == [T0 + 300, T0 + 240]
    assert newest[0].time == dt.datetime.fromtimestamp(T0 + 300, dt.UTC) and newest[0].ts_end == T0 + 305
    assert [r.camera for r in queries.runs(store)] == ["b", "a"]
    store.close()
