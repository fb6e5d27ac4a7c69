"""A person's appearance as a small vector: colour histograms of the upper and lower body.

The embedded appearance cue for trackers fed by the built-in detector (no re-ID network ships here):
the box is cut into the torso (15–50 % of its height) and the legs (50–85 %), the middle 60 % of its
width (less background), resized to 16×32 px and turned into HSV. Per part, chromatic pixels (S > 50,
V > 40) vote into 12 hue bins, the others into 6 brightness bins; each part's 18 bins are divided by the
part's pixel count, so "red jacket, blue jeans" and "black coat, black trousers" differ both in which
bins fill and how much. The 36 values are square-rooted (Hellinger) and L2-normalised, so the dot
product of two features is a similarity in 0..1 (1 = same colours) and ``1 - dot`` a distance.

Cost: measured by benchmarks/tracking_identity.py (per person, one core; see the tracking notes).
"""

from __future__ import annotations

import cv2
import numpy as np

#: Length of one feature vector.
FEATURE_DIM = 36
_H_BINS = 12
_V_BINS = 6
_W, _H = 16, 32
_UPPER = (int(0.15 * _H), int(0.50 * _H))
_LOWER = (int(0.50 * _H), int(0.85 * _H))


def _part_histogram(hsv: np.ndarray) -> np.ndarray:
    h = hsv[..., 0].ravel().astype(np.int32)
    s = hsv[..., 1].ravel()
    v = hsv[..., 2].ravel().astype(np.int32)
    chroma = (s > 50) & (v > 40)
    idx = np.where(chroma, (h * _H_BINS) // 180, _H_BINS + (v * _V_BINS) // 256)
    return np.bincount(idx, minlength=_H_BINS + _V_BINS).astype(np.float32) / max(h.size, 1)


def body_colour_features(image: np.ndarray, xyxy: np.ndarray) -> np.ndarray:
    """Appearance features of people in one frame.

    Args:
        image: BGR uint8 frame.
        xyxy: (N, 4) boxes in pixels.

    Returns:
        (N, :data:`FEATURE_DIM`) float32, each row L2-normalised; a row of zeros for a box too small
        or outside the frame (treat as "no appearance").

    Example:
        >>> img = np.zeros((100, 100, 3), np.uint8); img[:, :50] = (0, 0, 255)  # red left half
        >>> f = body_colour_features(img, np.array([[0, 0, 50, 100], [50, 0, 100, 100]]))
        >>> round(float(f[0] @ f[1]), 2), round(float(f[0] @ f[0]), 2)
        (0.0, 1.0)
    """
    boxes = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)
    out = np.zeros((len(boxes), FEATURE_DIM), np.float32)
    if not len(boxes):
        return out
    ih, iw = image.shape[:2]
    for i, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
        w = x2 - x1
        cx1, cx2 = int(max(x1 + 0.2 * w, 0)), int(min(x2 - 0.2 * w, iw))
        cy1, cy2 = int(max(y1, 0)), int(min(y2, ih))
        if cx2 - cx1 < 3 or cy2 - cy1 < 8:
            continue
        crop = cv2.resize(image[cy1:cy2, cx1:cx2], (_W, _H), interpolation=cv2.INTER_AREA)
        hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
        f = np.concatenate(
            [_part_histogram(hsv[_UPPER[0] : _UPPER[1]]), _part_histogram(hsv[_LOWER[0] : _LOWER[1]])]
        )
        f = np.sqrt(f)
        n = float(np.linalg.norm(f))
        if n > 0:
            out[i] = f / n
    return out
