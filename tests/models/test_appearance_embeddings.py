"""The detector-feature embedding benchmark (``benchmarks/appearance_embeddings.py``): its AUC, its ROI
pooling on hand-built maps, and on the real NanoDet that the map and the boxes line up."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from analytics.mot_eval import read_mot
from benchmarks.appearance_embeddings import (
    LAYERS,
    PARTS,
    SIZE,
    auc,
    blob,
    l2,
    roi_embedding,
    session_with_outputs,
)

ROOT = Path(__file__).resolve().parents[2]


def test_auc_counts_pairs_and_halves_ties() -> None:
    assert auc(np.array([0.1, 0.2]), np.array([0.3, 0.4])) == 1.0
    assert auc(np.array([0.3, 0.4]), np.array([0.1, 0.2])) == 0.0
    assert auc(np.array([0.1, 0.3]), np.array([0.2])) == 0.5
    assert auc(np.array([0.2, 0.2]), np.array([0.2, 0.2])) == 0.5


def test_roi_pooling_reads_the_box_parts_of_the_map() -> None:
    # a stride-8 map of a 416 px input: channel 0 is the cell row, channel 1 the column, channel 2 is 1 only in
    # rows 20-29 (network px 160-240)
    n = SIZE // 8
    rows, cols = np.mgrid[0:n, 0:n].astype(np.float32)
    fmap = np.stack([rows, cols, ((rows >= 20) & (rows < 30)).astype(np.float32)])
    scale = (1.0, 1.0)  # image px = network px
    box = np.array([80.0, 80.0, 160.0, 400.0])  # x 80-160, y 80-400: height 320
    e = roi_embedding(fmap, box, scale)
    upper, lower = e[:3], e[3:]
    (fx1, fx2, fy1, fy2), (_, _, ly1, ly2) = PARTS
    # the mean row / column of a part is its centre in cells (samples at cell centres are at index - 0.5)
    assert upper[0] == pytest.approx((80 + (fy1 + fy2) / 2 * 320) / 8 - 0.5, abs=1e-4)
    assert lower[0] == pytest.approx((80 + (ly1 + ly2) / 2 * 320) / 8 - 0.5, abs=1e-4)
    assert upper[1] == pytest.approx(lower[1]) == pytest.approx((80 + (fx1 + fx2) / 2 * 80) / 8 - 0.5, abs=1e-4)
    # rows 20-29 lie in the upper part (y 128-240) only: most of it there, none of it in the lower (240-352)
    assert upper[2] > 0.6 and lower[2] == pytest.approx(0.0, abs=1e-6)
    # a box hanging out of the picture reads the border cells, never out of range
    edge = roi_embedding(fmap, np.array([380.0, 300.0, 470.0, 500.0]), scale)
    assert np.isfinite(edge).all() and edge[0] <= n - 1 and edge[4] <= n - 1


def test_the_stride_8_map_of_the_real_nanodet_follows_the_people() -> None:
    """Frames 150-152 of the demo (the full-rate stretch): a person's stride-8 embedding one frame later is
    closer to their own than any other person's at that frame — so the map and the boxes line up. (Whether it
    tells people apart *better than colour* is the benchmark's question; see docs/tracking.md.)"""
    name = LAYERS["B8"][0]
    sess = session_with_outputs([name])
    gt = read_mot(ROOT / "tests" / "data" / "tracking" / "vtest_gt.txt")
    cap = cv2.VideoCapture(str(ROOT / "resources" / "demo" / "vtest.avi"))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 149)
    embs = {}
    for frame in (150, 151):
        ok, image = cap.read()
        assert ok
        fmap = sess.run([name], {sess.get_inputs()[0].name: blob(image)})[0][0]
        assert fmap.shape == (128, SIZE // 8, SIZE // 8)
        scale = (SIZE / image.shape[1], SIZE / image.shape[0])
        ids, boxes = gt[frame]
        embs[frame] = dict(zip(ids.tolist(), l2(np.stack([roi_embedding(fmap, b, scale) for b in boxes])), strict=True))
    cap.release()
    common = sorted(set(embs[150]) & set(embs[151]))
    assert len(common) >= 5
    a = np.stack([embs[150][i] for i in common])
    b = np.stack([embs[151][i] for i in common])
    sim = b @ a.T
    assert (sim.argmax(axis=1) == np.arange(len(common))).all()
