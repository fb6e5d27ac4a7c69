"""Make the second tracking clip: real people from the demo video composited along new, harder paths.

The demo video (``resources/demo/vtest.avi``, unchanged) gives both the empty scene and the people:

1. **Background**: the per-pixel median of every 3rd frame (nobody stands in one place for half the video).
2. **People** ("sprites"): for a few people of ``tests/data/tracking/vtest_gt.txt`` (none of the people in
   red, whose crops the roles benchmark uses as uniform examples), a stretch of frames where they walk
   alone. Each frame's cut-out is the difference to the median background inside their box (the
   bootstrap NanoDet box, ``vtest_bootstrap.mot``), cleaned with morphology (close, open, largest blob
   and the blobs beside it, holes filled), its edge softened by one pixel. Their real sequence of poses
   is kept and replayed in a loop as they walk.
3. **Paths**: each person walks a new polyline at a speed in body heights per second, scaled by the
   scene's perspective (box height = 0.2436 × bottom y + 14.2, fitted on the hand-checked boxes, times
   the person's own height ratio), mirrored when they walk the other way than in their source frames.
   The scenes: a pair walking side by side past a man standing still; two people crossing each other
   in front of him; a man passing behind the pair; a second pair (a woman and a man) crossing a man
   walking the other way; a man who left the picture coming back (a new pass, so a new id); two men in
   dark jackets and jeans crossing at the same height.
4. **Depth order**: a lower bottom edge is nearer and drawn later.
5. **Truth** (MOTChallenge CSV, ``frame,id,x,y,w,h,consider,1,visibility``): every frame, the box of
   each pasted person's whole cut-out (clipped to the picture) with a persistent id per pass through the
   view. ``visibility`` is the share of the person's cut-out pixels that are in the picture and not
   covered by a nearer person; rows below ``MIN_VISIBLE`` have ``consider`` = 0 (kept in the file,
   skipped by the scorer, as in MOTChallenge ground truth).

Deterministic: no randomness is used (the seed below only fixes the small sway of the standing man).

Usage: .venv/bin/python benchmarks/make_crossing_clip.py [--out tests/data/tracking] [--debug DIR]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT / "resources" / "demo" / "vtest.avi"
BOOT = ROOT / "tests" / "data" / "tracking" / "vtest_bootstrap.mot"
FPS = 10.0
N_FRAMES = 300
W, H = 768, 576
MIN_VISIBLE = 0.35
SEED = 12
#: box height in pixels at a bottom edge y (least squares on vtest_gt.txt, residual sd 6.5 px)
H_SLOPE, H_OFFSET = 0.2436, 14.17


#: the lamp post and its sign: people whose feet are above (behind) its foot are drawn behind it
POST_FOOT = 391.0
POST_POLYGONS = (
    ((426, 22), (434, 22), (436, 391), (429, 391)),  # the post
    ((413, 202), (445, 202), (445, 245), (413, 245)),  # the sign
    ((401, 18), (438, 18), (438, 38), (401, 38)),  # the lamp
)


def post_alpha() -> np.ndarray:
    """Coverage (0..1) of the lamp post, its sign and lamp in the picture (drawn at 4x, area-averaged)."""
    big = np.zeros((H * 4, W * 4), np.uint8)
    for poly in POST_POLYGONS:
        cv2.fillPoly(big, [np.array(poly, np.int32) * 4], 255)
    return cv2.resize(big, (W, H), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def person_height(yb: float) -> float:
    """The scene's typical person height (pixels) whose feet are at ``yb``."""
    return H_SLOPE * yb + H_OFFSET


@dataclass(frozen=True)
class Source:
    """A stretch of the demo video where one labelled person walks alone.

    Attributes:
        boot_id: their bootstrap track id (``vtest_bootstrap.mot``).
        first: first frame (1-based).
        last: last frame.
        gt_id: their id in ``vtest_gt.txt`` (documentation).
        what: how they look.
    """

    boot_id: int
    first: int
    last: int
    gt_id: int
    what: str


