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
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from app import paths
from app.errors import UserError
from app.redaction import redact, sanitize

log = logging.getLogger(__name__)
T = TypeVar("T")

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
    """The URL as text with the password replaced by ``***`` (for messages and logs).

    A SQLite file is shown with its path as typed on this computer (not percent-encoded).

    Example:
        >>> safe_url("sqlite:////tmp/Läden/ü.db")
        'sqlite:////tmp/Läden/ü.db'
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "(unparseable URL)"
    if parsed.get_backend_name() == "sqlite" and not parsed.query:
        # a file path as the user wrote it: SQLAlchemy would percent-encode C:\ as C%3A%5C
        return redact(f"{parsed.drivername}:///{parsed.database or ''}")
    return redact(parsed.render_as_string(hide_password=True))


def parse_url(url: str | URL | None, *, exit_code: int = 1) -> URL:
    """Parse a database URL (``None``: the default SQLite file in the data folder; a plain path: SQLite).

    Raises:
        UserError: the URL cannot be parsed or names an unsupported database (with ``exit_code``).
    """
    if isinstance(url, str) and url and "://" not in url:  # a plain file path: a SQLite database there
        url = f"sqlite:///{Path(url).expanduser().absolute()}"
    try:
        parsed = make_url(url if url else paths.default_db_url())
    except (ArgumentError, ValueError):
        raise UserError(
            "database URL is not valid (expected sqlite:///path/to/file.db or "
            "postgresql+psycopg://user@host:5432/dbname)",
            exit_code,
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise UserError(
            f"unsupported database {backend!r} in {safe_url(parsed)} (use sqlite or postgresql)", exit_code
        )
    if backend == "postgresql" and parsed.get_driver_name() in ("psycopg2", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_memory_url(url: URL) -> bool:
    """Whether a SQLite URL is an in-memory database (``sqlite://``, ``sqlite:///``, ``:memory:``)."""
    db = url.database
    return url.get_backend_name() == "sqlite" and (
        not db or db == ":memory:" or url.query.get("mode") == "memory" or "mode=memory" in db
    )


def user_db_url(text: str | None, *, option: str = "--db") -> str | None:
    """A database URL given by the user, checked so that data is never silently lost.

    * empty (an unset shell variable) or in memory (``sqlite://``, ``sqlite:///``): refused —
      everything analysed would be gone when the command ends;
    * a plain path: the SQLite file there (as absolute ``sqlite:////path``);
    * ``sqlite:///rel/x.db`` (three slashes: relative to the current folder): made absolute, and
      refused with a hint when the relative folder does not exist but the absolute one does
      (``sqlite:///tmp/x.db`` meant ``/tmp/x.db``: four slashes).

    Args:
        text: what the user gave (None: not given, returned as is).
        option: the option or config field named in messages.

    Returns:
        The URL to use.

    Raises:
        UserError: exit code 2, one line with what to write instead.

    Example:
        >>> user_db_url("sqlite:///")
        Traceback (most recent call last):
        ...
        app.errors.UserError: --db sqlite:/// is an in-memory database: nothing would be kept when the command ends; give a file, e.g. --db storesight.db or sqlite:////abs/path/storesight.db
    """
    if text is None:
        return None
    if not text.strip():
        raise UserError(
            f"{option} is empty (an unset shell variable?); give a database file or URL, e.g. "
            f"{option} storesight.db",
            2,
        )
    parsed = parse_url(text, exit_code=2)
    if is_memory_url(parsed):
        raise UserError(
            f"{option} {safe_url(text)} is an in-memory database: nothing would be kept when the command "
            f"ends; give a file, e.g. {option} storesight.db or sqlite:////abs/path/storesight.db",
            2,
        )
    if parsed.get_backend_name() != "sqlite" or (parsed.database or "").startswith("file:"):
        return text
    db = Path(parsed.database or "").expanduser()
    if db.is_absolute():
        return text if "://" in text else parsed.render_as_string(hide_password=False)
    absolute = Path.cwd() / db
    rooted = Path("/") / db
    if "://" in text and not absolute.parent.is_dir() and rooted.parent.is_dir():
        raise UserError(
            f"{option} {text} names {db} relative to the current folder ({Path.cwd()}), and {absolute.parent} "
            f"does not exist; for the file {rooted} write four slashes: sqlite:///{rooted}",
            2,
        )
    return parsed.set(database=str(absolute)).render_as_string(hide_password=False)


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


def _setup_sqlite(engine: Engine, busy_timeout_ms: int, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (see _on_begin): pysqlite's implicit transaction handling
        # would not cover DDL or SELECTs, and could not take the write lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cur.execute("PRAGMA foreign_keys = ON")
            if not read_only:
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
        _setup_sqlite(engine, sqlite_busy_timeout_ms, read_only="mode=ro" in (parsed.database or ""))
    return engine


def describe_db_error(err: BaseException, url: str | URL) -> str:
    """One line for a database error: what failed, where (no password), the driver's first line."""
    orig = err.orig if isinstance(err, DBAPIError) and err.orig is not None else err
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    parsed = make_url(url) if not isinstance(url, URL) else url
    text = redact(text, [str(parsed.password)] if parsed.password else [])  # drivers do not echo it
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
    #: Opened read-only (a SQLite file on a read-only file system; see ``open_store(read_only_ok=True)``).
    read_only: bool = False

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
    def sqlite_path(self) -> Path | None:
        """The SQLite file (``None`` for PostgreSQL or an in-memory database)."""
        return _sqlite_file(self.url) if self.dialect == "sqlite" else None

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


#: How long a command waits for a database another program holds locked before giving up.
LOCK_WAIT_S = 30.0


def is_locked_error(err: BaseException) -> bool:
    """A SQLite lock held by another connection (``database is locked`` / ``busy``): worth waiting for."""
    text = str(getattr(err, "orig", None) or err).lower()
    return isinstance(err, OperationalError | sqlite3.OperationalError) and (
        "database is locked" in text or "database is busy" in text or "database table is locked" in text
    )


def locked_message(url: str | URL, waited: float) -> str:
    """The one line for a database that stayed locked."""
    return (
        f"the database {safe_url(url)} is locked by another program (waited {waited:.0f} s): close the "
        "other program (or let it finish) and try again"
    )


def retry_locked(fn: Callable[[], T], url: str | URL, *, wait_s: float | None = None, what: str = "") -> T:
    """Run ``fn``; while the database is locked by someone else, say so once and retry until a deadline.

    Raises:
        UserError: still locked after ``wait_s`` (default :data:`LOCK_WAIT_S`) seconds.
    """
    wait_s = LOCK_WAIT_S if wait_s is None else wait_s
    t0 = time.monotonic()
    told = False
    while True:
        try:
            return fn()
        except (OperationalError, sqlite3.OperationalError) as e:
            if not is_locked_error(e):
                raise
            waited = time.monotonic() - t0
            if waited >= wait_s:
                raise UserError(locked_message(url, waited)) from None
            if not told:
                told = True
                msg = f"the database is locked by another program; waiting up to {wait_s:.0f} s"
                log.warning("%s%s", msg, f" ({what})" if what else "")
                print(f"storesight: {msg}…", file=sys.stderr)
            time.sleep(min(1.0, max(0.05, wait_s - waited)))


def _sqlite_tables(path: Path) -> list[str] | None:
    """The tables of an existing SQLite file, read without changing it (None: not a SQLite file)."""
    # mode=ro cannot open a WAL database on a read-only file system (no -shm file): immutable then.
    for query in ("mode=ro", "mode=ro&immutable=1"):
        try:
            con = sqlite3.connect(f"file:{path}?{query}", uri=True, timeout=LOCK_WAIT_S)
        except sqlite3.Error:
            continue
        try:
            return [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        except sqlite3.DatabaseError as e:
            if is_locked_error(e):
                return []
            if "not a database" in str(e) or "malformed" in str(e):
                return None
        finally:
            con.close()
    return None


def check_not_foreign(path: Path) -> None:
    """Refuse a SQLite file that holds another program's tables (StoreSight must not add its own).

    Raises:
        UserError: the file is not a database, or a database without StoreSight's schema.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return
    tables = _sqlite_tables(path)
    if tables is None:
        raise UserError(f"{path} is not a database (not SQLite; give another file, or a new name)")
    if tables and "alembic_version" not in tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise UserError(
            f"{path} is another program's database (tables: {sanitize(shown)}), not StoreSight's; "
            "nothing was changed: give a new file name"
        )


def _read_only_folder(path: Path) -> bool:
    """The SQLite file exists but neither it nor its folder can be written (read-only file system)."""
    if not path.is_file():
        return False
    folder = path.absolute().parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    except (OSError, AttributeError):
        pass
    return not os.access(folder, os.W_OK) or not os.access(path, os.W_OK)


def open_store(
    url: str | URL | None = None,
    *,
    migrate: bool = True,
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    read_only_ok: bool = False,
) -> Store:
    """Open (and by default migrate to the newest schema) the database at ``url``.

    A SQLite file of another program is refused (nothing is added to it); a database locked by
    another program is waited for up to :data:`LOCK_WAIT_S` seconds.

    Args:
        url: database URL; ``None`` for the default SQLite file in the data folder.
        migrate: run ``alembic upgrade head`` (safe to run every start; serialised between
            processes on PostgreSQL by an advisory lock).
        sqlite_busy_timeout_ms: SQLite lock wait.
        read_only_ok: a SQLite file on a read-only file system (or without write permission) is
            opened read-only instead of refused (for the commands that only read); its schema must
            then be the newest already.

    Returns:
        The open :class:`Store`.

    Raises:
        UserError: anything that stops the database from being used, as one line.
    """
    from app.store.migrate import current_revision, head_revision, upgrade  # alembic only when needed

    parsed = parse_url(url)
    file = _sqlite_file(parsed) if parsed.get_backend_name() == "sqlite" else None
    read_only = False
    if file is not None:
        check_not_foreign(file)
        if read_only_ok and _read_only_folder(file):
            read_only = True
            shown = parsed
            parsed = parsed.set(database=f"file:{file.absolute()}?mode=ro&immutable=1", query={"uri": "true"})
            log.warning("%s is read-only here: opened for reading only", safe_url(shown))
    engine = make_engine(parsed, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms)
    try:
        if read_only:
            if current_revision(engine) != head_revision():
                raise UserError(
                    f"the read-only database {file} has an older schema: open it once where it can be written"
                )
        elif migrate:
            retry_locked(lambda: upgrade(engine), engine.url, what="schema check")
        else:
            with engine.connect():
                pass
    except (SQLAlchemyError, OSError) as e:
        engine.dispose()
        raise UserError(describe_db_error(e, engine.url)) from None
    except BaseException:
        engine.dispose()
        raise
    log.info("database open: %s", safe_url(engine.url))
    store = Store(engine, engine.url)
    store.read_only = read_only
    if migrate and not read_only:
        from app.store.runs import close_dead_runs

        try:  # runs of processes that died: incomplete, whichever command starts next
            close_dead_runs(store)
        except SQLAlchemyError as e:
            log.warning("could not check for runs of processes that died: %s", redact(str(e).splitlines()[0]))
    return store
