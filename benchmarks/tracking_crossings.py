"""Identity benchmark on the second clip (``tests/data/tracking/crossings.avi``): people of the demo video
composited along new paths — pairs side by side, crossings, a man standing while others pass, a re-entry
(see ``benchmarks/make_crossing_clip.py`` and ``tests/data/tracking/README.md``).

The detector is the app's: the built-in NanoDet at the demo site's settings (``app.engine.runner.
detector_settings``), its person boxes kept from the tracker's floor up as the camera pipeline keeps them
(``tracking_floor``). The tracker rows:

- **app default**: ``app.engine.pipeline.tracker_settings`` of the demo site and camera (its queue and
  counter zones are the tracker's open zones: the clip shows the same place), then the site's identity lag
  (``analytics.identity_repair``) as the pipeline applies it; and the same with the lag off;
- **app, appearance off**: the same without the appearance cue;
- **ByteTrack only**: ``TrackerSettings()`` (motion and boxes, no rule of ours) at the camera confidence.

Each at 10 Hz (every frame) and 5 Hz (every 2nd frame, scored on those frames), with the tracker's ms per
frame (noisy on the shared machine: ``uptime`` is printed).

Usage: .venv/bin/python benchmarks/tracking_crossings.py [--cache /tmp/crossings_dets.npz]
       [--write-dets tests/data/tracking/crossings_nanodet.txt]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.identity_repair import LagRepair, released_tracks  # noqa: E402
from analytics.mot_eval import MotMetrics, evaluate, read_mot  # noqa: E402
from analytics.types import Detections  # noqa: E402
from models.appearance import body_colour_features  # noqa: E402
from models.tracking import Tracker, TrackerSettings  # noqa: E402

DATA = ROOT / "tests" / "data" / "tracking"
VIDEO = DATA / "crossings.avi"
TRUTH = DATA / "crossings_gt.txt"
SITE = ROOT / "resources" / "demo" / "site.yaml"
FPS = 10.0


def iter_frames(path: Path = VIDEO) -> Iterator[np.ndarray]:
    """The frames of a video (BGR), one at a time."""
    cap = cv2.VideoCapture(str(path))
    try:
        while True:
            ok, img = cap.read()
            if not ok:
                return
            yield img
    finally:
        cap.release()


def load_frames(path: Path = VIDEO) -> list[np.ndarray]:
    """Every frame of a video (BGR)."""
    return list(iter_frames(path))


def demo_camera() -> tuple:
    """The demo site and its camera."""
    from app.config import load_config

    site = load_config(SITE)
    return site, site.cameras[0]


def app_tracker_settings(class_names: tuple[str, ...] = ("person",)) -> tuple[TrackerSettings, float]:
    """The app's tracker settings for the demo camera, and the lowest score it hands the tracker."""
    from app.engine.pipeline import tracker_settings, tracking_floor

    site, cam = demo_camera()
    conf = site.effective(cam).confidence
    return tracker_settings(site, conf, cam, class_names), tracking_floor(site, conf)


def detect(frames: list[np.ndarray]) -> list[Detections]:
    """The app's detector on every frame: person boxes from the tracker's floor up."""
    from app.engine.pipeline import camera_class_ids, keep_camera_detections
    from app.engine.runner import detector_settings
    from app.paths import model_dir
    from models.registry import create_detector

    site, cam = demo_camera()
    settings = replace(detector_settings(site, cam), model_dir=str(model_dir()))
    det = create_detector("nanodet", settings).backend
    ids = camera_class_ids(det, site.effective(cam).classes)
    _, floor = app_tracker_settings()
    return [keep_camera_detections(det.predict(f), ids, floor) for f in frames]


