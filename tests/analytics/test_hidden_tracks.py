"""Hidden tracks' rows (``analytics.tracks.with_hidden``): what the modules and the Live picture get."""

from __future__ import annotations

import numpy as np

from analytics.tracks import HIDDEN, hidden_mask, with_hidden
from analytics.types import Detections


def test_hidden_rows_carry_the_track_role_and_nothing_else_known() -> None:
    d = Detections([[0, 0, 10, 20], [30, 0, 40, 20]], [0.9, 0.8], [0, 0], [1, 2])
    d.data["role"] = np.array(["staff", "customer"])
    d.data["role_confidence"] = np.array([0.9, 0.7])
    d.data["employee_id"] = np.array([5, -1])
    d.data["keypoints"] = np.ones((2, 17, 3), np.float32)
    d.data["plate"] = np.array(["A123BC77", ""], dtype=object)
    d.data["helmet"] = np.array([True, True])
    out = with_hidden(d, np.array([3]), np.array([[50.0, 0, 60, 20]]), np.array([0]))
    assert out.tracker_id.tolist() == [1, 2, 3] and out.confidence[2] == 0.0
    assert out.xyxy[2].tolist() == [50.0, 0, 60, 20]
    assert out.data["role"].tolist() == ["staff", "customer", "unknown"]  # no role map: unknown
    assert np.isnan(out.data["role_confidence"][2]) and out.data["employee_id"][2] == -1
    assert np.isnan(out.data["keypoints"][2]).all() and out.keypoints.shape == (3, 17, 3)
    assert out.data["plate"][2] is None and not out.data["helmet"][2]  # a hidden person is not "no helmet"
    assert hidden_mask(out).tolist() == [False, False, True] and hidden_mask(d).tolist() == [False, False]
    assert with_hidden(d, np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros(0)) is d
    # the role map knows every open track: the hidden one gets its role from it
    d.metadata["roles"] = {3: "staff"}
    again = with_hidden(d, np.array([3]), np.array([[50.0, 0, 60, 20]]), np.array([0]))
    assert again.data["role"].tolist()[2] == "staff" and again.metadata["roles"] is d.metadata["roles"]
    # selecting rows keeps the flags
    assert again[again.confidence == 0].data[HIDDEN].tolist() == [True]

