"""A backup of the database is made before a schema migration, and a failed backup stops it."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from app.config import SiteConfig
from app.errors import UserError
from app.store import backup
from app.store.db import make_engine, open_store
from app.store.migrate import current_revision, downgrade, head_revision, upgrade
from app.store.sync import sync_site

pytestmark = pytest.mark.timeout(180)


def _old_database(path: Path, revision: str = "0006") -> None:
    """A database at an older schema holding one camera row (what the previous version left)."""
    store = open_store(f"sqlite:///{path}")
    site = {"site": {"name": "s"}, "cameras": [{"id": "door", "name": "Door", "source": "x.mp4"}]}
    sync_site(store, SiteConfig.model_validate(site))
    downgrade(store.engine, revision)
    store.close()


def test_upgrade_backs_up_the_old_database_first(tmp_path: Path) -> None:
    db = tmp_path / "storesight.db"
    _old_database(db)
    store = open_store(f"sqlite:///{db}")  # what every start does: migrate to head
    assert current_revision(store.engine) == head_revision()
    store.close()
    copies = list((tmp_path / "backups").glob("storesight-0006-*.db"))
    assert len(copies) == 1, copies
    with sqlite3.connect(copies[0]) as conn:  # the copy is the database as it was: old schema, its rows
        assert conn.execute("select version_num from alembic_version").fetchone()[0] == "0006"
        assert conn.execute("select name from cameras").fetchall() == [("Door",)]
    assert not list((tmp_path / "backups").glob("*.part"))


def test_no_backup_when_nothing_migrates_or_the_database_is_new(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    open_store(f"sqlite:///{db}").close()  # created from nothing: nothing to save
    open_store(f"sqlite:///{db}").close()  # already at head
    assert not (tmp_path / "backups").exists()


def test_failed_backup_leaves_the_database_unmigrated(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / "backups"
        blocker.write_text("a file where the backups folder should be")  # root ignores permissions
    else:
        blocker = None
    db = tmp_path / "storesight.db"
    _old_database(db)
    if blocker is None:
        (tmp_path / "backups").mkdir()
        (tmp_path / "backups").chmod(0o500)
    engine = make_engine(f"sqlite:///{db}")
    with pytest.raises(UserError, match=r"cannot back up the database .* nothing was changed"):
        upgrade(engine)
    assert current_revision(engine) == "0006"
    engine.dispose()


def test_old_backups_are_pruned_to_the_newest(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    sqlite3.connect(db).execute("create table t (x)").connection.close()
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    made = [backup.backup_sqlite(db, "0003", now=base + dt.timedelta(days=i)) for i in range(backup.KEEP + 2)]
    left = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert left == sorted(p.name for p in made[-backup.KEEP :])


def test_not_enough_space_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.db"
    sqlite3.connect(db).execute("create table t (x)").connection.close()
    monkeypatch.setattr(backup.shutil, "disk_usage", lambda p: _Usage(1024))
    with pytest.raises(UserError, match="only 0 MB free"):
        backup.backup_sqlite(db, "0001")
    assert not list((tmp_path / "backups").glob("*"))


class _Usage:
    def __init__(self, free: int) -> None:
        self.free, self.total, self.used = free, free, 0


def test_postgres_is_dumped_with_pg_dump(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORESIGHT_DATA_DIR", str(tmp_path))
    store = open_store(pg_url)
    downgrade(store.engine, "0006")
    upgrade(store.engine)
    assert current_revision(store.engine) == head_revision()
    store.close()
    dumps = list((tmp_path / "backups").glob("*-0006-*.dump"))
    assert len(dumps) == 1
    listing = subprocess.run(["pg_restore", "-l", str(dumps[0])], capture_output=True, text=True, check=True)
    assert "alembic_version" in listing.stdout
