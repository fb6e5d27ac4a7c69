"""One ``storesight demo`` run shared by every test of the session (about 95 s on two CPU cores).

The CLI, report and GUI tests all read the same demo output; before, four of them ran the demo
themselves. Tests only *read* the shared folder; a test that changes the database or writes into
the folder takes its own copy with :meth:`DemoRun.copy_to`. At the end of the session the shared
folder is checked against what the demo left there, so a test that wrote into it fails loudly.

``STORESIGHT_TEST_DEMO_DIR`` may name the output folder of an earlier ``storesight demo`` to
reuse; the run's exit code and printed output are unknown then (:attr:`DemoRun.stdout` is None).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from app.cli.main import main

DB_NAME = "storesight.db"
#: Tables whose row counts must not change while tests read the shared demo database.
WATCHED_TABLES = ("analysis_runs", "cameras", "zones", "tracks", "events", "event_photos")


@dataclass(frozen=True)
class DemoRun:
    """The demo's output folder, its database URL and what ``storesight demo`` returned and printed.

    Attributes:
        folder: the output folder (database, crops, backgrounds, ``tracks.mot.csv``).
        url: SQLAlchemy URL of its database.
        code: the command's exit code (None when reused from ``STORESIGHT_TEST_DEMO_DIR``).
        stdout: what it printed (None when reused).
        stderr: what it printed on stderr (None when reused).
    """

    folder: Path
    url: str
    code: int | None = None
    stdout: str | None = None
    stderr: str | None = None

    def copy_to(self, dest: Path) -> DemoRun:
        """A private copy of the folder at ``dest`` for a test that writes (same code and output)."""
        shutil.copytree(self.folder, dest)
        return replace(self, folder=dest, url=f"sqlite:///{dest / DB_NAME}")


def _footprint(folder: Path) -> tuple[dict[str, int], dict[str, int]]:
    """(size of every file but the database's own files, row count of the watched tables)."""
    files = {
        str(p.relative_to(folder)): p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(DB_NAME)
    }
    con = sqlite3.connect(f"file:{folder / DB_NAME}?mode=ro", uri=True)
    try:
        rows = {t: int(con.execute(f"select count(*) from {t}").fetchone()[0]) for t in WATCHED_TABLES}
    finally:
        con.close()
    return files, rows


def _run_demo(out: Path) -> DemoRun:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["demo", "--out", str(out), "--no-progress"])
    return DemoRun(out, f"sqlite:///{out / DB_NAME}", code, stdout.getvalue(), stderr.getvalue())


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """``storesight demo`` run once for the whole session (read only: see :meth:`DemoRun.copy_to`)."""
    given = os.environ.get("STORESIGHT_TEST_DEMO_DIR")
    if given and (Path(given) / DB_NAME).is_file():
        run = DemoRun(Path(given), f"sqlite:///{Path(given) / DB_NAME}")
    else:
        run = _run_demo(tmp_path_factory.mktemp("demo"))
        assert run.code == 0, f"storesight demo failed ({run.code}):\n{run.stderr}"
    before = _footprint(run.folder)
    yield run
    (files, rows), (files_before, rows_before) = _footprint(run.folder), before
    changed = sorted(set(files.items()) ^ set(files_before.items()))
    changed += sorted((t, rows_before[t], n) for t, n in rows.items() if n != rows_before[t])
    assert not changed, (
        f"a test changed the shared demo folder or database ({changed[:5]}); tests that write must "
        "use demo_db.copy_to(tmp_path / 'demo')"
    )
