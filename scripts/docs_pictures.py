#!/usr/bin/env python3
"""Regenerate every picture under docs/ from the current app, so the documentation never goes stale.

    .venv/bin/python scripts/docs_pictures.py                 # runs the demo first (~2 min)
    .venv/bin/python scripts/docs_pictures.py --demo DIR      # reuse a `storesight demo --out DIR`
    .venv/bin/python scripts/docs_pictures.py --month DIR     # also a simulated 4-week store's screens in DIR

Writes ``docs/heatmap.png`` and ``docs/paths.png`` (``storesight heatmap`` on the demo) and
``docs/screenshots/*.png`` (``storesight gui --screenshot`` on the demo, and again with
``--scale 2`` for the HiDPI shots: the screens of :data:`app.gui.screenshots.SCREENS`). With
``--month``, a simulated store of 28 days (:mod:`app.engine.store_replay`) is written to
``DIR/month.db`` and its dashboard, heatmap, events and report are rendered into ``DIR`` for a
look at long periods (not committed).
tests/test_docs_pictures.py checks the committed list against the code.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: The pictures directly under docs/ this script writes.
DOC_PICTURES = ("heatmap.png", "paths.png")


def storesight(*args: str) -> None:
    """Run a ``storesight`` command of this checkout (not the installed one); stop on failure."""
    cmd = [sys.executable, "-m", "app.cli.main", *args]
    print("+ storesight", " ".join(args), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})


def docs_pictures(demo: Path) -> None:
    """docs/heatmap.png, docs/paths.png and docs/screenshots/ from a demo output folder."""
    db = f"sqlite:///{demo / 'storesight.db'}"
    storesight("heatmap", "--db", db, "--camera", "walkway", "--png", str(DOCS / "heatmap.png"),
               "--paths", str(DOCS / "paths.png"))  # fmt: skip
    shots = DOCS / "screenshots"
    for old in shots.glob("*.png"):
        old.unlink()
    config = str(ROOT / "resources/demo/site.yaml")
    storesight("gui", "--screenshot", str(shots), "--db", db, "--config", config)
    # the HiDPI shots (Qt's scale is fixed when the application starts: a run of its own)
    storesight("gui", "--screenshot", str(shots), "--db", db, "--config", config, "--scale", "2")


def month_pictures(out: Path) -> None:
    """A simulated 4-week store: its database, screens, heatmap and report in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    db_file = out / "month.db"
    if not db_file.exists():
        sys.path.insert(0, str(ROOT))
        from app.engine.store_replay import write_store_simulation
        from app.store.db import open_store

        store = open_store(f"sqlite:///{db_file}")
        write_store_simulation(store, days=28, seed=5)
        store.close()
    db = f"sqlite:///{db_file}"
    storesight("stats", "--db", db, "--from", "2026-12-07", "--to", "2026-12-13")
    storesight("heatmap", "--db", db, "--camera", "floor", "--from", "2026-12-07", "--to", "2026-12-13",
               "--png", str(out / "month-heatmap.png"), "--paths", str(out / "month-paths.png"))  # fmt: skip
    storesight("report", "--db", db, "--from", "2026-12-07", "--to", "2026-12-13", "--xlsx",
               str(out / "month-report.xlsx"))  # fmt: skip
    storesight("gui", "--screenshot", str(out / "screens"), "--db", db)


def main() -> int:
    """Parse the options and write the pictures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--demo", type=Path, help="an existing `storesight demo` output folder (else run the demo)"
    )
    p.add_argument("--month", type=Path, help="also render a simulated 4-week store into this folder")
    p.add_argument("--no-docs", action="store_true", help="skip docs/ (with --month: only the month)")
    args = p.parse_args()
    if not args.no_docs:
        if args.demo is not None:
            docs_pictures(args.demo)
        else:
            with tempfile.TemporaryDirectory(prefix="storesight-docs-") as tmp:
                storesight("demo", "--out", str(Path(tmp) / "demo"), "--no-progress")
                docs_pictures(Path(tmp) / "demo")
    if args.month is not None:
        month_pictures(args.month)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
