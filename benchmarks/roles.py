"""Staff/customer roles: classifier training and inference on CPU, and the role stage's cost per frame.

Crops are real people of the demo video (tests/models/data/vtest_people.csv, labelled by eye), each
box also cut with small random shifts and scales so a few hundred distinct crops exist.

Usage: .venv/bin/python benchmarks/roles.py [--crops 300] [--epochs 20] [--threads 1] [--people 10]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.roles import RoleResolver, RoleSettings, UniformModel  # noqa: E402
from analytics.types import Detections  # noqa: E402
from models.roles import RoleClassifier  # noqa: E402

VIDEO = ROOT / "resources" / "demo" / "vtest.avi"
PEOPLE = ROOT / "tests" / "models" / "data" / "vtest_people.csv"


def load(n: int, seed: int = 0) -> tuple[list[np.ndarray], list[int], list[int], dict[int, np.ndarray]]:
    with PEOPLE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    need = {int(r["frame"]) for r in rows}
    frames: dict[int, np.ndarray] = {}
    cap = cv2.VideoCapture(str(VIDEO))
    i = 0
    while len(frames) < len(need):
        ok, img = cap.read()
        if not ok:
            break
        if i in need:
            frames[i] = img
        i += 1
    rng = np.random.default_rng(seed)
    crops, labels, groups = [], [], []
    for k in range(n):
        r = rows[k % len(rows)]
        x, y, w, h = (float(r[c]) for c in ("x", "y", "w", "h"))
        jx, jy, s = rng.uniform(-0.08, 0.08, 3) if k >= len(rows) else (0, 0, 0)
        x1, y1 = int(x + jx * w - 0.1 * w * (1 + s)), int(y + jy * h - 0.1 * h * (1 + s))
        x2, y2 = int(x + jx * w + 1.1 * w * (1 + s)), int(y + jy * h + 1.1 * h * (1 + s))
        crops.append(frames[int(r["frame"])][max(y1, 0) : y2, max(x1, 0) : x2])
        labels.append(int(r["label"] == "staff"))
        groups.append(int(r["track"]))
    return crops, labels, groups, frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--crops", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--people", type=int, default=10, help="people per frame for the role stage cost")
    args = ap.parse_args()
    crops, labels, groups, frames = load(args.crops)
    print(f"crops: {len(crops)} ({sum(labels)} staff) of {len(set(groups))} tracks; {args.epochs} epochs; "
          f"{args.threads} thread(s)")  # fmt: skip
    # warm-up: the first training pays one-off costs
    RoleClassifier.train(crops[:40], labels[:40], epochs=1, threads=args.threads)
    print(f"{'step':<34} {'seconds':>8}")
    t0 = time.perf_counter()
    clf, rep = RoleClassifier.train(crops, labels, epochs=args.epochs, threads=args.threads)
    print(f"{'train (no held-out run)':<34} {time.perf_counter() - t0:>8.2f}")
    t0 = time.perf_counter()
    clf, rep = RoleClassifier.train(crops, labels, groups=groups, epochs=args.epochs, threads=args.threads)
    print(f"{'train + held-out run (roles train)':<34} {time.perf_counter() - t0:>8.2f}")
    print(f"  train accuracy {rep.train_accuracy:.3f}, held-out tracks accuracy {rep.val_accuracy}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = clf.save(Path(tmp) / "site.pt")
        t1 = time.perf_counter()
        again = RoleClassifier.load(path)
        t2 = time.perf_counter()
        size = path.stat().st_size
    print(f"{'save':<34} {t1 - t0:>8.3f}")
    print(f"{'load':<34} {t2 - t1:>8.3f}   ({size / 1024:.0f} KiB)")
    for batch in (1, 8, 32):
        again.predict(crops[:batch])
        t0 = time.perf_counter()
        reps = 30
        for _ in range(reps):
            again.predict(crops[:batch])
        dt = (time.perf_counter() - t0) / reps
        print(f"{'predict, batch of ' + str(batch):<34} {dt:>8.4f}   ({dt / batch * 1000:.2f} ms a crop)")
    # the role stage's per-frame cost: uniform sampling of N people on the demo's frames
    model = UniformModel.from_crops([c for c, lab in zip(crops, labels, strict=True) if lab][:4])
    images = list(frames.values())
    rng = np.random.default_rng(1)
    res = RoleResolver(RoleSettings(sample_interval=0.5), uniform=model)
    n, total = 300, 0.0
    for i in range(n):
        xs = rng.uniform(0, 700, args.people)
        ys = rng.uniform(100, 450, args.people)
        d = Detections(xyxy=np.column_stack([xs, ys, xs + 40, ys + 100]), confidence=np.full(args.people, 0.9),
                       class_id=np.zeros(args.people), tracker_id=np.arange(args.people))  # fmt: skip
        t0 = time.perf_counter()
        res.update(d, i / 10.0, image=images[i % len(images)])
        total += time.perf_counter() - t0
    print(f"role resolver, {args.people} people at 10 fps (uniform cue): {total / n * 1000:.3f} ms/frame")


if __name__ == "__main__":
    main()
