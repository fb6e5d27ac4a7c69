"""StaticForeground on real demo-video frames: a pasted bag becomes a still blob; light changes do not."""

from __future__ import annotations

import cv2
import numpy as np

from app.objects.evaluate import render_bag
from app.shelves.people import demo_video
from models.static_objects import StaticForeground


def _frames(n: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(demo_video()))
    out = []
    while len(out) < n:
        ok, img = cap.read()
        if not ok:
            break
        out.append(img)
    cap.release()
    return out


def test_bag_put_down_becomes_an_added_still_blob_and_light_jump_does_not() -> None:
    frames = _frames(200)
    img, alpha = render_bag(np.random.default_rng(3), 30)
    h, w = alpha.shape
    x, y = 600, 460  # plain grass, lower right (the lower left has a white paper lying on the grass)
    sf = StaticForeground(static_after=4.0)
    blobs_at: dict[int, list] = {}
    for k, f in enumerate(frames):
        f = f.copy()
        if k >= 60:
            a = alpha[..., None]
            f[y : y + h, x : x + w] = (f[y : y + h, x : x + w] * (1 - a) + img * a).astype(np.uint8)
        if k >= 150:  # auto exposure: the whole picture 25 % brighter
            f = cv2.convertScaleAbs(f, alpha=1.25)
        blobs_at[k] = sf.update(f, np.zeros((0, 4)), 1000.0 + k / 10.0)
    assert not any(b.box[0] < x + w and b.box[2] > x for k in range(60) for b in blobs_at[k])
    near = [b for b in blobs_at[120] if b.box[0] < x + w and b.box[2] > x and b.box[1] < y + h and b.box[3] > y]
    assert near and near[0].added
    bx = near[0].box
    assert abs(bx[0] - x) < 12 and abs(bx[3] - (y + h)) < 12
    # the light jump: the bag is still found, and no big blob appears elsewhere
    late = blobs_at[190]
    assert any(b.box[0] < x + w and b.box[2] > x for b in late)
    big = [b for b in late if (b.box[2] - b.box[0]) * (b.box[3] - b.box[1]) > 20_000]
    assert not big
