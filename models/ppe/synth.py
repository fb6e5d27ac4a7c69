"""The PPE evaluation set: real people with rendered vests and helmets fitted by pose.

No picture of people wearing (or not wearing) hard hats and hi-vis vests with a usable licence is
available offline here, so the set is built from what is real — people found in the demo video
(``vtest.avi``) and in the photos that ship with the installed packages (Ultralytics' ``bus.jpg``
and ``zidane.jpg``, Matplotlib's ``grace_hopper.jpg``) — with PPE *rendered* onto them where their
pose keypoints say the head and torso are:

* **vest**: a polygon from the shoulders to below the hips, fluorescent lime-yellow or orange,
  shaded by the person's own shirt (folds and light come from the real pixels) and the scene's
  light level and colour cast, with silver retroreflective stripes (two horizontal bands, often
  two over the shoulders, sometimes none), a neck opening, and occlusion by the arms in front and
  sometimes a carried box;
* **helmet**: a dome with a brim over the eyes, white / yellow / orange / red / blue / green, lit
  from above with a highlight, sometimes a ridge;
* **hard negatives** (labelled "no"): shirts recoloured in ordinary dyes (some yellow or orange,
  but not fluorescent, no stripes) and knitted caps or baseball caps on the head.

Everything is rendered on a 4x enlarged crop and shrunk back, then JPEG-compressed, so it has the
resolution and artefacts of the source. :func:`make_set` is deterministic for a seed; its
``split`` keeps the tuning people (demo frames < 400) apart from the held-out ones (frames ≥ 400
and the package photos). The limits (no real PPE, renders are cleaner than real vests, the demo
people are 60–110 px tall) are stated in ``docs/ppe.md``.

Example:
    >>> samples = make_set(seed=1, split="tune", limit=4)  # doctest: +SKIP
    >>> samples[0].vest, samples[0].image.shape  # doctest: +SKIP
    (True, (156, 70, 3))
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

SCALE = 4
#: The demo video in the source tree.
DEMO_VIDEO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "vtest.avi"
HIVIS = {"lime": ((28, 40), (215, 255), (225, 255)), "orange": ((7, 14), (225, 255), (235, 255))}
HELMET_BGR = {
    "white": (235, 238, 240), "yellow": (20, 215, 250), "orange": (20, 120, 250), "red": (40, 40, 210),
    "blue": (190, 110, 30), "green": (60, 170, 40),
}  # fmt: skip
HELMET_P = np.array([0.3, 0.25, 0.15, 0.1, 0.15, 0.05])


@dataclass(frozen=True, slots=True)
class Person:
    """A real person: a crop of its picture, the box and keypoints in the crop's pixels."""

    image: np.ndarray
    box: np.ndarray
    keypoints: np.ndarray
    source: str


@dataclass(frozen=True, slots=True)
class Sample:
    """One evaluation picture and its truth.

    Attributes:
        image: the (rendered) crop, BGR.
        box: the person's box in it.
        helmet: whether a helmet was rendered.
        vest: whether a vest was rendered.
        source: where the person came from (``vtest:frame:i``, ``bus.jpg:i``).
        kind: what was rendered (``vest+helmet``, ``shirt``, ``cap``…).
    """

    image: np.ndarray
    box: np.ndarray
    helmet: bool
    vest: bool
    source: str
    kind: str


def package_photos() -> list[Path]:
    """Photos with people that ship with the installed packages (those present)."""
    out: list[Path] = []
    try:
        import ultralytics

        a = Path(ultralytics.__file__).parent / "assets"
        out += [a / "bus.jpg", a / "zidane.jpg"]
    except ImportError:
        pass
    try:
        import matplotlib

        out.append(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg")
    except ImportError:
        pass
    return [p for p in out if p.is_file()]


def _person_crop(
    b: np.ndarray, kp: np.ndarray, W: int, H: int
) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray]:
    """A person's crop around box ``b`` (room for a helmet and arms), its offset and the keypoints in it."""
    w, h = b[2] - b[0], b[3] - b[1]
    x1, y1 = int(max(0, b[0] - 0.3 * w)), int(max(0, b[1] - 0.15 * h))
    x2, y2 = int(min(W, b[2] + 0.3 * w)), int(min(H, b[3] + 0.05 * h))
    off = np.array([x1, y1, x1, y1], np.float32)
    k = kp.copy()
    k[:, 0] -= x1
    k[:, 1] -= y1
    return (x1, y1, x2, y2), off, k


