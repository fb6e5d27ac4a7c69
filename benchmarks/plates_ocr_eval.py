"""Plate OCR on a held-out synthetic set: ours (FP32, INT8) vs RapidOCR's PP-OCRv4 recogniser; ms per plate.

The held-out set never met the training: other seeds, other fonts (``HELDOUT_FONTS``) and
kinds of distortion the training never drew (``Style.heldout()``: salt-and-pepper noise, motion
blur at 20–45°, screw/sticker occlusions); ``--hard`` (``Style.heldout_hard()``) also goes beyond
the training's severity (lower resolution, stronger blur, worse JPEG). One-row and two-row plates
are scored separately: exact match (whole plate right) and CER (edit distance / characters).

PP-OCRv4 (``rapidocr-onnxruntime``, benchmark only: the ``[bench]`` extra, not installed by
setup.sh) gets the same crops in colour, two-row plates as their rows side by side like
ours; its text is normalised (Latin look-alikes → Cyrillic, "RUS" and separators dropped).

Usage: PYTHONPATH=. python benchmarks/plates_ocr_eval.py [--n 1500] [--hard] [--no-ppocr] [--weights DIR] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.plates import FORMATS, _greedy, decode, decode_views, edit_distance, normalize
from models.plates.ocr import MODEL_FILES, VIEWS, PlateOCR, doubtful, view_lines
from models.plates.synth import Style, find_fonts, make_sample

SEED = 20261205


def heldout(n: int, seed: int = SEED, hard: bool = False):
    style = Style.heldout_hard() if hard else Style.heldout()
    fonts = find_fonts(style.fonts)
    if not fonts:
        raise SystemExit(
            f"held-out fonts missing: {style.fonts} (apt-get install fonts-liberation fonts-dejavu-extra)"
        )
    rng = np.random.default_rng(seed)
    return [make_sample(rng, style, fonts) for _ in range(n)], [f.name for f in fonts]


def score(preds: list[str], truths: list[str]) -> tuple[float, float]:
    exact = float(np.mean([p == t for p, t in zip(preds, truths, strict=True)])) if truths else float("nan")
    chars = sum(len(t) for t in truths)
    cer = sum(edit_distance(p, t) for p, t in zip(preds, truths, strict=True)) / max(chars, 1)
    return exact, cer


def ppocr_side_by_side(crop: np.ndarray, rows: int) -> np.ndarray:
    if rows == 1:
        return crop
    h, w = crop.shape[:2]
    h2 = max(2, (h // 2) * 2)
    c = cv2.resize(crop, (w, h2))
    return np.ascontiguousarray(np.concatenate([c[: h2 // 2], c[h2 // 2 :]], axis=1))


def ppocr_text(raw: str) -> str:
    return normalize(raw.upper().replace("RUS", ""))


def time_per_plate(ocr: PlateOCR, lines: np.ndarray, rows: np.ndarray, n: int = 300) -> float:
    ocr.read_lines(lines[:8], rows[:8])
    ms = []
    for i in range(min(n, len(lines))):
        t0 = time.perf_counter()
        ocr.read_lines(lines[i : i + 1], rows[i : i + 1])
        ms.append((time.perf_counter() - t0) * 1000)
    return float(np.median(ms))


def time_views(ocr: PlateOCR, samples: list, views: int, n: int = 300) -> float:
    """Mean ms for one plate read with ``views`` views for doubtful reads: the views, the net, combining."""
    ocr.read_views([s.crop for s in samples[:4]], [s.rows for s in samples[:4]], views)
    ms = []
    for s in samples[:n]:
        t0 = time.perf_counter()
        ocr.read_views([s.crop], [s.rows], views)
        ms.append((time.perf_counter() - t0) * 1000)
    print(
        f"  {views} views: ms per plate median {np.median(ms):.2f}, mean {np.mean(ms):.2f}, p90 {np.percentile(ms, 90):.2f}"
    )
    return float(np.mean(ms))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--no-ppocr", action="store_true")
    ap.add_argument(
        "--weights",
        type=Path,
        help="folder with plate_ocr.onnx / plate_ocr_int8.onnx (default: the shipped ones)",
    )
    ap.add_argument(
        "--hard", action="store_true", help="Style.heldout_hard(): beyond the training's severity"
    )
    ap.add_argument("--seed", type=int, default=SEED, help="held-out set's seed (another one: a fresh set)")
    ap.add_argument(
        "--views",
        type=int,
        default=len(VIEWS),
        help="test-time views per plate for the '+ views' rows (0: none)",
    )
    args = ap.parse_args()
    t0 = time.time()
    samples, fonts = heldout(args.n, seed=args.seed, hard=args.hard)
    print(
        f"held-out set ({'hard' if args.hard else 'standard'}): {len(samples)} plates, fonts {fonts}, {time.time() - t0:.0f} s to draw",
        flush=True,
    )
    truths = [s.text for s in samples]
    rows = np.array([s.rows for s in samples])
    lines = np.stack([s.line for s in samples])
    groups = {"one-row": rows == 1, "two-row": rows == 2, "all": np.ones(len(rows), bool)}
    results: dict[str, dict] = {}

    for precision in ("fp32", "int8"):
        path = args.weights / MODEL_FILES[precision] if args.weights else None
        ocr = PlateOCR(precision, threads=2, path=path)
        probs = np.concatenate([ocr.probs(lines[i : i + 256]) for i in range(0, len(lines), 256)])
        raw = [_greedy(p)[0] for p in probs]
        gram = [decode(p, rows=int(r)).text for p, r in zip(probs, rows, strict=True)]
        for label, preds in ((f"ours {precision} (greedy)", raw), (f"ours {precision} + grammar", gram)):
            results[label] = {
                g: dict(
                    zip(
                        ("exact", "cer"),
                        score([preds[i] for i in np.flatnonzero(m)], [truths[i] for i in np.flatnonzero(m)]),
                        strict=True,
                    )
                )
                for g, m in groups.items()
            }
        if precision == "int8":
            results["_int8_grammar_preds"] = gram
        results[f"ours {precision} + grammar"]["ms_per_plate_2threads"] = time_per_plate(ocr, lines, rows)
        results[f"ours {precision} + grammar"]["ms_per_plate_1thread"] = time_per_plate(
            PlateOCR(precision, threads=1, path=path), lines, rows
        )
        print(precision, json.dumps(results[f"ours {precision} + grammar"]), flush=True)
        if args.views > 1:
            vl = np.concatenate([view_lines(s.crop, s.rows, args.views) for s in samples])
            vp = np.concatenate([ocr.probs(vl[i : i + 640]) for i in range(0, len(vl), 640)])
            vp = vp.reshape(len(samples), args.views, *vp.shape[1:])
            # As PlateOCR.read_views does: only a doubtful first read is read again from the views.
            first = [decode(p, rows=int(r)) for p, r in zip(probs, rows, strict=True)]
            tta = [
                decode_views(vp[i], rows=int(rows[i]), first=first[i]).text
                if doubtful(first[i])
                else first[i].text
                for i in range(len(samples))
            ]
            label = f"ours {precision} + grammar + {args.views} views"
            results[label] = {
                g: dict(
                    zip(
                        ("exact", "cer"),
                        score([tta[i] for i in np.flatnonzero(m)], [truths[i] for i in np.flatnonzero(m)]),
                        strict=True,
                    )
                )
                for g, m in groups.items()
            }
            results[label]["ms_per_plate_2threads"] = time_views(ocr, samples, args.views)
            results[label]["ms_per_plate_1thread"] = time_views(
                PlateOCR(precision, threads=1, path=path), samples, args.views
            )
            if precision == "int8":
                results["_int8_views_preds"] = tta
            print(label, json.dumps(results[label]), flush=True)

    if not args.no_ppocr:
        from rapidocr_onnxruntime import RapidOCR

        engine = RapidOCR(intra_op_num_threads=2)
        crops = [ppocr_side_by_side(s.crop, s.rows) for s in samples]
        preds, ms = [], []
        for c in crops:
            t1 = time.perf_counter()
            res, _ = engine.text_rec([c])
            ms.append((time.perf_counter() - t1) * 1000)
            preds.append(ppocr_text(res[0][0]) if res else "")
        results["PP-OCRv4 rec (rapidocr 1.4.4)"] = {
            g: dict(
                zip(
                    ("exact", "cer"),
                    score([preds[i] for i in np.flatnonzero(m)], [truths[i] for i in np.flatnonzero(m)]),
                    strict=True,
                )
            )
            for g, m in groups.items()
        }
        results["PP-OCRv4 rec (rapidocr 1.4.4)"]["ms_per_plate_2threads"] = float(np.median(ms))

    load = os.getloadavg()
    print(
        f"\nheld-out n={len(samples)} (one-row {int(groups['one-row'].sum())}, two-row {int(groups['two-row'].sum())}); "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    )
    print(
        "| model | one-row exact | one-row CER | two-row exact | two-row CER | all exact | all CER | ms/plate (2 thr; views rows: mean) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, r in results.items():
        if name.startswith("_"):
            continue
        ms = r.get("ms_per_plate_2threads")
        print(
            f"| {name} | {r['one-row']['exact']:.2%} | {r['one-row']['cer']:.2%} | {r['two-row']['exact']:.2%} | "
            f"{r['two-row']['cer']:.2%} | {r['all']['exact']:.2%} | {r['all']['cer']:.2%} | "
            f"{'' if ms is None else f'{ms:.2f}'} |"
        )
    print(
        "| seed article (CRNN, AUTO.RIA, one-row only; FP32 / INT8) | 98.42% / 98.38% | 0.22% | — | — | — | — | 6.37 / 3.23 (i7-9700KF) |"
    )
    for key, name in (
        ("_int8_grammar_preds", "ours int8 + grammar"),
        ("_int8_views_preds", f"ours int8 + grammar + {args.views} views"),
    ):
        if key in results:
            by_width(samples, results[key], name, rows, truths)
            wrong_parts(samples, results[key], name)
    results.pop("_int8_grammar_preds")
    results.pop("_int8_views_preds", None)
    if args.json:
        args.json.write_text(
            json.dumps({"n": len(samples), "fonts": fonts, "load": load, "results": results}, indent=1)
        )


def by_width(samples: list, preds: list[str], name: str, rows: np.ndarray, truths: list[str]) -> None:
    """Accuracy by how many pixels wide the plate was in the camera picture (the main difficulty)."""
    widths = np.array([s.crop.shape[1] for s in samples])
    print(f"\n{name} by plate width in the camera picture (pixels):")
    print("| width px | plates | one-row exact | two-row exact | all exact | all CER |")
    print("| --- | --- | --- | --- | --- | --- |")
    for lo, hi in ((0, 60), (60, 90), (90, 130), (130, 10_000)):
        m = (widths >= lo) & (widths < hi)
        cells = []
        for g in (m & (rows == 1), m & (rows == 2), m):
            idx = np.flatnonzero(g)
            cells.append(score([preds[i] for i in idx], [truths[i] for i in idx]))
        label = f"{lo}–{hi}" if hi < 10_000 else f"≥ {lo}"
        print(
            f"| {label} | {int(m.sum())} | {cells[0][0]:.2%} | {cells[1][0]:.2%} | {cells[2][0]:.2%} | {cells[2][1]:.2%} |"
        )


def wrong_parts(samples: list, preds: list[str], name: str) -> None:
    """Where the wrong reads go wrong: the series/number part, the region code, both, or the length."""
    series_len = {name: len(series) for name, series, _ in FORMATS}
    print(f"\n{name}, wrong reads by the part that is wrong:")
    print("| plates | wrong | series/number only | region code only | both | length differs |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, r in (("one-row", 1), ("two-row", 2)):
        kinds = {"body": 0, "region": 0, "both": 0, "len": 0}
        for s, p in zip(samples, preds, strict=True):
            if s.rows != r or p == s.text:
                continue
            n = series_len[s.kind]
            if len(p) != len(s.text):
                kinds["len"] += 1
            elif p[:n] == s.text[:n]:
                kinds["region"] += 1
            elif p[n:] == s.text[n:]:
                kinds["body"] += 1
            else:
                kinds["both"] += 1
        print(
            f"| {label} | {sum(kinds.values())} | {kinds['body']} | {kinds['region']} | {kinds['both']} | {kinds['len']} |"
        )


if __name__ == "__main__":
    main()
