"""Still objects in a camera view: a dual background (people-free long-term + OpenCV MOG2 short-term).

A pixel belongs to a *still object* when it differs from the long-term background (the view
without people: the app's people-free background, or the first frame, kept up to date on
pixels where nothing is going on) but the short-term MOG2 model has already taken it in (it
stopped moving), and no person box covers it (Porikli's dual-background method). Pixels
that stay so for ``static_after`` seconds form :class:`analytics.left_items.StaticBlob` s;
each blob says whether something was *added* (more texture than the background) or
*removed* (less). Lighting changes are followed: the frame is normalised by its median gain
against the background on free pixels, and the background adapts with a time constant.
A still region older than ``absorb_after`` seconds becomes background (reported once, then
forgotten). Times come from timestamps, so a live camera and a file behave alike.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import ArrayLike

from analytics.background import box_mask
from analytics.left_items import StaticBlob


class StaticForeground:
    """Find still foreground regions frame by frame.

    Args:
        width: frames are analysed at this width (height keeps the aspect).
        threshold: colour difference (0–255, max channel) to the background that counts as different.
        static_after: seconds a pixel must be still and different before it forms a blob.
        absorb_after: seconds after which a still region is taken into the background.
        adapt: time constant (s) of the background's adaptation on free pixels.
        short: time constant (s) in which MOG2 takes in something that stopped moving.
        min_area: blob area in analysed pixels.
        person_margin: grow person boxes by this share of their size.

    Example:
        >>> sf = StaticForeground(width=64, static_after=2.0, min_area=4)
        >>> bg = np.full((48, 64, 3), 120, np.uint8)
        >>> _ = sf.update(bg, [], 0.0)
        >>> bag = bg.copy(); bag[30:40, 20:30] = (20, 40, 200); bag[34, 20:30] = 255
        >>> blobs = []
        >>> for t in np.arange(0.2, 12.0, 0.2):
        ...     blobs = sf.update(bag, [], float(t))
        >>> [(b.added, tuple(round(v) for v in b.box)) for b in blobs]
        [(True, (20, 30, 30, 40))]
    """

    def __init__(
        self,
        *,
        width: int = 320,
        threshold: float = 32.0,
        static_after: float = 4.0,
        absorb_after: float = 900.0,
        adapt: float = 120.0,
        short: float = 3.0,
        min_area: int = 20,
        person_margin: float = 0.15,
    ) -> None:
        self.width = int(width)
        self.threshold = float(threshold)
        self.static_after, self.absorb_after = float(static_after), float(absorb_after)
        self.adapt, self.short = float(adapt), float(short)
        self.min_area = int(min_area)
        self.person_margin = float(person_margin)
        self._bg: np.ndarray | None = None
        self._since: np.ndarray | None = None
        self._mog = cv2.createBackgroundSubtractorMOG2(history=500, varThreshold=25, detectShadows=True)
        self._last_ts: float | None = None
        self._scale = 1.0
        self._size: tuple[int, int] | None = None

    def _small(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        if self._size != (w, h):
            self._size = (w, h)
            self._scale = min(1.0, self.width / w)
            self._bg = None
        if self._scale < 1.0:
            size = (round(w * self._scale), round(h * self._scale))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(image, (3, 3), 0).astype(np.float32)

    def set_background(self, image: np.ndarray) -> None:
        """Start from a people-free background of the view (e.g. the app's masked median)."""
        small = self._small(image)
        self._bg = small.copy()
        self._since = np.full(small.shape[:2], np.nan, np.float64)

    def _person_mask(self, boxes: ArrayLike, shape: tuple[int, int]) -> np.ndarray:
        scaled = np.asarray(boxes, np.float64).reshape(-1, 4) * self._scale
        return box_mask(scaled, shape[0], shape[1], margin=self.person_margin)

    def update(self, image: np.ndarray, person_boxes: ArrayLike, ts: float) -> list[StaticBlob]:
        """One BGR frame with its person boxes (frame pixels) at time ``ts`` → the still blobs now."""
        cur = self._small(image)
        if self._bg is None:
            self.set_background(image)
        assert self._bg is not None and self._since is not None
        dt = 0.0 if self._last_ts is None else max(0.0, ts - self._last_ts)
        self._last_ts = ts
        person = self._person_mask(person_boxes, cur.shape[:2])
        short = self._mog.apply(cur.astype(np.uint8), learningRate=min(1.0, dt / self.short) if dt else -1)
        moving = short > 0  # shadows (127) count as moving
        free = ~person & ~moving
        gain = np.median(cur[free] / (self._bg[free] + 1.0), axis=0) if free.sum() > 100 else np.ones(3)
        diff = np.abs(cur / np.maximum(gain, 1e-3) - self._bg).max(axis=2)
        different = diff > self.threshold
        cand = different & ~moving & ~person
        since = self._since
        since[cand & np.isnan(since)] = ts
        since[~different & ~person] = np.nan  # back to the background: not an object any more
        # the background follows slow light changes where nothing is going on
        a = min(1.0, dt / self.adapt) if dt else 0.0
        calm = ~different & ~person & ~moving
        self._bg[calm] += a * (cur[calm] / np.maximum(gain, 1e-3) - self._bg[calm])
        age = ts - since
        old = np.nan_to_num(age, nan=0.0) >= self.absorb_after
        if old.any():
            self._bg[old] = cur[old] / np.maximum(gain, 1e-3)
            since[old] = np.nan
        still = (np.nan_to_num(age, nan=-1.0) >= self.static_after) & ~person
        mask = cv2.morphologyEx(still.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
        out: list[StaticBlob] = []
        bg = self._bg * gain  # the background in this frame's light
        for k in range(1, n):
            x, y, w, h, area = (int(v) for v in stats[k])
            if area < self.min_area:
                continue
            s = 1.0 / self._scale
            added = _stands_out(cur, bg, labels == k, (x, y, w, h))
            out.append(StaticBlob((x * s, y * s, (x + w) * s, (y + h) * s), added=added))
        return out

    @property
    def background(self) -> np.ndarray | None:
        """The current long-term background (analysed size, BGR uint8)."""
        return None if self._bg is None else self._bg.astype(np.uint8)


def _stands_out(cur: np.ndarray, bg: np.ndarray, mask: np.ndarray, rect: tuple[int, int, int, int]) -> bool:
    """Whether the blob differs more from its surroundings now than in the background (something added).

    An added object stands out from the floor around it; where an object was taken away, the
    place now looks like its surroundings, while in the background it stood out.
    """
    x, y, w, h = rect
    pad = max(4, (w + h) // 6)
    y1, y2, x1, x2 = max(0, y - pad), min(mask.shape[0], y + h + pad), max(0, x - pad), min(mask.shape[1], x + w + pad)
    inner = mask[y1:y2, x1:x2].astype(np.uint8)
    ring = (cv2.dilate(inner, np.ones((2 * pad + 1, 2 * pad + 1), np.uint8)) > 0) & (inner == 0)
    inside = inner > 0
    if ring.sum() < 4 or inside.sum() < 4:
        return True

    def contrast(img: np.ndarray) -> float:
        patch = img[y1:y2, x1:x2]
        return float(np.abs(np.median(patch[inside], axis=0) - np.median(patch[ring], axis=0)).sum())

    return contrast(cur) >= contrast(bg)
