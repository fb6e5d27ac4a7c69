"""Identity benchmark on the demo video: MOT metrics of tracker settings, and per-sighting staff
precision/recall with three uniform crops of the people in red.

Ground truth: tests/data/tracking/vtest_gt.txt (hand-checked; see its README) — GT ids 4, 70 (the man in
the red-and-navy jacket) and 61, 78 (the woman in the red jacket) wear red. The detector is the
built-in NanoDet (score ≥ 0.1 kept, so a tracker's low-score pass can use them; each variant filters
at its own threshold), run once per frame and cached with --cache.

Per sighting = per labelled frame and GT person: "staff" when the tracked box matched to the person
(IoU ≥ 0.5) belongs to a track (segment) whose role is staff. ``live`` is the role the app shows at that
frame; ``stored`` the decision stored when the track (segment) ended. A GT person without a tracked
box counts as not called staff.

Usage: .venv/bin/python benchmarks/tracking_identity.py [--cache /tmp/vtest_dets.npz] [--stride 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.identity_repair import LagRepair, Released, RepairSettings, released_tracks  # noqa: E402
from analytics.mot_eval import evaluate, iou_matrix, linear_assignment, read_mot  # noqa: E402
from analytics.roles import RoleResolver, RoleSettings, UniformModel  # noqa: E402
from analytics.types import Detections, expand_boxes  # noqa: E402
from models.appearance import body_colour_features  # noqa: E402
from models.tracking import Tracker, TrackerSettings  # noqa: E402

VIDEO = ROOT / "resources" / "demo" / "vtest.avi"
TRUTH = ROOT / "tests" / "data" / "tracking" / "vtest_gt.txt"
RED_IDS = {4, 61, 70, 78}
#: the uniform examples: (frame, GT id) — the man in red-and-navy twice, the woman in red once
UNIFORM_CROPS = ((101, 4), (641, 70), (541, 61))
FPS = 10.0
#: the appearance tracker as issue 12's first session left it: no occlusion order, lost tracks kept after
#: they left the picture
SESSION1 = TrackerSettings(
    appearance=True, new_track_thresh=0.5, depth_weight=0.0, drop_exited=False, new_clear=0.0,
    static_after=0.0,
)
#: session 2: occlusion order and the left-the-picture rule; new tracks inside followed boxes allowed
SESSION2 = TrackerSettings(appearance=True, new_track_thresh=0.5, new_clear=0.0, static_after=0.0)
#: the app now (session 3): detections from 0.2 up reach the tracker; below the camera's 0.4 they only
#: continue people already followed (its second association)
AFTER = TrackerSettings(
    appearance=True, new_track_thresh=0.5, track_high_thresh=0.4, track_low_thresh=0.2, new_clear=0.0,
    static_after=0.0,
)
#: session 4: the new-track rule back on, only next to followed people who walk (queues keep their tracks)
S4 = replace(AFTER, new_clear=0.3, new_clear_speed=0.1, new_clear_lost=0.0, static_after=0.0)


def load_frames() -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(VIDEO))
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img)
    return frames


def detections(frames: list[np.ndarray], cache: Path | None) -> list[Detections]:
    if cache is not None and cache.is_file():
        z = np.load(cache)
        rows, counts = z["rows"], z["counts"]
    else:
        from models.base import DetectorSettings
        from models.nanodet import NanoDetBackend

        det = NanoDetBackend(DetectorSettings(confidence=0.1, classes=(0,)))
        parts = [det.predict(f) for f in frames]
        rows = np.concatenate([np.c_[p.xyxy, p.confidence] for p in parts]) if parts else np.zeros((0, 5))
        counts = np.array([len(p) for p in parts])
        if cache is not None:
            np.savez(cache, rows=rows, counts=counts)
    out, i = [], 0
    for n in counts.tolist():
        r = rows[i : i + n]
        out.append(Detections(r[:, :4], r[:, 4], np.zeros(n, np.int32)))
        i += n
    return out


def uniform_model(frames: list[np.ndarray], gt: dict) -> UniformModel:
    crops = []
    for f, gid in UNIFORM_CROPS:
        ids, boxes = gt[f]
        b = expand_boxes(boxes[ids == gid], 0.1, frames[0].shape[1], frames[0].shape[0])[0]
        x1, y1, x2, y2 = (round(float(v)) for v in b)
        crops.append(frames[f - 1][y1:y2, x1:x2])
    return UniformModel.from_crops(crops)


def run(
    frames: list[np.ndarray],
    dets: list[Detections],
    gt: dict,
    settings: TrackerSettings,
    conf: float,
    split: bool,
    uniform: UniformModel,
    stride: int,
    split_similarity: float = 0.45,
    lag: float = 0.0,
) -> dict:
    """Track, then (as the app) hold frames ``lag`` seconds in the identity repair before the role stage."""
    tracker = Tracker(settings, rate=FPS / stride)
    rep = LagRepair(lag)
    rep.frame_size = frames[0].shape[1], frames[0].shape[0]
    resolver = RoleResolver(RoleSettings(split_samples=2 if split else 0, split_similarity=split_similarity), uniform=uniform)
    hyp: dict = {}
    live: dict[tuple[int, int], str] = {}  # (frame, track id) -> role shown then
    seg_of: dict[tuple[int, int], int] = {}  # (frame, track id) -> segment
    final: dict[tuple[int, int], str] = {}  # (track id, segment) -> stored role
    t_track = t_rep = 0.0

    def roles_step(item: Released) -> None:
        f, img, tr = item.payload
        tr.tracker_id = item.ids
        hyp[f] = released_tracks(item, tr.xyxy)  # with the hidden tracks' boxes, as the app shows them
        upd = resolver.update(tr, ts=f / FPS, image=img)
        for r in upd.ended:
            final[(r.track_id, r.segment)] = r.role
        for tid in hyp[f][0].tolist():
            dec = upd.roles.decision(tid)
            live[(f, tid)] = dec.role if dec is not None else "unknown"
            cur = resolver.get(tid)
            seg_of[(f, tid)] = cur.segment if cur is not None else 0

    for i, (img, d) in enumerate(zip(frames, dets, strict=True)):
        f = i + 1
        if i % stride:
            continue
        d = d[d.confidence >= conf]
        t0 = time.perf_counter()
        out = tracker.update(d, img)
        t_track += time.perf_counter() - t0
        t0 = time.perf_counter()  # the repair's cost includes the looks the app computes for it
        looks = body_colour_features(img, out.xyxy) if lag > 0 and len(out) else None
        released = rep.push(f / FPS, out.tracker_id, out.xyxy, (f, img, out), looks)
        t_rep += time.perf_counter() - t0
        for item in released:
            roles_step(item)
    for item in rep.flush():
        roles_step(item)
    for r in resolver.flush():
        final[(r.track_id, r.segment)] = r.role
    gt_eval = {f: v for f, v in gt.items() if (f - 1) % stride == 0}
    m = evaluate(gt_eval, hyp)
    counts = {k: [0, 0, 0] for k in ("live", "stored")}  # tp, fp, fn
    for f, (gids, gboxes) in gt_eval.items():
        hids, hboxes = hyp.get(f, (np.zeros(0, np.int64), np.zeros((0, 4))))
        match: dict[int, int] = {}
        if len(hids):
            iou = iou_matrix(gboxes, hboxes)
            for a, b in linear_assignment(1.0 - iou):
                if iou[a, b] >= 0.5:
                    match[a] = int(hids[b])
        for a, g in enumerate(gids.tolist()):
            red = g in RED_IDS
            tid = match.get(a)
            for kind in counts:
                if tid is None:
                    staff = False
                elif kind == "live":
                    staff = live.get((f, tid)) == "staff"
                else:
                    staff = final.get((tid, seg_of.get((f, tid), 0))) == "staff"
                c = counts[kind]
                c[0] += int(red and staff)
                c[1] += int(staff and not red)
                c[2] += int(red and not staff)
    pr = {}
    for kind, (tp, fp, fn) in counts.items():
        pr[kind] = (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0, tp, fp, fn)
    n = max(len(hyp), 1)
    return {"m": m, "pr": pr, "hyp": hyp, "track_ms": 1000 * t_track / n, "repair_ms": 1000 * t_rep / n}


def demo_open_zones() -> tuple:
    """The demo camera's queue and counter polygons, as the app hands them to its tracker."""
    from app.config import load_config
    from app.engine.pipeline import open_zones

    site = load_config(ROOT / "resources" / "demo" / "site.yaml")
    return open_zones(site.cameras[0])


