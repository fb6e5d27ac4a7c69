"""Per-track helpers shared by the analytics: where a track stands, and its role.

Example:
    >>> from analytics.types import Detections
    >>> d = Detections(xyxy=[[10, 0, 30, 50]], confidence=[0.9], class_id=[0], tracker_id=[7])
    >>> anchor_points(d).tolist()
    [[20.0, 50.0]]
    >>> role_of({7: "staff"}, 7), role_of(None, 7)
    ('staff', 'unknown')
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from analytics.types import Detections

#: Role of a track nobody has classified.
UNKNOWN_ROLE = "unknown"

#: COCO-17 keypoint indices of the ankles.
LEFT_ANKLE = 15
RIGHT_ANKLE = 16


def anchor_points(dets: Detections, *, min_keypoint_score: float = 0.5) -> np.ndarray:
    """Where each detection stands on the floor, (N, 2) float64 pixels.

    The bottom-centre of the box; where pose keypoints are present and both ankles
    (COCO 15 and 16) score at least ``min_keypoint_score``, the ankles' midpoint instead
    (more stable when the box's bottom edge is cut by a shelf or a counter).

    Args:
        dets: one frame's detections.
        min_keypoint_score: minimum keypoint score for an ankle to count as visible.

    Returns:
        (N, 2) float64 points in pixels.
    """
    pts = dets.anchors().astype(np.float64)
    kp = dets.keypoints
    if kp is not None and len(dets) and kp.shape[1] > RIGHT_ANKLE:
        ankles = kp[:, [LEFT_ANKLE, RIGHT_ANKLE], :]
        visible = np.all(ankles[:, :, 2] >= min_keypoint_score, axis=1)
        if visible.any():
            pts[visible] = ankles[visible, :, :2].mean(axis=1)
    return pts


def role_of(roles: Mapping[int, str] | None, track_id: int) -> str:
    """The role of ``track_id`` in ``roles`` (tracker_id → role), ``"unknown"`` if absent."""
    if not roles:
        return UNKNOWN_ROLE
    return roles.get(track_id, UNKNOWN_ROLE)


def roles_in(dets: Detections) -> Mapping[int, str] | None:
    """The role map the role stage put on the detections (``metadata["roles"]``), None when off.

    It knows every open track (also tracks not in this frame), so the analytics read a track's
    role from it rather than from the per-detection ``data["role"]``.

    Example:
        >>> d = Detections([[0, 0, 1, 1]], [0.9], [0], [7], metadata={"roles": {7: "staff"}})
        >>> role_of(roles_in(d[d.confidence > 0.5]), 7)
        'staff'
    """
    return dets.metadata.get("roles")
