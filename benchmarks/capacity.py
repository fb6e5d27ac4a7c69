"""The capacity curve: ``storesight bench --cameras N`` for several N, plain and optimised.

Each run is its own process (fresh memory); plain and optimised runs of the same N alternate so
a change of the machine's load hits both. Prints ``uptime`` before and after and one table row
per run (the bench's last line, split up).

Usage:
    python benchmarks/capacity.py [--cameras 1,2,4,8,12,16] [--seconds 20] [--fps 5]
        [--optimised "--precision int8 --motion-gating"]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAST = re.compile(
    r"cameras held: (\d+) of (\d+) at ([\d.]+) fps each, p95 frame-to-event latency ([\d.na]+) s, "
    r"CPU (\d+) %, RSS (\d+) MB"
)
EST = re.compile(r"CPU time per processed frame: ([\d.]+) ms → \d+ idle cores could carry about ([\d.]+) cameras")


def run(n: int, seconds: float, fps: float, extra: list[str]) -> str:
    """One bench; its last line (or the error)."""
    cmd = [sys.executable, "-m", "app.cli.main", "bench", "--cameras", str(n), "--seconds", str(seconds),
           "--fps", str(fps), *extra]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, cwd=ROOT)
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        return f"failed ({out.returncode}): {out.stderr.strip()[-300:]}"
    est = [ln for ln in lines if ln.startswith("CPU time per processed frame")]
    return lines[-1] + (" | " + est[0] if est else "")


def main(argv: list[str] | None = None) -> int:
    """Run the curve and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cameras", default="1,2,4,8,12,16")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--fps", type=float, default=5.0)
    ap.add_argument("--optimised", default="--precision int8 --motion-gating")
    ap.add_argument("--plain", default="--precision float")
    args = ap.parse_args(argv)
    ns = [int(x) for x in args.cameras.split(",") if x.strip()]
    up = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"before: {up}")
    print(
        f"plain: {args.plain}; optimised: {args.optimised}; {args.fps:g} fps per camera, {args.seconds:g} s each"
    )
    print("| N | setting | held | p95 latency s | CPU % | RSS MB | CPU ms/frame → cameras on idle cores |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in ns:
        for name, extra in (("plain", args.plain), ("optimised", args.optimised)):
            line = run(n, args.seconds, args.fps, shlex.split(extra))
            m = LAST.search(line)
            e = EST.search(line)
            est = f"{e[1]} ms → {e[2]}" if e else ""
            if m:
                print(f"| {n} | {name} | {m[1]} of {m[2]} | {m[4]} | {m[5]} | {m[6]} | {est} |", flush=True)
            else:
                print(f"| {n} | {name} | {line} | | | | |", flush=True)
    up = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"after: {up}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
