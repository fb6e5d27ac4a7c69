"""Evaluate left-item detection on the demo video: plain (false alarms) and with a bag composited in.

A composited clip is the demo video (``vtest.avi``, real people walking) with a rendered bag
pasted in: it travels at a real person's side (a track of the plain video found by the app's
own detector and tracker), is put down on the floor at their feet at a chosen frame, the
person walks on and leaves, and the bag stays to the end. The truth is the drop time, the
owner's track and the bag's box. Both kinds of video run through the real pipeline
(:func:`app.engine.runner.analyze`: decode, detector, tracker) and the objects module sees
its tracked detections, exactly as in the app.

Measured: per clip, whether ``objects/left`` was raised for the bag (box overlap), its delay
after the drop and after the earliest time the policy allows (still ``left_after`` seconds and
owner away ``owner_gone`` seconds), and any other ``left`` event (a false alarm); on the plain
video, false alarms per hour. Limits: the bag is pasted on top of everything (a person
walking in front of it does not hide it), and the demo video is only 79.5 s long.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from analytics.left_items import ObjectEvent, iou
from analytics.mot_eval import read_mot
from analytics.tracks import hidden_mask
from app.config import CameraConfig, SiteConfig, load_config
from app.engine.modules import CameraContext
from app.engine.pipeline import FrameResult
from app.engine.runner import analyze
from app.objects.module import ObjectsModule
from app.resources import resources_dir

BAG_CLASSES = ["person", "backpack", "handbag", "suitcase"]


@dataclass(slots=True)
class Run:
    """What one pass over a video gave: frame times, tracked people per frame, objects events."""

    ts: dict[int, float] = field(default_factory=dict)
    people: dict[int, list[tuple[int, np.ndarray]]] = field(default_factory=dict)
    events: list[ObjectEvent] = field(default_factory=list)
    duration: float = 0.0


def demo_site() -> tuple[SiteConfig, CameraConfig]:
    """The demo config and its camera."""
    cfg = load_config(resources_dir() / "demo" / "site.yaml")
    return cfg, cfg.cameras[0]


def run_video(
    video: Path, *, left_after: float, owner_gone: float, stride: int = 1, stop_after: float | None = None
) -> Run:
    """Analyse ``video`` with the demo camera's settings plus bag classes; feed the objects module."""
    site, cam = demo_site()
    data = cam.model_dump()
    data.update(source=str(video), stride=stride, classes=BAG_CLASSES)
    data["modules"]["objects"] = {"enabled": False}  # run by hand below, to keep its decisions
    data["modules"]["pose"]["enabled"] = False
    cam = CameraConfig.model_validate(data)
    ctx = CameraContext(site, cam, site.effective(cam))
    ctx.camera.modules.objects.enabled = True
    ctx.camera.modules.objects.left_after = left_after
    ctx.camera.modules.objects.owner_gone = owner_gone
    module = ObjectsModule(ctx)
    out = Run()
    stop = threading.Event()

    def on_frame(res: FrameResult) -> None:
        if not res.analysed or stop.is_set():  # frames the identity lag releases after the stop: beyond it
            return
        f, d = res.frame, res.detections
        if not module.sees_hidden:  # as the pipeline feeds it: the detector's boxes only
            d = d[~hidden_mask(d)]
        out.ts[f.index] = f.ts
        person = d.is_class("person") & (d.tracker_id >= 0)
        out.people[f.index] = [(int(t), b.copy()) for t, b in zip(d.tracker_id[person], d.xyxy[person], strict=True)]
        module.process(f, d)
        if stop_after is not None and f.ts - min(out.ts.values()) >= stop_after:
            stop.set()

    with tempfile.TemporaryDirectory(prefix="storesight-objects-") as tmp:
        analyze(site, cam, db_url=f"sqlite:///{Path(tmp) / 'e.db'}", data_dir=Path(tmp), stop=stop, on_frame=on_frame)
    out.events = list(module.events)
    out.duration = max(out.ts.values()) - min(out.ts.values()) if out.ts else 0.0
    return out


