"""Clean background: a per-pixel median that leaves out the pixels covered by person boxes."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.background import BackgroundSampler, box_mask, masked_median
from analytics.heatmap import median_background

H, W = 60, 80


def scene() -> np.ndarray:
    """A textured empty scene (every pixel different enough to notice a wrong sample)."""
    yy, xx = np.mgrid[0:H, 0:W]
    return np.stack([xx * 3, yy * 4, (xx + yy) % 50 + 100], axis=-1).astype(np.uint8)


def with_person(img: np.ndarray, box: tuple[int, int, int, int], value: int = 0) -> np.ndarray:
    out = img.copy()
    x1, y1, x2, y2 = box
    out[y1:y2, x1:x2] = value
    return out


def test_moving_person_is_removed_and_standing_person_too() -> None:
    """A person walks across; another stands still in 6 of 9 samples — a plain median keeps them."""
    bg = scene()
    frames, boxes = [], []
    for i in range(9):
        walker = (i * 8, 10, i * 8 + 10, 40)
        standing = (50, 20, 62, 50)
        img = with_person(bg, walker, 20)
        bx = [walker]
        if i < 6:
            img = with_person(img, standing, 250)
            bx.append(standing)
        frames.append(img)
        boxes.append(bx)
    clean = masked_median(frames, boxes)
    np.testing.assert_array_equal(clean, bg)
    plain = median_background(frames)
    assert (plain[20:50, 50:62] == 250).all()  # the plain median keeps the standing person
    np.testing.assert_array_equal(plain[:, :48], bg[:, :48])


def test_pixels_covered_in_every_sample_fall_back_to_the_plain_median() -> None:
    bg = scene()
    box = (10, 10, 20, 20)
    frames = [with_person(bg, box, v) for v in (10, 30, 200)]
    clean = masked_median(frames, [[box]] * 3)
    assert (clean[10:20, 10:20] == 30).all()  # the plain median of 10, 30, 200
    mask = box_mask([box], H, W)
    np.testing.assert_array_equal(clean[~mask], bg[~mask])


def test_upper_median_of_the_free_samples() -> None:
    """Per pixel, the median of the samples where it is free: upper median for an even count."""
    vals = [10, 40, 20, 99, 30]
    frames = [np.full((2, 3), v, np.uint8) for v in vals]
    # the 99 sample covers pixel (0, 0) only → free there: 10, 40, 20, 30 → upper median 30
    boxes = [[], [], [], [[0, 0, 1, 1]], []]
    out = masked_median(frames, boxes)
    assert out.dtype == np.uint8 and out.shape == (2, 3)  # grey images work too
    assert out[0, 0] == 30
    assert out[1, 2] == 30  # everything free: 10 20 30 40 99 → 30


def test_margin_grows_the_boxes() -> None:
    m = box_mask([[10, 10, 20, 30]], H, W, margin=0.5)
    assert m[0:40, 5:25].all() and m.sum() == 40 * 20
    assert box_mask(np.empty((0, 4)), H, W).sum() == 0
    assert box_mask([[-5, -5, 3, 4], [np.nan, 0, 1, 1]], H, W).sum() == 3 * 4  # clipped; NaN ignored


@pytest.mark.parametrize(
    ("frames", "boxes", "match"),
    [
        ([], [], "at least one"),
        ([np.zeros((2, 2), np.uint8)], [], "box lists"),
        ([np.zeros((2, 2), np.float32)], [[]], "uint8"),
    ],
)
def test_bad_input(frames: list[np.ndarray], boxes: list[list[float]], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        masked_median(frames, boxes)


def test_sampler_takes_frames_by_time_and_stays_bounded() -> None:
    s = BackgroundSampler(interval=1.0, max_samples=4, max_interval=4.0)
    img = scene()
    kept = [s.add(img, [], ts=t * 0.5) for t in range(5)]  # 0.0 … 2.0 s
    assert kept == [True, False, True, False, True]
    for t in range(3, 40):
        s.add(img, [], ts=float(t))
        assert s.count < 4
    # halved twice (interval 1 → 2 → 4), then a sliding window: spread over time, newest kept
    assert s.interval == 4.0
    ts = [x.ts for x in s.samples]
    assert ts[-1] == 39.0 and np.all(np.diff(ts) >= 4.0)


def test_sampler_downscales_with_its_boxes_and_masks_them() -> None:
    big = np.repeat(np.repeat(scene(), 10, axis=0), 10, axis=1)  # 600 x 800
    s = BackgroundSampler(interval=1.0, max_samples=10, max_side=80, margin=0.0)
    person = (300, 100, 400, 400)
    for i in range(5):
        box = [person] if i < 4 else []
        s.add(with_person(big, person, 255) if i < 4 else big, box, ts=float(i))
    assert s.frame_size == (800, 600)
    assert s.samples[0].image.shape == (60, 80, 3)
    np.testing.assert_allclose(s.samples[0].boxes, [[30, 10, 40, 40]])
    bg = s.background()
    assert bg is not None and bg.shape == (60, 80, 3)
    assert not (bg[12:38, 32:38] == 255).all(axis=-1).any()  # the person is gone


def test_sampler_restarts_when_the_frame_size_changes() -> None:
    s = BackgroundSampler(interval=1.0)
    assert s.background() is None
    s.add(scene(), [], 0.0)
    s.add(np.zeros((30, 40, 3), np.uint8), [], 0.5)  # a new size is taken at once
    assert s.count == 1 and s.frame_size == (40, 30)