def _people_in(image: np.ndarray, detector, pose, source: str, *, min_h: int = 60) -> list[Person]:
    dets = detector.predict(image)
    if not len(dets):
        return []
    boxes = dets.xyxy[dets.class_id == 0] if dets.class_id is not None else dets.xyxy
    boxes = boxes[(boxes[:, 3] - boxes[:, 1]) >= min_h]
    if not len(boxes):
        return []
    kps = pose.estimate(image, boxes)
    H, W = image.shape[:2]
    out = []
    for i, (b, kp) in enumerate(zip(boxes, kps, strict=True)):
        # a usable person: both shoulders, a hip and the head seen
        if (kp[[5, 6], 2] < 0.3).any() or (kp[[11, 12], 2] < 0.3).all() or (kp[:5, 2] < 0.3).all():
            continue
        (x1, y1, x2, y2), off, k = _person_crop(b, kp, W, H)
        out.append(Person(image[y1:y2, x1:x2].copy(), b - off, k, f"{source}:{i}"))
    return out


def collect_people(video: str | Path, frames: list[int], *, photos: bool = False) -> list[Person]:
    """Real people from the demo video's ``frames`` (and the package photos), with their keypoints.

    Uses the built-in detector (NanoDet) and pose model (MoveNet), so it runs offline.
    """
    from models.base import DetectorSettings
    from models.pose import MoveNetBackend, PoseSettings
    from models.registry import create_detector

    detector = create_detector("nanodet", DetectorSettings(confidence=0.45)).backend
    pose = MoveNetBackend(PoseSettings())
    people: list[Person] = []
    cap = cv2.VideoCapture(str(video))
    try:
        for f in frames:
            cap.set(cv2.CAP_PROP_POS_FRAMES, f)
            ok, img = cap.read()
            if ok:
                people += _people_in(img, detector, pose, f"vtest:{f}")
    finally:
        cap.release()
    if photos:
        for p in package_photos():
            img = cv2.imread(str(p))
            if img is not None:
                people += _people_in(img, detector, pose, p.name, min_h=120)
    return people


def _pt(kp: np.ndarray, i: int) -> np.ndarray:
    return kp[i, :2].astype(np.float64) * SCALE


def _torso_poly(kp: np.ndarray, rng: np.random.Generator, *, vest: bool) -> np.ndarray:
    ls, rs, lh, rh = (_pt(kp, i) for i in (5, 6, 11, 12))
    if kp[11, 2] < 0.3:
        lh = rh + (ls - rs)
    if kp[12, 2] < 0.3:
        rh = lh + (rs - ls)
    c = (ls + rs + lh + rh) / 4
    sw = np.linalg.norm(ls - rs) + 1e-6
    down = (lh + rh) / 2 - (ls + rs) / 2
    grow = rng.uniform(0.05, 0.15) if vest else 0.0
    ext = rng.uniform(0.08, 0.2) if vest else 0.0
    pts = []
    for p in (ls, rs):
        pts.append(p + (p - c) / np.linalg.norm(p - c) * grow * sw)
    for p in (rh, lh):
        pts.append(p + (p - c) / np.linalg.norm(p - c) * grow * sw + down * ext)
    return np.array(pts, np.float64)


