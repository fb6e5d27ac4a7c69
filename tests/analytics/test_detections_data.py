"""Per-detection data beside the boxes (supervision's ``Detections.data``)."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.types import Detections


def _dets() -> Detections:
    return Detections(
        xyxy=[[0, 0, 10, 20], [5, 5, 15, 30], [1, 1, 2, 2]],
        confidence=[0.9, 0.5, 0.7],
        class_id=[0, 2, 0],
        tracker_id=[3, 4, 5],
        keypoints=np.zeros((3, 17, 3)),
        data={"role": ["staff", "customer", "unknown"], "plate": ["", "AB123", ""]},
        metadata={"frame_note": "x"},
    )


def test_mask_index_and_slice_select_rows_of_every_array() -> None:
    d = _dets()
    sel = d[d.confidence > 0.6]
    assert sel.tracker_id.tolist() == [3, 5]
    assert sel.data["role"].tolist() == ["staff", "unknown"] and sel.data["plate"].tolist() == ["", ""]
    assert sel.keypoints is not None and sel.keypoints.shape == (2, 17, 3)
    assert sel.metadata == {"frame_note": "x"}
    assert d[1].data["plate"].tolist() == ["AB123"] and d[1:].data["role"].tolist() == ["customer", "unknown"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("role", ["staff"], r"data\['role'\] must have 3 rows"),
        ("flag", 1, r"data\['flag'\] must have 3 rows"),
    ],
)
def test_a_wrong_length_array_is_refused(key: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _dets().set(key, value)


def test_keypoints_live_in_data_and_are_shape_checked() -> None:
    d = _dets()
    assert d.data["keypoints"] is d.keypoints
    with pytest.raises(ValueError, match=r"keypoints must be \(3, K, 3\)"):
        d.keypoints = np.zeros((2, 17, 3))
    d.keypoints = None
    assert "keypoints" not in d.data


def test_merge_keeps_only_arrays_every_part_has() -> None:
    a, b = _dets(), _dets()
    b.data.pop("plate")
    m = Detections.merge([a, b])
    assert len(m) == 6 and set(m.data) == {"role", "keypoints"}
    assert m.data["role"].tolist()[3:] == ["staff", "customer", "unknown"]


def test_class_names_come_from_the_backend_not_coco() -> None:
    d = Detections([[0, 0, 1, 1], [0, 0, 2, 2]], [0.9, 0.9], [0, 1], data={"class_name": ["gap", "person"]})
    assert d.is_class("person").tolist() == [False, True]
    assert d.names().tolist() == ["gap", "person"]
    hand_built = Detections([[0, 0, 1, 1]], [0.9], [2])
    assert hand_built.names().tolist() == ["car"] and hand_built.is_class("car").tolist() == [True]
