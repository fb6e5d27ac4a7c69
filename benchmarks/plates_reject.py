"""The plate OCR's reject option: how right are the reads it does *not* mark uncertain, and how many are they.

On the held-out sets of ``benchmarks/plates_ocr_eval.py`` (standard: seed 20261205, 1 500 plates;
fresh: seed 99, 1 000 plates), INT8 OCR + grammar, read two ways: once (what the camera stage does
per frame) and with the 5-view second look for doubtful reads (what ``storesight plates read`` does).
A read is *uncertain* by the product's one definition, :func:`analytics.plates.is_uncertain`
(not a valid plate, or confidence below :data:`analytics.plates.UNCERTAIN_BELOW`).

Tables: exact match among the reads kept (not uncertain) and the coverage (share kept), overall,
one-/two-row and by plate width in the camera picture; the same over a range of thresholds (the
product of the characters' probabilities, and the smallest character probability as an
alternative rule); and plates from N px wide (where reads become reliable, for the installer's
warning). Choose the threshold on the standard set; seed 99 is the held-out check.

Usage: PYTHONPATH=. python benchmarks/plates_reject.py [--sets standard seed99] [--threshold 0.9]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.plates import UNCERTAIN_BELOW, PlateText, decode, decode_views, is_uncertain
from benchmarks.plates_ocr_eval import SEED, heldout
from models.plates.ocr import VIEWS, PlateOCR, doubtful, view_lines

SETS = {"standard": (SEED, 1500), "seed99": (99, 1000)}
THRESHOLDS = (0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
BANDS = ((0, 60, "< 60"), (60, 90, "60–90"), (90, 130, "90–130"), (130, 10_000, "≥ 130"))


def read_set(seed: int, n: int) -> tuple[dict[str, list[PlateText]], list[str], np.ndarray, np.ndarray]:
    """The set's reads (``single``, ``views``), truths, rows and plate widths (px)."""
    samples, _ = heldout(n, seed=seed)
    ocr = PlateOCR("int8", threads=2)
    lines = np.stack([s.line for s in samples])
    rows = np.array([s.rows for s in samples])
    probs = np.concatenate([ocr.probs(lines[i : i + 256]) for i in range(0, len(lines), 256)])
    single = [decode(p, rows=int(r)) for p, r in zip(probs, rows, strict=True)]
    # As PlateOCR.read_views: only a doubtful first read is read again from the views.
    vl = np.concatenate([view_lines(s.crop, s.rows, len(VIEWS)) for s in samples])
    vp = np.concatenate([ocr.probs(vl[i : i + 640]) for i in range(0, len(vl), 640)])
    vp = vp.reshape(len(samples), len(VIEWS), *vp.shape[1:])
    views = [
        decode_views(vp[i], rows=int(rows[i]), first=single[i]) if doubtful(single[i]) else single[i]
        for i in range(len(samples))
    ]
    widths = np.array([s.crop.shape[1] for s in samples])
    return {"single": single, "views": views}, [s.text for s in samples], rows, widths


def pct(x: float) -> str:
    return "—" if np.isnan(x) else f"{100 * x:.2f}%"


def kept_cells(ok: np.ndarray, kept: np.ndarray, m: np.ndarray) -> str:
    """``exact among kept (coverage, wrong kept)`` for the plates in mask ``m``."""
    k = kept & m
    acc = ok[k].mean() if k.any() else np.nan
    return f"{pct(acc)} ({pct(k.sum() / max(m.sum(), 1))}, {int((~ok[k]).sum())})"


def report(
    name: str,
    reads: dict[str, list[PlateText]],
    truths: list[str],
    rows: np.ndarray,
    widths: np.ndarray,
    t: float,
) -> None:
    ok = {k: np.array([r.text == s for r, s in zip(v, truths, strict=True)]) for k, v in reads.items()}
    kept = {
        k: np.array([not is_uncertain(r.confidence, r.format is not None, t) for r in v])
        for k, v in reads.items()
    }
    print(
        f"\n### {name}: reads not uncertain (confidence ≥ {t}, valid) — exact among kept (coverage, wrong reads kept)"
    )
    print("| plates | n | single read: exact all | single read: kept | 5 views: exact all | 5 views: kept |")
    print("| --- | --- | --- | --- | --- | --- |")
    groups: list[tuple[str, np.ndarray]] = [
        ("all", np.ones(len(rows), bool)),
        ("one-row", rows == 1),
        ("two-row", rows == 2),
    ]
    for lo, hi, label in BANDS:
        band = (widths >= lo) & (widths < hi)
        groups += [
            (f"{label} px", band),
            (f"{label} px one-row", band & (rows == 1)),
            (f"{label} px two-row", band & (rows == 2)),
        ]
    for label, m in groups:
        print(
            f"| {label} | {int(m.sum())} | {pct(ok['single'][m].mean())} | {kept_cells(ok['single'], kept['single'], m)} | "
            f"{pct(ok['views'][m].mean())} | {kept_cells(ok['views'], kept['views'], m)} |"
        )
    print(f"\n{name}: exact among kept (coverage, wrong kept) by threshold; all plates")
    print("| rule | read | " + " | ".join(f"{x:.2f}" for x in THRESHOLDS) + " |")
    print("| --- | --- |" + " --- |" * len(THRESHOLDS))
    valid = {k: np.array([r.format is not None for r in v]) for k, v in reads.items()}
    conf = {k: np.array([r.confidence for r in v]) for k, v in reads.items()}
    minc = {k: np.array([min(r.char_conf) if r.char_conf else 0.0 for r in v]) for k, v in reads.items()}
    everything = np.ones(len(rows), bool)
    for rule, score in (("confidence ≥ t", conf), ("smallest character probability ≥ t", minc)):
        for k in ("single", "views"):
            cells = [kept_cells(ok[k], valid[k] & (score[k] >= x), everything) for x in THRESHOLDS]
            print(f"| {rule} | {k} | " + " | ".join(cells) + " |")
    print(f"\n{name}: plates from N px wide (single read): exact all / exact among kept (coverage)")
    print("| from N px | plates | exact all | one-row exact all | kept (conf ≥ t) |")
    print("| --- | --- | --- | --- | --- |")
    for n_px in (60, 80, 90, 100, 110, 120, 130, 140, 160):
        m = widths >= n_px
        print(
            f"| {n_px} | {int(m.sum())} | {pct(ok['single'][m].mean())} | {pct(ok['single'][m & (rows == 1)].mean())} | "
            f"{kept_cells(ok['single'], kept['single'], m)} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", choices=sorted(SETS), default=["standard", "seed99"])
    ap.add_argument(
        "--threshold", type=float, default=UNCERTAIN_BELOW, help="confidence below which a read is uncertain"
    )
    args = ap.parse_args()
    for name in args.sets:
        seed, n = SETS[name]
        t0 = time.time()
        reads, truths, rows, widths = read_set(seed, n)
        load = os.getloadavg()
        print(
            f"\n## held-out {name} (seed {seed}, n={n}, one-row {int((rows == 1).sum())}, two-row {int((rows == 2).sum())}); "
            f"INT8 + grammar; {time.time() - t0:.0f} s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        report(name, reads, truths, rows, widths, args.threshold)


if __name__ == "__main__":
    main()
