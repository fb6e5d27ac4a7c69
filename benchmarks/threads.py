"""Both detectors x 1 and 2 CPU threads, through the whole pipeline, on the same machine in one run.

Each configuration runs ``storesight bench`` in its own process (PyTorch's thread settings are
process-wide), on the demo video, exactly ``--frames`` frames; the threads column is read back from
the library after the last frame, not taken from the request. Rounds are repeated and interleaved
(every configuration once per round), each round printed with the load average at its start, so a
busy moment on a shared machine shows instead of skewing one configuration.

The ``yolo, OMP spin`` row runs YOLO on 2 threads with libgomp's default wait policy (torch imported
before StoreSight sets ``OMP_WAIT_POLICY=PASSIVE``), to show what idle OpenMP workers spinning cost.

Run: ``.venv/bin/python benchmarks/threads.py [--frames 200] [--rounds 3]``; YOLO is built from
``yolo11n.yaml`` (random weights: right for speed, meaningless for accuracy), at 640 px.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT / "resources" / "demo" / "vtest.avi"


@dataclass(frozen=True)
class Config:
    """One row: a detector, a thread count, and libgomp's wait policy for YOLO."""

    backend: str
    threads: int
    omp_spin: bool = False

    @property
    def label(self) -> str:
        name = "NanoDet (built-in, 416)" if self.backend == "nanodet" else "YOLO11n yaml (640)"
        return name + (", OMP spin" if self.omp_spin else "")


CONFIGS = [
    Config("nanodet", 1),
    Config("nanodet", 2),
    Config("yolo", 1),
    Config("yolo", 2),
    Config("yolo", 2, omp_spin=True),
]


def run_one(cfg: Config, frames: int, video: Path) -> dict:
    """One ``storesight bench`` in a fresh process; its JSON report."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        argv = [str(video), "--frames", str(frames), "--threads", str(cfg.threads), "--json", str(out)]
        argv += ["--backend", cfg.backend]
        if cfg.backend == "yolo":
            argv += ["--yolo-model", "yolo11n.yaml"]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "YOLO_OFFLINE": "1"}
        env.pop("OMP_WAIT_POLICY", None)
        # libgomp reads OMP_WAIT_POLICY once, when torch loads: importing torch first keeps its default.
        pre = "import torch; " if cfg.omp_spin else ""
        code = f"{pre}from app.cli.main import main; raise SystemExit(main(['bench', *{argv!r}]))"
        res = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if res.returncode != 0:
            raise SystemExit(f"bench failed for {cfg}: {res.stderr.strip()[-2000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def table(rows: list[tuple[Config, dict]]) -> str:
    """A Markdown table of one round."""
    lines = [
        "| detector | threads asked | threads read back | warm-up ms | detect ms/frame | first frame detect ms "
        "| end-to-end fps | frames |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for cfg, rep in rows:
        det = rep["backends"][0]
        lines.append(
            f"| {cfg.label} | {cfg.threads} | {det['threads']} | {det['warmup_ms']:.0f} | "
            f"{rep['stages']['detect']['ms_per_frame']:.1f} | {rep['stages']['detect']['first_ms']:.0f} | "
            f"{rep['fps']:.2f} | {rep['frames']} |"
        )
    return "\n".join(lines)


def uptime() -> str:
    """The ``uptime`` line."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main() -> int:
    """Run the rounds and print one table per round, with the load."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=200, help="frames per run (default 200)")
    ap.add_argument(
        "--spin-frames",
        type=int,
        default=40,
        help="frames for the OMP spin row (slow on a busy box; default 40)",
    )
    ap.add_argument("--rounds", type=int, default=3, help="rounds of every configuration (default 3)")
    ap.add_argument("--video", type=Path, default=VIDEO)
    ap.add_argument("--json", type=Path, help="also write every report to this file")
    args = ap.parse_args()
    print(
        f"CPU cores available to this process: {len(os.sched_getaffinity(0))}; frames per run: {args.frames}"
    )
    everything = []
    for r in range(1, args.rounds + 1):
        start = uptime()
        rows = [(c, run_one(c, args.spin_frames if c.omp_spin else args.frames, args.video)) for c in CONFIGS]
        loads = [rep["load_avg"][0] for _, rep in rows]
        print(f"\n## round {r}\nstart: {start}\nend:   {uptime()}")
        print(f"1-min load average after each run: {', '.join(f'{x:.2f}' for x in loads)}\n")
        print(table(rows), flush=True)
        everything.append(
            {"round": r, "start": start, "rows": [{"config": c.label, **rep} for c, rep in rows]}
        )
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