SOURCES: dict[str, Source] = {
    "jacket_jeans": Source(18, 176, 289, 1, "dark jacket, jeans, dark hair"),
    "bald": Source(12, 45, 116, 12, "bald, black jacket, jeans (seen from behind)"),
    "coat": Source(51, 539, 580, 38, "long black coat, black trousers (front)"),
    "black": Source(25, 170, 204, 11, "black jacket, black trousers"),
    "stripes": Source(33, 180, 204, 26, "navy striped jumper, jeans"),
    "leather": Source(41, 374, 404, 41, "black leather jacket, black trousers, paper in hand"),
    "woman": Source(73, 624, 678, 73, "woman, fair curly hair, long black coat"),
    "grey": Source(74, 743, 779, 74, "grey-black jacket, jeans, receding hair"),
}


@dataclass
class Actor:
    """One pass of a person through the new clip.

    Attributes:
        gt_id: their id in the truth file.
        source: key of :data:`SOURCES`.
        path: polyline of feet positions (x, bottom y); may start and end outside the picture.
        start: frame (0-based) at which they are at ``path[0]``.
        speed: walking speed in body heights per second.
        stops: ``{waypoint index: frames}`` standing still at a waypoint (the pose is held).
        follow: ``(gt id, dx in body heights, dy in pixels)``: walk beside another actor instead of a path.
        at: ``(x, frame)``: start so that the feet pass ``x`` at ``frame`` (instead of ``start``).
    """

    gt_id: int
    source: str
    path: list[tuple[float, float]] = field(default_factory=list)
    start: int = 0
    speed: float = 0.65
    stops: dict[int, int] = field(default_factory=dict)
    follow: tuple[int, float, float] | None = None
    at: tuple[float, int] | None = None


ACTORS: list[Actor] = [
    # a pair walking side by side (overlapping), then along the path right in front of a man standing still
    Actor(1, "jacket_jeans", [(640, 600), (500, 385), (300, 335), (-80, 220)], start=0, speed=0.7),
    Actor(2, "bald", follow=(1, 0.3, -6)),
    # the man standing still for 17 s, then walking off towards the camera
    Actor(3, "coat", [(470, 330), (820, 480)], start=0, speed=0.5, stops={0: 170}),
    # a man passing just behind the pair (hidden by them for a moment), in front of the standing man
    Actor(6, "leather", [(-40, 318), (820, 348)], at=(400, 40), speed=0.7),
    # two people crossing each other at the same depth, right at the standing man (three in one place)
    Actor(4, "black", [(-40, 300), (820, 372)], at=(470, 95), speed=0.7),
    Actor(5, "stripes", [(820, 350), (-40, 305)], at=(470, 95), speed=0.75),
    # a second pair (the woman nearer) walking left on the grass, crossed by a man walking right in front
    Actor(7, "woman", [(800, 560), (-60, 430)], start=150, speed=0.6),
    Actor(8, "leather", follow=(7, 0.35, -18)),
    Actor(9, "grey", [(-40, 480), (820, 540)], at=(380, 210), speed=0.65),
    # the man of the first pair comes back from the left (a new pass: a new id) and crosses a man in
    # similar clothes at the same depth, far from the camera (small)
    Actor(10, "jacket_jeans", [(-40, 205), (820, 262)], at=(420, 230), speed=0.7),
    Actor(11, "bald", [(820, 250), (-40, 206)], at=(420, 230), speed=0.7),
    # two people meet, stand face to face for 2.5 s and walk on past each other (both crossed the picture
    # before: new passes)
    Actor(12, "black", [(820, 322), (330, 286), (-40, 262)], at=(330, 228), speed=0.7, stops={1: 25}),
    Actor(13, "stripes", [(-40, 272), (300, 283), (820, 320)], at=(300, 228), speed=0.7, stops={1: 25}),
]


def read_video(path: Path) -> np.ndarray:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img)
    cap.release()
    if not frames:
        sys.exit(f"cannot read {path}")
    return np.stack(frames)


@dataclass
class Sprite:
    """A person's cut-outs, one per source frame: BGR crop, alpha (0..1), motion direction, height ratio."""

    images: list[np.ndarray]
    alphas: list[np.ndarray]
    dx: float
    rel_height: float


