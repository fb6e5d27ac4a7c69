"""Engines and the :class:`Store` handle: SQLite by default, PostgreSQL by URL.

Every problem the user can fix (bad URL, unreachable server, wrong password, unwritable folder,
a file that is not a database) becomes one :class:`~app.errors.UserError` line without the password.

Example:
    >>> store = open_store("sqlite://")          # in-memory, migrated to head
    >>> store.dialect
    'sqlite'
    >>> store.close()
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from app import paths
from app.errors import UserError

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 10


def _json_default(obj: Any) -> Any:
    """Serialise numpy scalars/arrays, sets and datetimes inside JSON payloads."""
    if hasattr(obj, "tolist"):  # numpy scalar or array
        return obj.tolist()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def json_dumps(value: Any) -> str:
    """The JSON serialiser the engines use (compact, UTF-8, numpy-aware)."""
    return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def safe_url(url: str | URL) -> str:
    """The URL as text with the password replaced by ``***`` (for messages and logs)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "(unparseable URL)"
    if parsed.get_backend_name() == "sqlite" and parsed.database and not parsed.query:
        # a file path as the user wrote it: SQLAlchemy would percent-encode C:\ as C%3A%5C
        return f"{parsed.drivername}:///{parsed.database}"
    return parsed.render_as_string(hide_password=True)


def parse_url(url: str | URL | None) -> URL:
    """Parse a database URL (``None``: the default SQLite file in the data folder; a plain path: SQLite).

    Raises:
        UserError: the URL cannot be parsed or names an unsupported database.
    """
    if isinstance(url, str) and url and "://" not in url:  # a plain file path: a SQLite database there
        url = f"sqlite:///{Path(url).expanduser().absolute()}"
    try:
        parsed = make_url(url if url else paths.default_db_url())
    except (ArgumentError, ValueError):
        raise UserError(
            "database URL is not valid (expected sqlite:///path/to/file.db or "
            "postgresql+psycopg://user@host:5432/dbname)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise UserError(f"unsupported database {backend!r} in {safe_url(parsed)} (use sqlite or postgresql)")
    if backend == "postgresql" and parsed.get_driver_name() in ("psycopg2", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_file(url: URL) -> Path | None:
    db = url.database
    if not db or db == ":memory:" or db.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Path(db).expanduser()


def _check_sqlite_folder(path: Path) -> None:
    """Create the folder of a SQLite file and make sure we can write there."""
    folder = path.absolute().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create the database folder {folder}: {e.strerror or e}") from None
    if not folder.is_dir():
        raise UserError(f"cannot use {folder} as the database folder: not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"the database folder {folder} is not writable")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise UserError(f"the database file {path} is not writable")


def _setup_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (see _on_begin): pysqlite's implicit transaction handling
        # would not cover DDL or SELECTs, and could not take the write lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock at once, so a writer never fails half way
        # through a batch because another process wrote in between (SQLITE_BUSY_SNAPSHOT).
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(
    url: str | URL | None = None, *, sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, echo: bool = False
) -> Engine:
    """Create an engine for SQLite (WAL, foreign keys, busy timeout) or PostgreSQL (psycopg 3).

    Does not connect yet; :func:`open_store` does, and reports connection problems.

    Args:
        url: ``sqlite:///path.db``, ``sqlite://`` (in memory) or ``postgresql+psycopg://...``;
            ``None`` for the default SQLite file in the data folder.
        sqlite_busy_timeout_ms: how long SQLite waits for a lock before failing.
        echo: log every SQL statement.

    Raises:
        UserError: bad URL, missing driver, or (SQLite) a folder that cannot be written.
    """
    parsed = parse_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "json_serializer": json_dumps}
    if parsed.get_backend_name() == "sqlite":
        file = _sqlite_file(parsed)
        if file is None:  # in memory: one shared connection, or every thread sees its own empty DB
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            _check_sqlite_folder(file)
    else:
        kwargs.update(pool_pre_ping=True)
        if "connect_timeout" not in parsed.query:
            kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError, ImportError) as e:
        raise UserError(f"database driver for {parsed.drivername!r} is not installed ({e})") from None
    except ArgumentError as e:
        raise UserError(f"database URL {safe_url(parsed)} is not valid: {e}") from None
    if parsed.get_backend_name() == "sqlite":
        _setup_sqlite(engine, sqlite_busy_timeout_ms)
    return engine


def describe_db_error(err: BaseException, url: str | URL) -> str:
    """One line for a database error: what failed, where (no password), the driver's first line."""
    orig = err.orig if isinstance(err, DBAPIError) and err.orig is not None else err
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    parsed = make_url(url) if not isinstance(url, URL) else url
    if parsed.password and len(str(parsed.password)) >= 4:  # drivers do not echo it; belt and braces
        text = text.replace(str(parsed.password), "***")
    return f"cannot use the database {safe_url(parsed)}: {text}"


@dataclass(eq=False)
class Store:
    """An open database: engine plus a session factory.

    Attributes:
        engine: the SQLAlchemy engine.
        url: the parsed URL (use :attr:`safe_url` in messages).
        sessions: a ``sessionmaker`` (``expire_on_commit=False``).

    Example:
        >>> store = open_store("sqlite://")
        >>> with store.session() as s:
        ...     pass
        >>> store.close()
    """

    engine: Engine
    url: URL
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite: a transaction that reads and then writes cannot wait for the lock when another
        # connection wrote in between (SQLITE_BUSY_SNAPSHOT, no busy wait) — writers take it up front.
        self._write_sessions = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def safe_url(self) -> str:
        """The URL without the password (for messages and logs)."""
        return safe_url(self.url)

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error.

        Args:
            write: the transaction writes (on SQLite it takes the write lock at its start and waits
                for it up to the busy timeout, instead of failing at its first write when the
                engine's writer thread committed meanwhile). Leave False for reads: a read-only
                transaction must not hold the write lock.
        """
        with (self._write_sessions if write else self.sessions).begin() as s:
            yield s

    def close(self) -> None:
        """Close all pooled connections."""
        self.engine.dispose()


def open_store(
    url: str | URL | None = None,
    *,
    migrate: bool = True,
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
) -> Store:
    """Open (and by default migrate to the newest schema) the database at ``url``.

    Args:
        url: database URL; ``None`` for the default SQLite file in the data folder.
        migrate: run ``alembic upgrade head`` (safe to run every start; serialised between
            processes on PostgreSQL by an advisory lock).
        sqlite_busy_timeout_ms: SQLite lock wait.

    Returns:
        The open :class:`Store`.

    Raises:
        UserError: anything that stops the database from being used, as one line.
    """
    from app.store.migrate import upgrade  # alembic is imported only when needed

    engine = make_engine(url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms)
    try:
        if migrate:
            upgrade(engine)
        else:
            with engine.connect():
                pass
    except (SQLAlchemyError, OSError) as e:
        engine.dispose()
        raise UserError(describe_db_error(e, engine.url)) from None
    log.info("database open: %s", safe_url(engine.url))
    return Store(engine, engine.url)
