"""Heatmap: time-weighted accumulation, dt from timestamps, rendering helpers, median background."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.heatmap import (
    Heatmap,
    TimeAccumulator,
    colorize,
    gaussian_blur,
    median_background,
    normalize,
    overlay,
    render,
)


def test_heatmap_weights_by_time_not_frames() -> None:
    """Two people stand 2 s each, one filmed at 4 fps and one at 2 fps: equal seconds."""
    hm = Heatmap(100, 100, cell=10)
    clock = TimeAccumulator(max_dt=1.0)
    fast = [(i * 0.25, 1) for i in range(9)]  # 0.0 … 2.0
    slow = [(i * 0.5, 2) for i in range(5)]  # 0.0 … 2.0
    for ts, tid in sorted(fast + slow):
        pos = [[15, 15]] if tid == 1 else [[85, 85]]
        hm.add(pos, clock.dt([tid], ts))
    assert hm.grid[1, 1] == 2.0
    assert hm.grid[8, 8] == 2.0
    assert hm.total_seconds == 4.0


@pytest.mark.parametrize(
    ("points", "dt", "cells"),
    [
        ([[0, 0]], 1.0, {(0, 0): 1.0}),
        ([[9.99, 9.99], [10, 10]], 0.5, {(0, 0): 0.5, (1, 1): 0.5}),
        ([[100, 100]], 1.0, {(9, 9): 1.0}),  # right/bottom edge belongs to the last cell
        ([[100.5, 50], [-1, 50], [np.nan, 5]], 1.0, {}),  # outside or invalid
        ([[5, 5], [5, 5], [95, 5]], [0.25, 0.5, 0.0], {(0, 0): 0.75}),  # zero dt adds nothing
    ],
)
def test_add_bins_points(points: list, dt: float | list[float], cells: dict) -> None:
    hm = Heatmap(100, 100, cell=10)
    hm.add(points, dt)
    expected = np.zeros((10, 10))
    for (r, c), v in cells.items():
        expected[r, c] = v
    assert np.array_equal(hm.grid, expected)


def test_grid_shape_rounds_up_and_grid_is_read_only() -> None:
    hm = Heatmap(101, 50, cell=10)
    assert hm.shape == (5, 11)
    with pytest.raises(ValueError):
        hm.grid[0, 0] = 1.0


def test_merge_and_reset() -> None:
    a, b = Heatmap(40, 40, cell=20), Heatmap(40, 40, cell=20)
    a.add([[5, 5]], 1.0)
    b.add([[5, 5], [30, 30]], 2.0)
    a.merge(b)
    assert a.grid.tolist() == [[3.0, 0.0], [0.0, 2.0]]
    with pytest.raises(ValueError):
        a.merge(Heatmap(40, 40, cell=10))
    a.reset()
    assert a.total_seconds == 0.0


def test_time_accumulator_caps_gaps_and_handles_untracked() -> None:
    clock = TimeAccumulator(max_dt=1.0, forget_after=10.0)
    assert clock.dt([1, -1], 0.0).tolist() == [0.0, 0.0]
    assert clock.dt([1, -1, 2], 0.5).tolist() == [0.5, 0.5, 0.0]
    assert clock.dt([1], 3.5).tolist() == [1.0]  # a 3 s gap paints at most 1 s
    assert clock.dt([2], 20.0).tolist() == [0.0]  # forgotten after 10 s: new again
    assert clock.dt([1], 19.0).tolist() == [0.0]  # time going backwards never gives negative dt


def test_gaussian_blur_spreads_and_keeps_the_mass_of_an_interior_impulse() -> None:
    g = np.zeros((21, 21))
    g[10, 10] = 1.0
    b = gaussian_blur(g, sigma=2.0)
    assert b.sum() == pytest.approx(1.0, abs=1e-12)
    assert b[10, 10] < 0.1 and b[10, 12] == pytest.approx(b[12, 10]) == pytest.approx(b[10, 8])
    assert np.array_equal(gaussian_blur(g, sigma=0), g)


def test_normalize_colorize_render_overlay() -> None:
    grid = np.array([[0.0, 1.0], [2.0, 4.0]])
    assert normalize(grid, percentile=100).tolist() == [[0.0, 0.25], [0.5, 1.0]]
    assert normalize(np.zeros((2, 2))).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    rgba = colorize(np.array([[0.0, 1.0]]), colormap="hot", max_alpha=1.0)
    assert rgba.tolist() == [[[0, 0, 0, 0], [255, 255, 255, 255]]]
    big = render(grid, width=4, height=4, sigma=0, percentile=100, colormap="hot", max_alpha=1.0)
    assert big.shape == (4, 4, 4) and big[0, 0, 3] == 0 and big[3, 3].tolist() == [255, 255, 255, 255]
    bg = np.full((4, 4, 3), 10, np.uint8)
    out = overlay(bg, big)
    assert out[0, 0].tolist() == [10, 10, 10] and out[3, 3].tolist() == [255, 255, 255]
    red = np.zeros((1, 1, 4), np.uint8)
    red[0, 0] = (255, 0, 0, 255)
    assert overlay(np.zeros((1, 1, 3), np.uint8), red, bgr=True)[0, 0].tolist() == [0, 0, 255]
    assert overlay(np.zeros((1, 1, 3), np.uint8), red, bgr=False)[0, 0].tolist() == [255, 0, 0]


def test_median_background_removes_passers_by() -> None:
    bg = np.full((8, 8, 3), 100, np.uint8)
    frames = [bg.copy() for _ in range(5)]
    frames[1][2:4, 2:4] = 255  # someone walking through
    frames[3][5:7, 1:3] = 0
    assert np.array_equal(median_background(frames), bg)
    with pytest.raises(ValueError):
        median_background([])
