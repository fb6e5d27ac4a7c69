"""GUI test fixtures: one database made by ``storesight demo`` for the whole session."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli.main import main


@dataclass(frozen=True)
class DemoDb:
    """The demo's output folder and its database URL."""

    folder: Path
    url: str


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> DemoDb:
    """``storesight demo`` run once (about a minute on two CPU cores).

    ``STORESIGHT_TEST_DEMO_DIR`` may name the output folder of an earlier ``storesight demo`` to
    reuse (the tests only read it); by default a fresh one is made.
    """
    given = os.environ.get("STORESIGHT_TEST_DEMO_DIR")
    if given and (Path(given) / "storesight.db").is_file():
        return DemoDb(Path(given), f"sqlite:///{Path(given) / 'storesight.db'}")
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--no-progress"]) == 0
    return DemoDb(out, f"sqlite:///{out / 'storesight.db'}")
