"""The built-in plate locator by plate kind and width: recall of the plate quadrilateral, false boxes, ms.

Each sample is a generated car rear (:func:`models.plates.synth.render_scene`, 1280×720) with a plate
of a given kind drawn with the OCR's *held-out* fonts, sized so that the plate is ~W px wide, at a
random yaw (±25°), with a camera's blur, noise and JPEG (as ``benchmarks/plates_passages.py``). The
locator gets the **vehicle crop** (the scene's car box, as the plate stage crops a tracked vehicle).

Columns per (kind, width):

* found top-1 / top-4: the locator's best candidate / any of its (up to 4) candidates overlaps the
  true plate quadrilateral with polygon IoU ≥ 0.5 (:func:`quad_iou`);
* read exact: the real :class:`models.plates.reader.PlateReader` (this locator + INT8 OCR, one view,
  as the camera stage) reads the exact text;
* locate ms: mean / p90 of :meth:`HaarContourLocator.find` on the crop; read ms: the whole
  :meth:`PlateReader.read` (locator + OCR of every candidate), mean.

No-plate crops: the same cars with the plate painted over in the body colour; how many candidates the
locator returns per crop (false boxes) and how many crops the reader reads a valid plate from (false reads).

``--compare`` runs the locator without and with its dark-plate branch on the same samples.

Usage: PYTHONPATH=. python benchmarks/plates_locate.py [--widths 60 100 140] [--n 15] [--seed 11] [--compare]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.plates.locate import HaarContourLocator, LocatorChoice
from models.plates.reader import PlateReader
from models.plates.synth import HELDOUT_FONTS, find_fonts, random_text, render_scene

SIZE = (1280, 720)
#: (label, kind, rows): every layout the generator draws.
KINDS = (
    ("white one-row", "private", 1),
    ("white two-row (1А)", "private", 2),
    ("yellow taxi", "taxi", 1),
    ("white trailer", "trailer", 1),
    ("blue police", "police", 1),
    ("moto two-row", "moto", 2),
)


def quad_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two convex quadrilaterals (4, 2)."""
    a, b = np.float32(a).reshape(-1, 2), np.float32(b).reshape(-1, 2)
    inter, _ = cv2.intersectConvexConvex(a, b)
    union = cv2.contourArea(a) + cv2.contourArea(b) - inter
    return float(inter / union) if union > 0 else 0.0