#: the identity table (``--table``): the app's default, then each rule of session 4 on top
TABLE_VARIANTS: tuple[tuple[str, TrackerSettings], ...] = (
    ("s3 app default (new_clear off)", AFTER),
    ("new_clear 0.3 everywhere (s3 rule)", replace(AFTER, new_clear=0.3, new_clear_speed=0.0, new_clear_lost=0.0)),
    ("s4: new_clear next to walkers (0.1 h/s)", S4),
    ("s4: new_clear next to walkers (0.25 h/s)", replace(S4, new_clear_speed=0.25)),
    ("s4: new_clear next to walkers (0.5 h/s)", replace(S4, new_clear_speed=0.5)),
    ("s4 app: 0.1 h/s, demo queue+counter open", replace(S4, open_zones=demo_open_zones())),
    ("s4: + static FP rule 2 s", replace(S4, open_zones=demo_open_zones(), static_after=2.0)),
    ("s4 app + static FP rule 1 s", replace(S4, open_zones=demo_open_zones(), static_after=1.0)),
    ("s4 app + static FP rule 4 s", replace(S4, open_zones=demo_open_zones(), static_after=4.0)),
    ("s4 app default: + next to lost 0.5 s", replace(S4, open_zones=demo_open_zones(), static_after=2.0, new_clear_lost=0.5)),
    ("s4 + next to lost 1 s", replace(S4, open_zones=demo_open_zones(), static_after=2.0, new_clear_lost=1.0)),
    ("s4 + next to lost 0.2 s", replace(S4, open_zones=demo_open_zones(), static_after=2.0, new_clear_lost=0.2)),
)
#: the second clip: frames 121-301 (crossings at the top right and by the sign) with a fresh tracker,
#: as tests/models/test_tracking_identity.py replays it; the held-out half: 401-795
CLIP = (121, 301)
HELD_OUT = (401, 795)


