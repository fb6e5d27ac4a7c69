"""Start-up time of the window: the bundled program against the venv (wall clock, offscreen).

Each run starts ``storesight gui --db DB`` with ``STORESIGHT_QUIT_WHEN_SHOWN=1`` (the window quits
once shown and its event loop ran) and measures the process's wall time; the first run of each
warms the disk cache and is reported apart. Prints a table with ``uptime`` (a shared machine is
noisy).

    python benchmarks/startup_time.py --db storesight-demo/storesight.db [--bundle dist/cpu/storesight/storesight] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _time(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.monotonic()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    dt = time.monotonic() - t0
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr[-500:]}")
    return dt


def main() -> int:
    """Run the comparison and print the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="a database to open (e.g. the demo's)")
    p.add_argument("--bundle", default=str(ROOT / "dist" / "cpu" / "storesight" / "storesight"))
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", STORESIGHT_QUIT_WHEN_SHOWN="1")
    env["PYTHONPATH"] = str(ROOT)
    commands = {
        "venv (python -m app.cli.main)": [sys.executable, "-m", "app.cli.main"],
        "bundle (PyInstaller one-folder)": [args.bundle],
    }
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print("| program | first start (s) | next starts, median (s) | min (s) |")
    print("| --- | --- | --- | --- |")
    for name, base in commands.items():
        for what in (["--version"], ["gui", "--db", args.db]):
            times = [_time([*base, *what], env) for _ in range(args.runs + 1)]
            rest = times[1:]
            print(
                f"| {name} `{' '.join(what[:1])}` | {times[0]:.2f} | {statistics.median(rest):.2f} | {min(rest):.2f} |"
            )
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
