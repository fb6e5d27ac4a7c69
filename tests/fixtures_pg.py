"""A real PostgreSQL server for the tests, started once per session in a temp folder.

Fixtures:
    pg_server: the running server (session). FAILS (not skips) when PostgreSQL is not installed.
    pg_url: a fresh, empty database on it for one test (SQLAlchemy URL).
    db_url: parametrized over ``sqlite`` and ``postgresql`` — run a test on both.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user
(``runuser``). Binaries: ``/usr/lib/postgresql/<newest>/bin`` (Debian), else ``pg_ctl`` on PATH,
or ``$STORESIGHT_PG_BIN``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

INSTALL_HINT = (
    "PostgreSQL server binaries not found (looked in $STORESIGHT_PG_BIN, /usr/lib/postgresql/*/bin "
    "and PATH). "
    "Install them (Debian/Ubuntu: apt-get install postgresql); the store tests need a real server."
)


@dataclass(frozen=True)
class PgServer:
    """A running test server (superuser ``postgres``, trust auth, TCP on 127.0.0.1)."""

    host: str
    port: int
    bin_dir: Path
    data_dir: Path
    opts: str
    logfile: Path
    as_user: tuple[str, ...] = ()

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"

    def ctl(self, *args: str) -> list[str]:
        """A ``pg_ctl`` command line for this cluster."""
        return [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args]

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are cut)."""
        _run(self.ctl("-m", "fast", "-w", "stop"), self.as_user, "stop")

    def start(self) -> None:
        """Start the (stopped) server again on the same port."""
        _run(
            self.ctl("-l", str(self.logfile), "-w", "-t", "60", "-o", self.opts, "start"),
            self.as_user,
            "start",
        )

    def admin(self) -> psycopg.Connection:
        """An autocommit connection to the ``postgres`` database."""
        return psycopg.connect(
            host=self.host, port=self.port, user="postgres", dbname="postgres", autocommit=True
        )


def find_pg_bin() -> Path | None:
    """The folder with ``initdb``/``pg_ctl``, newest version first."""
    env = os.environ.get("STORESIGHT_PG_BIN")
    if env and (Path(env) / "pg_ctl").exists():
        return Path(env)
    dirs = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin") if (Path(d) / "pg_ctl").exists()]

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in p.parent.name.split(".") if x.isdigit())

    if dirs:
        return max(dirs, key=version)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], as_user: list[str] | tuple[str, ...], what: str) -> None:
    r = subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=120, check=False)
    if r.returncode != 0:
        pytest.fail(f"PostgreSQL {what} failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """Start a throw-away PostgreSQL cluster for the test session and stop it afterwards."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.fail(INSTALL_HINT)
    root = Path(tempfile.mkdtemp(prefix="storesight-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres will not run as root
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, sock, logfile = root / "data", root / "sock", root / "server.log"
    _run(["mkdir", "-p", str(sock)], as_user, "socket folder")
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
    _run([*initdb, "--no-locale", "--no-sync"], as_user, "initdb")
    port = _free_port()
    opts = (
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=50"
    )
    server = PgServer("127.0.0.1", port, bin_dir, data, opts, logfile, tuple(as_user))
    server.start()
    try:
        yield server
    finally:
        cmd = [*as_user, *server.ctl("-m", "fast", "-w", "stop")]
        subprocess.run(cmd, capture_output=True, timeout=120, check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A new empty database for one test; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with pg_server.admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.url(name)
    with pg_server.admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL: a SQLite file under tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'store.db').as_posix()}"
    return str(request.getfixturevalue("pg_url"))