def cut_sprite(frames: np.ndarray, bg: np.ndarray, boot: np.ndarray, src: Source) -> Sprite:
    """Cut one person's frames out of the video (difference to the median background in their box)."""
    rows = boot[(boot[:, 1] == src.boot_id) & (boot[:, 0] >= src.first) & (boot[:, 0] <= src.last)]
    rows = rows[np.argsort(rows[:, 0])]
    images, alphas, rel, xs = [], [], [], []
    k_close = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    k_open = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    for r in rows:
        f = int(r[0])
        x, y, w, h = r[2:6]
        m = 0.12
        x1, y1 = int(max(x - m * w, 0)), int(max(y - 0.05 * h, 0))
        x2, y2 = int(min(x + w * (1 + m), W)), int(min(y + h * 1.04, H))
        img = frames[f - 1][y1:y2, x1:x2].astype(np.float32)
        ref = bg[y1:y2, x1:x2].astype(np.float32)
        diff = np.sqrt(((img - ref) ** 2).sum(axis=2))
        mask = (diff > 30).astype(np.uint8)
        # cast shadow by the feet: darker than the ground by a similar factor in every channel
        ratio = (img + 1.0) / (ref + 1.0)
        shadow = (ratio.max(axis=2) < 0.97) & (ratio.min(axis=2) > 0.45)
        shadow &= (ratio.max(axis=2) - ratio.min(axis=2)) < 0.15
        feet = np.zeros_like(shadow)
        feet[int(0.6 * (y2 - y1)) :] = True
        mask[shadow & feet] = 0
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, k_close)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, k_open)
        n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, 8)
        if n <= 1:
            continue
        big = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        keep = np.zeros(n, bool)
        keep[big] = True
        bx1 = stats[big, cv2.CC_STAT_LEFT]
        bx2 = bx1 + stats[big, cv2.CC_STAT_WIDTH]
        for j in range(1, n):  # pieces beside the body (a hand, a foot), not stray noise
            a = stats[j, cv2.CC_STAT_AREA]
            cx = stats[j, cv2.CC_STAT_LEFT] + stats[j, cv2.CC_STAT_WIDTH] / 2
            if a >= 0.02 * stats[big, cv2.CC_STAT_AREA] and bx1 - 4 <= cx <= bx2 + 4:
                keep[j] = True
        mask = keep[lab].astype(np.uint8)
        # fill small holes (clothes the colour of the ground), not the gap between the legs
        holes = 1 - mask
        nh, hlab, hstats, _ = cv2.connectedComponentsWithStats(holes, 4)
        for j in range(1, nh):
            x0, y0, ww, hh_, area = hstats[j]
            inside = x0 > 0 and y0 > 0 and x0 + ww < holes.shape[1] and y0 + hh_ < holes.shape[0]
            if inside and area < 0.004 * mask.size:
                mask[hlab == j] = 1
        ys, xs_ = np.nonzero(mask)
        if len(ys) < 200:
            continue
        cy1, cy2, cx1, cx2 = ys.min(), ys.max() + 1, xs_.min(), xs_.max() + 1
        mask = mask[cy1:cy2, cx1:cx2]
        crop = frames[f - 1][y1 + cy1 : y1 + cy2, x1 + cx1 : x1 + cx2].copy()
        # a soft edge one pixel wide, inside the cut-out (no background rim)
        inner = cv2.erode(mask, k_open)
        alpha = cv2.GaussianBlur(inner.astype(np.float32), (3, 3), 0.8) * mask
        images.append(crop)
        alphas.append(alpha)
        yb = y1 + cy2
        rel.append((cy2 - cy1) / person_height(yb))
        xs.append(x1 + (cx1 + cx2) / 2)
    return Sprite(images, alphas, float(xs[-1] - xs[0]), float(np.median(rel)))


