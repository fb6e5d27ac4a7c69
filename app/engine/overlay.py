"""Skeleton overlays on BGR frames: for the GUI's camera view, event photos and exported snapshots.

Pure drawing with OpenCV on numpy arrays (no Qt), so the GUI, the behaviour module's event
photos and the ``snapshot`` command draw the same picture. The person's left side is drawn in
orange, the right side in blue, the torso and face in green — as in most pose tools, so a
left/right mix-up is easy to see.

Example:
    >>> import numpy as np
    >>> img = np.zeros((100, 100, 3), np.uint8)
    >>> kp = np.zeros((1, 17, 3), np.float32); kp[0, 5] = (30, 30, .9); kp[0, 7] = (30, 60, .9)
    >>> out = draw_skeletons(img, kp)
    >>> bool(out[45, 30].any()), bool(img.any())
    (True, False)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from analytics.pose import SKELETON
from analytics.tracks import hidden_mask
from analytics.types import Detections

LEFT = (0, 140, 255)  # orange (BGR)
RIGHT = (255, 140, 0)  # blue
MIDDLE = (60, 200, 60)  # green
ROLE_COLOURS = {"staff": (200, 80, 220), "customer": (90, 200, 255), "unknown": (220, 220, 220)}
_LEFT_POINTS = {1, 3, 5, 7, 9, 11, 13, 15}
_RIGHT_POINTS = {2, 4, 6, 8, 10, 12, 14, 16}


def _bone_colour(a: int, b: int) -> tuple[int, int, int]:
    if a in _LEFT_POINTS and b in _LEFT_POINTS:
        return LEFT
    if a in _RIGHT_POINTS and b in _RIGHT_POINTS:
        return RIGHT
    return MIDDLE


def draw_skeletons(
    image: np.ndarray,
    keypoints: np.ndarray,
    *,
    min_score: float = 0.3,
    thickness: int | None = None,
    copy: bool = True,
) -> np.ndarray:
    """Draw COCO-17 skeletons.

    Args:
        image: BGR uint8 frame.
        keypoints: (N, 17, 3) keypoints (x, y, score) in the frame's pixels.
        min_score: keypoints scoring less are not drawn (nor their bones).
        thickness: line width in pixels; None scales it with each person's size.
        copy: draw on a copy (True) or on ``image`` itself.

    Returns:
        The image with the skeletons.
    """
    out = image.copy() if copy else image
    kps = np.asarray(keypoints, np.float32).reshape(-1, 17, 3)
    for kp in kps:
        ok = kp[:, 2] >= min_score
        if not ok.any():
            continue
        pts = kp[ok, :2]
        size = float(max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1]), 1.0))
        t = thickness or int(np.clip(round(size / 40.0), 1, 6))
        for a, b in SKELETON:
            if ok[a] and ok[b]:
                pa = (round(float(kp[a, 0])), round(float(kp[a, 1])))
                pb = (round(float(kp[b, 0])), round(float(kp[b, 1])))
                cv2.line(out, pa, pb, _bone_colour(a, b), t, cv2.LINE_AA)
        r = max(t, 2)
        for j in np.flatnonzero(ok).tolist():
            c = LEFT if j in _LEFT_POINTS else RIGHT if j in _RIGHT_POINTS else MIDDLE
            centre = (round(float(kp[j, 0])), round(float(kp[j, 1])))
            cv2.circle(out, centre, r, (255, 255, 255), -1, cv2.LINE_AA)
            cv2.circle(out, centre, max(r - 1, 1), c, -1, cv2.LINE_AA)
    return out


def _dashed_rectangle(
    image: np.ndarray, p1: tuple[int, int], p2: tuple[int, int], colour: tuple[int, int, int], dash: int = 4
) -> None:
    """A 1-px rectangle of ``dash``-pixel dashes (a hidden track's box)."""
    (x1, y1), (x2, y2) = p1, p2
    for a, b in (((x1, y1), (x2, y1)), ((x2, y1), (x2, y2)), ((x2, y2), (x1, y2)), ((x1, y2), (x1, y1))):
        n = max(int(np.hypot(b[0] - a[0], b[1] - a[1]) // dash), 1)
        for k in range(0, n, 2):
            s, e = k / n, min(k + 1, n) / n
            cv2.line(image, (round(a[0] + s * (b[0] - a[0])), round(a[1] + s * (b[1] - a[1]))),
                     (round(a[0] + e * (b[0] - a[0])), round(a[1] + e * (b[1] - a[1]))), colour, 1)


def draw_people(
    image: np.ndarray,
    dets: Detections,
    *,
    roles: Mapping[int, str] | None = None,
    labels: Mapping[int, str] | None = None,
    min_score: float = 0.3,
    boxes: bool = True,
) -> np.ndarray:
    """Boxes (coloured by role), ids with an optional label (e.g. the posture) and skeletons.

    Args:
        image: BGR frame (not modified).
        dets: tracked detections, with ``keypoints`` if any.
        roles: tracker id → role, for the box colour.
        labels: tracker id → short text shown after the id (e.g. ``"bending"``).
        min_score: keypoint score threshold.
        boxes: draw the boxes and labels too.

    Returns:
        A new image.
    """
    out = image.copy()
    if boxes:
        hidden = hidden_mask(dets)
        for i, tid in enumerate(dets.tracker_id.tolist()):
            x1, y1, x2, y2 = (round(float(v)) for v in dets.xyxy[i])
            role = (roles or {}).get(tid, "unknown")
            colour = ROLE_COLOURS.get(role, ROLE_COLOURS["unknown"])
            if hidden[i]:  # hidden behind someone: where the identity lag puts them, dashed
                _dashed_rectangle(out, (x1, y1), (x2, y2), colour)
            else:
                cv2.rectangle(out, (x1, y1), (x2, y2), colour, 1, cv2.LINE_AA)
            text = f"{tid}" if tid >= 0 else ""
            if labels and tid in labels:
                text = f"{text} {labels[tid]}".strip()
            if text:
                (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)
                cv2.rectangle(out, (x1, y1 - th - 4), (x1 + tw + 4, y1), colour, -1)
                cv2.putText(
                    out, text, (x1 + 2, y1 - 3), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA
                )
    if dets.keypoints is not None:
        draw_skeletons(out, dets.keypoints, min_score=min_score, copy=False)
    return out


def draw_polygons(
    image: np.ndarray,
    polygons: Sequence[np.ndarray],
    *,
    colour: tuple[int, int, int] = (0, 220, 255),
    names: Sequence[str] | None = None,
    copy: bool = True,
) -> np.ndarray:
    """Outline zones (pixel polygons) with an optional name at the first vertex."""
    out = image.copy() if copy else image
    for k, poly in enumerate(polygons):
        p = np.round(np.asarray(poly, np.float64).reshape(-1, 2)).astype(np.int32)
        cv2.polylines(out, [p], True, colour, 2, cv2.LINE_AA)
        if names and k < len(names) and names[k]:
            org = (int(p[0, 0]) + 3, int(p[0, 1]) + 14)
            cv2.putText(out, names[k], org, cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
    return out
