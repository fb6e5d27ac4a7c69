"""Zone editor shapes and geometry, without Qt (labelme's lesson: the canvas only draws and routes).

A :class:`Shape` is a frozen zone or line in 0–1 coordinates of the camera picture; edits make new
shapes, so an undo step is just the previous tuple of shapes. The helpers are plain functions with
keyword-only arguments working in whatever coordinates they are given (the canvas passes widget
pixels, so snapping and picking radii are in pixels on screen).

Example:
    >>> sq = Shape("dept_a", "Dairy", "department", ((0.1, 0.1), (0.4, 0.1), (0.4, 0.4)))
    >>> sq.with_point(1, (0.5, 0.1)).points[1]
    (0.5, 0.1)
    >>> nearest_vertex([[(10, 10), (50, 10)]], point=(12, 11), radius=5)
    (0, 0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from pydantic import ValidationError

from app.config import CameraConfig, ZoneConfig, ZoneType, format_validation_error
from app.errors import ConfigError

Point = tuple[float, float]

#: Zone types as the zone editor offers them, in menu order, with the words a store uses.
TYPE_LABELS: dict[str, str] = {t.value: t.label for t in ZoneType}

#: Outline colour per zone type (RGB hex), the same as the heatmap pictures use.
TYPE_COLORS: dict[str, str] = {t.value: t.color for t in ZoneType}

LINE_TYPES = frozenset({ZoneType.ENTRANCE_LINE.value, ZoneType.LINE.value})
POLYGON_TYPES = tuple(t for t in TYPE_LABELS if t not in LINE_TYPES)


@dataclass(frozen=True, slots=True)
class Shape:
    """A zone polygon or a directed line being edited, in 0–1 coordinates of the picture.

    Attributes:
        id: the zone id in the config (letters, digits, ``_ . -``).
        name: the name shown to people.
        type: a :class:`~app.config.ZoneType` value.
        points: vertices ``(x, y)`` in 0–1; a line has two, drawn so that crossing it from its
            left to its right side (looking from the first point to the second) is "in".
        ppe_items: a PPE zone's required items (``helmet``, ``vest``); empty: the module's default.

    Example:
        >>> Shape("entrance", "Entrance", "entrance_line", ((0.5, 0.1), (0.5, 0.9))).is_line
        True
    """

    id: str
    name: str
    type: str
    points: tuple[Point, ...]
    ppe_items: tuple[str, ...] = ()

    @property
    def is_line(self) -> bool:
        """Whether this is a directed line rather than a polygon."""
        return self.type in LINE_TYPES

    @property
    def label(self) -> str:
        """The name, or the id when there is no name."""
        return self.name or self.id

    @property
    def min_points(self) -> int:
        """Fewest vertices the shape may have (2 for a line, 3 for a polygon)."""
        return 2 if self.is_line else 3

    def with_point(self, index: int, point: Point) -> Shape:
        """A copy with vertex ``index`` moved to ``point`` (clamped to the picture)."""
        pts = list(self.points)
        pts[index] = clamp(point, width=1.0, height=1.0)
        return replace(self, points=tuple(pts))

    def with_inserted(self, index: int, point: Point) -> Shape:
        """A copy with ``point`` inserted before vertex ``index`` (polygons only)."""
        if self.is_line:
            raise ValueError("a line has exactly two points")
        pts = list(self.points)
        pts.insert(index, clamp(point, width=1.0, height=1.0))
        return replace(self, points=tuple(pts))

    def without_point(self, index: int) -> Shape:
        """A copy without vertex ``index``.

        Raises:
            ValueError: the shape would have fewer than :attr:`min_points` vertices.
        """
        if len(self.points) <= self.min_points:
            raise ValueError(
                f"a {'line' if self.is_line else 'polygon'} needs at least {self.min_points} points"
            )
        return replace(self, points=self.points[:index] + self.points[index + 1 :])

    def moved(self, dx: float, dy: float) -> Shape:
        """A copy shifted by ``(dx, dy)`` (0–1 units), kept inside the picture as a whole."""
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        dx = min(max(dx, -min(xs)), 1.0 - max(xs))
        dy = min(max(dy, -min(ys)), 1.0 - max(ys))
        return replace(self, points=tuple((x + dx, y + dy) for x, y in self.points))

    def reversed(self) -> Shape:
        """A line with its direction flipped ("in" becomes "out"); polygons are returned as they are."""
        return replace(self, points=self.points[::-1]) if self.is_line else self


# --- geometry helpers (keyword-only arguments, any consistent coordinates) ----------------------


def clamp(point: Point, *, width: float, height: float) -> Point:
    """``point`` moved inside ``[0, width] × [0, height]``."""
    return (min(max(float(point[0]), 0.0), width), min(max(float(point[1]), 0.0), height))


def distance(a: Point, b: Point) -> float:
    """Euclidean distance of two points."""
    return math.hypot(a[0] - b[0], a[1] - b[1])


def project_on_segment(point: Point, *, a: Point, b: Point) -> tuple[Point, float]:
    """The point of segment ``a``–``b`` nearest to ``point``, and its distance.

    Example:
        >>> project_on_segment((5, 3), a=(0, 0), b=(10, 0))
        ((5.0, 0.0), 3.0)
    """
    ax, ay = a
    vx, vy = b[0] - ax, b[1] - ay
    n2 = vx * vx + vy * vy
    t = 0.0 if n2 == 0 else min(max(((point[0] - ax) * vx + (point[1] - ay) * vy) / n2, 0.0), 1.0)
    q = (ax + t * vx, ay + t * vy)
    return (float(q[0]), float(q[1])), distance(point, q)


def nearest_vertex(
    polys: Sequence[Sequence[Point]], *, point: Point, radius: float
) -> tuple[int, int] | None:
    """``(shape index, vertex index)`` of the vertex closest to ``point`` within ``radius``, or None.

    Later shapes (drawn on top) win ties.
    """
    best: tuple[float, int, int] | None = None
    for si, pts in enumerate(polys):
        for vi, v in enumerate(pts):
            d = distance(point, v)
            if d <= radius and (best is None or d <= best[0]):
                best = (d, si, vi)
    return None if best is None else (best[1], best[2])


def nearest_edge(
    polys: Sequence[Sequence[Point]], *, point: Point, radius: float, closed: Sequence[bool]
) -> tuple[int, int, Point] | None:
    """The edge closest to ``point`` within ``radius``: ``(shape, index to insert at, point on it)``.

    Args:
        polys: vertices of each shape.
        point: where the user clicked.
        radius: farthest distance that counts.
        closed: per shape, whether the last vertex connects back to the first (polygons).
    """
    best: tuple[float, int, int, Point] | None = None
    for si, (pts, is_closed) in enumerate(zip(polys, closed, strict=True)):
        n = len(pts)
        for i in range(n if is_closed else n - 1):
            q, d = project_on_segment(point, a=pts[i], b=pts[(i + 1) % n])
            if d <= radius and (best is None or d <= best[0]):
                best = (d, si, i + 1, q)
    return None if best is None else (best[1], best[2], best[3])


def point_in_polygon(point: Point, *, polygon: Sequence[Point]) -> bool:
    """Whether ``point`` is inside ``polygon`` (even-odd rule; on the boundary counts as inside-ish)."""
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        (x1, y1), (x2, y2) = polygon[i], polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            xc = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < xc:
                inside = not inside
    return inside


def shape_at(
    polys: Sequence[Sequence[Point]], *, point: Point, closed: Sequence[bool], radius: float
) -> int | None:
    """Index of the topmost shape under ``point`` (inside a polygon, or within ``radius`` of a line)."""
    for si in range(len(polys) - 1, -1, -1):
        pts = polys[si]
        if closed[si]:
            if len(pts) >= 3 and point_in_polygon(point, polygon=pts):
                return si
        elif len(pts) >= 2 and project_on_segment(point, a=pts[0], b=pts[1])[1] <= radius:
            return si
    return None


def snap(point: Point, *, targets: Iterable[Point], radius: float, width: float, height: float) -> Point:
    """``point`` snapped to the nearest target vertex within ``radius``, else to a nearby border.

    Borders (x = 0 or ``width``, y = 0 or ``height``) attract each coordinate separately, so a
    zone can be drawn flush with the edge of the picture.

    Example:
        >>> snap((103, 4), targets=[(100, 50)], radius=6, width=200, height=100)
        (103.0, 0.0)
        >>> snap((97, 48), targets=[(100, 50)], radius=6, width=200, height=100)
        (100.0, 50.0)
    """
    best: Point | None = None
    best_d = radius
    for t in targets:
        d = distance(point, t)
        if d <= best_d:
            best, best_d = (float(t[0]), float(t[1])), d
    if best is not None:
        return best
    x, y = float(point[0]), float(point[1])
    if x <= radius:
        x = 0.0
    elif x >= width - radius:
        x = float(width)
    if y <= radius:
        y = 0.0
    elif y >= height - radius:
        y = float(height)
    return clamp((x, y), width=width, height=height)


def line_normal(*, a: Point, b: Point) -> Point:
    """Unit vector perpendicular to ``a``→``b`` pointing to its right side (the "in" side).

    In picture coordinates (y down), the right side looking from ``a`` to ``b``.

    Example:
        >>> line_normal(a=(0, 0), b=(0, 10))   # drawn downwards: "in" is to the left on screen
        (-1.0, 0.0)
    """
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = math.hypot(dx, dy) or 1.0
    return (-dy / n + 0.0, dx / n + 0.0)


def free_spot(
    box: tuple[float, float, float, float],
    *,
    taken: Sequence[tuple[float, float, float, float]],
    bottom: float,
) -> tuple[float, float]:
    """Top-left corner for a label ``box`` (x, y, w, h): moved down until it overlaps none of ``taken``.

    Example:
        >>> free_spot((0, 0, 50, 10), taken=[(10, 0, 50, 10)], bottom=100)
        (0, 12)
    """
    x, y, w, h = box
    for _ in range(50):
        hit = next(
            (t for t in taken if x < t[0] + t[2] and t[0] < x + w and y < t[1] + t[3] and t[1] < y + h), None
        )
        if hit is None or y + h + 2 > bottom:
            break
        y = hit[1] + hit[3] + 2
    return x, y


def new_zone_id(existing: Iterable[str], *, kind: str) -> str:
    """A free zone id for a new shape: ``zone_1``, ``zone_2``… or ``line_1``… .

    Example:
        >>> new_zone_id(["zone_1", "dept_a"], kind="department")
        'zone_2'
    """
    prefix = "line" if kind in LINE_TYPES else "zone"
    taken = set(existing)
    n = 1
    while f"{prefix}_{n}" in taken:
        n += 1
    return f"{prefix}_{n}"


def slug(text: str) -> str:
    """An id made from a name (``"Fresh fruit"`` → ``fresh_fruit``); empty without Latin letters."""
    out = re.sub(r"[^A-Za-z0-9_.\-]+", "_", text.strip().lower()).strip("_")[:64]
    return out if re.search(r"[a-z]", out) else ""


# --- to and from the site config -----------------------------------------------------------------


def shapes_from_camera(camera: CameraConfig) -> tuple[Shape, ...]:
    """The camera's zones and lines as shapes."""
    return tuple(
        Shape(
            z.id,
            z.name,
            z.type.value,
            tuple((float(x), float(y)) for x, y in z.points),
            tuple(z.ppe_items or ()),
        )
        for z in camera.zones
    )


def camera_with_shapes(camera: CameraConfig, shapes: Sequence[Shape]) -> CameraConfig:
    """A copy of the camera config with these shapes as its zones, validated like the config file.

    Raises:
        ConfigError: one line naming the zone and the problem (duplicate id, too few points…).
    """
    zones = []
    for i, s in enumerate(shapes):
        try:
            zones.append(
                ZoneConfig(
                    id=s.id,
                    name=s.name,
                    type=ZoneType(s.type),
                    points=[(round(x, 4), round(y, 4)) for x, y in s.points],
                    ppe_items=list(s.ppe_items) if s.ppe_items and s.type == ZoneType.PPE.value else None,
                )
            )
        except ValidationError as e:
            raise ConfigError(f"zone {i + 1} ({s.label}): {format_validation_error(e)}") from None
        except ValueError as e:
            raise ConfigError(f"zone {i + 1} ({s.label}): {e}") from None
    data = camera.model_dump()
    data["zones"] = [z.model_dump(exclude_none=True) for z in zones]
    if camera.password is not None:
        data["password"] = camera.password.get_secret_value()
    try:
        return CameraConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"camera {camera.id}: {format_validation_error(e)}") from None
