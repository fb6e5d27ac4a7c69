"""Face verification on the real pictures in tests/data/faces: true-match and false-match rates.

Every picture's largest face is embedded once (the backend's own detector and alignment); then
every pair of pictures is compared:

* **distinct photos**: pairs of different pictures (same person: the Obama pictures; different
  people: every cross-identity pair);
* **degraded**: each picture against a copy shrunk so its face is ``--face-px`` wide (a camera
  view), JPEG quality 40 — a same-person pair per picture — and those copies against the other
  identities' originals.

For each threshold the table gives TMR (same-person pairs within the threshold) and FMR
(different-person pairs within it). Five identities, one with five pictures: the counts are tiny,
the rates are indications, not estimates.

Usage: .venv/bin/python benchmarks/faces_verify.py [--backend dlib] [--face-px 48] [--json out.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.faces import distances
from models.faces.registry import create_face_backend

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "faces"


def identity(name: str) -> str:
    """The person on a test picture (the file name without digits and suffixes)."""
    return name.split("_partial")[0].rstrip("0123456789")


def degrade(img: np.ndarray, face_w: float, target: int) -> np.ndarray:
    """The picture shrunk so the face is ``target`` px wide, JPEG quality 40, back to BGR."""
    s = min(1.0, target / max(face_w, 1.0))
    small = cv2.resize(
        img, (max(8, round(img.shape[1] * s)), max(8, round(img.shape[0] * s))), interpolation=cv2.INTER_AREA
    )
    _ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 40])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def rates(same: list[float], diff: list[float], thr: float) -> tuple[float, float]:
    """(TMR, FMR) at a threshold."""
    tmr = float(np.mean(np.asarray(same) <= thr)) if same else float("nan")
    fmr = float(np.mean(np.asarray(diff) <= thr)) if diff else float("nan")
    return tmr, fmr


def main() -> int:
    """Run the benchmark and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="dlib", choices=["auto", "dlib", "deepface"])
    ap.add_argument("--detector", default="hog", choices=["hog", "mmod"])
    ap.add_argument("--face-px", type=int, default=48, help="face width of the degraded copies (default 48)")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    choice = create_face_backend(args.backend, detector=args.detector)
    b = choice.backend
    names, embs, small_embs, missed = [], [], [], []
    t_embed = []
    for p in sorted(DATA.glob("*.jpg")):
        img = cv2.imread(str(p))
        faces = b.detect(img)
        if not faces:
            missed.append(p.name)
            continue
        t0 = time.perf_counter()
        embs.append(b.embed(img, faces[:1])[0])
        t_embed.append((time.perf_counter() - t0) * 1000)
        names.append(p.stem)
        low = degrade(img, faces[0].width, args.face_px)
        # the degraded copy's face: detected when the detector can, else the original box scaled
        lf = b.detect(low)
        if not lf:
            s = low.shape[1] / img.shape[1]
            from models.faces.base import FaceBox

            lf = [FaceBox(faces[0].box * s, 0.0)]
            missed.append(f"{p.stem} at {args.face_px}px (box given)")
        small_embs.append(b.embed(low, lf[:1])[0])
    e, es = np.asarray(embs), np.asarray(small_embs)
    d = distances(e, e, b.metric)
    ds = distances(es, e, b.metric)
    same, diff = [], []
    for i, j in itertools.combinations(range(len(names)), 2):
        (same if identity(names[i]) == identity(names[j]) else diff).append(float(d[i, j]))
    dsame = [float(ds[i, i]) for i in range(len(names))]
    # a degraded copy against the *other* pictures of the same person (a camera view vs enrolment photos)
    dcross = [
        float(ds[i, j])
        for i in range(len(names))
        for j in range(len(names))
        if i != j and identity(names[i]) == identity(names[j])
    ]
    ddiff = [
        float(ds[i, j])
        for i in range(len(names))
        for j in range(len(names))
        if identity(names[i]) != identity(names[j])
    ]
    thresholds = [0.4, 0.45, 0.5, 0.55, 0.6] if b.metric == "euclidean" else [0.3, 0.4, 0.5, 0.6, 0.68]
    load = os.getloadavg()
    print(f"backend: {choice.reason}")
    print(
        f"pictures: {len(names)} ({len({identity(n) for n in names})} identities); not detected: {missed or 'none'}"
    )
    print(
        f"embed ms per face (full picture): median {np.median(t_embed):.0f}; load average {load[0]:.1f} on {os.cpu_count()} CPUs\n"
    )
    rows = []
    print(
        f"| threshold | distinct photos TMR ({len(same)} pairs) | FMR ({len(diff)} pairs) | degraded {args.face_px} px "
        f"TMR ({len(dsame)}) | degraded vs another photo TMR ({len(dcross)}) | degraded FMR ({len(ddiff)}) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for t in thresholds:
        a, f = rates(same, diff, t)
        a2, f2 = rates(dsame, ddiff, t)
        a3, _ = rates(dcross, ddiff, t)
        mark = " (default)" if abs(t - b.threshold) < 1e-9 else ""
        print(f"| {t:g}{mark} | {a:.0%} | {f:.0%} | {a2:.0%} | {a3:.0%} | {f2:.0%} |")
        rows.append({"threshold": t, "tmr": a, "fmr": f, "tmr_degraded": a2, "tmr_degraded_cross": a3,
                     "fmr_degraded": f2})  # fmt: skip
    print(f"\nsame-person distances: max {max(same):.3f} (distinct), max {max(dsame):.3f} (degraded), "
          f"max {max(dcross):.3f} (degraded vs another photo); "
          f"different-person: min {min(diff):.3f} (distinct), min {min(ddiff):.3f} (degraded)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"backend": choice.reason, "rows": rows, "same": same, "diff": diff,
                                         "same_degraded": dsame, "same_degraded_cross": dcross,
                                         "diff_degraded": ddiff}, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