def save_dets(dets: list[Detections], path: Path) -> None:
    """Write detections as ``frame,x1,y1,x2,y2,score`` (frames 1-based) or an .npz cache."""
    if path.suffix == ".npz":
        rows = np.concatenate([np.c_[d.xyxy, d.confidence] for d in dets]) if dets else np.zeros((0, 5))
        np.savez(path, rows=rows, counts=np.array([len(d) for d in dets]))
        return
    lines = [
        f"{f},{x1:.2f},{y1:.2f},{x2:.2f},{y2:.2f},{s:.4f}"
        for f, d in enumerate(dets, 1)
        for (x1, y1, x2, y2), s in zip(d.xyxy.tolist(), d.confidence.tolist(), strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_dets(path: Path, n_frames: int) -> list[Detections]:
    """Read detections written by :func:`save_dets` (a text file or an .npz cache)."""
    if path.suffix == ".npz":
        z = np.load(path)
        rows, counts = z["rows"], z["counts"].tolist()
        frame = np.repeat(np.arange(1, len(counts) + 1), counts)
    else:
        a = np.loadtxt(path, delimiter=",", ndmin=2)
        frame, rows = a[:, 0].astype(int), a[:, 1:6]
    out = []
    for f in range(1, n_frames + 1):
        r = rows[frame == f]
        out.append(Detections(r[:, :4].astype(np.float64), r[:, 4].astype(np.float64), np.zeros(len(r), np.int32)))
    return out


def replay(
    frames: Iterable[np.ndarray], dets: list[Detections], settings: TrackerSettings, conf: float, stride: int = 1,
    lag: float = 0.0,
) -> tuple[dict, float]:
    """Track every ``stride``-th frame with a fresh tracker, then through the identity lag buffer as the app
    does (``lag`` seconds; 0: off; hidden tracks' interpolated boxes included); (hypothesis, tracker ms per frame)."""
    tracker = Tracker(settings, rate=FPS / stride)
    rep = LagRepair(lag)
    hyp, t = {}, 0.0
    for i, img in enumerate(frames):
        if i % stride:
            continue
        d = dets[i]
        d = d[d.confidence >= conf]
        t0 = time.perf_counter()
        out = tracker.update(d, img)
        t += time.perf_counter() - t0
        boxes = out.xyxy.astype(np.float64)
        rep.frame_size = img.shape[1], img.shape[0]
        looks = body_colour_features(img, out.xyxy) if lag > 0 and len(out) else None
        for r in rep.push((i + 1) / FPS, out.tracker_id.copy(), boxes, (i + 1, boxes), looks):
            hyp[r.payload[0]] = released_tracks(r, r.payload[1])
    for r in rep.flush():
        hyp[r.payload[0]] = released_tracks(r, r.payload[1])
    return hyp, 1000 * t / max(len(hyp), 1)


def score(gt: dict, hyp: dict, stride: int = 1) -> MotMetrics:
    """MOT metrics on the truth's frames that the tracker saw."""
    return evaluate({f: v for f, v in gt.items() if (f - 1) % stride == 0}, hyp)


def variants() -> list[tuple[str, TrackerSettings, float, float]]:
    """(name, settings, lowest score given to the tracker, identity lag) of each row."""
    app, floor = app_tracker_settings()
    camera_conf = app.track_high_thresh
    lag = demo_camera()[0].tracker.identity_lag
    return [
        (f"app default (demo site, lag {lag:g} s)", app, floor, lag),
        ("app, identity lag off", app, floor, 0.0),
        ("app, appearance off, lag off", replace(app, appearance=False), floor, 0.0),
        ("ByteTrack only (TrackerSettings())", TrackerSettings(), camera_conf, 0.0),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, help="detections cache (.npz or .txt), made on the first run")
    ap.add_argument("--write-dets", type=Path, help="also write the detections as frame,x1,y1,x2,y2,score")
    args = ap.parse_args()
    frames = load_frames()
    if not frames:
        sys.exit(f"cannot read {VIDEO}")
    gt = read_mot(TRUTH)
    if args.cache is not None and args.cache.is_file():
        dets = load_dets(args.cache, len(frames))
    else:
        t0 = time.perf_counter()
        dets = detect(frames)
        print(f"NanoDet: {1000 * (time.perf_counter() - t0) / len(frames):.1f} ms/frame")
        if args.cache is not None:
            save_dets(dets, args.cache)
    if args.write_dets is not None:
        save_dets(dets, args.write_dets)
    people = len({int(i) for ids, _ in gt.values() for i in ids})
    print(f"{VIDEO.name}: {len(frames)} frames, {sum(len(v[0]) for v in gt.values())} truth boxes, "
          f"{people} passes; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    head = "IDF1  IDsw frg  MOTA  t/p"
    print(f"{'tracker':<36} | {'10 Hz':<26} | {'5 Hz':<26} | ms/f")
    print(f"{'':<36} | {head:<26} | {head:<26} |")
    for name, s, conf, lag in variants():
        cells = []
        ms = 0.0
        for stride in (1, 2):
            hyp, t = replay(frames, dets, s, conf, stride, lag)
            ms = ms or t
            m = score(gt, hyp, stride)
            cells.append(f"{m.idf1:5.3f} {m.id_switches:4d} {m.fragmentations:3d} {m.mota:5.3f} "
                         f"{m.tracks_per_person:4.2f}")
        print(f"{name:<36} | {cells[0]:<26} | {cells[1]:<26} | {ms:5.2f}", flush=True)


if __name__ == "__main__":
    main()
