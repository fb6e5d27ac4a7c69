"""Every module of app/, models/ and analytics/ imports (doctests are collected only from modules with an
example, so a module without one is imported by no test of its own: a name removed by a refactor would
only show at run time)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> list[str]:
    out = []
    for pkg in ("analytics", "models", "app"):
        for info in pkgutil.walk_packages([str(ROOT / pkg)], prefix=f"{pkg}."):
            if ".migrations." in info.name or info.name.endswith("__main__"):
                continue
            out.append(info.name)
    return sorted(out)


def test_every_module_imports() -> None:
    mods = _modules()
    assert len(mods) > 200, len(mods)  # the walk found the tree
    failed = {}
    for name in mods:
        try:
            importlib.import_module(name)
        except Exception as e:  # every failure is listed at once
            failed[name] = f"{type(e).__name__}: {e}"
    assert not failed, failed
