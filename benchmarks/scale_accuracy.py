"""Accuracy of the capacity settings: float vs INT8 NanoDet, with and without motion gating / detect_fps.

Each variant analyses the whole demo video (``storesight analyze`` with the demo config and one
setting changed, ``--mot``), then scores the tracks against the hand-labelled ground truth
(``storesight eval-tracking --truth tests/data/tracking/vtest_gt.txt``) and reads the counts back
(``storesight stats --json``: entrance in/out, visits). Every variant runs in its own process.

Usage:
    python benchmarks/scale_accuracy.py [--variants float,int8,int8+gating,int8+5fps]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo" / "site.yaml"
TRUTH = ROOT / "tests" / "data" / "tracking" / "vtest_gt.txt"

VARIANTS: dict[str, dict[str, object]] = {
    "float": {},
    "int8": {"precision": "int8"},
    "float+gating": {"motion_gating": True},
    "int8+gating": {"precision": "int8", "motion_gating": True},
    "int8+5fps": {"precision": "int8", "detect_fps": 5.0},
    "int8+5fps+gating": {"precision": "int8", "detect_fps": 5.0, "motion_gating": True},
    "float+5fps": {"detect_fps": 5.0},
    "float+stride2": {"stride": 2},
    "int8+stride2": {"precision": "int8", "stride": 2},
}


def _cli(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "app.cli.main", *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise SystemExit(
            f"storesight {' '.join(args)} failed ({out.returncode}): {out.stderr.strip()[-400:]}"
        )
    return out.stdout


def _config(tmp: Path, change: dict[str, object]) -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    if "precision" in change:
        data["detector"]["precision"] = change["precision"]
    for cam in data["cameras"]:
        cam["source"] = str(DEMO.parent / cam["source"])
        for key in ("motion_gating", "detect_fps", "stride"):
            if key in change:
                cam[key] = change[key]
    path = tmp / "site.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def run_variant(name: str) -> dict[str, object]:
    """Analyse, score and count one variant."""
    with tempfile.TemporaryDirectory(prefix=f"scale-acc-{name.replace('+', '-')}-") as t:
        tmp = Path(t)
        cfg = _config(tmp, VARIANTS[name])
        db = f"sqlite:///{tmp / 'acc.db'}"
        t0 = time.perf_counter()
        out = _cli("analyze", "walkway", "--config", str(cfg), "--db", db, "--out", str(tmp),
                   "--mot", str(tmp / "run.mot"), "--no-progress")  # fmt: skip
        wall = time.perf_counter() - t0
        ev = _cli("eval-tracking", "--mot", str(tmp / "run.mot"), "--truth", str(TRUTH))
        stats = json.loads(_cli("stats", "--db", db, "--json", "--role", "all"))
    m = {k: float(v) for k, v in re.findall(r"(IDF1|MOTA|ID switches|fragments)\D*?([\d.]+)", ev)}
    gated = re.search(r"(\d+) skipped by motion gating", out)
    return {"variant": name, "wall_s": round(wall, 1), "eval": m, "eval_text": ev.strip(), "stats": stats,
            "analyze": out.strip().splitlines()[-6:], "gated": gated.group(1) if gated else ""}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the variants, print one block per variant and a summary table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="float,int8,float+gating,int8+gating,int8+5fps,int8+5fps+gating")
    args = ap.parse_args(argv)
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [n for n in names if n not in VARIANTS]
    if bad:
        print(f"unknown variant(s): {', '.join(bad)} (known: {', '.join(VARIANTS)})", file=sys.stderr)
        return 2
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    rows = []
    for n in names:
        r = run_variant(n)
        rows.append(r)
        print(f"--- {n} ({r['wall_s']} s)")
        print(r["eval_text"])
        print("analyze:", " | ".join(r["analyze"]))
        print("stats:", json.dumps(r["stats"])[:600])
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
