"""Choose the plate OCR's test-time views (``models.plates.ocr.VIEWS``) on a *training-style* set.

Never on the held-out sets: the plates here are ``Style.train()`` (training fonts and
distortions) drawn with a seed that no training, validation, calibration or held-out set uses
(default 5151). Every plate is read as rectified; a doubtful read (:func:`models.plates.ocr.doubtful`)
is combined with the chosen views by :func:`analytics.plates.decode_views`, exactly as
``PlateOCR.read_views`` does. Greedy forward selection: start from the plate as rectified, add the
candidate view that most raises exact matches, until ``--views`` views; then one pass that tries
swapping each chosen view for each candidate. Prints the current ``VIEWS`` and the chosen ones
side by side on this set; measure the choice on the held-out sets with
``benchmarks/plates_ocr_eval.py`` afterwards.

Usage: PYTHONPATH=. python benchmarks/plates_views_select.py [--n 4000] [--seed 5151] [--views 5] [--weights DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import models.plates.ocr as ocr_mod
from analytics.plates import decode, decode_views
from models.plates.ocr import MODEL_FILES, VIEWS, PlateOCR, doubtful
from models.plates.synth import Style, find_fonts, make_sample

IDENTITY = (1.0, 1.0, 0.0, 0.0)
#: Candidate views (x scale, y scale, x shift, y shift), as in ``VIEWS``.
CANDIDATES: tuple[tuple[float, float, float, float], ...] = tuple(
    dict.fromkeys(
        [
            *VIEWS[1:],
            (1.06, 1.08, 0.0, 0.0),
            (0.94, 0.92, 0.0, 0.0),
            (1.03, 1.0, 0.0, 0.0),
            (0.97, 1.0, 0.0, 0.0),
            (1.0, 1.04, 0.0, 0.0),
            (1.0, 0.96, 0.0, 0.0),
            (1.0, 1.08, 0.0, 0.0),
            (1.0, 0.92, 0.0, 0.0),
            (1.0, 1.0, 0.006, 0.0),
            (1.0, 1.0, -0.006, 0.0),
            (1.0, 1.0, 0.024, 0.0),
            (1.0, 1.0, -0.024, 0.0),
            (1.0, 1.0, 0.0, 0.02),
            (1.0, 1.0, 0.0, -0.02),
            (1.0, 1.0, 0.0, 0.04),
            (1.0, 1.0, 0.0, -0.04),
            (0.97, 0.96, 0.012, 0.0),
            (0.97, 0.96, -0.012, 0.0),
            (1.03, 1.04, 0.012, 0.0),
            (1.03, 1.04, -0.012, 0.0),
        ]
    )
)


def main() -> None:
    """Draw the set, read every candidate view once, select greedily, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=5151, help="a seed no training/validation/held-out set uses")
    ap.add_argument("--views", type=int, default=len(VIEWS))
    ap.add_argument("--weights", type=Path, help="folder with plate_ocr_int8.onnx (default: the shipped one)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    t0 = time.time()
    style = Style.train()
    fonts = find_fonts(style.fonts)
    rng = np.random.default_rng(args.seed)
    samples = [make_sample(rng, style, fonts) for _ in range(args.n)]
    print(f"training-style set: {len(samples)} plates, seed {args.seed}, {time.time() - t0:.0f} s to draw", flush=True)
    truths = [s.text for s in samples]
    rows = [s.rows for s in samples]
    ocr = PlateOCR(
        "int8", threads=args.threads, path=args.weights / MODEL_FILES["int8"] if args.weights else None
    )
    lines0 = np.stack([s.line for s in samples])
    p0 = np.concatenate([ocr.probs(lines0[i : i + 512]) for i in range(0, len(lines0), 512)])
    first = [decode(p, rows=r) for p, r in zip(p0, rows, strict=True)]
    again = [i for i, f in enumerate(first) if doubtful(f)]
    base_right = sum(first[i].text == truths[i] for i in range(len(samples)) if i not in set(again))
    print(f"single read exact {np.mean([f.text == t for f, t in zip(first, truths, strict=True)]):.2%}; "
          f"doubtful {len(again)} ({len(again) / len(samples):.1%})", flush=True)
    # Probabilities of every candidate view for the doubtful plates only (the others never use them).
    cand_probs: dict[tuple, np.ndarray] = {}
    saved = ocr_mod.VIEWS
    for c in CANDIDATES:
        ocr_mod.VIEWS = (IDENTITY, c)
        lines = np.stack([ocr_mod.view_lines(samples[i].crop, rows[i], 2, skip_first=True)[0] for i in again])
        cand_probs[c] = np.concatenate([ocr.probs(lines[i : i + 512]) for i in range(0, len(lines), 512)])
    ocr_mod.VIEWS = saved
    print(f"{len(CANDIDATES)} candidate views read, {time.time() - t0:.0f} s", flush=True)

    def exact(chosen: list[tuple]) -> int:
        right = base_right
        for k, i in enumerate(again):
            p = np.concatenate([p0[i][None], *(cand_probs[c][k][None] for c in chosen)])
            right += decode_views(p, rows=rows[i], first=first[i]).text == truths[i]
        return right

    chosen: list[tuple] = []
    while len(chosen) < args.views - 1:
        scores = {c: exact([*chosen, c]) for c in CANDIDATES if c not in chosen}
        best = max(scores, key=scores.get)
        chosen.append(best)
        print(f"  + {best}: {scores[best] / len(samples):.2%}", flush=True)
    improved = True
    while improved:
        improved = False
        cur = exact(chosen)
        for j in range(len(chosen)):
            for c in CANDIDATES:
                if c in chosen:
                    continue
                trial = [*chosen[:j], c, *chosen[j + 1 :]]
                s = exact(trial)
                if s > cur:
                    print(f"  swap {chosen[j]} -> {c}: {s / len(samples):.2%}", flush=True)
                    chosen, cur, improved = trial, s, True
    cur_views = exact(list(VIEWS[1 : args.views]))
    new = exact(chosen)
    load = os.getloadavg()
    print(f"\ntraining-style set n={len(samples)} seed {args.seed}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| views | exact (INT8 + grammar + views for doubtful reads) |")
    print("| --- | --- |")
    print(f"| single read | {np.mean([f.text == t for f, t in zip(first, truths, strict=True)]):.2%} |")
    print(f"| current VIEWS {list(VIEWS[: args.views])} | {cur_views / len(samples):.2%} |")
    print(f"| chosen {[IDENTITY, *chosen]} | {new / len(samples):.2%} |")


if __name__ == "__main__":
    main()
