"""Helpers of the face tests: the real pictures (tests/data/faces) and a person frame built from one."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

FACES = Path(__file__).resolve().parent / "data" / "faces"


def picture(name: str) -> np.ndarray:
    """A test picture (BGR)."""
    img = cv2.imread(str(FACES / f"{name}.jpg"))
    assert img is not None, name
    return img


def person_frame(name: str, width: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A tall frame with a portrait at the top (head and shoulders) over a grey "body", and its person box."""
    img = picture(name)
    h = round(img.shape[0] * width / img.shape[1])
    top = cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA)
    frame = np.full((max(3 * h, 900), width + 200, 3), 90, np.uint8)
    frame[:h, 100 : 100 + width] = top
    return frame, np.array([100.0, 0.0, 100.0 + width, frame.shape[0] - 1.0], np.float32)
