"""Root pytest setup: the doctests of app/, analytics/ and models/ run with the tests; demo tests are slow.

Their examples are documentation that must stay true; ``pytest`` (and ``pytest app``) collects them
as pytest's ``--doctest-modules`` would, from these three folders only (not from tests/).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.doctest import DoctestModule

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent
_NP_DEFAULTS = __import__("numpy").get_printoptions()
DOCTEST_DIRS = tuple(ROOT / d for d in ("app", "analytics", "models"))
SKIP_DIRS = (ROOT / "app" / "store" / "migrations",)

#: Doctests known to be wrong, with who owns them; strict: they fail the run once they pass.
KNOWN_WRONG: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _numpy_print_options() -> Iterator[None]:
    """Each test (doctests print arrays) starts with numpy's default print options, whatever ran before."""
    import numpy as np

    saved = np.get_printoptions()
    np.set_printoptions(**_NP_DEFAULTS)
    yield
    np.set_printoptions(**saved)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect the doctests of every module of app/, analytics/ and models/ that has any (migrations aside)."""
    if file_path.suffix != ".py" or not any(file_path.is_relative_to(d) for d in DOCTEST_DIRS):
        return None
    if any(file_path.is_relative_to(d) for d in SKIP_DIRS):
        return None
    if ">>>" not in file_path.read_text(encoding="utf-8"):
        return None  # no example in it: importing it (torch, onnx, Qt…) would only slow collection
    return DoctestModule.from_parent(parent, path=file_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the demo run is ``slow``; the known-wrong doctests are expected failures."""
    for item in items:
        if "demo_db" in getattr(item, "fixturenames", ()) and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
        reason = KNOWN_WRONG.get(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