def walk(a: Actor, start: int, n_frames: int) -> dict[int, tuple[float, float, float]]:
    """Frame -> (feet x, feet y, pixels moved this frame) of an actor on its path from ``start``."""
    pos: dict[int, tuple[float, float, float]] = {}
    p = np.array(a.path[0], float)
    seg, f = 0, start
    stops = dict(a.stops)
    while f < n_frames:
        if stops.get(seg, 0) > 0:
            pos[f] = (p[0], p[1], 0.0)
            stops[seg] -= 1
            f += 1
            continue
        if seg + 1 >= len(a.path):
            break
        step = a.speed * person_height(p[1]) / FPS
        moved = 0.0
        while step > 1e-9 and seg + 1 < len(a.path):
            nxt = np.array(a.path[seg + 1], float)
            d = float(np.linalg.norm(nxt - p))
            if d <= step:
                p, step, moved, seg = nxt, step - d, moved + d, seg + 1
                if stops.get(seg, 0) > 0:
                    break
            else:
                p = p + (nxt - p) * step / d
                moved += step
                step = 0.0
        pos[f] = (p[0], p[1], moved)
        f += 1
    return pos


def actor_positions(actors: list[Actor]) -> dict[int, dict[int, tuple[float, float, float]]]:
    """Per actor, frame -> (feet x, feet y, pixels moved this frame); only frames where they exist."""
    out: dict[int, dict[int, tuple[float, float, float]]] = {}
    for a in actors:
        if a.follow is not None:
            continue
        start = a.start
        if a.at is not None:
            x_at, frame_at = a.at
            dry = walk(a, 0, 10 * N_FRAMES)
            sign = np.sign(a.path[-1][0] - a.path[0][0])
            k = min(f for f, (x, _, _) in dry.items() if sign * (x - x_at) >= 0)
            start = frame_at - k
        pos = walk(a, start, N_FRAMES)
        out[a.gt_id] = {f: v for f, v in pos.items() if f >= 0}
    for a in actors:
        if a.follow is None:
            continue
        lead, dx_h, dy = a.follow
        out[a.gt_id] = {
            f: (x + dx_h * person_height(y), y + dy, v) for f, (x, y, v) in out[lead].items()
        }
    return out


