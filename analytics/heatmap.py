"""Time-weighted occupancy heatmaps and pure-numpy rendering helpers (no Qt, no file I/O).

The grid holds *seconds spent* per cell, so a person standing still for a minute weighs the
same whatever the frame rate. :class:`TimeAccumulator` turns timestamps into per-detection
``dt``; :func:`render` turns a grid into an RGBA overlay the GUI or a report can show.

Example:
    >>> hm = Heatmap(64, 32, cell=16)
    >>> hm.add([[8, 8], [40, 20]], dt=[0.5, 0.25])
    >>> hm.grid.tolist()
    [[0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.25, 0.0]]
    >>> render(hm.grid, width=64, height=32, sigma=0).shape
    (32, 64, 4)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


class Heatmap:
    """A grid of seconds spent per ``cell`` × ``cell`` pixel square of a ``width`` × ``height`` frame.

    Args:
        width: frame width in pixels.
        height: frame height in pixels.
        cell: cell side in pixels.

    Example:
        >>> hm = Heatmap(100, 100, cell=10)
        >>> hm.add([[5, 5], [5, 6], [500, 5]], dt=1.0)  # the third point is outside the frame
        >>> float(hm.grid[0, 0]), hm.total_seconds
        (2.0, 2.0)
    """

    def __init__(self, width: int, height: int, *, cell: int = 8) -> None:
        if width <= 0 or height <= 0 or cell <= 0:
            raise ValueError("width, height and cell must be positive")
        self.width, self.height, self.cell = int(width), int(height), int(cell)
        self._grid = np.zeros((math.ceil(height / cell), math.ceil(width / cell)), dtype=np.float64)
        self._flat = self._grid.reshape(-1)  # a view for np.add.at

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the grid."""
        return self._grid.shape  # type: ignore[return-value]

    @property
    def grid(self) -> np.ndarray:
        """Seconds per cell, (rows, cols) float64, read-only view."""
        g = self._grid.view()
        g.flags.writeable = False
        return g

    @property
    def total_seconds(self) -> float:
        """All time accumulated (person-seconds)."""
        return float(self._grid.sum())

    def add(self, points: ArrayLike, dt: float | ArrayLike) -> None:
        """Add ``dt`` seconds at each point.

        Points on the frame's right/bottom edge go to the last cell; points outside the frame,
        non-finite points and non-positive ``dt`` are ignored.

        Args:
            points: (N, 2) pixel coordinates (e.g. anchor points).
            dt: seconds per point, a scalar or (N,) array (see :class:`TimeAccumulator`).
        """
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if not len(p):
            return
        w = np.broadcast_to(np.asarray(dt, dtype=np.float64), (len(p),))
        x, y = p[:, 0], p[:, 1]
        ok = (x >= 0) & (x <= self.width) & (y >= 0) & (y <= self.height) & (w > 0)
        if not ok.any():
            return
        rows, cols = self._grid.shape
        c = np.minimum((x[ok] // self.cell).astype(np.intp), cols - 1)
        r = np.minimum((y[ok] // self.cell).astype(np.intp), rows - 1)
        np.add.at(self._flat, r * cols + c, w[ok])

    def merge(self, other: Heatmap) -> None:
        """Add another heatmap of the same frame size and cell into this one (e.g. another hour)."""
        if (other.width, other.height, other.cell) != (self.width, self.height, self.cell):
            raise ValueError("heatmaps differ in frame size or cell")
        self._grid += other._grid

    def reset(self) -> None:
        """Zero the grid."""
        self._grid.fill(0.0)


class TimeAccumulator:
    """Per-detection ``dt`` from timestamps, so a heatmap is weighted by time, not frames.

    A track's ``dt`` is the time since it was last seen, capped at ``max_dt`` (a gap must not
    paint a blob); 0 the first time it is seen, and again after ``forget_after`` s unseen (it is
    then forgotten). Untracked detections (id −1) get the time since the previous call, capped
    the same way.

    Example:
        >>> clock = TimeAccumulator(max_dt=1.0)
        >>> clock.dt([1, 2], ts=10.0).tolist(), clock.dt([1, 2], ts=10.25).tolist()
        ([0.0, 0.0], [0.25, 0.25])
        >>> clock.dt([1], ts=15.0).tolist()  # a 4.75 s gap is capped
        [1.0]
    """

    def __init__(self, *, max_dt: float = 1.0, forget_after: float = 30.0) -> None:
        self.max_dt = float(max_dt)
        self.forget_after = float(forget_after)
        self._last: dict[int, float] = {}
        self._prev_ts: float | None = None
        self._pruned_at = -math.inf

    def dt(self, track_ids: ArrayLike, ts: float) -> np.ndarray:
        """Seconds each detection stands for at time ``ts``, (N,) float64 in ``[0, max_dt]``.

        Args:
            track_ids: (N,) tracker ids of this frame's detections (``Detections.tracker_id``).
            ts: the frame's timestamp in seconds.
        """
        ids = np.asarray(track_ids, dtype=np.int64).reshape(-1).tolist()
        frame_dt = 0.0 if self._prev_ts is None else ts - self._prev_ts
        out = np.empty(len(ids), dtype=np.float64)
        last = self._last
        for i, tid in enumerate(ids):
            if tid < 0:
                out[i] = frame_dt
            else:
                prev = last.get(tid)
                out[i] = 0.0 if prev is None or ts - prev > self.forget_after else ts - prev
                last[tid] = ts
        self._prev_ts = ts
        if ts - self._pruned_at > self.forget_after:
            self._last = {t: s for t, s in last.items() if ts - s <= self.forget_after}
            self._pruned_at = ts
        return np.clip(out, 0.0, self.max_dt)


def gaussian_blur(grid: np.ndarray, *, sigma: float) -> np.ndarray:
    """Separable gaussian blur of a 2-D array in numpy (edges extend the border value).

    Args:
        grid: (rows, cols) array.
        sigma: standard deviation in cells; 0 returns a float copy.
    """
    a = np.asarray(grid, dtype=np.float64)
    if sigma <= 0:
        return a.copy()
    r = max(1, math.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r, r)
        p = np.pad(a, pad, mode="edge")
        n = a.shape[axis]
        a = sum(w * np.take(p, np.arange(j, j + n), axis=axis) for j, w in enumerate(k))  # type: ignore[assignment]
    return a


def normalize(grid: np.ndarray, *, percentile: float = 99.0) -> np.ndarray:
    """Scale a grid to 0..1 by a high percentile of its non-zero cells (robust to one hot cell).

    Returns float32 zeros for an empty grid.
    """
    g = np.asarray(grid, dtype=np.float64)
    nz = g[g > 0]
    if not len(nz):
        return np.zeros(g.shape, dtype=np.float32)
    top = float(np.percentile(nz, percentile))
    return np.clip(g / top, 0.0, 1.0).astype(np.float32)


#: Colour stops (position, R, G, B) of the built-in colour maps.
COLORMAPS: dict[str, tuple[tuple[float, int, int, int], ...]] = {
    "jet": ((0.0, 0, 0, 128), (0.125, 0, 0, 255), (0.375, 0, 255, 255), (0.625, 255, 255, 0),
            (0.875, 255, 0, 0), (1.0, 128, 0, 0)),
    "inferno": ((0.0, 0, 0, 4), (0.25, 87, 16, 110), (0.5, 188, 55, 84), (0.75, 249, 142, 9),
                (1.0, 252, 255, 164)),
    "hot": ((0.0, 0, 0, 0), (0.375, 255, 0, 0), (0.75, 255, 255, 0), (1.0, 255, 255, 255)),
}  # fmt: skip


def _lut(colormap: str) -> np.ndarray:
    stops = np.array(COLORMAPS[colormap], dtype=np.float64)
    xs = np.linspace(0.0, 1.0, 256)
    return (
        np.stack([np.interp(xs, stops[:, 0], stops[:, c]) for c in (1, 2, 3)], axis=1)
        .round()
        .astype(np.uint8)
    )


def colorize(norm: np.ndarray, *, colormap: str = "jet", max_alpha: float = 0.6) -> np.ndarray:
    """Colour a 0..1 array as RGBA uint8; alpha grows with the value (0 where nobody was).

    Args:
        norm: (rows, cols) values in 0..1 (see :func:`normalize`).
        colormap: a key of :data:`COLORMAPS`.
        max_alpha: opacity of the hottest cells, 0..1.

    Returns:
        (rows, cols, 4) uint8 RGBA.
    """
    v = np.clip(np.asarray(norm, dtype=np.float64), 0.0, 1.0)
    rgba = np.empty((*v.shape, 4), dtype=np.uint8)
    rgba[..., :3] = _lut(colormap)[(v * 255).round().astype(np.intp)]
    rgba[..., 3] = (np.sqrt(v) * max_alpha * 255).round().astype(np.uint8)
    return rgba


def render(
    grid: np.ndarray,
    *,
    width: int,
    height: int,
    sigma: float = 1.5,
    percentile: float = 99.0,
    colormap: str = "jet",
    max_alpha: float = 0.6,
) -> np.ndarray:
    """Blur, normalise, colour and scale a heatmap grid to a ``width`` × ``height`` RGBA overlay.

    Returns:
        (height, width, 4) uint8 RGBA, nearest-neighbour scaled from the grid.
    """
    rgba = colorize(normalize(gaussian_blur(grid, sigma=sigma), percentile=percentile),
                    colormap=colormap, max_alpha=max_alpha)  # fmt: skip
    rows, cols = rgba.shape[:2]
    ri = np.minimum(np.arange(height) * rows // height, rows - 1)
    ci = np.minimum(np.arange(width) * cols // width, cols - 1)
    return rgba[ri[:, None], ci[None, :]]


def overlay(background: np.ndarray, rgba: np.ndarray, *, bgr: bool = True) -> np.ndarray:
    """Alpha-blend an RGBA overlay onto an image of the same size.

    Args:
        background: (H, W, 3) uint8 image, BGR (as in :class:`~analytics.types.Frame`) or RGB.
        rgba: (H, W, 4) uint8 overlay from :func:`render`.
        bgr: whether ``background`` is BGR; the result keeps the background's channel order.
    """
    if background.shape[:2] != rgba.shape[:2]:
        raise ValueError(f"sizes differ: {background.shape[:2]} vs {rgba.shape[:2]}")
    color = rgba[..., 2::-1] if bgr else rgba[..., :3]
    alpha = rgba[..., 3:].astype(np.float32) / 255.0
    out = background.astype(np.float32) * (1.0 - alpha) + color.astype(np.float32) * alpha
    return out.round().astype(np.uint8)


def median_background(frames: Sequence[np.ndarray]) -> np.ndarray:
    """Per-pixel median of frames: a background with the people removed, for heatmap exports.

    Uses the upper median for an even count, computed with ``np.partition`` in the frames'
    own dtype (no float copy). Pass ~10–30 frames sampled across the period.

    Raises:
        ValueError: no frames, or frames of different shapes.
    """
    if not len(frames):
        raise ValueError("median_background needs at least one frame")
    stack = np.stack([np.asarray(f) for f in frames])
    k = len(frames) // 2
    return np.partition(stack, k, axis=0)[k]
