"""Zone editor geometry and the shape ↔ config conversion (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.geometry import side_of_line
from app.config import CameraConfig
from app.errors import ConfigError
from app.gui.shapes import (
    Shape,
    camera_with_shapes,
    line_normal,
    nearest_edge,
    nearest_vertex,
    new_zone_id,
    point_in_polygon,
    project_on_segment,
    shape_at,
    shapes_from_camera,
    slug,
    snap,
)

SQUARE = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]


@pytest.mark.parametrize(
    ("point", "radius", "expected"),
    [
        ((0.5, 0.5), 1.0, (0, 0)),
        ((9.0, 9.5), 2.0, (0, 2)),
        ((5.0, 5.0), 2.0, None),  # the middle is far from every corner
        ((10.0, 10.0), 0.0, (0, 2)),
    ],
)
def test_nearest_vertex(point, radius, expected) -> None:  # type: ignore[no-untyped-def]
    assert nearest_vertex([SQUARE], point=point, radius=radius) == expected


def test_later_shapes_win_vertex_ties() -> None:
    assert nearest_vertex([SQUARE, SQUARE], point=(0, 0), radius=1) == (1, 0)


@pytest.mark.parametrize(
    ("point", "closed", "expected"),
    [
        ((5.0, 0.4), True, (0, 1, (5.0, 0.0))),  # top edge: insert before vertex 1
        ((0.3, 5.0), True, (0, 4, (0.0, 5.0))),  # closing edge 3 → 0: insert at the end
        ((0.3, 5.0), False, None),  # an open path has no closing edge
        ((5.0, 5.0), True, None),
    ],
)
def test_nearest_edge(point, closed, expected) -> None:  # type: ignore[no-untyped-def]
    assert nearest_edge([SQUARE], point=point, radius=1.0, closed=[closed]) == expected


@pytest.mark.parametrize(
    ("point", "inside"), [((5, 5), True), ((11, 5), False), ((-1, -1), False), ((9.9, 0.1), True)]
)
def test_point_in_polygon(point, inside) -> None:  # type: ignore[no-untyped-def]
    assert point_in_polygon(point, polygon=SQUARE) is inside


def test_shape_at_picks_the_topmost_polygon_or_a_line_within_the_radius() -> None:
    small = [(2.0, 2.0), (4.0, 2.0), (4.0, 4.0)]
    line = [(0.0, 20.0), (10.0, 20.0)]
    polys = [SQUARE, small, line]
    closed = [True, True, False]
    assert shape_at(polys, point=(3.5, 2.5), closed=closed, radius=1) == 1
    assert shape_at(polys, point=(8, 8), closed=closed, radius=1) == 0
    assert shape_at(polys, point=(5, 20.8), closed=closed, radius=1) == 2
    assert shape_at(polys, point=(5, 23), closed=closed, radius=1) is None


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((50.0, 3.0), (50.0, 0.0)),  # near the top border
        ((197.0, 50.0), (200.0, 50.0)),  # near the right border
        ((99.0, 52.0), (100.0, 50.0)),  # near a corner of another zone: the corner wins
        ((50.0, 50.0), (50.0, 50.0)),  # nothing near: unchanged
        ((-5.0, 120.0), (0.0, 100.0)),  # outside: clamped into the picture
    ],
)
def test_snap(point, expected) -> None:  # type: ignore[no-untyped-def]
    assert snap(point, targets=[(100.0, 50.0)], radius=5.0, width=200.0, height=100.0) == expected


@pytest.mark.parametrize(
    ("a", "b"), [((0, 0), (0, 10)), ((0, 0), (10, 0)), ((3, 7), (-2, 1)), ((5, 5), (9, 9))]
)
def test_line_normal_points_to_the_in_side_of_the_analytics(a, b) -> None:  # type: ignore[no-untyped-def]
    n = np.asarray(line_normal(a=a, b=b))
    mid = (np.asarray(a, float) + np.asarray(b, float)) / 2
    assert abs(np.hypot(*n) - 1) < 1e-9
    assert side_of_line([mid + n], a=a, b=b)[0] > 0  # crossing towards the arrow counts as "in"


def test_project_on_segment_clamps_to_the_ends() -> None:
    assert project_on_segment((-5, 3), a=(0, 0), b=(10, 0)) == ((0.0, 0.0), pytest.approx(np.hypot(5, 3)))


def test_shape_edits_are_new_objects_and_keep_their_minimum() -> None:
    tri = Shape("z", "Zone", "department", ((0.1, 0.1), (0.5, 0.1), (0.5, 0.5)))
    quad = tri.with_inserted(1, (0.3, 0.0))
    assert len(quad.points) == 4 and len(tri.points) == 3
    assert quad.without_point(1) == tri
    with pytest.raises(ValueError, match="at least 3"):
        tri.without_point(0)
    assert tri.with_point(0, (-1.0, 2.0)).points[0] == (0.0, 1.0)  # clamped into the picture
    moved = tri.moved(0.9, -0.5)  # as far as it goes
    assert max(x for x, _ in moved.points) == pytest.approx(1.0) and min(y for _, y in moved.points) == 0.0
    line = Shape("l", "", "entrance_line", ((0.5, 0.1), (0.5, 0.9)))
    assert line.reversed().points == ((0.5, 0.9), (0.5, 0.1))
    with pytest.raises(ValueError):
        line.with_inserted(1, (0.5, 0.5))


@pytest.mark.parametrize(
    ("taken", "kind", "expected"),
    [([], "department", "zone_1"), (["zone_1", "zone_2"], "queue", "zone_3"), (["zone_1"], "line", "line_1")],
)
def test_new_zone_id(taken, kind, expected) -> None:  # type: ignore[no-untyped-def]
    assert new_zone_id(taken, kind=kind) == expected


@pytest.mark.parametrize(
    ("name", "expected"), [("Fresh fruit", "fresh_fruit"), ("  Касса №1 ", ""), ("A/B", "a_b")]
)
def test_slug(name, expected) -> None:  # type: ignore[no-untyped-def]
    assert slug(name) == expected


def test_round_trip_through_the_camera_config_and_validation() -> None:
    cam = CameraConfig(id="cam", source="a.mp4")
    shapes = (
        Shape("in", "Door", "entrance_line", ((0.5, 0.1), (0.5, 0.9))),
        Shape("fruit", "Fruit", "shelf", ((0.1, 0.1), (0.3, 0.1), (0.3, 0.3))),
    )
    new = camera_with_shapes(cam, shapes)
    assert [z.id for z in new.zones] == ["in", "fruit"] and shapes_from_camera(new) == shapes
    with pytest.raises(ConfigError, match="used twice"):
        camera_with_shapes(cam, (shapes[1], shapes[1]))
    with pytest.raises(ConfigError, match=r"zone 1 \(bad id\)"):
        camera_with_shapes(cam, (Shape("bad id", "", "department", shapes[1].points),))


@pytest.mark.parametrize(
    ("box", "taken", "expected"),
    [
        ((0, 0, 50, 10), [], (0, 0)),
        ((0, 0, 50, 10), [(10, 0, 50, 10)], (0, 12)),  # below the label it would cover
        ((0, 0, 50, 10), [(10, 0, 50, 10), (0, 12, 20, 10)], (0, 24)),  # and below the next one
        ((0, 0, 50, 10), [(60, 0, 50, 10)], (0, 0)),  # side by side is fine
        ((0, 95, 50, 10), [(0, 95, 50, 10)], (0, 95)),  # no room below: stays
    ],
)
def test_free_spot_for_labels(box, taken, expected) -> None:  # type: ignore[no-untyped-def]
    from app.gui.shapes import free_spot

    assert free_spot(box, taken=taken, bottom=100) == expected
