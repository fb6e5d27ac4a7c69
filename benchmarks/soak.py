"""Memory soak: N live cameras through the engine for M minutes, RSS sampled every S seconds.

The issue's check is 4 cameras for 30 minutes with memory flat; ``--minutes`` makes a short run
possible. Prints ``uptime``, one line per sample (elapsed, RSS MB, frames so far, events written),
then the RSS at 25 % of the run and at the end, their difference, the slope of a straight line
fitted through the second half of the samples (MB per hour), and RSS per camera
(``(RSS - RSS with the detector loaded and no camera) / N``).

Usage:
    python benchmarks/soak.py [--cameras 4] [--minutes 30] [--every 30] [--fps 5] [--precision int8]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print its samples and summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cameras", type=int, default=4)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--every", type=float, default=30.0)
    ap.add_argument("--fps", type=float, default=5.0)
    ap.add_argument("--precision", choices=["float", "int8"], default="int8")
    args = ap.parse_args(argv)

    from app.cli.bench_cameras import bench_cameras_site
    from app.cli.commands import demo_config_path
    from app.config import load_config
    from app.engine.engine import Engine
    from app.engine.runner import choose_detector

    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    ns = argparse.Namespace(
        cameras=args.cameras, fps=args.fps, detect_fps=None, motion_gating=True, source=None,
        precision=args.precision, resolution=None,
    )  # fmt: skip
    site = bench_cameras_site(load_config(demo_config_path()), ns)
    site = site.model_copy(
        update={"detector": site.detector.model_copy(update={"precision": args.precision})}
    )
    choice = choose_detector(site, site.cameras)
    from app.engine.pipeline import tracker_settings
    from models.tracking import Tracker

    Tracker(tracker_settings(site), rate=args.fps)  # the tracker's libraries (PyTorch) count in the base too
    base = _rss_mb()
    print(f"detector and tracker loaded, no camera: RSS {base:.0f} MB ({choice.backend.description})")
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="storesight-soak-") as tmp:
        engine = Engine(site, db_url=f"sqlite:///{Path(tmp) / 's.db'}", data_dir=Path(tmp), detector=choice)
        engine.start()
        t0 = time.monotonic()
        try:
            end = t0 + args.minutes * 60
            while time.monotonic() < end and not stop.wait(min(args.every, max(0.0, end - time.monotonic()))):
                el = time.monotonic() - t0
                rss = _rss_mb()
                snaps = engine.snapshots().values()
                st = engine.writer_stats()
                frames = sum(s.frames for s in snaps)
                samples.append((el, rss))
                print(f"{el / 60:6.1f} min  RSS {rss:7.1f} MB  per camera {(rss - base) / args.cameras:6.1f} MB  "
                      f"frames {frames:7d}  events {st.events if st else 0:7d}", flush=True)  # fmt: skip
        except KeyboardInterrupt:
            pass
        finally:
            engine.stop()
    if len(samples) < 4:
        print("too few samples for a trend")
        return 0
    t = np.array([s[0] for s in samples]) / 3600
    r = np.array([s[1] for s in samples])
    q = len(r) // 4
    half = len(r) // 2
    slope = float(np.polyfit(t[half:], r[half:], 1)[0]) if len(r) - half >= 2 else float("nan")
    print(f"RSS at 25 %: {r[q]:.0f} MB, at the end: {r[-1]:.0f} MB ({r[-1] - r[q]:+.0f} MB); "
          f"second half slope {slope:+.1f} MB/hour")  # fmt: skip
    print(f"RSS per camera: {(r[-1] - base) / args.cameras:.0f} MB ({args.cameras} cameras)")
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print(f"{os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
