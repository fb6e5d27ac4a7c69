"""Zone geometry: relative shapes to pixels, point-in-polygon, side of a directed line, segments.

Coordinates are image pixels with x to the right and **y down**. Zones are stored as 0–1
fractions of the frame width/height and converted with :func:`to_pixels` at run time.

Line convention (the one the config documents): a directed line ``a → b`` has a *left* and a
*right* side as seen on screen when looking from ``a`` towards ``b``. :func:`side_of_line` is
positive on the **right** side, and crossing from the left side to the right side is **"in"**.
For a line drawn left to right across the picture (``a=(0, y)``, ``b=(W, y)``) the right side
is *below* the line.

Example:
    >>> door = to_pixels([(0.25, 0.5), (0.75, 0.5)], 640, 480)
    >>> door.tolist()
    [[160.0, 240.0], [480.0, 240.0]]
    >>> side_of_line([[320, 100], [320, 400]], a=door[0], b=door[1]).tolist()
    [-140.0, 160.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

Point = tuple[float, float]


def to_pixels(points: ArrayLike, width: float, height: float) -> np.ndarray:
    """Scale 0–1 relative points to pixels of a ``width`` × ``height`` frame.

    Args:
        points: (M, 2) points as fractions of the frame (``(1, 1)`` is the bottom-right corner).
        width: frame width in pixels.
        height: frame height in pixels.

    Returns:
        (M, 2) float64 pixel coordinates.
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return p * np.array([width, height], dtype=np.float64)


def points_in_polygon(points: ArrayLike, polygon: ArrayLike) -> np.ndarray:
    """Which points lie inside a polygon (even-odd rule, so concave polygons work).

    Vectorised over points and edges: one (N, M) boolean pass, no Python loop. Points
    exactly on an edge may fall on either side.

    Args:
        points: (N, 2) points in pixels.
        polygon: (M, 2) vertices in order (either winding); M < 3 gives all False.

    Returns:
        (N,) bool array.

    Example:
        >>> u_shape = [(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30)]
        >>> points_in_polygon([(5, 20), (15, 20), (25, 20)], u_shape).tolist()
        [True, False, True]
    """
    return PolygonSet([polygon]).contains(points)[:, 0]


class PolygonSet:
    """Several polygons tested together: one vectorised pass for all points and all zones.

    The edges of every polygon are stacked once at construction, so testing N points against
    Z zones costs a handful of numpy operations on an (N, total edges) array, whatever Z is.

    Args:
        polygons: a sequence of (M_i, 2) vertex arrays in pixels (M_i < 3 never contains anything).

    Example:
        >>> zones = PolygonSet([[(0, 0), (10, 0), (10, 10), (0, 10)], [(5, 5), (20, 5), (20, 20)]])
        >>> zones.contains([(7, 6), (1, 1), (30, 30)]).tolist()
        [[True, True], [True, False], [False, False]]
    """

    def __init__(self, polygons: Sequence[ArrayLike]) -> None:
        x1s, y1s, x2s, y2s, owner = [], [], [], [], []
        for k, poly in enumerate(polygons):
            v = np.asarray(poly, dtype=np.float64).reshape(-1, 2)
            if len(v) < 3:
                continue
            x1s.append(v[:, 0])
            y1s.append(v[:, 1])
            x2s.append(np.roll(v[:, 0], -1))
            y2s.append(np.roll(v[:, 1], -1))
            owner.append(np.full(len(v), k))
        self.size = len(polygons)
        cat = np.concatenate if owner else (lambda _: np.zeros(0))
        self._x1, self._y1, x2, self._y2 = cat(x1s), cat(y1s), cat(x2s), cat(y2s)
        dy = self._y2 - self._y1
        self._slope = (x2 - self._x1) / np.where(dy == 0, 1.0, dy)  # unused where dy == 0 (never straddles)
        # (edges, zones) 0/1 matrix: summing an edge-crossing row by zone is one matrix product.
        self._owner = np.zeros((len(self._x1), self.size))
        if owner:
            self._owner[np.arange(len(self._x1)), np.concatenate(owner)] = 1.0

    def contains(self, points: ArrayLike) -> np.ndarray:
        """(N, Z) bool: whether each point is inside each polygon (even-odd rule)."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        px, py = p[:, :1], p[:, 1:]
        straddles = (self._y1 > py) != (self._y2 > py)  # (N, E)
        left_of_edge = px < self._x1 + (py - self._y1) * self._slope
        crossings = (straddles & left_of_edge) @ self._owner  # (N, Z) counts, exact in float
        return (crossings % 2) == 1


def side_of_line(points: ArrayLike, *, a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Signed perpendicular distance of points from the infinite line through ``a → b``.

    Args:
        points: (N, 2) points in pixels.
        a: the line's first point.
        b: the line's second point (must differ from ``a``).

    Returns:
        (N,) float64 distances in pixels: positive on the right of ``a → b`` as seen on screen
        (the "in" side), negative on the left, 0 on the line.

    Raises:
        ValueError: ``a`` and ``b`` coincide.
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    a_ = np.asarray(a, dtype=np.float64).reshape(2)
    d = np.asarray(b, dtype=np.float64).reshape(2) - a_
    length = float(np.hypot(d[0], d[1]))
    if length == 0.0:
        raise ValueError("a line needs two distinct points")
    return (d[0] * (p[:, 1] - a_[1]) - d[1] * (p[:, 0] - a_[0])) / length


def _orient(o: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Twice the signed area of triangle o, p, q (the 2-D cross product of op and oq)."""
    op, oq = p - o, q - o
    return op[..., 0] * oq[..., 1] - op[..., 1] * oq[..., 0]