def render_bag(rng: np.random.Generator, height: int) -> tuple[np.ndarray, np.ndarray]:
    """A bag (body, flap, handle) about ``height`` px tall: BGR and alpha."""
    h = max(12, height)
    w = int(h * rng.uniform(0.9, 1.3))
    colour = np.array(rng.choice([(40, 30, 120), (120, 60, 20), (30, 30, 30), (30, 80, 140), (90, 20, 90)]), np.float32)
    img = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    top = h // 3
    cv2.rectangle(alpha, (0, top), (w - 1, h - 1), 1.0, -1)
    cv2.ellipse(alpha, (w // 2, top), (w // 3, top - 1), 0, 180, 360, 1.0, 2)
    img[:] = colour
    shade = np.linspace(1.25, 0.7, w, dtype=np.float32)[None, :, None]
    img[top:] *= shade
    cv2.line(img, (1, top + (h - top) // 3), (w - 2, top + (h - top) // 3), (200, 200, 200), 1)
    img[:top] = colour * 0.6
    img += rng.normal(0, 4, img.shape[:2])[..., None]
    return np.clip(img, 0, 255).astype(np.uint8), cv2.GaussianBlur(alpha, (3, 3), 0)


def _paste(frame: np.ndarray, img: np.ndarray, alpha: np.ndarray, cx: int, bottom: int) -> tuple[int, int, int, int]:
    h, w = alpha.shape
    x1, y1 = cx - w // 2, bottom - h
    fx1, fy1, fx2, fy2 = max(0, x1), max(0, y1), min(frame.shape[1], x1 + w), min(frame.shape[0], y1 + h)
    if fx2 <= fx1 or fy2 <= fy1:
        return (fx1, fy1, fx1, fy1)
    a = alpha[fy1 - y1 : fy2 - y1, fx1 - x1 : fx2 - x1, None]
    src = img[fy1 - y1 : fy2 - y1, fx1 - x1 : fx2 - x1].astype(np.float32)
    frame[fy1:fy2, fx1:fx2] = (frame[fy1:fy2, fx1:fx2] * (1 - a) + src * a).astype(np.uint8)
    return (fx1, fy1, fx2, fy2)


@dataclass(frozen=True, slots=True)
class ClipTruth:
    """Where and when the bag was left in a composited clip."""

    path: Path
    owner: int
    drop_frame: int
    drop_ts: float
    owner_last_frame: int
    owner_last_ts: float
    box: tuple[int, int, int, int]


def pick_owners(plain: Run, *, count: int, min_after: float = 30.0) -> list[tuple[int, int, int]]:
    """(track, drop frame, last frame) of people walking long enough who leave well before the end."""
    seen: dict[int, list[tuple[int, np.ndarray]]] = {}
    for k in sorted(plain.people):
        for tid, b in plain.people[k]:
            seen.setdefault(tid, []).append((k, b))
    last_frame = max(plain.ts)
    cands = []
    for tid, obs in seen.items():
        if len(obs) < 45:
            continue
        _first, last = obs[0][0], obs[-1][0]
        if plain.ts[last_frame] - plain.ts[last] < min_after:
            continue
        drop_i = 15
        b0 = obs[drop_i][1]
        bl = obs[-1][1]
        h = b0[3] - b0[1]
        moved = np.hypot((bl[0] + bl[2]) / 2 - (b0[0] + b0[2]) / 2, bl[3] - b0[3])
        if h < 55 or moved < 3 * h or b0[3] > 560:
            continue
        cands.append((tid, obs[drop_i][0], last))
    cands.sort(key=lambda c: c[1])
    # spread the picks over the video
    if len(cands) > count:
        idx = np.linspace(0, len(cands) - 1, count).round().astype(int)
        cands = [cands[i] for i in idx]
    return cands


def composite(plain: Run, owner: tuple[int, int, int], out: Path, *, seed: int) -> ClipTruth:
    """Write the demo video with a bag carried by ``owner`` and dropped at their feet (MJPG AVI)."""
    tid, drop, last = owner
    rng = np.random.default_rng(seed)
    boxes = {k: b for k in plain.people for t, b in plain.people[k] if t == tid}
    h0 = boxes[drop][3] - boxes[drop][1]
    img, alpha = render_bag(rng, int(h0 * rng.uniform(0.28, 0.36)))
    side = 1 if rng.random() < 0.5 else -1
    cap = cv2.VideoCapture(str(resources_dir() / "demo" / "vtest.avi"))
    fps = cap.get(cv2.CAP_PROP_FPS) or 10.0
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    drop_box = boxes[drop]
    drop_cx = int(drop_box[2] + 4 if side > 0 else drop_box[0] - 4)
    bag_box = (0, 0, 0, 0)
    k = 0
    carry_from = drop - 40
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if carry_from <= k < drop and k in boxes:
            b = boxes[k]
            cx = int(b[2] + 2 if side > 0 else b[0] - 2)
            _paste(frame, img, alpha, cx, int(b[3] - 0.22 * (b[3] - b[1])))
        elif k >= drop:
            bag_box = _paste(frame, img, alpha, drop_cx, int(drop_box[3]))
        writer.write(frame)
        k += 1
    cap.release()
    writer.release()
    return ClipTruth(out, tid, drop, plain.ts[drop], last, plain.ts[last], bag_box)


@dataclass(frozen=True, slots=True)
class ClipScore:
    """One composited clip's result."""

    owner: int
    detected: bool
    delay_after_drop: float | None
    delay_after_policy: float | None
    false_alarms: int
    owner_linked: bool


def score_clip(truth: ClipTruth, run: Run, *, left_after: float, owner_gone: float) -> ClipScore:
    """Match the clip's ``left`` events against the bag."""
    lefts = [e for e in run.events if e.kind == "left"]
    hits = [e for e in lefts if iou(np.asarray(e.box), np.asarray(truth.box, float)) > 0.2 and e.ts >= truth.drop_ts]
    first = min(hits, key=lambda e: e.ts) if hits else None
    policy = max(truth.drop_ts + left_after, truth.owner_last_ts + owner_gone)
    return ClipScore(
        owner=truth.owner,
        detected=first is not None,
        delay_after_drop=None if first is None else first.ts - truth.drop_ts,
        delay_after_policy=None if first is None else first.ts - policy,  # owner's track end: an upper bound
        false_alarms=len(lefts) - len(hits),
        owner_linked=first is not None and first.owner_track is not None,
    )


def run_bench(*, clips: int = 3, left_after: float = 15.0, owner_gone: float = 5.0, stride: int = 1, progress=None) -> dict:
    """Plain demo video + ``clips`` composited clips; returns the numbers of the report's table."""
    plain = run_video(resources_dir() / "demo" / "vtest.avi", left_after=left_after, owner_gone=owner_gone, stride=stride)
    if progress:
        progress(f"plain video: {len([e for e in plain.events if e.kind == 'left'])} left events")
    owners = pick_owners(plain, count=clips)
    scores = []
    with tempfile.TemporaryDirectory(prefix="storesight-clips-") as tmp:
        for i, owner in enumerate(owners):
            truth = composite(plain, owner, Path(tmp) / f"clip{i}.avi", seed=i + 1)
            run = run_video(truth.path, left_after=left_after, owner_gone=owner_gone, stride=stride)
            scores.append((truth, score_clip(truth, run, left_after=left_after, owner_gone=owner_gone), run.duration))
            if progress:
                progress(f"clip {i + 1}: {scores[-1][1]}")
    plain_fa = len([e for e in plain.events if e.kind == "left"])
    return {"plain": (plain_fa, plain.duration), "clips": scores, "left_after": left_after, "owner_gone": owner_gone}


def format_table(res: dict) -> str:
    """The left-item benchmark as Markdown."""
    lines = [
        f"settings: left_after {res['left_after']:.0f} s, owner_gone {res['owner_gone']:.0f} s",
        "",
        "| video | duration s | bag put down at s | owner's track ends at s | detected | delay after drop s | "
        "delay beyond left_after s | owner linked | other left events (false alarms) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    t0 = None
    for truth, s, dur in res["clips"]:
        t0 = t0 or truth.drop_ts - truth.drop_frame / 10.0
        fmt = (lambda v: "-" if v is None else f"{v:.1f}")  # noqa: E731
        lines.append(
            f"| demo + bag (owner track {s.owner}) | {dur:.1f} | {truth.drop_ts - t0:.1f} | {truth.owner_last_ts - t0:.1f} | "
            f"{'yes' if s.detected else 'no'} | {fmt(s.delay_after_drop)} | "
            f"{fmt(None if s.delay_after_drop is None else s.delay_after_drop - res['left_after'])} | "
            f"{'yes' if s.owner_linked else 'no'} | {s.false_alarms} |"
        )
    fa, dur = res["plain"]
    lines.append(f"| demo video, plain | {dur:.1f} | - | - | - | - | - | - | {fa} |")
    total_fa = fa + sum(s.false_alarms for _, s, _ in res["clips"])
    total_h = (dur + sum(d for _, _, d in res["clips"])) / 3600
    lines += ["", f"false alarms: {total_fa} in {total_h * 3600:.0f} s of video = {total_fa / total_h:.1f} per hour"]
    return "\n".join(lines)


def people_from_mot(path: Path, *, t0: float, fps: float = 10.0) -> Run:
    """A :class:`Run` (times and tracked people) from a MOTChallenge CSV the app wrote (``--mot``).

    Only people seen: rows of confidence 0 (a hidden track's interpolated box) are left out — read as a
    truth file's "ignore" rows (:func:`analytics.mot_eval.read_mot`).

    Raises:
        MotFormatError: the file cannot be read or has no box of a person seen.
    """
    out = Run()
    for f, (ids, boxes) in read_mot(path, truth=True).items():
        out.people[f - 1] = [(int(i), b.astype(np.float32)) for i, b in zip(ids, boxes, strict=True)]
    last = max(out.people) if out.people else 0
    for k in range(last + 1):
        out.ts[k] = t0 + k / fps
        out.people.setdefault(k, [])
    out.duration = last / fps
    return out