def replay(frames: list[np.ndarray], dets: list[Detections], settings: TrackerSettings, first: int,
           last: int, stride: int = 1, conf: float = 0.2, lag: float = 0.0,
           repair: RepairSettings | None = None, looks: bool = False) -> tuple[dict, float, float]:
    """Track frames ``first``..``last`` (1-based) with a fresh tracker, then through the identity lag
    buffer as the app does (``lag`` 0: off); (hypothesis, tracker ms per frame, repair ms per frame)."""
    tracker = Tracker(settings, rate=FPS / stride)
    rep = LagRepair(lag, repair)
    rep.frame_size = frames[0].shape[1], frames[0].shape[0]
    hyp, t, t_rep = {}, 0.0, 0.0

    def keep(released: list) -> None:
        for r in released:
            f, boxes = r.payload
            hyp[f] = released_tracks(r, boxes)

    for f in range(first, last + 1, stride):
        d = dets[f - 1]
        d = d[d.confidence >= conf]
        t0 = time.perf_counter()
        out = tracker.update(d, frames[f - 1])
        t += time.perf_counter() - t0
        boxes = out.xyxy.astype(np.float64)
        t0 = time.perf_counter()  # the repair's cost includes the looks the app computes for it
        feats = body_colour_features(frames[f - 1], out.xyxy) if looks and len(out) else None
        released = rep.push(f / FPS, out.tracker_id.copy(), boxes, (f, boxes), feats)
        t_rep += time.perf_counter() - t0
        keep(released)
    keep(rep.flush())
    n = max(len(hyp), 1)
    return hyp, 1000 * t / n, 1000 * t_rep / n


