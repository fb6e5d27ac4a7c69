"""The classical shelf meter on rendered shelves (held-out seeds: the cell model was trained on 100+)."""

from __future__ import annotations

import numpy as np
import pytest

from app.shelves.sim import make_episode, make_scene
from models.shelf import ClassicalShelfMeter, ShelfGeometry, fractions_from_boxes, glcm_cells, glcm_stats


def _light(img: np.ndarray, gain: float, gamma: float = 1.0) -> np.ndarray:
    f = np.power(img.astype(np.float32) / 255.0 * gain, gamma)
    return np.clip(f * 255, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", [3, 7])
def test_empty_fraction_follows_removals_under_light_changes(seed: int) -> None:
    scene = make_scene(seed)
    geo = ShelfGeometry(scene.corners, rows=scene.rows, columns=scene.columns)
    full = np.ones(len(scene.products), bool)
    meter = ClassicalShelfMeter(geo, scene.camera(full))
    rng = np.random.default_rng(seed)
    present = full.copy()
    seg_of = np.array([scene.segment_of(p) for p in scene.products])
    emptied = rng.choice(scene.segments, 3, replace=False)
    present[np.isin(seg_of, emptied[:2])] = False  # two segments empty
    half = np.flatnonzero(seg_of == emptied[2])
    present[half[: len(half) // 2]] = False  # one half empty
    truth = scene.truth(present)
    for gain, gamma in [(1.0, 1.0), (0.7, 1.1), (1.3, 0.9)]:  # auto exposure / night
        meter.forget()
        r = meter.measure(_light(scene.camera(present), gain, gamma), np.zeros((0, 4)))
        assert r.valid.all()
        err = np.abs(r.fraction - truth)
        assert err.mean() < 0.12, (gain, gamma, np.round(r.fraction, 2), np.round(truth, 2))
        assert (r.fraction[emptied[:2]] > 0.6).all()
        full_segs = truth < 0.15
        assert (r.fraction[full_segs] < 0.35).all()


def test_person_in_front_hides_segments_instead_of_measuring_them() -> None:
    ep = make_episode(5, minutes=10)
    geo = ShelfGeometry(ep.scene.corners, rows=ep.scene.rows, columns=ep.scene.columns)
    meter = ClassicalShelfMeter(geo, ep.reference())
    k = next(i for i in range(len(ep.times)) if len(ep.frame(i).true_boxes))
    f = ep.frame(k)
    r = meter.measure(f.image, f.true_boxes)
    assert not r.valid.all() and r.valid.any()
    assert np.isnan(r.fraction[~r.valid]).all()
    # the same frame without the person's box (the detector missed them): the boards they hide
    # still keep those segments from being measured
    meter.forget()
    r2 = meter.measure(f.image, np.zeros((0, 4)))
    assert not r2.valid.all()
    assert set(np.flatnonzero(~r2.valid)) <= set(np.flatnonzero(~r.valid))


def test_glcm_vectorised_matches_single_patch() -> None:
    rng = np.random.default_rng(1)
    patches = rng.normal(120, 25, (2, 3, 20, 6)).astype(np.float32)
    patches[0, 0] = 90.0  # flat
    many = glcm_cells(patches)
    for i in range(2):
        for j in range(3):
            assert many[i, j] == pytest.approx(glcm_stats(patches[i, j]), abs=1e-5)
    assert tuple(many[0, 0]) == (0.0, 1.0)


def test_fractions_from_product_and_gap_boxes() -> None:
    geo = ShelfGeometry([[0, 0], [288, 0], [288, 96], [0, 96]], rows=2, columns=2)
    # row 1: products over the left segment only; row 2: a gap box over the right half
    boxes = [[0, 10, 144, 48], [0, 60, 288, 96], [144, 60, 288, 96]]
    f = fractions_from_boxes(geo, boxes, [0, 0, 1])
    assert f[0] == pytest.approx(0.0) and f[1] == pytest.approx(1.0)
    assert f[2] == pytest.approx(0.0) and f[3] == pytest.approx(0.0)  # products win over the gap box
    g = fractions_from_boxes(geo, [[144, 60, 288, 96]], [1])  # gap boxes only
    assert g.tolist() == pytest.approx([0, 0, 0, 1])


def test_zone_needs_four_corners() -> None:
    with pytest.raises(ValueError, match="4 corners"):
        ShelfGeometry([[0, 0], [10, 0], [10, 10]], rows=1, columns=1)
