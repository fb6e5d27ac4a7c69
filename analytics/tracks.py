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


#: ``Detections.data`` key flagging rows of tracks hidden in the frame (interpolated boxes, no pixels of them)
HIDDEN = "hidden"


def _blank(values: np.ndarray, n: int) -> np.ndarray:
    """``n`` rows shaped like ``values``' rows holding "nothing known" for its dtype."""
    shape = (n, *values.shape[1:])
    kind = values.dtype.kind
    if kind == "b":
        return np.zeros(shape, dtype=values.dtype)
    if kind in "iu":
        return np.full(shape, -1, dtype=values.dtype)
    if kind in "fc":
        return np.full(shape, np.nan, dtype=values.dtype)
    if kind in "US":
        return np.full(shape, "", dtype=values.dtype)
    return np.full(shape, None, dtype=object)


def with_hidden(dets: Detections, track_ids: np.ndarray, boxes: np.ndarray, class_ids: np.ndarray) -> Detections:
    """``dets`` plus rows for tracks hidden in this frame, flagged ``data[HIDDEN]``.

    The hidden rows have confidence 0, the given interpolated boxes and classes, the track's role from the
    role map (``metadata["roles"]``) under ``data["role"]``, and "nothing known" in every other ``data``
    array (NaN, -1, "", None, False). Whatever reads pixels (photos, appearance) skips them.

    Args:
        dets: the frame's detections (tracked).
        track_ids: (K,) ids of the hidden tracks (none of them in ``dets``).
        boxes: (K, 4) their boxes.
        class_ids: (K,) their classes.

    Example:
        >>> d = Detections([[0, 0, 10, 20]], [0.9], [0], [1], metadata={"roles": {2: "staff"}})
        >>> d.data["role"] = np.array(["customer"])
        >>> out = with_hidden(d, np.array([2]), np.array([[20.0, 0, 30, 20]]), np.array([0]))
        >>> out.tracker_id.tolist(), out.data["role"].tolist(), out.data[HIDDEN].tolist()
        ([1, 2], ['customer', 'staff'], [False, True])
    """
    k = len(track_ids)
    if not k:
        return dets
    roles = roles_in(dets)
    data: dict[str, np.ndarray] = {}
    for key, values in dets.data.items():
        values = np.asarray(values)
        if key == HIDDEN:
            continue
        if key == "role":
            extra = np.array([role_of(roles, int(t)) for t in track_ids])
            data[key] = np.concatenate([values.astype(np.result_type(values, extra)), extra]) if len(values) else extra
        else:
            data[key] = np.concatenate([values, _blank(values, k)])
    data[HIDDEN] = np.concatenate([hidden_mask(dets), np.ones(k, dtype=bool)])
    return Detections(  # the constructor casts each array to its dtype
        xyxy=np.concatenate([dets.xyxy, np.reshape(boxes, (-1, 4))]),
        confidence=np.concatenate([dets.confidence, np.zeros(k)]),
        class_id=np.concatenate([dets.class_id, class_ids]),
        tracker_id=np.concatenate([dets.tracker_id, track_ids]),
        data=data,
        metadata=dict(dets.metadata),
    )


def hidden_mask(dets: Detections) -> np.ndarray:
    """(N,) bool: which rows are hidden tracks' interpolated boxes (:func:`with_hidden`)."""
    flags = dets.data.get(HIDDEN)
    return np.zeros(len(dets), dtype=bool) if flags is None else np.asarray(flags, dtype=bool)