#: the app's tracker now (session 4's default), which the identity lag rows replay
S4_APP = replace(S4, open_zones=demo_open_zones(), static_after=2.0, new_clear_lost=0.5)
#: session 5: the identity lag buffer (``tracker.identity_lag``) after the app's tracker:
#: (row name, lag seconds, repair thresholds, appearance features given to the repair)
LAG_VARIANTS: tuple[tuple[str, float, RepairSettings, bool], ...] = (
    ("s5: + identity lag 0.8 s (no gap fill)", 0.8, RepairSettings(fill_gap=0.0), True),
    ("s6 app default: + gap fill 0.8 s", 0.8, RepairSettings(), True),
    ("s6: + gap fill 0.5 s", 0.8, RepairSettings(fill_gap=0.5), True),
    ("s6: lag 0.5 s, fill 0.5 s", 0.5, RepairSettings(fill_gap=0.5), True),
    ("s6: + identity lag 1.0 s", 1.0, RepairSettings(), True),
    ("s6: lag 0.8 s, no stitch (gap repair only)", 0.8, RepairSettings(stitch_gap=0.0), True),
    ("s6: lag 0.8 s, stitch up to 1.5 s", 0.8, RepairSettings(stitch_gap=1.5), True),
    ("s6: lag 0.8 s, motion only (no looks)", 0.8, RepairSettings(appearance_weight=0.0), False),
    ("s6: lag 0.8 s, iou 0.3, margin 0.15", 0.8, RepairSettings(iou=0.3, margin=0.15), True),
    ("s6: lag 0.8 s, margin 0, no looks", 0.8, RepairSettings(margin=0.0, appearance_weight=0.0), False),
)


