"""Imports point one way: app → models → analytics; no Qt/SQLAlchemy below app/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: 2 kept, 0 broken" in r.stdout


FORBIDDEN = {
    "analytics": (
        "app",
        "models",
        "PySide6",
        "pyqtgraph",
        "sqlalchemy",
        "alembic",
        "onnxruntime",
        "torch",
        "ultralytics",
    ),
    "models": ("app", "PySide6", "pyqtgraph", "sqlalchemy", "alembic"),
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_forbidden_imports_even_lazy_ones(package: str) -> None:
    """import-linter sees module-level imports; this also catches imports inside functions."""
    bad = []
    for path in (ROOT / package).rglob("*.py"):
        if "convert" in path.parts:
            continue  # development-time conversion scripts, not part of the package at run time
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for n in names:
                if n.split(".")[0] in FORBIDDEN[package]:
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {n}")
    assert not bad, "\n".join(bad)
