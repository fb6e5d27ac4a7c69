"""Geometry helpers: relative → pixels, point-in-polygon, line sides, segment intersection."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.geometry import (
    LineZone,
    PolygonSet,
    PolygonZone,
    points_in_polygon,
    segments_intersect,
    side_of_line,
    to_pixels,
)

SQUARE = [(0, 0), (10, 0), (10, 10), (0, 10)]
# A "U": the notch x in (10, 20), y in (10, 30) is outside.
U_SHAPE = [(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30)]


def test_to_pixels_scales_by_frame_size() -> None:
    assert to_pixels([(0, 0), (0.5, 0.25), (1, 1)], 640, 480).tolist() == [
        [0.0, 0.0],
        [320.0, 120.0],
        [640.0, 480.0],
    ]


@pytest.mark.parametrize(
    ("polygon", "points", "expected"),
    [
        (SQUARE, [(5, 5), (15, 5), (-1, 5), (5, 11)], [True, False, False, False]),
        (SQUARE[::-1], [(5, 5), (15, 5)], [True, False]),  # winding does not matter
        (U_SHAPE, [(5, 20), (15, 20), (25, 20), (15, 5), (15, 35)], [True, False, True, True, False]),
        ([(0, 0), (10, 0)], [(5, 0)], [False]),  # degenerate polygon
        (SQUARE, np.zeros((0, 2)), []),
    ],
)
def test_points_in_polygon(polygon: list, points: list, expected: list[bool]) -> None:
    assert points_in_polygon(points, polygon).tolist() == expected


def test_side_of_line_is_positive_on_the_right_which_is_below_for_a_left_to_right_line() -> None:
    d = side_of_line([(5, -3), (5, 4), (50, 0)], a=(0, 0), b=(10, 0))
    assert d.tolist() == [-3.0, 4.0, 0.0]
    # Reversing the line flips the sides.
    assert side_of_line([(5, 4)], a=(10, 0), b=(0, 0)).tolist() == [-4.0]
    # A vertical line drawn top to bottom: its right side is the screen's left.
    assert side_of_line([(-2, 5), (3, 5)], a=(0, 0), b=(0, 10)).tolist() == [2.0, -3.0]


def test_side_of_line_rejects_a_point_line() -> None:
    with pytest.raises(ValueError, match="distinct"):
        side_of_line([(0, 0)], a=(1, 1), b=(1, 1))


@pytest.mark.parametrize(
    ("p1", "p2", "expected"),
    [
        ((5, -5), (5, 5), True),  # proper crossing
        ((15, -5), (15, 5), False),  # crosses the infinite line beyond b
        ((0, -5), (0, 5), True),  # through the end point a
        ((5, 0), (5, 5), True),  # starts on the segment
        ((2, 0), (8, 0), True),  # collinear overlap
        ((12, 0), (20, 0), False),  # collinear, disjoint
        ((0, 1), (10, 1), False),  # parallel
    ],
)
def test_segments_intersect(p1: tuple, p2: tuple, expected: bool) -> None:
    assert bool(segments_intersect(p1, p2, q1=(0, 0), q2=(10, 0))) is expected


def test_segments_intersect_broadcasts_over_many_steps() -> None:
    starts = [(5, -5), (15, -5), (0, 1)]
    ends = [(5, 5), (15, 5), (10, 1)]
    assert segments_intersect(starts, ends, q1=(0, 0), q2=(10, 0)).tolist() == [True, False, False]


def test_zone_shapes_convert_and_validate() -> None:
    poly = PolygonZone("a", ((0.0, 0.0), (1.0, 0.0), (1.0, 0.5)))
    assert poly.pixels(width=100, height=40).tolist() == [[0.0, 0.0], [100.0, 0.0], [100.0, 20.0]]
    a, b = LineZone("door", (0.0, 0.5), (1.0, 0.5)).pixels(width=100, height=40)
    assert (a.tolist(), b.tolist()) == ([0.0, 20.0], [100.0, 20.0])
    with pytest.raises(ValueError):
        PolygonZone("bad", ((0.0, 0.0), (1.0, 1.0)))
    with pytest.raises(ValueError):
        LineZone("bad", (0.5, 0.5), (0.5, 0.5))


def test_polygon_set_tests_all_zones_in_one_pass() -> None:
    zones = PolygonSet([SQUARE, [(0, 0), (1, 1)], U_SHAPE])  # the middle one is degenerate
    got = zones.contains([(5, 5), (15, 20), (25, 20), (50, 50)])
    assert got.tolist() == [
        [True, False, True],
        [False, False, False],
        [False, False, True],
        [False, False, False],
    ]
    assert zones.contains(np.zeros((0, 2))).shape == (0, 3)
    assert PolygonSet([]).contains([(1, 1)]).shape == (1, 0)
