"""Engine setup and the one-line UserErrors: bad URL, unreachable server, unwritable folder."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from app import paths
from app.errors import UserError
from app.store.db import make_engine, open_store, safe_url

pytestmark = pytest.mark.timeout(120)


def _one_line(err: pytest.ExceptionInfo[UserError]) -> str:
    msg = str(err.value)
    assert "\n" not in msg and msg.strip() == msg and msg
    assert "Traceback" not in msg
    return msg


def test_sqlite_pragmas(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    store.close()


def test_default_url_is_sqlite_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "data"))
    assert paths.data_dir() == tmp_path / "data"
    assert paths.crops_dir() == tmp_path / "data" / "crops"
    assert paths.model_dir(tmp_path / "other") == tmp_path / "other" / "models"
    store = open_store()
    assert store.dialect == "sqlite"
    assert (tmp_path / "data" / paths.DB_FILE_NAME).is_file()
    store.close()


def test_platform_data_dir_names_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    assert "StoreSight" in paths.data_dir().parts
    assert paths.data_dir().is_absolute()


def test_folder_that_is_a_file_gives_user_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with pytest.raises(UserError) as err:
        open_store(f"sqlite:///{blocker / 'sub' / 'db.sqlite'}")
    assert "database folder" in _one_line(err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; the file-as-folder test covers root")
def test_read_only_folder_gives_user_error(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(UserError) as err:
            open_store(f"sqlite:///{ro / 'db.sqlite'}")
        assert "not writable" in _one_line(err)
    finally:
        ro.chmod(0o700)


def test_read_only_mount_gives_user_error() -> None:
    """/proc refuses new files even for root: a real 'cannot write here' on any Linux box."""
    with pytest.raises(UserError) as err:
        open_store("sqlite:////proc/storesight-test/db.sqlite")
    assert "/proc/storesight-test" in _one_line(err)


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UserError) as err:
        open_store(f"sqlite:///{bogus}")
    assert "not a database" in _one_line(err)


@pytest.mark.parametrize(
    ("url", "expect"),
    [
        ("sqlite//no-scheme-separator://x", "not valid"),
        ("mysql://u:pw@host/db", "unsupported database"),
        ("postgresql+nosuchdriver://u:pw@host/db", "driver"),
    ],
)
def test_bad_urls(url: str, expect: str) -> None:
    with pytest.raises(UserError) as err:
        make_engine(url)
    msg = _one_line(err)
    assert expect in msg and "pw" not in msg


def test_a_plain_path_is_a_sqlite_file(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "plain.db"))  # storesight stats --db /tmp/x.db
    assert store.url.get_backend_name() == "sqlite" and (tmp_path / "plain.db").exists()
    store.close()


def test_unreachable_postgres_hides_password() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UserError) as err:
        open_store(f"postgresql+psycopg://shop:Sup3rSecret@127.0.0.1:{port}/storesight")
    msg = _one_line(err)
    assert "Sup3rSecret" not in msg
    assert f"127.0.0.1:{port}" in msg and "***" in msg


@pytest.mark.postgres
def test_missing_postgres_database(pg_server) -> None:
    with pytest.raises(UserError) as err:
        open_store(pg_server.url("no_such_db").replace("postgres@", "postgres:pw123@"))
    msg = _one_line(err)
    assert "no_such_db" in msg and "pw123" not in msg


def test_safe_url() -> None:
    assert safe_url("postgresql+psycopg://u:secret@h/db") == "postgresql+psycopg://u:***@h/db"