def render(
    bg: np.ndarray, sprites: dict[str, Sprite], actors: list[Actor]
) -> tuple[list[np.ndarray], list[tuple[int, int, float, float, float, float, float]]]:
    """Composite every frame; (frames, truth rows (frame 1-based, id, x, y, w, h, visibility))."""
    rng = np.random.default_rng(SEED)
    positions = actor_positions(actors)
    by_id = {a.gt_id: a for a in actors}
    phase = {a.gt_id: 0 for a in actors}
    direction: dict[int, float] = {}
    sway = rng.normal(0.0, 0.3, N_FRAMES)
    post = post_alpha()
    frames, truth = [], []
    for f in range(N_FRAMES):
        img = bg.astype(np.float32)
        placed = []  # (feet y, id, x1, y1, alpha in picture coordinates (full canvas crop), patch)
        for gid, pos in positions.items():
            if f not in pos:
                continue
            a = by_id[gid]
            sp = sprites[a.source]
            x, yb, moved = pos[f]
            # the direction of travel this frame (kept while standing)
            nxt = pos.get(f + 1) or pos.get(f - 1)
            if nxt is not None and abs(nxt[0] - x) > 0.05:
                step = nxt[0] - x if f + 1 in pos else x - nxt[0]
                direction[gid] = np.sign(step)
            k = phase[gid] % len(sp.images)
            if moved > 0:
                phase[gid] += 1
            im, al = sp.images[k], sp.alphas[k]
            if direction.get(gid, 0) * sp.dx < 0:
                im, al = im[:, ::-1], al[:, ::-1]
            h = person_height(yb) * sp.rel_height
            s = h / im.shape[0]
            w = max(round(im.shape[1] * s), 2)
            hh = max(round(h), 2)
            im = cv2.resize(np.ascontiguousarray(im), (w, hh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
            al = cv2.resize(np.ascontiguousarray(al), (w, hh), interpolation=cv2.INTER_LINEAR)
            if moved == 0:
                x += sway[f]
            x1 = round(x - w / 2)
            y1 = round(yb - hh)
            placed.append((yb, gid, x1, y1, im, al))
        # the post is a static occluder at its own depth: it covers the people behind it
        placed.append((POST_FOOT, 0, 0, 0, bg, post))
        placed.sort(key=lambda t: t[0])  # far first, near last
        # coverage: for each person, the union of nearer people's alpha
        cover = np.zeros((H, W), np.float32)
        vis_rows = []
        for _yb, gid, x1, y1, _im, al in reversed(placed):
            hh, w = al.shape
            cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x1 + w, W), min(y1 + hh, H)
            body = float((al > 0.5).sum())
            seen = 0.0
            if cx2 > cx1 and cy2 > cy1:
                a_in = al[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1]
                c_in = cover[cy1:cy2, cx1:cx2]
                seen = float(((a_in > 0.5) & (c_in < 0.5)).sum())
                cover[cy1:cy2, cx1:cx2] = np.maximum(c_in, a_in)
                # the whole cut-out's box, clipped to the picture
                if gid and (a_in > 0.5).any():
                    vis_rows.append((gid, cx1, cy1, cx2 - cx1, cy2 - cy1, seen / max(body, 1.0)))
        for _yb, _gid, x1, y1, im, al in placed:
            hh, w = al.shape
            cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x1 + w, W), min(y1 + hh, H)
            if cx2 <= cx1 or cy2 <= cy1:
                continue
            a_in = al[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1, None]
            p_in = im[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1].astype(np.float32)
            img[cy1:cy2, cx1:cx2] = img[cy1:cy2, cx1:cx2] * (1 - a_in) + p_in * a_in
        frames.append(np.clip(img + 0.5, 0, 255).astype(np.uint8))
        for gid, x, y, w, h, vis in sorted(vis_rows):
            truth.append((f + 1, gid, float(x), float(y), float(w), float(h), round(vis, 2)))
    return frames, truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "tracking")
    ap.add_argument("--debug", type=Path, help="also write every 10th frame with its truth boxes as PNG here")
    args = ap.parse_args()
    frames = read_video(VIDEO)
    bg = np.median(frames[::3], axis=0).astype(np.uint8)
    boot = np.loadtxt(BOOT, delimiter=",")
    sprites = {k: cut_sprite(frames, bg, boot, s) for k, s in SOURCES.items()}
    for k, sp in sprites.items():
        print(f"{k:<13} {len(sp.images):3d} poses  height ratio {sp.rel_height:.2f}  dx {sp.dx:+.0f}")
    out, truth = render(bg, sprites, ACTORS)
    args.out.mkdir(parents=True, exist_ok=True)
    video = args.out / "crossings.avi"
    tmp = video.with_suffix(".tmp.avi")
    vw = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (W, H))
    if not vw.isOpened():
        sys.exit("cannot write an MPEG-4 (mp4v) video here")
    for img in out:
        vw.write(img)
    vw.release()
    tmp.replace(video)
    lines = [
        f"{f},{i},{x:.1f},{y:.1f},{w:.1f},{h:.1f},{int(v >= MIN_VISIBLE)},1,{v:.2f}"
        for f, i, x, y, w, h, v in truth
    ]
    (args.out / "crossings_gt.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    kept = sum(v >= MIN_VISIBLE for *_, v in truth)
    ids = sorted({t[1] for t in truth})
    print(f"{video}: {len(out)} frames, {video.stat().st_size / 1e6:.2f} MB; truth: {kept} boxes considered "
          f"({len(truth) - kept} hidden or mostly outside the picture), {len(ids)} ids")
    if args.debug:
        args.debug.mkdir(parents=True, exist_ok=True)
        for f in range(0, N_FRAMES, 10):
            img = out[f].copy()
            for t in truth:
                if t[0] != f + 1:
                    continue
                _, i, x, y, w, h, v = t
                col = (0, 255, 0) if v >= MIN_VISIBLE else (0, 0, 255)
                cv2.rectangle(img, (int(x), int(y)), (int(x + w), int(y + h)), col, 1)
                cv2.putText(img, f"{i} {v:.2f}", (int(x), int(y) - 3), 0, 0.4, col, 1)
            cv2.putText(img, str(f + 1), (5, 20), 0, 0.6, (0, 0, 255), 2)
            cv2.imwrite(str(args.debug / f"f{f + 1:03d}.png"), img)


if __name__ == "__main__":
    main()
