"""Per-frame cost of the pure analytics (lines, zones, visits, heatmap) on simulated walkers.

Usage: .venv/bin/python benchmarks/analytics_per_frame.py [--tracks 10] [--frames 3000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.heatmap import Heatmap, TimeAccumulator
from analytics.lines import LineCounter
from analytics.tracks import anchor_points
from analytics.types import Detections
from analytics.visits import VisitTracker
from analytics.zones import ZoneTracker


def simulate(n: int, frames: int, width: int, height: int, seed: int = 0) -> list[Detections]:
    rng = np.random.default_rng(seed)
    pos = rng.uniform([0, 0], [width, height], size=(n, 2))
    vel = rng.normal(0, 8, size=(n, 2))
    ids = np.arange(n)
    out: list[Detections] = []
    for _ in range(frames):
        pos += vel + rng.normal(0, 2, size=(n, 2))
        gone = (pos[:, 0] < 0) | (pos[:, 0] > width) | (pos[:, 1] < 50) | (pos[:, 1] > height)
        pos[gone] = rng.uniform([0, 50], [width, height], size=(int(gone.sum()), 2))
        vel[gone] = rng.normal(0, 8, size=(int(gone.sum()), 2))
        ids = ids + np.where(gone, 1000, 0)
        xyxy = np.column_stack([pos[:, 0] - 30, pos[:, 1] - 150, pos[:, 0] + 30, pos[:, 1]])
        out.append(
            Detections(xyxy=xyxy, confidence=np.full(n, 0.9), class_id=np.zeros(n), tracker_id=ids.copy())
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracks", type=int, default=10)
    ap.add_argument("--frames", type=int, default=3000)
    args = ap.parse_args()
    w, h = 1920, 1080
    zones = {
        f"z{k}": [
            (100 + 350 * k, 100),
            (400 + 350 * k, 120),
            (420 + 350 * k, 600),
            (250 + 350 * k, 500),
            (120 + 350 * k, 650),
        ]
        for k in range(5)
    }
    line = LineCounter("door", (200, 540), (1700, 540), min_distance=10, min_frames=2)
    zt = ZoneTracker(zones, min_frames=3)
    vt = VisitTracker(entrance_line="door")
    hm = Heatmap(w, h, cell=16)
    clock = TimeAccumulator()
    frames = simulate(args.tracks, args.frames, w, h)
    cost = {"line": 0.0, "zones": 0.0, "visits": 0.0, "heatmap": 0.0}
    for i, d in enumerate(frames):
        ts = i / 10
        t0 = time.perf_counter()
        cr = line.update(d, ts)
        t1 = time.perf_counter()
        ze = zt.update(d, ts)
        t2 = time.perf_counter()
        vt.update(d, ts, crossings=cr, zone_events=ze)
        t3 = time.perf_counter()
        hm.add(anchor_points(d), clock.dt(d.tracker_id, ts))
        t4 = time.perf_counter()
        cost["line"] += t1 - t0
        cost["zones"] += t2 - t1
        cost["visits"] += t3 - t2
        cost["heatmap"] += t4 - t3
    n = len(frames)
    print(f"tracks per frame: {args.tracks}, frames: {n}, 1 line, 5 zones, 1920x1080")
    for k, v in cost.items():
        print(f"{k:<8} {v / n * 1e6:8.1f} µs/frame")
    print(f"total    {sum(cost.values()) / n * 1e3:8.3f} ms/frame")


if __name__ == "__main__":
    main()
