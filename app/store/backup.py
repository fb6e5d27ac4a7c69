"""A copy of the database before its schema is migrated (an upgrade of StoreSight).

* **SQLite**: the file is copied with SQLite's online backup API (consistent even while another
  process reads or writes; the WAL is included) to ``backups/<name>-<revision>-<UTC time>.db``
  beside the database file. If the copy cannot be made (disk full, no permission) the migration
  does not run and the user gets one line saying why: an upgrade never touches data it could not
  save first.
* **PostgreSQL**: ``pg_dump -Fc`` into ``backups/`` of the data folder when ``pg_dump`` is on the
  PATH; a chain's server is usually backed up by its administrator, so a missing or failing
  ``pg_dump`` is logged as a warning and the (transactional) migration goes ahead.

The newest :data:`KEEP` backups of each database are kept; older ones are deleted.

Example:
    >>> backup_name("storesight", "0007", dt.datetime(2026, 12, 5, 20, 1, 2, tzinfo=dt.UTC), ".db")
    'storesight-0007-20261205T200102Z.db'
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine

from app.errors import UserError

log = logging.getLogger(__name__)

#: Backups kept per database (the oldest beyond this are deleted after a new one is made).
KEEP = 5
BACKUP_DIR = "backups"


def backup_name(stem: str, revision: str, when: dt.datetime, suffix: str) -> str:
    """``<stem>-<revision>-<YYYYMMDDTHHMMSSZ><suffix>``."""
    return f"{stem}-{revision}-{when.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}{suffix}"


def _prune(folder: Path, stem: str, suffix: str, keep: int = KEEP) -> None:
    old = sorted(folder.glob(f"{stem}-*{suffix}"), key=lambda p: p.name.rsplit("-", 1)[-1])
    for path in old[:-keep] if keep else old:
        try:
            path.unlink()
        except OSError as e:
            log.warning("cannot delete the old backup %s: %s", path, e)


def backup_sqlite(db_file: Path, revision: str, *, now: dt.datetime | None = None) -> Path:
    """Copy a SQLite database file into ``backups/`` beside it and return the copy's path.

    Raises:
        UserError: the copy could not be made (the partial file is removed).
    """
    folder = db_file.absolute().parent / BACKUP_DIR
    target = folder / backup_name(db_file.stem, revision, now or dt.datetime.now(dt.UTC), ".db")
    tmp = target.with_name(target.name + ".part")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        need = db_file.stat().st_size + _wal_size(db_file)
        free = shutil.disk_usage(folder).free
        if free < need * 1.1 + 10 * 1024**2:
            raise OSError(f"only {free / 1024**2:.0f} MB free, the copy needs {need / 1024**2:.0f} MB")
        src = sqlite3.connect(db_file)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        os.replace(tmp, target)
    except (OSError, sqlite3.Error) as e:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # its folder is not there (or not a folder): nothing was written
        raise UserError(
            f"cannot back up the database {db_file} before upgrading its schema ({e}); nothing was changed — "
            f"free space in {folder.parent} or make the folder writable, then start again"
        ) from None
    _prune(folder, db_file.stem, ".db")
    log.warning("database backed up before the schema upgrade: %s", target)
    return target


def _wal_size(db_file: Path) -> int:
    wal = db_file.with_name(db_file.name + "-wal")
    return wal.stat().st_size if wal.is_file() else 0


def backup_postgres(engine: Engine, revision: str, folder: Path, *, now: dt.datetime | None = None) -> Path | None:
    """``pg_dump -Fc`` the database into ``folder``; None (and a warning) when it cannot."""
    exe = shutil.which("pg_dump")
    url = engine.url
    if exe is None:
        log.warning("pg_dump not found: no backup of %s before the schema upgrade", url.render_as_string())
        return None
    target = folder / backup_name(url.database or "postgres", revision, now or dt.datetime.now(dt.UTC), ".dump")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # never on the command line (ps shows it)
    cmd = [exe, "-Fc", "-f", str(target), "-d", url.database or "postgres"]
    for opt, value in (("-h", url.host), ("-p", url.port), ("-U", url.username)):
        if value:
            cmd += [opt, str(value)]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        log.warning("pg_dump failed (%s): no backup before the schema upgrade", e)
        return None
    if out.returncode != 0:
        first = (out.stderr.strip().splitlines() or ["exit " + str(out.returncode)])[0]
        log.warning("pg_dump failed (%s): no backup before the schema upgrade", first)
        target.unlink(missing_ok=True)
        return None
    _prune(folder, url.database or "postgres", ".dump")
    log.warning("database backed up before the schema upgrade: %s", target)
    return target


def backup_before_migration(engine: Engine, revision: str) -> Path | None:
    """Back up the database ``engine`` points at, which is at schema ``revision``.

    Returns:
        The backup file, or None (an in-memory database, or PostgreSQL without a usable ``pg_dump``).

    Raises:
        UserError: a SQLite backup could not be made (then nothing must be migrated).
    """
    url = engine.url
    if url.get_backend_name() == "sqlite":
        db = url.database
        if not db or db == ":memory:" or db.startswith("file:") or url.query.get("mode") == "memory":
            return None
        return backup_sqlite(Path(db).expanduser(), revision)
    from app import paths

    return backup_postgres(engine, revision, paths.data_dir() / BACKUP_DIR)