def table(frames: list[np.ndarray], dets: list[Detections], gt: dict,
          variants: tuple[tuple[str, TrackerSettings], ...] = TABLE_VARIANTS,
          lags: tuple[tuple[str, float, RepairSettings, bool], ...] = LAG_VARIANTS) -> None:
    """Print IDF1 / ID switches / fragments / MOTA / tracks per person of each variant on the whole video,
    the held-out half, the second clip (121-301, fresh tracker) and the whole video at 5 Hz; the identity
    lag rows replay the app's tracker (``S4_APP``) through the lag buffer."""

    def cell(hyp: dict, lo: int, hi: int, stride: int = 1) -> str:
        m = evaluate({f: v for f, v in gt.items() if lo <= f <= hi and (f - 1) % stride == 0}, hyp)
        return f"{m.idf1:5.3f} {m.id_switches:3d} {m.fragmentations:3d} {m.mota:5.3f} {m.tracks_per_person:4.2f}"

    n = len(frames)
    head = "IDF1  IDsw frg  MOTA  t/p"
    print(f"{'variant':<40} | {'whole video 1-' + str(n):<26} | {'held out 401-795':<26} | "
          f"{'clip 121-301 (fresh)':<26} | {'5 Hz whole':<26} | ms/f  | repair ms/f")
    print(f"{'':<40} | {head:<26} | {head:<26} | {head:<26} | {head:<26} |")
    rows = [(name, s, 0.0, None, False) for name, s in variants]
    rows += [(name, S4_APP, lag, rs, looks) for name, lag, rs, looks in lags]
    for name, s, lag, rs, looks in rows:
        whole, ms, rep_ms = replay(frames, dets, s, 1, n, lag=lag, repair=rs, looks=looks)
        clip, *_ = replay(frames, dets, s, *CLIP, lag=lag, repair=rs, looks=looks)
        half, *_ = replay(frames, dets, s, 1, n, stride=2, lag=lag, repair=rs, looks=looks)
        print(f"{name:<40} | {cell(whole, 1, n)} | {cell(whole, *HELD_OUT)} | {cell(clip, *CLIP)} | "
              f"{cell(half, 1, n, 2)} | {ms:5.1f} | {rep_ms:5.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", action="store_true", help="only the identity table of session 4's rules")
    ap.add_argument("--cache", type=Path, help="detections cache (.npz), made on the first run")
    ap.add_argument("--stride", type=int, default=1, help="run the detector on every N-th frame")
    ap.add_argument("--variants", help="only the table rows whose name contains this text (with --table)")
    ap.add_argument("--split-similarity", type=float, default=RoleSettings().split_similarity)
    args = ap.parse_args()
    frames = load_frames()
    gt = read_mot(TRUTH)
    dets = detections(frames, args.cache)
    if args.table:
        sel = args.variants or ""
        table(frames, dets, gt, tuple(v for v in TABLE_VARIANTS if sel in v[0]),
              tuple(v for v in LAG_VARIANTS if sel in v[0]))
        return
    uniform = uniform_model(frames, gt)
    people = sum(len(d[d.confidence >= 0.4]) for d in dets)
    t0 = time.perf_counter()
    for img, d in zip(frames, dets, strict=True):
        body_colour_features(img, d[d.confidence >= 0.4].xyxy)
    feat_ms = 1000 * (time.perf_counter() - t0) / max(people, 1)
    variants = [
        ("before: ByteTrack, no split", TrackerSettings(), 0.4, False),
        ("ByteTrack, roles split", TrackerSettings(), 0.4, True),
        ("session 1: appearance + split", SESSION1, 0.4, True),
        ("session 2: + occlusion order", SESSION2, 0.4, True),
        ("s3: + no new track in a followed box", replace(SESSION2, new_clear=0.3, new_clear_speed=0.0, new_clear_lost=0.0), 0.4, True),
        ("s3: + low-score pass 0.2 (rule off)", AFTER, 0.2, True),
        ("s4: + rule next to walkers", S4, 0.2, True),
        ("s4: + static false positives", replace(S4, static_after=2.0), 0.2, True),
        ("s4: + rule next to lost 0.5 s", replace(S4, static_after=2.0, new_clear_lost=0.5), 0.2, True),
    ]
    app = replace(S4, static_after=2.0, new_clear_lost=0.5)
    lags = [("after (s6): lag 0.8 s + gap fill", app, 0.2, True, 0.8)]
    print(f"stride {args.stride}; appearance feature: {feat_ms:.3f} ms/person (one core)")
    print(
        f"{'variant':<38} {'IDF1':>5} {'IDsw':>4} {'frag':>4} {'MOTA':>5} {'trk/person':>10} "
        f"{'live P/R':>11} {'stored P/R':>11} {'track ms':>8} {'repair ms':>9}"
    )
    for name, s, conf, split, lag in [(*v, 0.0) for v in variants] + lags:
        r = run(frames, dets, gt, s, conf, split, uniform, args.stride, args.split_similarity, lag)
        m, pr = r["m"], r["pr"]
        print(
            f"{name:<38} {m.idf1:5.3f} {m.id_switches:4d} {m.fragmentations:4d} {m.mota:5.3f} "
            f"{m.tracks_per_person:10.2f} {pr['live'][0]:5.2f}/{pr['live'][1]:4.2f} "
            f"{pr['stored'][0]:5.2f}/{pr['stored'][1]:4.2f} {r['track_ms']:8.2f} {r['repair_ms']:9.2f}"
        )


if __name__ == "__main__":
    main()
