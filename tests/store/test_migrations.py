"""Alembic: the migrated database equals the models; upgrade is idempotent and safe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from app.errors import UserError
from app.store.db import make_engine, open_store
from app.store.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    migrations_dir,
    schema_diff,
    upgrade,
)
from app.store.schema import Base

pytestmark = pytest.mark.timeout(120)


def test_autogenerate_diff_is_empty(db_url: str) -> None:
    store = open_store(db_url)
    assert current_revision(store.engine) == head_revision()
    assert schema_diff(store.engine) == []
    assert set(inspect(store.engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
    store.close()


def test_open_twice_is_a_no_op(db_url: str) -> None:
    open_store(db_url).close()
    store = open_store(db_url)
    assert current_revision(store.engine) == head_revision()
    store.close()


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with migrations_dir() as where:
        command.downgrade(alembic_config(where, url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert schema_diff(engine) == []
    engine.dispose()


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    open_store(url).close()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    engine.dispose()
    with pytest.raises(UserError, match="newer than this StoreSight"):
        open_store(url)


def test_scripts_are_package_data() -> None:
    with migrations_dir() as where:
        assert (where / "env.py").is_file()
        assert (where / "script.py.mako").is_file()
        assert list((where / "versions").glob("0001_*.py"))
