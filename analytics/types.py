"""Core data types that flow between StoreSight modules.

A frame is a :class:`Frame`; everything a detector or tracker finds in it is one
:class:`Detections` object of parallel numpy arrays (supervision's design). No
positional tuples or string-keyed dicts cross module boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: COCO-80 class names in the order every backend reports ``class_id``.
COCO_CLASSES: tuple[str, ...] = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip
PERSON = 0

_NAME_TO_ID = {name: i for i, name in enumerate(COCO_CLASSES)}


def class_ids_for(names: list[str] | tuple[str, ...]) -> list[int]:
    """Map COCO class names to ids.

    Args:
        names: class names such as ``["person", "car"]``.

    Returns:
        The matching COCO ids, in the same order.

    Raises:
        KeyError: a name that is not a COCO class.
    """
    return [_NAME_TO_ID[n] for n in names]


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded picture from a camera.

    Attributes:
        camera_id: the camera's id in the site config.
        index: 0-based frame number as decoded from the source.
        ts: real timestamp in seconds since the epoch (stream PTS + configured start
            for files, the wall clock for live sources). Durations come from this.
        image: BGR uint8 array of shape (H, W, 3).

    Example:
        >>> f = Frame("cam1", 0, 1_700_000_000.0, np.zeros((4, 4, 3), np.uint8))
        >>> f.height, f.width
        (4, 4)
    """

    camera_id: str
    index: int
    ts: float
    image: np.ndarray

    @property
    def height(self) -> int:
        """Image height in pixels."""
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        """Image width in pixels."""
        return int(self.image.shape[1])


def _as(arr: Any, dtype: Any, shape_tail: tuple[int, ...]) -> np.ndarray:
    a = np.asarray(arr, dtype=dtype)
    if a.size == 0:
        a = a.reshape((0, *shape_tail))
    return a


@dataclass(slots=True)
class Detections:
    """Objects found in one frame, as parallel arrays.

    Attributes:
        xyxy: (N, 4) float32 boxes in pixels, x1 y1 x2 y2.
        confidence: (N,) float32 scores in 0..1.
        class_id: (N,) int32 COCO class ids.
        tracker_id: (N,) int64 track ids, -1 where not tracked.
        keypoints: optional (N, K, 3) float32 keypoints (x, y, score) in pixels.

    Example:
        >>> d = Detections(xyxy=[[0, 0, 10, 20]], confidence=[0.9], class_id=[0])
        >>> len(d), d.anchors().tolist()
        (1, [[5.0, 20.0]])
        >>> len(d[d.confidence > 0.95])
        0
    """

    xyxy: np.ndarray
    confidence: np.ndarray
    class_id: np.ndarray
    tracker_id: np.ndarray = field(default=None)  # type: ignore[assignment]
    keypoints: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.xyxy = _as(self.xyxy, np.float32, (4,))
        n = self.xyxy.shape[0]
        if self.xyxy.ndim != 2 or self.xyxy.shape[1] != 4:
            raise ValueError(f"xyxy must be (N, 4), got {self.xyxy.shape}")
        self.confidence = _as(self.confidence, np.float32, ())
        self.class_id = _as(self.class_id, np.int32, ())
        if self.tracker_id is None:
            self.tracker_id = np.full(n, -1, dtype=np.int64)
        else:
            self.tracker_id = _as(self.tracker_id, np.int64, ())
        for name in ("confidence", "class_id", "tracker_id"):
            a = getattr(self, name)
            if a.shape != (n,):
                raise ValueError(f"{name} must be ({n},), got {a.shape}")
        if self.keypoints is not None:
            self.keypoints = np.asarray(self.keypoints, dtype=np.float32)
            if self.keypoints.ndim != 3 or self.keypoints.shape[0] != n or self.keypoints.shape[2] != 3:
                raise ValueError(f"keypoints must be ({n}, K, 3), got {self.keypoints.shape}")

    @classmethod
    def empty(cls) -> Detections:
        """Return an object with no detections."""
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int32))

    def __len__(self) -> int:
        return int(self.xyxy.shape[0])

    def __getitem__(self, index: Any) -> Detections:
        """Select detections with a boolean mask, an index array or a slice."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Detections(
            xyxy=self.xyxy[index],
            confidence=self.confidence[index],
            class_id=self.class_id[index],
            tracker_id=self.tracker_id[index],
            keypoints=None if self.keypoints is None else self.keypoints[index],
        )

    def anchors(self) -> np.ndarray:
        """Bottom-centre point of every box, (N, 2) float32 — where a person stands."""
        x = (self.xyxy[:, 0] + self.xyxy[:, 2]) / 2.0
        return np.stack([x, self.xyxy[:, 3]], axis=1).astype(np.float32)

    def centers(self) -> np.ndarray:
        """Centre point of every box, (N, 2) float32."""
        return ((self.xyxy[:, :2] + self.xyxy[:, 2:]) / 2.0).astype(np.float32)

    @staticmethod
    def merge(parts: list[Detections]) -> Detections:
        """Concatenate several detection sets (keypoints kept only if all have them)."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return Detections.empty()
        kps = None
        if all(p.keypoints is not None for p in parts):
            kps = np.concatenate([p.keypoints for p in parts])  # type: ignore[misc]
        return Detections(
            xyxy=np.concatenate([p.xyxy for p in parts]),
            confidence=np.concatenate([p.confidence for p in parts]),
            class_id=np.concatenate([p.class_id for p in parts]),
            tracker_id=np.concatenate([p.tracker_id for p in parts]),
            keypoints=kps,
        )


def expand_boxes(xyxy: np.ndarray, ratio: float, width: int, height: int) -> np.ndarray:
    """Grow boxes by ``ratio`` of their size on every side, clipped to the frame.

    This is the seeds' ``BoundingBox`` expansion, so a crop does not cut a face or plate.

    Args:
        xyxy: (N, 4) boxes in pixels.
        ratio: 0.1 adds 10 % of the box width (height) left and right (top and bottom).
        width: frame width for clipping.
        height: frame height for clipping.

    Returns:
        A new (N, 4) float32 array.

    Example:
        >>> expand_boxes(np.array([[10, 10, 20, 30]]), 0.1, 100, 100).tolist()
        [[9.0, 8.0, 21.0, 32.0]]
    """
    b = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4).copy()
    w = b[:, 2] - b[:, 0]
    h = b[:, 3] - b[:, 1]
    b[:, 0] -= w * ratio
    b[:, 2] += w * ratio
    b[:, 1] -= h * ratio
    b[:, 3] += h * ratio
    b[:, [0, 2]] = np.clip(b[:, [0, 2]], 0, width)
    b[:, [1, 3]] = np.clip(b[:, [1, 3]], 0, height)
    return b
