"""Rendered shelves with known truth: the evaluation set of the shelf-gap module.

No real shelf footage can be had here, so the set is generated, seeded and reproducible:
a shelf unit (back panel of one of several kinds, boards, rows) is filled with products of
varied colours, widths, heights and print styles, seen in perspective by a camera (a random
homography into a 768×576 frame with a wall and floor around it). An *episode* is a timeline
of frames (one every few seconds over an hour, timestamps not frame counts) in which:

- products are taken away one by one, some segments until empty, others partly, and a
  segment is restocked later (all its products return, while a person stands in front);
- the light drifts (day/night), the camera's auto exposure jumps (gain and gamma) and the
  colour temperature changes once;
- real people cut out of the demo video walk past or stand in front of the shelf for
  minutes; their true boxes are given as the detector's output, with some missed.

The truth per frame is each segment's empty fraction: the share of the segment's width on
its board not covered by a product. See ``docs/shelves.md`` for what this set validates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from app.shelves.people import Cutout, paste, person_cutouts

FRONT_W, ROW_H = 960, 150  # the shelf's own (rectified) picture: width, height of one row
FRAME_W, FRAME_H = 768, 576
PANELS = ("white", "grey", "wood", "dark", "pegboard")
EPOCH = 1_767_250_800.0  # 2026-01-01 07:00 UTC: episodes start here


@dataclass(frozen=True, slots=True)
class Product:
    """One product's place on the shelf's rectified picture: row, x span, top (pixels)."""

    row: int
    x1: int
    x2: int
    top: int


@dataclass(slots=True)
class ShelfScene:
    """A shelf unit, its products and its camera; render frames for any set of present products.

    Attributes:
        rows: shelf rows (boards); columns: segments per row.
        products: every product's place.
        corners: (4, 2) the shelf's corners in the camera frame (pixels): TL, TR, BR, BL.
        panel: kind of back panel.
    """

    rows: int
    columns: int
    products: list[Product]
    corners: np.ndarray
    panel: str
    full: np.ndarray  # rectified picture with every product
    empty: np.ndarray  # rectified picture with none
    backdrop: np.ndarray  # the camera frame without the shelf
    homography: np.ndarray  # rectified → camera
    _alpha: np.ndarray | None = None
    _cache: dict[bytes, np.ndarray] = field(default_factory=dict)

    @property
    def segments(self) -> int:
        """Segments in all: rows × columns."""
        return self.rows * self.columns

    @property
    def zone_points(self) -> list[list[float]]:
        """The shelf zone as 0–1 points of the frame (TL, TR, BR, BL)."""
        return [[float(x) / FRAME_W, float(y) / FRAME_H] for x, y in self.corners]

    def segment_of(self, p: Product) -> int:
        """Segment index (row-major) of a product's centre."""
        col = min(self.columns - 1, int((p.x1 + p.x2) / 2 / FRONT_W * self.columns))
        return p.row * self.columns + col

    def truth(self, present: np.ndarray) -> np.ndarray:
        """Empty fraction per segment: share of each segment's width no present product covers."""
        seg_w = FRONT_W / self.columns
        covered = np.zeros((self.rows, FRONT_W), bool)
        for p, on in zip(self.products, present, strict=True):
            if on:
                covered[p.row, p.x1 : p.x2] = True
        out = np.empty(self.segments)
        for r in range(self.rows):
            for c in range(self.columns):
                a, b = round(c * seg_w), round((c + 1) * seg_w)
                out[r * self.columns + c] = 1.0 - covered[r, a:b].mean()
        return out

    def front(self, present: np.ndarray) -> np.ndarray:
        """The rectified picture with the ``present`` products (bool per product)."""
        img = self.empty.copy()
        for p, on in zip(self.products, present, strict=True):
            if on:
                y1, y2 = p.row * ROW_H, (p.row + 1) * ROW_H
                img[y1:y2, p.x1 : p.x2] = self.full[y1:y2, p.x1 : p.x2]
        return img

    def camera(self, present: np.ndarray) -> np.ndarray:
        """The camera's frame (before lighting, people and noise); the last few are cached."""
        key = np.packbits(np.asarray(present, bool)).tobytes()
        hit = self._cache.get(key)
        if hit is not None:
            return hit.copy()
        front = self.front(present)
        h = self.rows * ROW_H
        warped = cv2.warpPerspective(front, self.homography, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR)
        if self._alpha is None:
            mask = cv2.warpPerspective(
                np.full((h, FRONT_W), 255, np.uint8), self.homography, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR
            )
            self._alpha = (mask.astype(np.float32) / 255.0)[..., None]
        a = self._alpha
        out = (warped * a + self.backdrop * (1 - a)).round().astype(np.uint8)
        if len(self._cache) >= 4:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = out
        return out.copy()


