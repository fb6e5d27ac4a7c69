"""People for the pose tests: hand-labelled vtest keypoints, and synthetic poses.

:data:`VTEST` — 16 people of ``vtest.avi`` frames 50, 250 and 450, boxes and keypoints drawn by
hand on 6x enlarged crops with a pixel grid (not taken from any model). Pairs (shoulders, wrists,
hips, ankles) are listed in no left/right order: a walking person seen from the side cannot be
labelled left/right reliably by eye. Used by the tests and ``benchmarks/pose_models.py``.

Synthetic builders: proportions of an adult seen from the front (head at the top, person's left
on the image right), ``h`` = standing height in pixels; each returns ``(keypoints (17, 3), box (4,))``.
"""

from __future__ import annotations

import math

import numpy as np

from analytics.types import Detections

# vtest.avi (768x576), hand-drawn person boxes and keypoints: head centre, then pairs in no order.
VTEST = {
    (50, 0): ([504, 217, 540, 306], dict(head=(523, 227), sh=[(510, 240), (535, 240)], wr=[(507, 262)], hip=[(514, 272), (532, 272)], ank=[(515, 300), (533, 303)])),
    (50, 1): ([667, 257, 713, 369], dict(head=(690, 266), sh=[(683, 280), (702, 280)], wr=[], hip=[(684, 318), (700, 318)], ank=[(673, 356), (706, 367)])),
    (50, 2): ([550, 216, 590, 303], dict(head=(565, 222), sh=[(559, 233), (574, 233)], wr=[], hip=[(561, 268), (573, 268)], ank=[(555, 300), (583, 302)])),
    (50, 3): ([372, 178, 405, 259], dict(head=(384, 187), sh=[(382, 199), (388, 198)], wr=[(397, 213)], hip=[(380, 222), (385, 222)], ank=[(383, 256), (397, 250)])),
    (50, 4): ([405, 178, 433, 255], dict(head=(415, 188), sh=[], wr=[], hip=[], ank=[])),  # behind the sign
    (50, 5): ([432, 177, 458, 247], dict(head=(437, 183), sh=[(440, 192), (446, 192)], wr=[], hip=[(445, 220)], ank=[(447, 243), (455, 244)])),
    (250, 0): ([372, 229, 419, 325], dict(head=(395, 242), sh=[(391, 252), (408, 254)], wr=[(375, 288), (413, 286)], hip=[(392, 285), (405, 285)], ank=[(392, 325), (415, 330)])),
    (250, 1): ([596, 254, 638, 355], dict(head=(614, 265), sh=[(607, 279), (620, 280)], wr=[(605, 314)], hip=[(607, 310), (615, 310)], ank=[(603, 357), (637, 357)])),
    (250, 2): ([548, 189, 576, 261], dict(head=(558, 195), sh=[(556, 207), (566, 208)], wr=[], hip=[(556, 233), (563, 233)], ank=[(547, 262), (574, 264)])),
    (250, 3): ([191, 150, 223, 225], dict(head=(204, 158), sh=[(198, 168), (212, 168)], wr=[(195, 196), (215, 200)], hip=[(200, 197), (210, 197)], ank=[(203, 224), (215, 229)])),
    (250, 4): ([36, 173, 64, 244], dict(head=(49, 181), sh=[(44, 190), (56, 190)], wr=[(42, 197)], hip=[(46, 210), (56, 210)], ank=[(50, 242), (55, 244)])),
    (250, 5): ([632, 123, 658, 183], dict(head=(645, 127), sh=[(638, 137), (653, 137)], wr=[(636, 158), (654, 158)], hip=[(640, 158), (650, 158)], ank=[(641, 180), (647, 183)])),
    (250, 6): ([655, 130, 678, 184], dict(head=(666, 133), sh=[(660, 140), (673, 140)], wr=[(666, 150), (666, 150)], hip=[(661, 158), (671, 158)], ank=[(663, 182), (673, 180)])),
    (450, 0): ([484, 183, 516, 258], dict(head=(499, 192), sh=[(490, 203), (508, 203)], wr=[(489, 224), (510, 223)], hip=[(494, 225), (506, 225)], ank=[(496, 256), (506, 257)])),
    (450, 1): ([558, 243, 595, 335], dict(head=(578, 253), sh=[(570, 265), (588, 264)], wr=[(565, 272), (589, 285)], hip=[(572, 295), (586, 295)], ank=[(563, 333), (586, 336)])),
    (450, 2): ([311, 206, 338, 290], dict(head=(330, 215), sh=[(322, 225), (328, 226)], wr=[(312, 246)], hip=[(318, 250), (323, 250)], ank=[(320, 287), (328, 287)])),
}  # fmt: skip
PAIRS = {"sh": (5, 6), "wr": (9, 10), "hip": (11, 12), "ank": (15, 16)}