def _within_box(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """True where r lies in the bounding box of segment p–q (for collinear points)."""
    lo = np.minimum(p, q)
    hi = np.maximum(p, q)
    return np.all((r >= lo) & (r <= hi), axis=-1)


def segments_intersect(p1: ArrayLike, p2: ArrayLike, *, q1: ArrayLike, q2: ArrayLike) -> np.ndarray:
    """Whether segments ``p1–p2`` and ``q1–q2`` meet (touching counts), broadcast over leading axes.

    Args:
        p1: (..., 2) start points of the first segments (e.g. a track's previous anchors).
        p2: (..., 2) end points of the first segments (the current anchors).
        q1: (..., 2) start of the second segment(s), e.g. a line's ``a``.
        q2: (..., 2) end of the second segment(s), e.g. a line's ``b``.

    Returns:
        bool array of the broadcast leading shape (a 0-d array for single segments).

    Example:
        >>> segments_intersect([[0, 0], [1, 1]], [[10, 10], [4, 4]], q1=[0, 10], q2=[10, 0]).tolist()
        [True, False]
    """
    a, b, c, d = (np.asarray(x, dtype=np.float64) for x in (p1, p2, q1, q2))
    o1, o2 = _orient(c, d, a), _orient(c, d, b)
    o3, o4 = _orient(a, b, c), _orient(a, b, d)
    proper = (np.sign(o1) * np.sign(o2) < 0) & (np.sign(o3) * np.sign(o4) < 0)
    touch = (
        ((o1 == 0) & _within_box(c, d, a))
        | ((o2 == 0) & _within_box(c, d, b))
        | ((o3 == 0) & _within_box(a, b, c))
        | ((o4 == 0) & _within_box(a, b, d))
    )
    return proper | touch


@dataclass(frozen=True, slots=True)
class PolygonZone:
    """A polygon zone in 0–1 relative coordinates (department, queue, shelf, ...).

    Example:
        >>> z = PolygonZone("dept_a", ((0.0, 0.0), (0.5, 0.0), (0.5, 0.5)))
        >>> z.pixels(width=200, height=100).tolist()
        [[0.0, 0.0], [100.0, 0.0], [100.0, 50.0]]
    """

    zone_id: str
    points: tuple[Point, ...]

    def __post_init__(self) -> None:
        if len(self.points) < 3:
            raise ValueError(f"zone {self.zone_id!r}: a polygon needs at least 3 points")

    def pixels(self, *, width: float, height: float) -> np.ndarray:
        """The vertices in pixels of a ``width`` × ``height`` frame, (M, 2) float64."""
        return to_pixels(self.points, width, height)


@dataclass(frozen=True, slots=True)
class LineZone:
    """A directed line in 0–1 relative coordinates; crossing from its left to its right is "in".

    Example:
        >>> door = LineZone("door", (0.2, 0.6), (0.8, 0.6))
        >>> [p.tolist() for p in door.pixels(width=100, height=50)]
        [[20.0, 30.0], [80.0, 30.0]]
    """

    zone_id: str
    a: Point
    b: Point

    def __post_init__(self) -> None:
        if tuple(self.a) == tuple(self.b):
            raise ValueError(f"line {self.zone_id!r}: the two points must differ")

    def pixels(self, *, width: float, height: float) -> tuple[np.ndarray, np.ndarray]:
        """The two end points in pixels of a ``width`` × ``height`` frame."""
        a, b = to_pixels([self.a, self.b], width, height)
        return a, b
