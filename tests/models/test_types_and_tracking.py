from __future__ import annotations

import numpy as np
import pytest

from analytics.types import Detections, expand_boxes
from models.tracking import Tracker, TrackerSettings


def test_detections_shape_checked() -> None:
    with pytest.raises(ValueError, match="xyxy must be"):
        Detections(xyxy=np.zeros((2, 3)), confidence=[1, 1], class_id=[0, 0])
    with pytest.raises(ValueError, match="confidence must be"):
        Detections(xyxy=np.zeros((2, 4)), confidence=[1], class_id=[0, 0])
    with pytest.raises(ValueError, match="keypoints must be"):
        Detections(xyxy=np.zeros((1, 4)), confidence=[1], class_id=[0], keypoints=np.zeros((2, 17, 3)))


def test_detections_mask_and_merge() -> None:
    d = Detections(xyxy=[[0, 0, 10, 10], [5, 5, 25, 45]], confidence=[0.2, 0.9], class_id=[0, 2])
    assert d.tracker_id.tolist() == [-1, -1]
    hi = d[d.confidence > 0.5]
    assert len(hi) == 1 and hi.class_id.tolist() == [2]
    assert hi.anchors().tolist() == [[15.0, 45.0]]
    assert len(Detections.merge([d, hi, Detections.empty()])) == 3
    assert len(Detections.empty()[np.zeros(0, bool)]) == 0


def test_expand_boxes_clips_to_frame() -> None:
    b = expand_boxes(np.array([[0, 0, 10, 10], [90, 90, 100, 100]]), 0.5, 100, 100)
    assert b.tolist() == [[0, 0, 15, 15], [85, 85, 100, 100]]


def _walk(t: Tracker, steps: int, start: int = 0) -> list[list[int]]:
    ids = []
    for i in range(start, start + steps):
        d = Detections(
            xyxy=[[10 + 4 * i, 10, 50 + 4 * i, 120], [400 - 4 * i, 20, 440 - 4 * i, 130]],
            confidence=[0.9, 0.8],
            class_id=[0, 0],
        )
        ids.append(t.update(d).tracker_id.tolist())
    return ids


@pytest.mark.parametrize("kind", ["bytetrack", "botsort"])
def test_tracker_keeps_ids_and_keeps_detector_boxes(kind: str) -> None:
    t = Tracker(TrackerSettings(type=kind), rate=10)
    ids = _walk(t, 8)
    assert all(row == ids[0] for row in ids) and len(set(ids[0])) == 2
    d = Detections(xyxy=[[100, 10, 140, 120]], confidence=[0.9], class_id=[0])
    out = Tracker(TrackerSettings(type=kind), rate=10).update(d)
    assert out.xyxy.tolist() == d.xyxy.tolist()


def test_tracker_buffer_is_in_seconds() -> None:
    # 1 s buffer at 10 detections/s: a 0.5 s gap keeps the id, a 2 s gap does not.
    t = Tracker(TrackerSettings(track_buffer=1.0), rate=10)
    first = _walk(t, 5)[-1]
    for _ in range(5):
        t.update(Detections.empty())
    assert _walk(t, 3, start=10)[-1] == first
    for _ in range(20):
        t.update(Detections.empty())
    assert set(_walk(t, 3, start=33)[-1]).isdisjoint(first)
