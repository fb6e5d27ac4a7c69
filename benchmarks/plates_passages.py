"""Plates per vehicle passage: the camera stage's voted read vs single frames, by plate width in the frame.

Each passage is a generated clip (:func:`models.plates.synth.render_scene`, as the tests' parking
clip ``render_clip``): a car drives towards the camera and turns (yaw +20° → −20°), its plate grows
from 0.9× to 1.1× the target width, every third frame is motion-blurred. Unlike ``render_clip``
the plate is drawn with the OCR's *held-out* fonts, the car is sized so that the plate is a given
number of pixels wide in the frame, and each clip gets a camera's degradation (Gaussian blur,
noise, JPEG) drawn once per clip. The frames go through the real :class:`app.engine.plates_stage.PlateStage`
(built-in locator + INT8 OCR, every frame read: ``settle_after=0``) at 5 frames per second; the
stage's ``plates.read`` event is the passage's read. The same passage with the product's default
``settle_after`` (4) is replayed from the recorded frame reads with the stage's own rule
(:func:`analytics.plates.vote`, stop once N reads agree and at least 3 in 4 do).

Columns: single-frame reads (locator + OCR on one frame: exact share of frames; a frame with no
read counts as wrong), the passage read (exact share of passages), and the same among reads that
are *not* uncertain (:func:`analytics.plates.is_uncertain`, the product's one definition) with
their coverage.

Usage: PYTHONPATH=. python benchmarks/plates_passages.py [--widths 60 80 100 130] [--n 40] [--frames 12] [--seed 7] [--table] [--no-dark]
       PYTHONPATH=. python benchmarks/plates_passages.py --revote FILE.json   (the recorded frame reads of a
       ``--json`` run voted again by today's :func:`analytics.plates.vote`: a vote rule measured without re-rendering)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.plates import UNCERTAIN_BELOW, FrameRead, is_uncertain, plate_format, vote
from analytics.types import Detections, Frame
from app.engine.plates_stage import PlateStage
from app.modules.plates.settings import PlatesSettings
from models.plates.reader import PlateRead, PlateReader
from models.plates.synth import HELDOUT_FONTS, Scene, _motion_kernel, find_fonts, random_text, render_scene

FPS = 5.0
SIZE = (1280, 720)


class RecordingReader:
    """A :class:`PlateReader` that keeps every read it makes (the stage's frame reads)."""

    def __init__(self, reader: PlateReader) -> None:
        self.reader = reader
        self.choice = reader.choice
        self.log: list[PlateRead] = []

    def read(self, image: np.ndarray) -> PlateRead:
        r = self.reader.read(image)
        self.log.append(r)
        return r


def clip(rng: np.random.Generator, width: float, frames: int, fonts: list[Path]) -> list[Scene]:
    """One passage: a car whose plate is ~``width`` px wide (0.9× → 1.1× over the clip), degraded."""
    text, kind, rows = random_text(rng)
    font = fonts[int(rng.integers(len(fonts)))]
    share = 0.30 if rows == 1 else 0.19  # render_scene's plate width / car width
    blur = float(rng.uniform(0.0, 1.0))
    noise = float(rng.uniform(0.0, 4.0))
    quality = int(rng.integers(40, 91))
    out = []
    for i in range(frames):
        f = i / max(frames - 1, 1)
        yaw = 20.0 - 40.0 * f
        car_w = width * (0.9 + 0.2 * f) / share / np.cos(np.radians(yaw))
        center = (SIZE[0] * (0.4 + 0.2 * f), SIZE[1] * (0.5 + 0.05 * f))
        s = render_scene(
            rng,
            size=SIZE,
            text=text,
            kind=kind,
            rows=rows,
            font=font,
            car_center=center,
            car_width=car_w,
            yaw=yaw,
        )
        img = s.image
        if blur > 0.2:
            img = cv2.GaussianBlur(img, (0, 0), blur)
        if i % 3 == 1:
            img = cv2.filter2D(img, -1, _motion_kernel(int(rng.integers(3, 8)), float(rng.uniform(-10, 10))))
        if noise > 0.5:
            img = np.clip(img + rng.normal(0, noise, img.shape), 0, 255).astype(np.uint8)
        _ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        out.append(Scene(cv2.imdecode(buf, cv2.IMREAD_COLOR), s.text, s.kind, s.rows, s.corners, s.car_box))
    return out


def plate_width(corners: np.ndarray) -> float:
    """Mean of the plate's top and bottom edge lengths (px), as the stage measures it."""
    return float(np.linalg.norm(corners[1] - corners[0]) + np.linalg.norm(corners[2] - corners[3])) / 2


@dataclass
class Passage:
    truth: str
    rows: int
    width: float  # median true plate width over the clip's frames
    frame_ok: list[bool]
    frame_sure: list[bool]  # frame read not uncertain
    text: str  # the stage's passage read (every frame read)
    uncertain: bool
    confidence: float
    settled_text: str  # the passage read with settle_after=4, replayed
    settled_uncertain: bool
    settled_reads: int
    measured_width: float  # the stage's plate width for the passage (``plate_px``; 0 when none found)
    reads: list[
        tuple[float, str, float, float, bool]
    ]  # the frame reads (ts, text, confidence, sharpness, found)


def settled(reads: list[PlateRead], ts: list[float], after: int = 4) -> tuple[str, bool, int]:
    """The passage's read as the stage gives it with ``settle_after=after`` (same rule as the stage)."""
    frame_reads: list[FrameRead] = []
    for r, t in zip(reads, ts, strict=True):
        if not r.text.text:
            continue
        frame_reads.append(FrameRead(t, r.text.text, r.text.confidence, r.sharpness, r.found))
        if r.found:
            v = vote(frame_reads)
            if v is not None and v.votes >= after and v.votes >= 0.75 * v.reads:
                break
    v = vote(frame_reads)
    if v is None:
        return "", True, 0
    best = frame_reads[v.best_index]
    return v.text, is_uncertain(v.confidence, best.valid), v.reads


def run(
    widths: list[float], n: int, frames: int, seed: int, views: int = 1, dark: bool = True
) -> dict[float, list[Passage]]:
    fonts = find_fonts(HELDOUT_FONTS)
    if not fonts:
        raise SystemExit(
            f"held-out fonts missing: {HELDOUT_FONTS} (apt-get install fonts-liberation fonts-dejavu-extra)"
        )
    reader = RecordingReader(PlateReader("haar", views=views))
    reader.choice.locator.dark_plates = dark
    out: dict[float, list[Passage]] = {}
    for w in widths:
        rng = np.random.default_rng([seed, int(w)])
        stage = PlateStage("bench", PlatesSettings(enabled=True, settle_after=0), reader, lost_after=1.0)
        res = []
        t0 = time.time()
        for k in range(n):
            scenes = clip(rng, w, frames, fonts)
            reader.log.clear()
            ts0 = 1_800_000_000.0 + k * 100.0
            ts = [ts0 + i / FPS for i in range(frames)]
            for i, s in enumerate(scenes):
                stage.process(Frame("bench", i, ts[i], s.image), Detections([s.car_box], [0.9], [2], [k + 1]))
            events = [e for e in stage.close(ts[-1] + 10.0) if e.type == "read"]
            truth = scenes[0].text
            log = list(reader.log)
            s_text, s_unc, s_reads = settled(log, ts)
            ev = events[0].payload if events else None
            res.append(
                Passage(
                    truth,
                    scenes[0].rows,
                    float(np.median([plate_width(s.corners) for s in scenes])),
                    [r.found and r.text.text == truth for r in log],
                    [r.found and not r.text.uncertain for r in log],
                    ev["text"] if ev else "",
                    bool(ev["uncertain"]) if ev else True,
                    float(ev["confidence"]) if ev else 0.0,
                    s_text,
                    s_unc,
                    s_reads,
                    float(ev.get("plate_px") or 0.0) if ev else 0.0,
                    [
                        (t, r.text.text, r.text.confidence, r.sharpness, r.found)
                        for r, t in zip(log, ts, strict=True)
                    ],
                )
            )
        out[w] = res
        print(f"  width {w:.0f}: {n} passages in {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return out


def pct(x: float) -> str:
    return "—" if np.isnan(x) else f"{100 * x:.1f}%"


def table(results: dict[float, list[Passage]]) -> None:
    print(
        "| plate width target (median true / measured px) | passages (one-/two-row) | single frame exact | "
        "single frame exact, not uncertain (coverage) | passage exact (every frame read) | "
        "passage exact, not uncertain (coverage) | passage exact, settle 4 (reads/passage) | "
        "settle 4, not uncertain (coverage) | passages with no valid read |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for w, ps in results.items():
        fo = np.array([o for p in ps for o in p.frame_ok])
        fs = np.array([s for p in ps for s in p.frame_sure])
        ok = np.array([p.text == p.truth for p in ps])
        sure = np.array([not p.uncertain for p in ps])
        sok = np.array([p.settled_text == p.truth for p in ps])
        ssure = np.array([not p.settled_uncertain for p in ps])
        one = sum(p.rows == 1 for p in ps)
        meas = [p.measured_width for p in ps if p.measured_width > 0]
        print(
            f"| ~{w:.0f} ({np.median([p.width for p in ps]):.0f} / {np.median(meas) if meas else 0:.0f}) | "
            f"{len(ps)} ({one}/{len(ps) - one}) | {pct(fo.mean())} | "
            f"{pct(fo[fs].mean() if fs.any() else np.nan)} ({pct(fs.mean())}) | {pct(ok.mean())} | "
            f"{pct(ok[sure].mean() if sure.any() else np.nan)} ({pct(sure.mean())}) | "
            f"{pct(sok.mean())} ({np.mean([p.settled_reads for p in ps]):.1f}) | "
            f"{pct(sok[ssure].mean() if ssure.any() else np.nan)} ({pct(ssure.mean())}) | "
            f"{sum(not any(r[4] for r in p.reads) for p in ps)} |"
        )


def by_kind(results: dict[float, list[Passage]]) -> None:
    """Per plate kind (the text's GOST format; two-row plates apart): frames and passages read right."""
    print("\nper plate kind (every frame read)")
    print(
        "| plate width | kind | passages | single frame exact | passage exact (wrong) | "
        "passage exact, not uncertain (coverage) | passages with no valid read |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for w, ps in results.items():
        kinds: dict[str, list[Passage]] = {}
        for p in ps:
            kinds.setdefault(f"{plate_format(p.truth)}{' two-row' if p.rows == 2 else ''}", []).append(p)
        for k, q in sorted(kinds.items()):
            fo = np.array([o for p in q for o in p.frame_ok])
            ok = np.array([p.text == p.truth for p in q])
            sure = np.array([not p.uncertain for p in q])
            print(
                f"| ~{w:.0f} | {k} | {len(q)} | {pct(fo.mean())} | {pct(ok.mean())} ({int((~ok).sum())}) | "
                f"{pct(ok[sure].mean() if sure.any() else np.nan)} ({pct(sure.mean())}) | "
                f"{sum(not any(r[4] for r in p.reads) for p in q)} |"
            )


def curve(results: dict[float, list[Passage]]) -> None:
    print(
        "\npassage (every frame read): exact among passages with confidence ≥ t (coverage), all widths pooled"
    )
    ps = [p for v in results.values() for p in v]
    conf = np.array([p.confidence for p in ps])
    ok = np.array([p.text == p.truth for p in ps])
    print("| t | " + " | ".join(f"{t:.2f}" for t in THRESHOLDS) + " |")
    print("| --- |" + " --- |" * len(THRESHOLDS))
    cells = []
    for t in THRESHOLDS:
        m = conf >= t
        cells.append(f"{pct(ok[m].mean() if m.any() else np.nan)} ({pct(m.mean())})")
    print("| exact (coverage) | " + " | ".join(cells) + " |")


THRESHOLDS = (0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)


def revote(path: Path) -> None:
    """Vote each recorded passage's frame reads (every frame read) again with today's rule; print the shares."""
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SystemExit(f"plates_passages: cannot read {path}: {e}") from None
    print(f"passages of {path} voted again (every frame read); uncertain below {UNCERTAIN_BELOW}")
    print("| plate width | passages | recorded passage exact | voted again: exact | not uncertain: exact (coverage, wrong) |")
    print("| --- | --- | --- | --- | --- |")
    every = []
    for width, passages in recorded.items():
        rows = []
        for p in passages:
            res = vote([FrameRead(ts, text, conf, sharp, valid) for ts, text, conf, sharp, valid in p["reads"]])
            text = res.text if res else ""
            sure = res is not None and not is_uncertain(res.confidence, plate_format(text) is not None)
            rows.append((p["text"] == p["truth"], text == p["truth"], sure))
        every += rows
        for label, rs in ((f"~{float(width):.0f}", rows),) + ((("all", every),) if width == list(recorded)[-1] else ()):
            kept = [ok for _, ok, sure in rs if sure]
            print(
                f"| {label} | {len(rs)} | {np.mean([r[0] for r in rs]):.2%} | {np.mean([r[1] for r in rs]):.2%} | "
                f"{np.mean(kept) if kept else float('nan'):.2%} ({len(kept) / len(rs):.1%}, {len(kept) - sum(kept)}) |"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", type=float, nargs="+", default=[60, 80, 100, 130])
    ap.add_argument("--n", type=int, default=40, help="passages per width")
    ap.add_argument("--frames", type=int, default=12, help="frames per passage (5 fps)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--views", type=int, default=1, help="test-time views per doubtful read (the stage reads once: 1)"
    )
    ap.add_argument(
        "--no-dark",
        action="store_true",
        help="the built-in locator without its dark-plate branch (before session 7)",
    )
    ap.add_argument(
        "--table", action="store_true", help="print the markdown tables (default: a short summary)"
    )
    ap.add_argument(
        "--json", type=Path, help="also write every passage (truth, frame reads, reads) to this file"
    )
    ap.add_argument("--revote", type=Path, help="vote the frame reads of this --json file again and stop")
    args = ap.parse_args()
    if args.revote:
        revote(args.revote)
        return
    t0 = time.time()
    results = run(args.widths, args.n, args.frames, args.seed, args.views, dark=not args.no_dark)
    load = os.getloadavg()
    print(
        f"plates per passage: {args.n} passages per width, {args.frames} frames each at {FPS:.0f} fps, seed {args.seed}, "
        f"{args.views} view(s) per doubtful read, "
        f"uncertain below {UNCERTAIN_BELOW}; {time.time() - t0:.0f} s, load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f} on {os.cpu_count()} cores"
    )
    if args.json:
        args.json.write_text(
            json.dumps({str(w): [asdict(p) for p in ps] for w, ps in results.items()}, ensure_ascii=False)
        )
    if args.table:
        table(results)
        by_kind(results)
        curve(results)
    else:
        for w, ps in results.items():
            print(f"~{w:.0f} px: passage exact {np.mean([p.text == p.truth for p in ps]):.1%}")


if __name__ == "__main__":
    main()
