"""Train the shelf meter's cell model (logistic regression) on generated shelves; write its JSON.

Reproduces ``models/weights/shelf/cells.json``:

    PYTHONPATH=. python scripts/train_shelf_cells.py            # seeds 100..115, ~3 min on 2 cores

Data: episodes of :mod:`app.shelves.sim` (rendered shelves, real people from the demo video)
with seeds 100 and up — the evaluation (``storesight bench --shelf``) uses seeds 1..N, so
the numbers it prints are on shelves the model never saw. A cell's label is 1 when less than
half of its width is covered by a product. Cells hidden by a person are left out. Half of
the episodes are featurised without the empty example (the panel features then neutral),
so the model also works when the user gave none. Licence: AGPL-3.0, like the code.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from app.shelves.sim import FRONT_W, make_episode
from models.shelf import CELL_W, FEATURES, WEIGHTS, ClassicalShelfMeter, ShelfGeometry


def cell_truth(ep, k: int, geo: ShelfGeometry) -> np.ndarray:
    """(R, K) 1 where a cell is mostly not covered by a present product."""
    scene = ep.scene
    k_cells = geo.width // CELL_W
    scale = FRONT_W / geo.width
    covered = np.zeros((geo.rows, FRONT_W), bool)
    for p, on in zip(scene.products, ep.present[k], strict=True):
        if on:
            covered[p.row, p.x1 : p.x2] = True
    out = np.empty((geo.rows, k_cells), np.float32)
    for j in range(k_cells):
        a, b = round(j * CELL_W * scale), round((j + 1) * CELL_W * scale)
        out[:, j] = covered[:, a:b].mean(axis=1) < 0.5
    return out


def collect(seeds: list[int], every: int) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of visible cells of every ``every``-th frame of the seeds' episodes."""
    xs, ys = [], []
    neutral = json.loads(WEIGHTS.read_text()) if WEIGHTS.exists() else None
    for s in seeds:
        ep = make_episode(s, minutes=30)
        geo = ShelfGeometry(ep.scene.corners, rows=ep.scene.rows, columns=ep.scene.columns)
        empty = ep.empty_example() if s % 2 == 0 else None
        meter = ClassicalShelfMeter(geo, ep.reference(), empty_example=empty, weights=_bootstrap(neutral))
        for k in range(0, len(ep.times), every):
            f = ep.frame(k)
            feats, cur = meter.features(f.image)
            person, _ = meter.hidden(f.image, f.true_boxes, cur)
            ok = ~person
            xs.append(feats[ok])
            ys.append(cell_truth(ep, k, geo)[ok])
        print(f"seed {s}: {sum(len(y) for y in ys)} cells so far", flush=True)
    return np.concatenate(xs), np.concatenate(ys)


def _bootstrap(existing: dict | None) -> Path:
    """A weights file the meter can load while featurising (its coefficients are not used here)."""
    tmp = Path("/tmp") / "shelf_cells_bootstrap.json"
    n = len(FEATURES)
    tmp.write_text(
        json.dumps(
            existing
            if existing and tuple(existing["features"]) == FEATURES
            else {"features": list(FEATURES), "coef": [0.0] * n, "bias": 0.0, "mean": [0.0] * n, "scale": [1.0] * n}
        )
    )
    return tmp


def fit(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-3, steps: int = 3000) -> dict:
    """Class-balanced logistic regression by full-batch gradient descent (Adam)."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mu) / sd
    w = np.zeros(z.shape[1])
    b = 0.0
    pos = y.mean()
    sw = np.where(y > 0.5, 0.5 / pos, 0.5 / (1 - pos))
    m, v = np.zeros(len(w) + 1), np.zeros(len(w) + 1)
    for t in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = sw * (p - y)
        grad = np.concatenate([z.T @ g / len(y) + l2 * w, [g.mean()]])
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        step = 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        w -= step[:-1]
        b -= step[-1]
    return {"features": list(FEATURES), "coef": w.tolist(), "bias": float(b), "mean": mu.tolist(), "scale": sd.tolist()}


def main() -> None:
    """Collect, fit, report cell accuracy on held-out seeds, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--every", type=int, default=25, help="use every N-th frame")
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    a = ap.parse_args()
    train = list(range(100, 100 + a.seeds))
    held = list(range(200, 204))
    x, y = collect(train, a.every)
    model = fit(x, y)
    xh, yh = collect(held, a.every)
    p = 1 / (1 + np.exp(-(((xh - np.array(model["mean"])) / np.array(model["scale"])) @ np.array(model["coef"]) + model["bias"])))
    acc = float(((p > 0.5) == (yh > 0.5)).mean())
    tpr = float(((p > 0.5) & (yh > 0.5)).sum() / max(1, (yh > 0.5).sum()))
    fpr = float(((p > 0.5) & (yh < 0.5)).sum() / max(1, (yh < 0.5).sum()))
    model["metric"] = {
        "held_out_seeds": held,
        "cells": len(yh),
        "accuracy": round(acc, 4),
        "empty_recall": round(tpr, 4),
        "full_false_positive_rate": round(fpr, 4),
    }
    model["data"] = f"app.shelves.sim episodes, seeds {train[0]}..{train[-1]}, every {a.every}th frame, 30 min"
    model["licence"] = "AGPL-3.0 (trained by StoreSight)"
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(model, indent=1))
    print(json.dumps(model["metric"]))


if __name__ == "__main__":
    main()