def _shade(big: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-pixel light from the original picture (its folds and shadows), ~1 on average in the mask."""
    gray = cv2.cvtColor(big, cv2.COLOR_BGR2GRAY).astype(np.float32)
    m = gray[mask > 0].mean() if (mask > 0).any() else 128.0
    return np.clip(gray / max(m, 1.0), 0.35, 1.6) ** 0.6


def _folds(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = np.ones((h, w), np.float32)
    for _ in range(rng.integers(2, 5)):
        a = rng.uniform(0, np.pi)
        f = rng.uniform(0.02, 0.08)
        out *= 1 + rng.uniform(0.04, 0.12) * np.sin(f * (xx * np.cos(a) + yy * np.sin(a)) + rng.uniform(0, 6))
    return out


def _fill(big: np.ndarray, mask: np.ndarray, bgr: np.ndarray, light: np.ndarray, feather: float) -> None:
    m = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), feather)[..., None]
    col = np.clip(bgr[None, None, :] * light[..., None], 0, 255)
    big[:] = (big * (1 - m) + col * m).astype(np.uint8)


def _hsv_bgr(h: float, s: float, v: float) -> np.ndarray:
    px = np.uint8([[[int(h) % 180, int(np.clip(s, 0, 255)), int(np.clip(v, 0, 255))]]])
    return cv2.cvtColor(px, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)


def render_vest(big: np.ndarray, kp: np.ndarray, rng: np.random.Generator, scene: np.ndarray) -> None:
    """Draw a hi-vis vest on the 4x crop ``big`` (in place)."""
    poly = _torso_poly(kp, rng, vest=True)
    h, w = big.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [poly.astype(np.int32)], 1)
    ls, rs = poly[0], poly[1]
    neck = (ls + rs) / 2
    down = (poly[2] + poly[3]) / 2 - neck
    cv2.fillPoly(
        mask,
        [
            np.array(
                [ls * 0.7 + rs * 0.3, ls * 0.3 + rs * 0.7, neck + down * rng.uniform(0.2, 0.45)], np.int32
            )
        ],
        0,
    )  # the neck opening
    orig = big.copy()
    kind = "lime" if rng.random() < 0.65 else "orange"
    (h0, h1), (s0, s1), (v0, v1) = HIVIS[kind]
    colour = _hsv_bgr(rng.uniform(h0, h1), rng.uniform(s0, s1), rng.uniform(v0, v1))
    light = _shade(orig, mask) * _folds((h, w), rng) * scene[3]
    _fill(big, mask, colour * scene[:3], light, 1.0)
    # retroreflective stripes (silver, light-grey under ambient light)
    r = rng.random()
    if r > 0.15:
        silver = np.array([rng.uniform(170, 225)] * 3, np.float32)
        t = max(2, int(np.linalg.norm(down) * rng.uniform(0.07, 0.1)))
        stripes = np.zeros((h, w), np.uint8)
        for frac in (rng.uniform(0.45, 0.6), rng.uniform(0.75, 0.88)):
            y = poly[:, 1].min() + frac * (poly[:, 1].max() - poly[:, 1].min())
            cv2.line(stripes, (0, int(y)), (w, int(y)), 1, t)
        if r > 0.45:  # braces over the shoulders
            for p, _q in ((poly[0], poly[3]), (poly[1], poly[2])):
                a = p * 0.75 + neck * 0.25
                cv2.line(stripes, tuple(a.astype(int)), tuple((a + down * 0.45).astype(int)), 1, t)
        stripes &= mask
        _fill(big, stripes, silver * scene[:3], light * 0.9 + 0.1, 0.6)
    _occlude(big, orig, kp, mask, rng)


def _occlude(
    big: np.ndarray, orig: np.ndarray, kp: np.ndarray, mask: np.ndarray, rng: np.random.Generator
) -> None:
    """Arms in front of the torso keep their real pixels; sometimes a carried box covers part of it."""
    sw = np.linalg.norm(_pt(kp, 5) - _pt(kp, 6))
    arms = np.zeros(mask.shape, np.uint8)
    for a, b in ((7, 9), (8, 10), (5, 7), (6, 8)):
        if kp[a, 2] >= 0.3 and kp[b, 2] >= 0.3:
            cv2.line(
                arms, tuple(_pt(kp, a).astype(int)), tuple(_pt(kp, b).astype(int)), 1, max(2, int(0.22 * sw))
            )
    inside = arms & mask
    if inside.sum() and rng.random() < 0.7:
        big[inside > 0] = orig[inside > 0]
    if rng.random() < 0.2:
        ys, xs = np.nonzero(mask)
        if len(xs):
            cx, cy = rng.choice(xs), rng.choice(ys)
            bw, bh = int(rng.uniform(0.4, 0.9) * sw), int(rng.uniform(0.3, 0.6) * sw)
            col = _hsv_bgr(rng.uniform(10, 20), rng.uniform(80, 140), rng.uniform(110, 170))
            cv2.rectangle(
                big, (int(cx - bw / 2), int(cy)), (int(cx + bw / 2), int(cy + bh)), col.tolist(), -1
            )


def render_shirt(big: np.ndarray, kp: np.ndarray, rng: np.random.Generator, scene: np.ndarray) -> None:
    """Recolour the shirt in an ordinary dye (a hard negative: sometimes yellow or orange, not fluorescent)."""
    poly = _torso_poly(kp, rng, vest=False)
    h, w = big.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [poly.astype(np.int32)], 1)
    orig = big.copy()
    r = rng.random()
    if r < 0.35:  # a yellow / orange / lime shirt
        hue, s, v = rng.choice([10.0, 22.0, 28.0, 35.0]), rng.uniform(90, 180), rng.uniform(120, 190)
    elif r < 0.55:  # a vivid shirt of another colour (sportswear: blue, red, green, pink)
        hue, s, v = (
            rng.choice([0.0, 60.0, 100.0, 115.0, 150.0, 170.0]),
            rng.uniform(190, 255),
            rng.uniform(170, 255),
        )
    else:
        hue, s, v = rng.uniform(0, 180), rng.uniform(30, 200), rng.uniform(40, 200)
    light = _shade(orig, mask) * _folds((h, w), rng) * scene[3]
    _fill(big, mask, _hsv_bgr(hue, s, v) * scene[:3], light, 1.0)
    _occlude(big, orig, kp, mask, rng)


def _head_geometry(kp: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, float]:
    pts = [_pt(kp, i) for i in (1, 2, 3, 4) if kp[i, 2] >= 0.3]
    if not pts and kp[0, 2] >= 0.3:
        pts = [_pt(kp, 0) - np.array([0, 0.02 * (box[3] - box[1]) * SCALE])]
    sw = np.linalg.norm(_pt(kp, 5) - _pt(kp, 6))
    hw = max(0.55 * sw, 0.085 * (box[3] - box[1]) * SCALE)
    if len([i for i in (3, 4) if kp[i, 2] >= 0.3]) == 2:
        hw = max(hw, 1.25 * np.linalg.norm(_pt(kp, 3) - _pt(kp, 4)))
    c = (
        np.mean(pts, axis=0)
        if pts
        else np.array([(box[0] + box[2]) / 2, box[1] + 0.09 * (box[3] - box[1])]) * SCALE
    )
    return c, float(min(hw, 0.2 * (box[3] - box[1]) * SCALE))


def render_helmet(
    big: np.ndarray, kp: np.ndarray, box: np.ndarray, rng: np.random.Generator, scene: np.ndarray
) -> None:
    """Draw a hard hat on the head (in place)."""
    c, hw = _head_geometry(kp, box)
    name = rng.choice(list(HELMET_BGR), p=HELMET_P)
    base = np.array(HELMET_BGR[name], np.float32) * rng.uniform(0.85, 1.05)
    h, w = big.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    cy = c[1] - 0.12 * hw
    ax, ay = int(0.66 * hw * rng.uniform(0.95, 1.1)), int(0.7 * hw * rng.uniform(0.9, 1.05))
    tilt = rng.uniform(-12, 12)
    cv2.ellipse(mask, (int(c[0]), int(cy)), (ax, ay), tilt, 180, 360, 1, -1)
    cv2.ellipse(
        mask, (int(c[0]), int(cy)), (int(ax * 1.18), max(2, int(0.1 * hw))), tilt, 0, 360, 1, -1
    )  # brim
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32)
    light = np.clip(1.15 - 0.45 * (yy - (cy - ay)) / max(ay, 1), 0.6, 1.2) * scene[3]
    _fill(big, mask, base * scene[:3], light, 0.8)
    hl = np.zeros((h, w), np.uint8)
    cv2.ellipse(
        hl,
        (int(c[0] - 0.25 * ax), int(cy - 0.6 * ay)),
        (max(1, ax // 4), max(1, ay // 6)),
        -20,
        0,
        360,
        1,
        -1,
    )
    _fill(big, hl & mask, np.minimum(base * 1.25 + 40, 255), np.full((h, w), scene[3], np.float32), 0.8)
    if rng.random() < 0.5:  # the ridge
        cv2.line(
            big,
            (int(c[0]), int(cy - ay)),
            (int(c[0]), int(cy)),
            (base * 0.75 * scene[3]).tolist(),
            max(1, ax // 8),
        )


def render_cap(
    big: np.ndarray, kp: np.ndarray, box: np.ndarray, rng: np.random.Generator, scene: np.ndarray
) -> None:
    """A knitted cap or a baseball cap (a hard negative for the helmet)."""
    c, hw = _head_geometry(kp, box)
    h, w = big.shape[:2]
    if rng.random() < 0.6:
        col = _hsv_bgr(rng.uniform(0, 180), rng.uniform(0, 80), rng.uniform(20, 90))
    else:
        col = _hsv_bgr(rng.uniform(0, 180), rng.uniform(100, 230), rng.uniform(90, 200))
    mask = np.zeros((h, w), np.uint8)
    cy = c[1] - 0.15 * hw
    ax, ay = int(0.55 * hw), int(0.48 * hw)
    cv2.ellipse(mask, (int(c[0]), int(cy)), (ax, ay), 0, 180, 360, 1, -1)
    if rng.random() < 0.5:  # the peak of a baseball cap
        side = 1 if rng.random() < 0.5 else -1
        cv2.ellipse(
            mask,
            (int(c[0] + side * 0.5 * ax), int(cy)),
            (int(0.6 * ax), max(2, int(0.12 * hw))),
            0,
            0,
            360,
            1,
            -1,
        )
    knit = 1 + rng.uniform(0.1, 0.3) * (rng.random((h, w)).astype(np.float32) - 0.5)
    knit = cv2.GaussianBlur(knit, (0, 0), 1.5)
    _fill(big, mask, col * scene[:3], knit * scene[3], 0.8)


def render(person: Person, rng: np.random.Generator) -> Sample:
    """One rendered sample of a person: vest and helmet each with probability 1/2, hard negatives otherwise."""
    big = cv2.resize(person.image, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
    scene = np.array([*rng.normal(1.0, 0.05, 3), rng.uniform(0.55, 1.05)], np.float32)
    vest, helmet = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    kinds = []
    if vest:
        render_vest(big, person.keypoints, rng, scene)
        kinds.append("vest")
    elif rng.random() < 0.4:
        render_shirt(big, person.keypoints, rng, scene)
        kinds.append("shirt")
    if helmet:
        render_helmet(big, person.keypoints, person.box, rng, scene)
        kinds.append("helmet")
    elif rng.random() < 0.35:
        render_cap(big, person.keypoints, person.box, rng, scene)
        kinds.append("cap")
    small = cv2.resize(big, (person.image.shape[1], person.image.shape[0]), interpolation=cv2.INTER_AREA)
    q = int(rng.integers(70, 92))
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, q])
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else small
    return Sample(img, person.box.copy(), helmet, vest, person.source, "+".join(kinds) or "plain")


#: Demo frames of each split (every 25th; the held-out people are in the second half).
SPLIT_FRAMES = {"tune": list(range(10, 400, 25)), "test": list(range(410, 795, 25))}


def make_set(
    seed: int,
    split: str,
    *,
    video: str | Path | None = None,
    people: list[Person] | None = None,
    copies: int = 3,
    limit: int | None = None,
) -> list[Sample]:
    """The evaluation samples of a split (``tune`` or ``test``) for a seed.

    Args:
        seed: the renders' random seed (tune on one, report on another).
        split: ``tune`` (demo frames < 400) or ``test`` (frames ≥ 400 and the package photos).
        video: the demo video (default: the bundled ``vtest.avi``).
        people: the real people to render on (default: :func:`collect_people` of the split).
        copies: renders per person.
        limit: at most this many people.
    """
    if people is None:
        if video is None:
            video = DEMO_VIDEO
        people = collect_people(video, SPLIT_FRAMES[split], photos=split == "test")
    if limit is not None:
        people = people[:limit]
    rng = np.random.default_rng(seed)
    return [render(p, rng) for _ in range(copies) for p in people]


def _box_keypoints(box: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Keypoints of an upright person from the box's proportions (where the pose model saw too little)."""
    x1, y1, x2, y2 = (box - off).tolist()
    cx, w, h = (x1 + x2) / 2, x2 - x1, y2 - y1
    kp = np.zeros((17, 3), np.float32)
    kp[[1, 2]] = [[cx + 0.05 * w, y1 + 0.08 * h, 1], [cx - 0.05 * w, y1 + 0.08 * h, 1]]
    kp[[5, 6]] = [[cx + 0.22 * w, y1 + 0.2 * h, 1], [cx - 0.22 * w, y1 + 0.2 * h, 1]]
    kp[[11, 12]] = [[cx + 0.15 * w, y1 + 0.5 * h, 1], [cx - 0.15 * w, y1 + 0.5 * h, 1]]
    return kp


def render_video(src: str | Path, dst: str | Path, *, seed: int = 3, frames: int | None = None) -> int:
    """The demo video with EVERY person detected wearing a rendered vest and hard hat.

    Each person is followed from frame to frame by box overlap and keeps their own vest and helmet
    (the renders are seeded by the person), fitted by pose on every frame (the box's proportions
    where the pose model sees too little). Used to count false violations: nobody in it is
    without PPE, as far as the detector finds them. Written as MJPG AVI at the source's frame rate.

    Returns:
        The frames written.
    """
    from models.base import DetectorSettings
    from models.pose import MoveNetBackend, PoseSettings, box_iou
    from models.registry import create_detector

    detector = create_detector("nanodet", DetectorSettings(confidence=0.3)).backend
    pose = MoveNetBackend(PoseSettings())
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 10.0
    out: cv2.VideoWriter | None = None
    prev_boxes, prev_ids, next_id, n = np.zeros((0, 4), np.float32), [], 0, 0
    try:
        while frames is None or n < frames:
            ok, img = cap.read()
            if not ok:
                break
            H, W = img.shape[:2]
            if out is None:
                out = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"MJPG"), fps, (W, H))
            dets = detector.predict(img)
            boxes = dets.xyxy[dets.class_id == 0] if len(dets) else np.zeros((0, 4), np.float32)
            ids = []
            iou = box_iou(boxes, prev_boxes) if len(boxes) and len(prev_boxes) else np.zeros((len(boxes), 0))
            for i in range(len(boxes)):
                j = int(np.argmax(iou[i])) if iou.shape[1] else -1
                if j >= 0 and iou[i, j] >= 0.3:
                    ids.append(prev_ids[j])
                    iou[:, j] = 0.0
                else:
                    ids.append(next_id)
                    next_id += 1
            kps = pose.estimate(img, boxes) if len(boxes) else np.zeros((0, 17, 3), np.float32)
            frame = img.copy()
            for b, kp, pid in zip(boxes, kps, ids, strict=True):
                (x1, y1, x2, y2), off, k = _person_crop(b, kp, W, H)
                if (k[[5, 6], 2] < 0.3).any() or (k[[11, 12], 2] < 0.3).all():
                    k = _box_keypoints(b, off)
                big = cv2.resize(img[y1:y2, x1:x2], None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
                rng = np.random.default_rng([seed, pid])
                scene = np.array([1.0, 1.0, 1.0, rng.uniform(0.7, 1.0)], np.float32)
                render_vest(big, k, np.random.default_rng([seed, pid, 1]), scene)
                render_helmet(big, k, b - off, np.random.default_rng([seed, pid, 2]), scene)
                small = cv2.resize(big, (x2 - x1, y2 - y1), interpolation=cv2.INTER_AREA)
                # paste back the person's own box (grown upwards for the helmet), not the neighbours'
                px1, py1 = int(max(x1, b[0])), int(max(y1, b[1] - 0.08 * (b[3] - b[1])))
                px2, py2 = int(min(x2, b[2])), int(min(y2, b[3]))
                frame[py1:py2, px1:px2] = small[py1 - y1 : py2 - y1, px1 - x1 : px2 - x1]
            out.write(frame)
            prev_boxes, prev_ids = boxes, ids
            n += 1
    finally:
        cap.release()
        if out is not None:
            out.release()
    return n
