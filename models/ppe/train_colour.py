"""Fit the built-in PPE colour classifier (``models/weights/ppe/colour.json``) on the tuning renders.

Reproduces the bundled weights::

    PYTHONPATH=. python -m models.ppe.train_colour --seed 1

People of the demo video's tuning frames (< 400) are rendered with vests, helmets and hard
negatives (:mod:`models.ppe.synth`, seed ``--seed``); their pose is estimated again on the renders
(MoveNet, as in use), the head and torso regions placed from it, and one logistic regression per
item fitted on :mod:`models.ppe.colour`'s features. The held-out scores are ``storesight bench
--ppe``'s (another seed, other people).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from analytics.ppe import ppe_regions
from models.ppe.colour import DEFAULT_WEIGHTS, ColourModel, Logistic, crop, helmet_features, vest_features
from models.ppe.synth import DEMO_VIDEO, SPLIT_FRAMES, collect_people, make_set


def features(samples, keypoints) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Helmet and vest feature rows and labels of the samples whose regions are big enough."""
    hx, hy, vx, vy = [], [], [], []
    for s, kp in zip(samples, keypoints, strict=True):
        r = ppe_regions(s.box, kp)
        head, torso = crop(s.image, r.head), crop(s.image, r.torso)
        if head is not None:
            hx.append(helmet_features(head))
            hy.append(s.helmet)
        if torso is not None:
            vx.append(vest_features(torso))
            vy.append(s.vest)
    return np.array(hx), np.array(hy, float), np.array(vx), np.array(vy, float)


#: What a decision is worth when tuning the thresholds: a right one +1, "unknown" 0, a wrong one
#: (a missed violation or a false one) -WRONG.
WRONG = 2.0


def tune_thresholds(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The (no_below, yes_from) pair scoring best on the training renders (right +1, wrong -WRONG)."""
    best, pair = -np.inf, (0.4, 0.6)
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
    for lo in grid:
        for hi in grid[grid >= lo]:
            yes, no = p >= hi, p < lo
            right = np.sum(yes & (y == 1)) + np.sum(no & (y == 0))
            wrong = np.sum(yes & (y == 0)) + np.sum(no & (y == 1))
            score = (right - WRONG * wrong) / len(y)
            if score > best + 1e-9:
                best, pair = score, (float(lo), float(hi))
    return pair


def main(argv: list[str] | None = None) -> int:
    """Train and write the weights; print the tuning accuracy."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--out", default=str(DEFAULT_WEIGHTS))
    args = ap.parse_args(argv)
    from models.pose import MoveNetBackend, PoseSettings
    from models.ppe.evaluate import keypoints_for

    t0 = time.perf_counter()
    people = collect_people(DEMO_VIDEO, SPLIT_FRAMES["tune"])
    samples = make_set(args.seed, "tune", people=people, copies=args.copies)
    kps = keypoints_for(samples, MoveNetBackend(PoseSettings(threads=1)))
    hx, hy, vx, vy = features(samples, kps)
    helmet, vest = Logistic.fit(hx, hy), Logistic.fit(vx, vy)
    acc_h = float(((helmet.prob(hx) >= 0.5) == hy).mean())
    acc_v = float(((vest.prob(vx) >= 0.5) == vy).mean())
    meta = {
        "trained_by": "models/ppe/train_colour.py", "seed": args.seed, "people": len(people),
        "samples": len(samples), "tune_accuracy": {"helmet": round(acc_h, 4), "vest": round(acc_v, 4)},
        "data": "demo video people (vtest.avi frames < 400) with rendered PPE; see docs/ppe.md",
    }  # fmt: skip
    thresholds = {"helmet": tune_thresholds(helmet.prob(hx), hy), "vest": tune_thresholds(vest.prob(vx), vy)}
    meta["thresholds_by"] = f"right +1, unknown 0, wrong -{WRONG:g} on the tuning renders"
    ColourModel(helmet, vest, meta=meta, thresholds=thresholds).save(args.out)
    print(f"thresholds (no below, yes from): {thresholds}")
    print(f"{len(people)} people, {len(samples)} renders; tuning accuracy helmet {acc_h:.3f} vest {acc_v:.3f}; "
          f"{time.perf_counter() - t0:.0f} s -> {args.out}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
