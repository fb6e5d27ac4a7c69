"""A camera's view without people: a per-pixel median of sampled frames that skips person boxes.

A plain median of frames (:func:`analytics.heatmap.median_background`) removes people who walk
by, but not a person who stands in one place for half the samples (a cashier, a queue). Here
every sample comes with the boxes detected in it, and pixels inside a box are left out of that
pixel's median; only where *every* sample is covered does the plain median fill in.
:class:`BackgroundSampler` keeps a small, evenly spread set of such samples from a stream.

Example:
    >>> import numpy as np
    >>> floor = np.full((4, 6, 3), 100, np.uint8)
    >>> busy = floor.copy(); busy[:, :3] = 0  # a dark "person" on the left half
    >>> bg = masked_median([busy, busy, floor], [[[0, 0, 3, 4]], [[0, 0, 3, 4]], []])
    >>> int(bg[0, 0, 0]), int(bg[0, 5, 0])
    (100, 100)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import ArrayLike

_COVERED = np.uint16(256)  # sorts after every uint8 value


def box_mask(boxes: ArrayLike, height: int, width: int, *, margin: float = 0.0) -> np.ndarray:
    """Pixels covered by any box, as an (H, W) bool array.

    Args:
        boxes: (N, 4) x1 y1 x2 y2 in pixels (N may be 0).
        height: image height.
        width: image width.
        margin: grow each box by this share of its width/height on every side (shadows, loose boxes).
    """
    mask = np.zeros((height, width), dtype=bool)
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    for x1, y1, x2, y2 in b[np.isfinite(b).all(axis=1)]:
        mx, my = (x2 - x1) * margin, (y2 - y1) * margin
        c1, c2 = max(0, math.floor(x1 - mx)), min(width, math.ceil(x2 + mx))
        r1, r2 = max(0, math.floor(y1 - my)), min(height, math.ceil(y2 + my))
        if c2 > c1 and r2 > r1:
            mask[r1:r2, c1:c2] = True
    return mask


def masked_median(
    frames: Sequence[np.ndarray], boxes: Sequence[ArrayLike], *, margin: float = 0.0
) -> np.ndarray:
    """Per-pixel median of ``frames``, ignoring each frame's pixels covered by its ``boxes``.

    Each pixel's median is taken over the samples where it is free (the upper median for an
    even count, as in :func:`analytics.heatmap.median_background`); where every sample covers
    it, the plain median of all samples is used.

    Args:
        frames: N uint8 images of one shape, (H, W) or (H, W, C).
        boxes: N arrays of (K, 4) boxes x1 y1 x2 y2 in the frames' pixels (K may be 0).
        margin: grow boxes by this share of their size on every side.

    Returns:
        A uint8 image of the frames' shape.

    Raises:
        ValueError: no frames, frames of different shapes or not uint8, or a box list per frame missing.
    """
    if not len(frames):
        raise ValueError("masked_median needs at least one frame")
    if len(boxes) != len(frames):
        raise ValueError(f"{len(frames)} frames but {len(boxes)} box lists")
    stack = np.stack([np.asarray(f) for f in frames])
    if stack.dtype != np.uint8:
        raise ValueError(f"frames must be uint8, not {stack.dtype}")
    gray = stack.ndim == 3
    if gray:
        stack = stack[..., None]
    n, h, w, c = stack.shape
    covered = np.stack([box_mask(b, h, w, margin=margin) for b in boxes]).reshape(n, h * w)
    out = np.partition(stack, n // 2, axis=0)[n // 2]  # the plain median, kept where nothing is free
    touched = np.flatnonzero(covered.any(axis=0))  # only pixels some box covered need more work
    if len(touched):
        cov = covered[:, touched]  # (N, K)
        s = stack.reshape(n, h * w, c)[:, touched].astype(np.uint16)  # (N, K, C)
        s[cov] = _COVERED
        s.sort(axis=0)  # free values first, covered ones last
        free = n - cov.sum(axis=0)  # (K,) samples free at each pixel
        pick = np.broadcast_to((free // 2)[None, :, None], (1, *s.shape[1:]))  # upper median of the free
        median = np.take_along_axis(s, pick, axis=0)[0].astype(np.uint8)
        some = free > 0
        out.reshape(h * w, c)[touched[some]] = median[some]
    return out[..., 0] if gray else out


@dataclass(frozen=True, slots=True)
class BackgroundSample:
    """One stored sample: a (possibly downscaled) frame, its boxes in its own pixels, and its time."""

    ts: float
    image: np.ndarray
    boxes: np.ndarray


class BackgroundSampler:
    """Keeps a bounded, evenly spread set of frames with their boxes, for :func:`masked_median`.

    A frame is taken at most every ``interval`` seconds (by timestamp) and downscaled so that
    its longer side is at most ``max_side``. When ``max_samples`` are held, every other one is
    dropped and the interval doubles, so a short video is sampled densely and a long one evenly;
    once the interval reaches ``max_interval`` the oldest sample is dropped instead (a sliding
    window of about ``max_samples × max_interval`` seconds, so lighting changes are followed).

    Args:
        interval: seconds between samples at first.
        max_samples: samples held at most (memory: ``max_samples`` × the downscaled frame).
        max_side: longest side of a stored sample in pixels.
        max_interval: the interval never grows beyond this.
        margin: grow boxes by this share of their size when masking.

    Example:
        >>> s = BackgroundSampler(interval=2.0, max_samples=4)
        >>> img = np.zeros((48, 64, 3), np.uint8)
        >>> [s.add(img, [], ts=t) for t in (0.0, 1.0, 2.0)]
        [True, False, True]
        >>> s.background().shape
        (48, 64, 3)
    """

    def __init__(
        self,
        *,
        interval: float = 5.0,
        max_samples: int = 24,
        max_side: int = 640,
        max_interval: float = 150.0,
        margin: float = 0.1,
    ) -> None:
        if interval <= 0 or max_samples < 2 or max_side < 16:
            raise ValueError("interval must be > 0, max_samples ≥ 2 and max_side ≥ 16")
        self.interval = float(interval)
        self.max_samples = int(max_samples)
        self.max_side = int(max_side)
        self.max_interval = max(float(max_interval), self.interval)
        self.margin = float(margin)
        self._samples: list[BackgroundSample] = []
        self._last_ts = -math.inf
        self.frame_size: tuple[int, int] | None = None  # (width, height) of the frames given

    @property
    def count(self) -> int:
        """Samples held now."""
        return len(self._samples)

    @property
    def samples(self) -> tuple[BackgroundSample, ...]:
        """The samples held, oldest first."""
        return tuple(self._samples)

    def add(self, image: np.ndarray, boxes: ArrayLike, ts: float) -> bool:
        """Offer a frame with its detected boxes (pixels of ``image``); return whether it was kept.

        A frame of another size than the first restarts the sampling (the camera changed).
        """
        h, w = image.shape[:2]
        if self.frame_size != (w, h):
            self._samples.clear()
            self._last_ts = -math.inf
            self.frame_size = (w, h)
        if ts - self._last_ts < self.interval:
            return False
        scale = min(1.0, self.max_side / max(h, w))
        b = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            b = b * np.float32(scale)
        else:
            small = np.array(image, dtype=np.uint8, copy=True)
        self._samples.append(BackgroundSample(float(ts), small, b))
        self._last_ts = ts
        if len(self._samples) >= self.max_samples:
            if self.interval * 2 <= self.max_interval:
                self._samples = self._samples[::-2][::-1]  # every other one, keeping the newest
                self.interval *= 2
            else:
                self._samples.pop(0)
        return True

    def background(self) -> np.ndarray | None:
        """The median background of the samples held (downscaled size), or None without samples."""
        if not self._samples:
            return None
        return masked_median(
            [s.image for s in self._samples], [s.boxes for s in self._samples], margin=self.margin
        )
