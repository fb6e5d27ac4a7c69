"""Real people cut out of the demo video, for compositing in front of rendered shelves.

The demo video (``resources/demo/vtest.avi``, OpenCV's pedestrian sample) is decoded, its
people-free background taken as the per-pixel median of frames spread over the video, and
every frame's difference to it split into blobs; tall blobs of a person's size become
:class:`Cutout` s (BGR pixels + a soft alpha mask). No model is involved, so these cut-outs
are real people's shapes, colours and clothing, with the blob-extraction's ragged edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from analytics.heatmap import median_background
from app.resources import resources_dir


@dataclass(frozen=True, slots=True)
class Cutout:
    """One person cut out of a frame: ``image`` (H, W, 3) BGR and ``alpha`` (H, W) float32 0..1."""

    image: np.ndarray
    alpha: np.ndarray


def demo_video() -> Path:
    """The bundled demo video."""
    return resources_dir() / "demo" / "vtest.avi"


def _read_frames(path: Path, step: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise FileNotFoundError(f"cannot open {path}")
    frames: list[np.ndarray] = []
    i = 0
    try:
        while True:
            ok, img = cap.read()
            if not ok:
                break
            if i % step == 0:
                frames.append(img)
            i += 1
    finally:
        cap.release()
    return frames


@lru_cache(maxsize=2)
def person_cutouts(path: str | None = None, *, step: int = 15, limit: int = 60) -> tuple[Cutout, ...]:
    """Person-shaped blobs of the demo video (or ``path``), at most ``limit``, largest first.

    Args:
        path: a video file; default the bundled demo video.
        step: take every ``step``-th frame.
        limit: keep at most this many cut-outs.

    Raises:
        FileNotFoundError: the video cannot be opened.
    """
    frames = _read_frames(Path(path) if path else demo_video(), step)
    if len(frames) < 5:
        raise FileNotFoundError(f"{path or demo_video()}: too few frames for a background")
    bg = median_background(frames).astype(np.int16)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    found: list[tuple[int, Cutout]] = []
    for img in frames:
        diff = np.abs(img.astype(np.int16) - bg).max(axis=2)
        mask = (diff > 28).astype(np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
        for k in range(1, n):
            x, y, w, h, area = (int(v) for v in stats[k])
            # a standing person: tall, filled, not touching the frame's border
            if h < 70 or w < 18 or not 1.6 < h / w < 4.5 or area < 0.45 * w * h:
                continue
            if x <= 1 or y <= 1 or x + w >= img.shape[1] - 1 or y + h >= img.shape[0] - 1:
                continue
            alpha = (labels[y : y + h, x : x + w] == k).astype(np.float32)
            alpha = cv2.GaussianBlur(alpha, (5, 5), 0)
            found.append((area, Cutout(img[y : y + h, x : x + w].copy(), alpha)))
    found.sort(key=lambda t: -t[0])
    return tuple(c for _, c in found[:limit])


def paste(frame: np.ndarray, cut: Cutout, *, x: int, bottom: int, height: int) -> tuple[int, int, int, int]:
    """Draw ``cut`` scaled to ``height`` pixels with its feet at (``x`` centre, ``bottom``), in place.

    Returns:
        The pasted box x1, y1, x2, y2 clipped to the frame (x2 == x1 when nothing is visible).
    """
    h0, w0 = cut.alpha.shape
    scale = height / h0
    w = max(1, round(w0 * scale))
    img = cv2.resize(cut.image, (w, height), interpolation=cv2.INTER_LINEAR)
    a = cv2.resize(cut.alpha, (w, height), interpolation=cv2.INTER_LINEAR)[..., None]
    x1, y1 = x - w // 2, bottom - height
    fx1, fy1 = max(0, x1), max(0, y1)
    fx2, fy2 = min(frame.shape[1], x1 + w), min(frame.shape[0], y1 + height)
    if fx2 <= fx1 or fy2 <= fy1:
        return (fx1, fy1, fx1, fy1)
    sub = frame[fy1:fy2, fx1:fx2].astype(np.float32)
    src = img[fy1 - y1 : fy2 - y1, fx1 - x1 : fx2 - x1].astype(np.float32)
    al = a[fy1 - y1 : fy2 - y1, fx1 - x1 : fx2 - x1]
    frame[fy1:fy2, fx1:fx2] = (sub * (1 - al) + src * al).round().astype(np.uint8)
    ys, xs = np.nonzero(al[..., 0] > 0.5)
    if not len(xs):
        return (fx1, fy1, fx1, fy1)
    return (fx1 + int(xs.min()), fy1 + int(ys.min()), fx1 + int(xs.max()) + 1, fy1 + int(ys.max()) + 1)
