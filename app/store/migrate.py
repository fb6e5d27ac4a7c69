"""Alembic migrations, configured in code (no alembic.ini): works from a checkout and a wheel.

The scripts live in ``app/store/migrations`` (package data). :func:`upgrade` is what
:func:`app.store.db.open_store` runs on every start.

For developers, after changing :mod:`app.store.schema`::

    python -m app.store.migrate revision -m "add plates"     # autogenerate into versions/
    python -m app.store.migrate upgrade --url sqlite:///x.db
    python -m app.store.migrate current --url ...

Example:
    >>> from app.store.db import make_engine
    >>> engine = make_engine("sqlite://")
    >>> upgrade(engine)
    >>> schema_diff(engine)
    []
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from app.errors import UserError
from app.store.schema import Base

log = logging.getLogger(__name__)

#: Key of the PostgreSQL advisory lock that serialises migrations between workstations.
PG_MIGRATION_LOCK = 0x53746F7265  # "Store"


@contextmanager
def migrations_dir() -> Iterator[Path]:
    """The folder with ``env.py`` and ``versions/`` as a real path (also from an installed package)."""
    with resources.as_file(resources.files("app.store") / "migrations") as path:
        yield Path(path)


def alembic_config(script_location: Path, url: str | None = None) -> Config:
    """A programmatic Alembic config for the store's migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("path_separator", "os")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    """The newest revision this version of StoreSight knows."""
    with migrations_dir() as where:
        return ScriptDirectory.from_config(alembic_config(where)).get_current_head()


def known_revisions() -> set[str]:
    """Every revision this version of StoreSight has a migration script for."""
    with migrations_dir() as where:
        return {s.revision for s in ScriptDirectory.from_config(alembic_config(where)).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", *, backup: bool = True) -> None:
    """Bring the database to ``revision`` (default: the newest). Does nothing if already there.

    A database that has a schema already is backed up first (:mod:`app.store.backup`: a copy of a
    SQLite file, ``pg_dump`` of a PostgreSQL database); when the backup cannot be made, nothing is
    migrated and the reason is raised.

    Runs in one transaction (SQLite and PostgreSQL both have transactional DDL), holding the
    SQLite write lock or a PostgreSQL advisory lock so that two processes never migrate at once.

    Raises:
        UserError: the database has a revision this version does not know (it is newer).
        sqlalchemy.exc.SQLAlchemyError: connection or SQL problems (``open_store`` words them).
    """
    with migrations_dir() as where:
        cfg = alembic_config(where)
        script = ScriptDirectory.from_config(cfg)
        head = script.get_current_head()
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        if revision == "head" and current == head:
            return
        if current is not None and current not in {s.revision for s in script.walk_revisions()}:
            raise UserError(
                f"the database schema ({current}) is newer than this StoreSight knows ({head}); "
                "install the newer StoreSight or use another database"
            )
        if current is not None and backup:
            from app.store.backup import backup_before_migration

            backup_before_migration(engine, current)
        _run_locked(engine, cfg, lambda: command.upgrade(cfg, revision))
    log.info("database schema upgraded from %s to %s", current, revision if revision != "head" else head)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` (developers and tests), with the same locking as upgrade."""
    with migrations_dir() as where:
        cfg = alembic_config(where)
        _run_locked(engine, cfg, lambda: command.downgrade(cfg, revision))


def _run_locked(engine: Engine, cfg: Any, step: Any) -> None:
    """Run an Alembic step in one transaction under the migration lock.

    On SQLite, foreign keys are switched off for the migration connection: Alembic's batch mode
    rebuilds a table (copy, drop, rename), and with foreign keys on, dropping the old ``tracks``
    table would fire ``ON DELETE SET NULL`` on every event that points at a track.
    """
    with engine.connect().execution_options(sqlite_immediate=True) as conn:
        sqlite = conn.dialect.name == "sqlite"
        raw = conn.connection.dbapi_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # only effective outside a transaction
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
                cfg.attributes["connection"] = conn
                step()
                if raw is not None:
                    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if bad:
                        raise RuntimeError(
                            f"migration left {len(bad)} broken foreign key(s), first: {bad[0]}"
                        )
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def schema_diff(engine: Engine) -> list[Any]:
    """Differences between the database and :mod:`app.store.schema` (empty when in sync)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))


def main(argv: list[str] | None = None) -> None:
    """Developer CLI: ``revision``, ``upgrade``, ``current``."""
    from app.store.db import make_engine

    p = argparse.ArgumentParser(prog="python -m app.store.migrate", description=main.__doc__)
    p.add_argument("action", choices=["revision", "upgrade", "current"])
    p.add_argument("--url", default=None, help="database URL (default: the data folder's SQLite file)")
    p.add_argument("-m", "--message", default="change", help="revision message")
    args = p.parse_args(argv)
    engine = make_engine(args.url)
    if args.action == "upgrade":
        upgrade(engine)
    elif args.action == "current":
        print(current_revision(engine), "(head:", head_revision(), ")")
    else:
        upgrade(engine)  # autogenerate compares against an up-to-date database
        with migrations_dir() as where:
            cfg = alembic_config(where, engine.url.render_as_string(hide_password=False))
            command.revision(cfg, message=args.message, autogenerate=True)
    engine.dispose()


if __name__ == "__main__":
    main()