def _panel(kind: str, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    base = {
        "white": (232, 234, 236),
        "grey": (170, 172, 168),
        "wood": (95, 140, 185),
        "dark": (58, 60, 64),
        "pegboard": (200, 205, 210),
    }[kind]
    img = np.empty((h, w, 3), np.float32)
    img[:] = np.array(base, np.float32) * rng.uniform(0.9, 1.1, 3)
    img += rng.normal(0, 3.0, (h, w, 1))
    if kind == "wood":  # grain: slow horizontal stripes
        y = np.arange(h)[:, None, None]
        img += 9 * np.sin(y / rng.uniform(3, 7) + np.sin(np.arange(w)[None, :, None] / 40.0))
    if kind == "pegboard":
        for yy in range(12, h, 25):
            for xx in range(12, w, 25):
                cv2.circle(img, (xx, yy), 3, (90, 95, 100), -1, cv2.LINE_AA)
    return np.clip(img, 0, 255).astype(np.uint8)


def _product(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """One product's front: a box with a printed label, or a can/bottle (shaded cylinder)."""
    hue = int(rng.integers(0, 180))
    sat = int(rng.choice([rng.integers(20, 80), rng.integers(120, 255)]))
    val = int(rng.integers(60, 250))
    body = cv2.cvtColor(np.uint8([[[hue, sat, val]]]), cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)
    accent = cv2.cvtColor(
        np.uint8([[[(hue + int(rng.integers(40, 140))) % 180, 200, int(rng.integers(40, 255))]]]),
        cv2.COLOR_HSV2BGR,
    )[0, 0].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[:] = body
    style = rng.integers(0, 3)
    if style == 1:  # cylinder: horizontal shading and a cap
        x = np.linspace(-1, 1, w)
        img *= (0.55 + 0.45 * np.sqrt(np.clip(1 - x**2, 0, 1)))[None, :, None]
        cap = max(3, h // 8)
        img[:cap] = accent * 0.8
    band_y = int(rng.integers(h // 5, max(h // 5 + 1, h // 2)))
    band_h = max(4, int(h * rng.uniform(0.12, 0.3)))
    img[band_y : band_y + band_h, 2 : w - 2] = accent
    for _ in range(int(rng.integers(2, 7))):  # "text": small dark or light strokes
        tx, ty = int(rng.integers(2, max(3, w - 12))), int(rng.integers(h // 2, max(h // 2 + 1, h - 6)))
        tw = int(rng.integers(4, max(5, w // 2)))
        colour = (20, 20, 20) if val > 120 else (235, 235, 235)
        cv2.rectangle(img, (tx, ty), (min(w - 2, tx + tw), ty + 2), colour, -1)
    if rng.random() < 0.5:
        cv2.circle(img, (w // 2, band_y + band_h // 2), max(3, min(w, band_h) // 3), (255, 255, 255), -1)
    img[:, :1] *= 0.6  # the box's edges
    img[:, -1:] *= 0.6
    img += rng.normal(0, 2.0, (h, w, 1))
    return np.clip(img, 0, 255).astype(np.uint8)


def _backdrop(rng: np.random.Generator) -> np.ndarray:
    img = np.empty((FRAME_H, FRAME_W, 3), np.float32)
    wall = rng.uniform(150, 215, 3)
    floor = rng.uniform(80, 150, 3)
    horizon = int(FRAME_H * 0.78)
    img[:horizon] = wall
    img[horizon:] = floor
    y = np.arange(FRAME_H, dtype=np.float32)[:, None, None]
    img *= 0.85 + 0.15 * (y / FRAME_H)
    for x in range(0, FRAME_W, int(rng.integers(40, 90))):  # floor tiles
        cv2.line(img, (x, horizon), (int(x + (x - FRAME_W / 2) * 0.6), FRAME_H), (70, 70, 70), 1)
    img += rng.normal(0, 2.5, (FRAME_H, FRAME_W, 1))
    return np.clip(img, 0, 255).astype(np.uint8)


def make_scene(seed: int, *, rows: int = 3, columns: int = 4, panel: str | None = None) -> ShelfScene:
    """A random shelf unit filled with products, and its camera.

    Args:
        seed: random seed (the same seed gives the same scene).
        rows: shelf rows.
        columns: segments per row.
        panel: back panel kind (one of :data:`PANELS`); default random.
    """
    rng = np.random.default_rng(seed)
    panel = panel or str(rng.choice(PANELS))
    h = rows * ROW_H
    empty = _panel(panel, h, FRONT_W, rng)
    board = rng.uniform(90, 200, 3)
    for r in range(rows):  # the board under each row and a shadow under the board above
        y2 = (r + 1) * ROW_H
        empty[y2 - 10 : y2] = np.clip(board + rng.normal(0, 2, (10, FRONT_W, 1)), 0, 255).astype(np.uint8)
        shade = np.linspace(0.55, 1.0, 22, dtype=np.float32)[:, None, None]
        empty[r * ROW_H : r * ROW_H + 22] = (empty[r * ROW_H : r * ROW_H + 22] * shade).astype(np.uint8)
    full = empty.copy()
    products: list[Product] = []
    for r in range(rows):
        x = int(rng.integers(2, 10))
        floor_y = (r + 1) * ROW_H - 10
        while True:
            w = int(rng.integers(28, 92))
            if x + w > FRONT_W - 2:
                break
            ph = int(ROW_H * rng.uniform(0.5, 0.86))
            top = floor_y - ph
            full[top:floor_y, x : x + w] = _product(w, ph, rng)
            products.append(Product(r, x, x + w, top))
            x += w + int(rng.integers(1, 5))
    # camera: the shelf's corners, a perspective from the left or the right, slightly tilted
    cx, cy = FRAME_W * rng.uniform(0.45, 0.55), FRAME_H * rng.uniform(0.36, 0.44)
    half_w, half_h = FRAME_W * rng.uniform(0.3, 0.4), FRAME_H * rng.uniform(0.25, 0.31)
    near = rng.uniform(0.0, 0.16) * half_h * rng.choice([-1, 1])  # one side taller than the other
    tilt = rng.uniform(-0.05, 0.05) * half_h
    corners = np.float32(
        [
            [cx - half_w, cy - half_h - near + tilt],
            [cx + half_w, cy - half_h + near - tilt],
            [cx + half_w, cy + half_h - near - tilt],
            [cx - half_w, cy + half_h + near + tilt],
        ]
    )
    src = np.float32([[0, 0], [FRONT_W, 0], [FRONT_W, h], [0, h]])
    hom = cv2.getPerspectiveTransform(src, corners)
    return ShelfScene(rows, columns, products, corners, panel, full, empty, _backdrop(rng), hom)


@dataclass(slots=True)
class Person:
    """A person on screen from ``t0`` to ``t1`` (seconds), walking from ``x0`` to ``x1`` (frame px)."""

    cut: int
    t0: float
    t1: float
    x0: float
    x1: float
    height: int
    detected: float  # chance that the detector finds them in a frame
    stands: bool = False


@dataclass(slots=True)
class EpisodeFrame:
    """One frame of an episode: its time, picture, detector's person boxes and the truth."""

    ts: float
    image: np.ndarray
    boxes: np.ndarray  # (K, 4) person boxes the "detector" reported
    true_boxes: np.ndarray  # (K', 4) every person on screen
    truth: np.ndarray  # empty fraction per segment
    light: float  # overall gain applied


@dataclass(slots=True)
class Episode:
    """A seeded hour of one shelf: removals, restocks, light changes and people.

    Attributes:
        scene: the shelf.
        times: frame times (seconds from the start).
        present: (T, P) bool, which products are on the shelf at each frame.
        people: people walking past or standing in front.
        gains: (T,) overall light gain; channel: (T, 3) colour balance; gamma: (T,).
        standing: (start, end) seconds of every person standing in front of the shelf.
    """

    scene: ShelfScene
    seed: int
    times: np.ndarray
    present: np.ndarray
    people: list[Person]
    gains: np.ndarray
    channel: np.ndarray
    gamma: np.ndarray
    standing: list[tuple[float, float]] = field(default_factory=list)
    cuts: tuple[Cutout, ...] = ()

    def truth(self, k: int) -> np.ndarray:
        """Empty fraction per segment at frame ``k``."""
        return self.scene.truth(self.present[k])

    def reference(self) -> np.ndarray:
        """The full shelf as the user captures it (the first frame's light, nobody in front)."""
        return self._light(self.scene.camera(np.ones(len(self.scene.products), bool)), 0, noise_seed=1)

    def empty_example(self) -> np.ndarray:
        """The empty shelf in the first frame's light: the back panel's colour is learnt from it."""
        return self._light(self.scene.camera(np.zeros(len(self.scene.products), bool)), 0, noise_seed=2)

    def _light(self, img: np.ndarray, k: int, *, noise_seed: int) -> np.ndarray:
        """Gain × colour balance, then gamma (one lookup table per channel), then sensor noise."""
        x = np.arange(256, dtype=np.float64)[:, None] / 255.0
        lut = np.clip(np.power(x * self.gains[k] * self.channel[k][None, :], self.gamma[k]) * 255.0, 0, 255)
        out = cv2.LUT(img, lut.round().astype(np.uint8)[None, :, :])
        cv2.setRNGSeed(int(self.seed * 1_000_003 + k * 7 + noise_seed))
        noise = np.empty(img.shape[:2], np.float32)
        cv2.randn(noise, 0.0, 2.5)
        return cv2.add(out, cv2.merge([noise, noise, noise]), dtype=cv2.CV_8U)

    def frame(self, k: int) -> EpisodeFrame:
        """Render frame ``k``."""
        t = float(self.times[k])
        img = self.scene.camera(self.present[k])
        rng = np.random.default_rng((self.seed, k))
        boxes, true = [], []
        for p in self.people:
            if not p.t0 <= t <= p.t1:
                continue
            u = (t - p.t0) / max(p.t1 - p.t0, 1e-6)
            x = p.x0 + (p.x1 - p.x0) * u
            if p.stands:
                x += 6 * np.sin(t / 7.0)  # sways
            box = paste(img, self.cuts[p.cut], x=int(x), bottom=FRAME_H - 8, height=p.height)
            if box[2] > box[0]:
                true.append(box)
                if rng.random() < p.detected:
                    j = rng.normal(0, 4, 4)
                    boxes.append([box[0] + j[0], box[1] + j[1], box[2] + j[2], box[3] + j[3]])
        return EpisodeFrame(
            ts=EPOCH + t,
            image=self._light(img, k, noise_seed=0),
            boxes=np.float32(boxes).reshape(-1, 4),
            true_boxes=np.float32(true).reshape(-1, 4),
            truth=self.truth(k),
            light=float(self.gains[k]),
        )


def make_episode(
    seed: int,
    *,
    minutes: float = 60.0,
    interval: float = 3.0,
    rows: int = 3,
    columns: int = 4,
    removals: bool = True,
    standers: int | None = None,
) -> Episode:
    """A seeded episode: see the module's description.

    Args:
        seed: random seed.
        minutes: length of the episode.
        interval: seconds between frames (the shelf module looks every few seconds).
        rows: shelf rows.
        columns: segments per row.
        removals: take products away (False: the shelf stays full — only light and people change).
        standers: people standing in front for 2–6 minutes (default 2–3).
    """
    rng = np.random.default_rng(10_000 + seed)
    scene = make_scene(seed, rows=rows, columns=columns)
    duration = minutes * 60.0
    times = np.arange(0.0, duration, interval)
    n_p = len(scene.products)
    present = np.ones((len(times), n_p), bool)
    seg_of = np.array([scene.segment_of(p) for p in scene.products])
    people: list[Person] = []
    cuts = person_cutouts()
    standing: list[tuple[float, float]] = []
    tall = int(min(FRAME_H - 20, (FRAME_H - 8 - scene.corners[:, 1].min()) * rng.uniform(0.85, 1.05)))

    def person(t0: float, t1: float, x0: float, x1: float, *, stands: bool = False) -> None:
        people.append(
            Person(int(rng.integers(len(cuts))), t0, t1, x0, x1, tall, float(rng.uniform(0.8, 0.97)), stands)
        )

    def remove(products: np.ndarray, t: float) -> None:
        present[np.ix_(times >= t, products)] = False

    # 1) segments emptied one product at a time (some fully, some to about half)
    segs = rng.permutation(scene.segments)
    n_deplete = int(rng.integers(2, 4)) if removals else 0
    t = 0.0
    for s in segs[:n_deplete]:
        items = rng.permutation(np.flatnonzero(seg_of == s))
        keep = 0 if rng.random() < 0.7 else len(items) // 2
        t = float(rng.uniform(min(3.0, duration / 180), max(3.5, duration / 60 / 3))) * 60.0
        for item in items[: len(items) - keep]:
            remove(np.array([item]), t)
            cx = scene.homography @ np.array([(scene.products[item].x1 + scene.products[item].x2) / 2, 0, 1])
            x = cx[0] / cx[2]
            person(t - 6, t + 6, x - 30, x + 30)  # a shopper takes it
            t += float(rng.uniform(0.5, 4.0)) * 60.0
        if keep == 0 and rng.random() < 0.8:  # restocked later by staff standing in front
            t_back = t + float(rng.uniform(6, 15)) * 60.0
            if t_back < duration - 120:
                x_seg = float(np.mean([scene.corners[0, 0], scene.corners[1, 0]]))
                person(t_back - 90, t_back + 30, x_seg - 40, x_seg + 40, stands=True)
                present[np.ix_(times >= t_back, items)] = True
    # 2) single products taken here and there (small holes, not gaps)
    for s in segs[n_deplete:]:
        items = np.flatnonzero(seg_of == s)
        if removals and len(items) > 3 and rng.random() < 0.5:
            remove(rng.choice(items, 1), float(rng.uniform(0, duration)))
    # 3) passers-by and people standing in front for minutes
    t = 0.0
    while t < duration:
        t += float(rng.exponential(45.0))
        d = float(rng.uniform(4, 10))
        a, b = (-60.0, FRAME_W + 60.0) if rng.random() < 0.5 else (FRAME_W + 60.0, -60.0)
        person(t, t + d, a, b)
    for _ in range(int(rng.integers(2, 4)) if standers is None else standers):
        t0 = float(rng.uniform(0, max(1.0, duration - 400)))
        d = float(rng.uniform(120, 360))
        x = float(rng.uniform(scene.corners[0, 0] + 40, scene.corners[1, 0] - 40))
        person(t0, t0 + d, x, x + rng.uniform(-30, 30), stands=True)
        standing.append((t0, t0 + d))
    # lighting: a slow drift, auto-exposure jumps, one colour-temperature change
    u = times / duration
    gains = 1.0 + 0.18 * np.sin(2 * np.pi * (u * rng.uniform(0.5, 1.2) + rng.uniform(0, 1)))
    gamma = np.ones(len(times))
    for _ in range(int(rng.integers(2, 5))):
        t_jump = rng.uniform(0, duration)
        gains[times >= t_jump] *= rng.choice([0.72, 0.8, 1.2, 1.3])
        gamma[times >= t_jump] *= rng.uniform(0.88, 1.12)
    channel = np.ones((len(times), 3))
    channel[times >= rng.uniform(0, duration)] = rng.uniform(0.85, 1.15, 3)
    return Episode(scene, seed, times, present, people, gains, channel, gamma, standing, cuts)


def write_video(ep: Episode, path: str, *, frames: int | None = None) -> int:
    """Write an episode as an MJPG AVI whose frame rate makes each frame's time its episode time.

    Returns:
        The number of frames written.
    """
    fps = 1.0 / float(ep.times[1] - ep.times[0])
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (FRAME_W, FRAME_H))
    if not writer.isOpened():
        raise OSError(f"cannot write {path}")
    n = len(ep.times) if frames is None else min(frames, len(ep.times))
    try:
        for k in range(n):
            writer.write(ep.frame(k).image)
    finally:
        writer.release()
    return n
