"""Table rebuilds in SQLite migrations must not cut events loose from their tracks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from app.config import SiteConfig
from app.store.db import open_store
from app.store.migrate import downgrade, head_revision, upgrade
from app.store.records import EventRecord, TrackRecord
from app.store.sync import sync_site
from app.store.writer import StoreWriter


def test_rebuilding_tracks_keeps_event_links(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = open_store(url)
    site = SiteConfig.model_validate({"site": {"name": "s"}, "cameras": [{"id": "c", "source": "x.mp4"}]})
    sync_site(store, site)
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run("c", "x.mp4")
        w.put_track(run, TrackRecord("c", 7, 0, 100.0, 110.0, 50))
        w.put_event(run, EventRecord("c", 100.0, "tracks", "track_start", track_id=7))
        w.put_event(run, EventRecord("c", 110.0, "tracks", "track_end", track_id=7))
        w.flush()

    def linked() -> int:
        with store.engine.connect() as conn:
            return conn.execute(text("select count(*) from events where track_id is not null")).scalar_one()

    assert linked() == 2
    # Down to before the newest revision and up again: every revision that rebuilds a table runs.
    downgrade(store.engine, "0001")
    upgrade(store.engine)
    assert linked() == 2
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1  # switched back on
    assert head_revision() is not None
    store.close()