NOSE, L_SH, R_SH, L_EL, R_EL, L_WR, R_WR = 0, 5, 6, 7, 8, 9, 10
L_HIP, R_HIP, L_KN, R_KN, L_AN, R_AN = 11, 12, 13, 14, 15, 16


def _box(kp: np.ndarray, pad: float) -> np.ndarray:
    x1, y1 = kp[:, 0].min() - pad, kp[:, 1].min() - 2 * pad
    x2, y2 = kp[:, 0].max() + pad, kp[:, 1].max() + pad / 2
    return np.array([x1, y1, x2, y2], np.float32)


def _head(kp: np.ndarray, cx: float, y: float, h: float) -> None:
    kp[0, :2] = (cx, y)
    kp[1, :2] = (cx + 0.02 * h, y - 0.01 * h)
    kp[2, :2] = (cx - 0.02 * h, y - 0.01 * h)
    kp[3, :2] = (cx + 0.05 * h, y)
    kp[4, :2] = (cx - 0.05 * h, y)


def standing(cx: float, feet: float, h: float, *, score: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Upright, arms hanging."""
    top = feet - h
    kp = np.zeros((17, 3), np.float32)
    _head(kp, cx, top + 0.07 * h, h)
    sh, hip = 0.11 * h, 0.07 * h
    kp[L_SH, :2], kp[R_SH, :2] = (cx + sh, top + 0.18 * h), (cx - sh, top + 0.18 * h)
    kp[L_EL, :2], kp[R_EL, :2] = (cx + sh + 0.02 * h, top + 0.36 * h), (cx - sh - 0.02 * h, top + 0.36 * h)
    kp[L_WR, :2], kp[R_WR, :2] = (cx + sh + 0.03 * h, top + 0.52 * h), (cx - sh - 0.03 * h, top + 0.52 * h)
    kp[L_HIP, :2], kp[R_HIP, :2] = (cx + hip, top + 0.5 * h), (cx - hip, top + 0.5 * h)
    kp[L_KN, :2], kp[R_KN, :2] = (cx + hip, top + 0.75 * h), (cx - hip, top + 0.75 * h)
    kp[L_AN, :2], kp[R_AN, :2] = (cx + hip, feet), (cx - hip, feet)
    kp[:, 2] = score
    return kp, _box(kp, 0.05 * h)


def reaching(
    cx: float, feet: float, h: float, target: tuple[float, float], *, hand: str = "right", score: float = 0.9
) -> tuple[np.ndarray, np.ndarray]:
    """Upright with one arm stretched towards ``target`` (the wrist at most an arm's length away)."""
    kp, _ = standing(cx, feet, h, score=score)
    s, e, w = (R_SH, R_EL, R_WR) if hand == "right" else (L_SH, L_EL, L_WR)
    d = np.asarray(target, np.float64) - kp[s, :2]
    arm = 0.36 * h
    dist = float(np.hypot(*d))
    wrist = kp[s, :2] + d * min(1.0, arm / max(dist, 1e-9))
    kp[w, :2] = wrist
    kp[e, :2] = (kp[s, :2] + wrist) / 2
    return kp, _box(kp, 0.05 * h)


def sitting_side(cx: float, feet: float, h: float, *, score: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """On a chair seen from the side (facing right): thighs horizontal, shins vertical."""
    kp = np.zeros((17, 3), np.float32)
    knee_y = feet - 0.25 * h
    hip_x, hip_y = cx - 0.12 * h, knee_y
    _head(kp, hip_x + 0.02 * h, hip_y - 0.42 * h, h)
    kp[[L_SH, R_SH], :2] = (hip_x, hip_y - 0.32 * h)
    kp[[L_EL, R_EL], :2] = (hip_x + 0.05 * h, hip_y - 0.16 * h)
    kp[[L_WR, R_WR], :2] = (hip_x + 0.15 * h, hip_y - 0.05 * h)
    kp[[L_HIP, R_HIP], :2] = (hip_x, hip_y)
    kp[[L_KN, R_KN], :2] = (hip_x + 0.24 * h, knee_y)
    kp[[L_AN, R_AN], :2] = (hip_x + 0.24 * h, feet)
    kp[:, 2] = score
    return kp, _box(kp, 0.05 * h)


def sitting_front(cx: float, feet: float, h: float, *, score: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """On a chair facing an elevated camera: the thighs point at the camera and look short."""
    kp, _ = standing(cx, feet, h, score=score)
    hip_y = feet - 0.34 * h
    shift = kp[L_HIP, 1] - hip_y
    kp[:L_HIP, 1] -= shift  # the upper body sinks onto the chair
    kp[[L_HIP, R_HIP], 1] = hip_y
    kp[[L_KN, R_KN], 1] = hip_y + 0.1 * h  # thigh foreshortened
    return kp, _box(kp, 0.05 * h)


def crouching(cx: float, feet: float, h: float, *, score: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Squatting at a low shelf: hips just above the heels, torso leaning a little."""
    kp = np.zeros((17, 3), np.float32)
    hip_y = feet - 0.15 * h
    lean = math.radians(25)
    sh = (cx + 0.32 * h * math.sin(lean), hip_y - 0.32 * h * math.cos(lean))
    _head(kp, sh[0] + 0.04 * h, sh[1] - 0.1 * h, h)
    kp[L_SH, :2], kp[R_SH, :2] = (sh[0] + 0.08 * h, sh[1]), (sh[0] - 0.08 * h, sh[1])
    kp[[L_EL, R_EL], :2] = (sh[0] + 0.1 * h, sh[1] + 0.15 * h)
    kp[[L_WR, R_WR], :2] = (sh[0] + 0.15 * h, sh[1] + 0.28 * h)
    kp[L_HIP, :2], kp[R_HIP, :2] = (cx + 0.07 * h, hip_y), (cx - 0.07 * h, hip_y)
    kp[L_KN, :2], kp[R_KN, :2] = (cx + 0.16 * h, hip_y - 0.08 * h), (cx - 0.02 * h, hip_y - 0.08 * h)
    kp[L_AN, :2], kp[R_AN, :2] = (cx + 0.09 * h, feet), (cx - 0.07 * h, feet)
    kp[:, 2] = score
    return kp, _box(kp, 0.05 * h)


def bending(cx: float, feet: float, h: float, *, score: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Bent over at the waist (torso 70° from vertical, facing right), legs straight."""
    kp, _ = standing(cx, feet, h, score=score)
    hip = kp[[L_HIP, R_HIP], :2].mean(axis=0)
    tilt = math.radians(70)
    sh = hip + 0.32 * h * np.array([math.sin(tilt), -math.cos(tilt)])
    kp[[L_SH, R_SH], :2] = sh
    _head(kp, sh[0] + 0.1 * h, sh[1] + 0.02 * h, h)
    kp[[L_EL, R_EL], :2] = sh + np.array([0.02 * h, 0.16 * h])
    kp[[L_WR, R_WR], :2] = sh + np.array([0.03 * h, 0.32 * h])
    return kp, _box(kp, 0.05 * h)


def frame_dets(people: list[tuple[int, tuple[np.ndarray, np.ndarray]]]) -> Detections:
    """One frame's tracked detections from ``(tracker_id, (keypoints, box))`` pairs."""
    if not people:
        return Detections.empty()
    ids = [t for t, _ in people]
    kps = np.stack([p[0] for _, p in people])
    boxes = np.stack([p[1] for _, p in people])
    return Detections(boxes, np.full(len(ids), 0.9), np.zeros(len(ids), np.int32), ids, kps)