def camera(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A camera's blur, noise and JPEG, drawn per picture."""
    blur, noise, quality = float(rng.uniform(0, 1.0)), float(rng.uniform(0, 4.0)), int(rng.integers(40, 91))
    if blur > 0.2:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    if noise > 0.5:
        img = np.clip(img + rng.normal(0, noise, img.shape), 0, 255).astype(np.uint8)
    _ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def sample(
    rng: np.random.Generator, kind: str, rows: int, width: float, fonts: list[Path], plate: bool = True
) -> tuple[np.ndarray, str, np.ndarray]:
    """(vehicle crop, plate text, plate corners in the crop) for one generated car."""
    while True:
        text, k, r = random_text(rng, kind)
        if r == rows:
            break
    yaw = float(rng.uniform(-25, 25))
    share = 0.30 if rows == 1 else 0.19
    car_w = width / share / np.cos(np.radians(yaw))
    center = (SIZE[0] * rng.uniform(0.4, 0.6), SIZE[1] * rng.uniform(0.45, 0.55))
    s = render_scene(
        rng,
        size=SIZE,
        text=text,
        kind=k,
        rows=rows,
        font=fonts[int(rng.integers(len(fonts)))],
        car_center=center,
        car_width=car_w,
        yaw=yaw,
    )
    img = s.image
    if not plate:  # paint the plate over with the body colour just above it
        c = s.corners.astype(np.float32)
        mid = c.mean(axis=0)
        big = (mid + (c - mid) * 1.15).astype(np.int32)
        ph = np.linalg.norm(c[3] - c[0])
        probe = c[:2].mean(axis=0) - np.float32([0, 0.6 * ph])
        color = img[int(probe[1]), int(probe[0])].tolist()
        img = img.copy()
        cv2.fillConvexPoly(img, big, color)
    img = camera(img, rng)
    x1, y1, x2, y2 = s.car_box
    x1, y1 = max(0, int(x1)), max(0, int(y1))
    x2, y2 = min(SIZE[0], int(x2) + 1), min(SIZE[1], int(y2) + 1)
    return img[y1:y2, x1:x2], s.text, s.corners - np.float32([x1, y1])


def run(widths: list[float], n: int, seed: int, darks: list[bool]) -> None:
    fonts = find_fonts(HELDOUT_FONTS)
    if not fonts:
        raise SystemExit(f"held-out fonts missing: {HELDOUT_FONTS}")
    reader = PlateReader("haar")
    locs = {d: HaarContourLocator(dark_plates=d) for d in darks}
    rows_out = []
    for w in widths:
        for label, kind, rows in KINDS:
            rng = np.random.default_rng([seed, int(w), KINDS.index((label, kind, rows))])
            data = [sample(rng, kind, rows, w, fonts) for _ in range(n)]
            for d, loc in locs.items():
                reader.choice = LocatorChoice(loc, "bench")
                top1 = any4 = exact = 0
                ms, read_ms = [], []
                for crop, text, corners in data:
                    t0 = time.perf_counter()
                    cands = loc.find(crop)
                    ms.append((time.perf_counter() - t0) * 1000)
                    ious = [quad_iou(c.corners, corners) for c in cands]
                    top1 += bool(ious) and ious[0] >= 0.5
                    any4 += any(i >= 0.5 for i in ious)
                    t0 = time.perf_counter()
                    exact += reader.read(crop).text.text == text
                    read_ms.append((time.perf_counter() - t0) * 1000)
                rows_out.append(
                    (w, label, d, n, top1, any4, exact, np.mean(ms), np.percentile(ms, 90), np.mean(read_ms))
                )
        rng = np.random.default_rng([seed, int(w), 99])
        empty = []
        for k in range(2 * n):
            label, kind, rows = KINDS[k % len(KINDS)]
            empty.append(sample(rng, kind, rows, w, fonts, plate=False)[0])
        for d, loc in locs.items():
            reader.choice = LocatorChoice(loc, "bench")
            boxes = [len(loc.find(c)) for c in empty]
            reads = [reader.read(c) for c in empty]
            rows_out.append(
                (w, "no plate", d, len(empty), np.mean(boxes), sum(r.found for r in reads), 0, 0, 0, 0)
            )
        print(f"  width {w:.0f} done", file=sys.stderr, flush=True)
    load = os.getloadavg()
    print(
        f"plate locator (built-in), {n} crops per kind and width, held-out fonts, seed {seed}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    )
    print(
        "| plate width | kind | dark branch | crops | found top-1 | found top-4 | read exact | locate ms mean / p90 | read ms mean |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for w, label, d, m, a, b, c, mean, p90, rmean in rows_out:
        if label == "no plate":
            continue
        print(
            f"| ~{w:.0f} | {label} | {'on' if d else 'off'} | {m} | {100 * a / m:.0f}% | {100 * b / m:.0f}% | "
            f"{100 * c / m:.0f}% | {mean:.0f} / {p90:.0f} | {rmean:.0f} |"
        )
    for d in darks:
        sel = [r for r in rows_out if r[2] == d and r[1] != "no plate"]
        m = sum(r[3] for r in sel)
        print(
            f"| all | all kinds | {'on' if d else 'off'} | {m} | {100 * sum(r[4] for r in sel) / m:.1f}% | "
            f"{100 * sum(r[5] for r in sel) / m:.1f}% | {100 * sum(r[6] for r in sel) / m:.1f}% | "
            f"{np.average([r[7] for r in sel], weights=[r[3] for r in sel]):.1f} / — | "
            f"{np.average([r[9] for r in sel], weights=[r[3] for r in sel]):.1f} |"
        )
    print(
        "\nno plate (plate painted over in the body colour): false boxes per crop, crops read as a valid plate"
    )
    print("| plate width of the car | dark branch | crops | candidates per crop | false reads |")
    print("| --- | --- | --- | --- | --- |")
    for w, label, d, m, a, b, *_ in rows_out:
        if label == "no plate":
            print(f"| ~{w:.0f} | {'on' if d else 'off'} | {m} | {a:.2f} | {b} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", type=float, nargs="+", default=[60, 100, 140])
    ap.add_argument("--n", type=int, default=15, help="crops per kind and width")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--compare", action="store_true", help="also run without the dark-plate branch")
    args = ap.parse_args()
    run(args.widths, args.n, args.seed, [False, True] if args.compare else [True])


if __name__ == "__main__":
    main()
