"""Core data types that flow between StoreSight modules.

A frame is a :class:`Frame`; everything a detector or tracker finds in it is one
:class:`Detections` object of parallel numpy arrays (supervision's design). No
positional tuples or string-keyed dicts cross module boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: COCO-80 class names in the order the COCO backends (NanoDet, official YOLO weights) report
#: ``class_id``. Other backends declare their own ``class_names``.
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
#: The COCO id of "person" (what the COCO backends store in ``class_id``).
PERSON = 0
#: The class name people have in every backend's ``class_names``.
PERSON_CLASS = "person"

_NAME_TO_ID = {name: i for i, name in enumerate(COCO_CLASSES)}


def class_ids_for(
    names: list[str] | tuple[str, ...], class_names: tuple[str, ...] | list[str] = COCO_CLASSES
) -> list[int]:
    """Map class names to a backend's class ids.

    Args:
        names: class names such as ``["person", "car"]``.
        class_names: the backend's class names in id order (COCO by default).

    Returns:
        The matching ids, in the same order.

    Raises:
        KeyError: a name the backend does not know.

    Example:
        >>> class_ids_for(["car", "person"]), class_ids_for(["box"], ("shelf", "box"))
        ([2, 0], [1])
    """
    index = _NAME_TO_ID if class_names is COCO_CLASSES else {n: i for i, n in enumerate(class_names)}
    return [index[n] for n in names]


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


class Detections:
    """Objects found in one frame, as parallel arrays (supervision's ``Detections``).

    Beside the boxes, ``data`` holds any per-detection array a stage adds — ``keypoints``
    (N, K, 3), ``class_name``, ``role``, ``role_confidence``, ``employee_id``, plate text, face or
    person ids, PPE flags… — each with N rows; ``metadata`` holds frame-level values (e.g. the role
    stage's ``roles`` map, which also knows tracks that are not in this frame). Indexing selects
    rows of every array in ``data`` and keeps ``metadata``; stages add to ``data``, modules read it.

    Attributes:
        xyxy: (N, 4) float32 boxes in pixels, x1 y1 x2 y2.
        confidence: (N,) float32 scores in 0..1.
        class_id: (N,) int32 class ids of the backend that found them (its ``class_names``).
        tracker_id: (N,) int64 track ids, -1 where not tracked.
        data: name → array with N rows.
        metadata: name → any frame-level value.

    Example:
        >>> d = Detections(xyxy=[[0, 0, 10, 20]], confidence=[0.9], class_id=[0])
        >>> len(d), d.anchors().tolist()
        (1, [[5.0, 20.0]])
        >>> len(d[d.confidence > 0.95])
        0
        >>> d.data["role"] = np.array(["staff"])
        >>> d[d.confidence > 0.5].data["role"].tolist(), d.keypoints is None
        (['staff'], True)
    """

    __slots__ = ("class_id", "confidence", "data", "metadata", "tracker_id", "xyxy")

    def __init__(
        self,
        xyxy: Any,
        confidence: Any,
        class_id: Any,
        tracker_id: Any = None,
        keypoints: Any = None,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.xyxy = _as(xyxy, np.float32, (4,))
        n = self.xyxy.shape[0]
        if self.xyxy.ndim != 2 or self.xyxy.shape[1] != 4:
            raise ValueError(f"xyxy must be (N, 4), got {self.xyxy.shape}")
        self.confidence = _as(confidence, np.float32, ())
        self.class_id = _as(class_id, np.int32, ())
        if tracker_id is None:
            self.tracker_id = np.full(n, -1, dtype=np.int64)
        else:
            self.tracker_id = _as(tracker_id, np.int64, ())
        for name in ("confidence", "class_id", "tracker_id"):
            a = getattr(self, name)
            if a.shape != (n,):
                raise ValueError(f"{name} must be ({n},), got {a.shape}")
        self.data: dict[str, np.ndarray] = {}
        self.metadata: dict[str, Any] = dict(metadata or {})
        for key, value in (data or {}).items():
            self.set(key, value)
        if keypoints is not None:
            self.keypoints = keypoints

    def set(self, key: str, values: Any) -> None:
        """Add or replace the per-detection array ``key`` (N rows), shape-checked.

        Raises:
            ValueError: the array does not have one row per detection.
        """
        a = np.asarray(values)
        if a.ndim == 0 or a.shape[0] != len(self):
            raise ValueError(f"data[{key!r}] must have {len(self)} rows, got shape {a.shape}")
        self.data[key] = a

    @property
    def keypoints(self) -> np.ndarray | None:
        """Optional (N, K, 3) float32 keypoints (x, y, score) in pixels (``data["keypoints"]``)."""
        return self.data.get("keypoints")

    @keypoints.setter
    def keypoints(self, value: Any) -> None:
        if value is None:
            self.data.pop("keypoints", None)
            return
        kp = np.asarray(value, dtype=np.float32)
        n = len(self)
        if kp.ndim != 3 or kp.shape[0] != n or kp.shape[2] != 3:
            raise ValueError(f"keypoints must be ({n}, K, 3), got {kp.shape}")
        self.data["keypoints"] = kp

    @property
    def class_name(self) -> np.ndarray | None:
        """(N,) class names when the detector gave them (``data["class_name"]``), else None."""
        return self.data.get("class_name")

    def is_class(self, name: str) -> np.ndarray:
        """Boolean mask of the detections of class ``name`` (e.g. ``"person"``).

        Uses ``data["class_name"]`` (every detector backend adds it); detections built by hand
        without names are read as COCO ids.

        Example:
            >>> d = Detections([[0, 0, 1, 1], [0, 0, 2, 2]], [0.9, 0.8], [0, 2])
            >>> d.is_class("car").tolist()
            [False, True]
            >>> d.set("class_name", ["box", "person"])
            >>> d.is_class("person").tolist()
            [False, True]
        """
        names = self.data.get("class_name")
        if names is not None:
            return np.asarray(names == name, dtype=bool).reshape(len(self))
        cid = _NAME_TO_ID.get(name, -1)
        return self.class_id == cid

    def names(self) -> np.ndarray:
        """(N,) class names: ``data["class_name"]``, or COCO names for detections built by hand."""
        names = self.data.get("class_name")
        if names is not None:
            return names
        coco = np.asarray(COCO_CLASSES, dtype=object)
        return coco[np.clip(self.class_id, 0, len(coco) - 1)]

    @classmethod
    def empty(cls) -> Detections:
        """Return an object with no detections."""
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int32))

    def __len__(self) -> int:
        return int(self.xyxy.shape[0])

    def __repr__(self) -> str:
        return f"Detections(n={len(self)}, data={sorted(self.data)}, metadata={sorted(self.metadata)})"

    def __getitem__(self, index: Any) -> Detections:
        """Select detections with a boolean mask, an index array or a slice (``data`` rows too)."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Detections(
            xyxy=self.xyxy[index],
            confidence=self.confidence[index],
            class_id=self.class_id[index],
            tracker_id=self.tracker_id[index],
            data={k: v[index] for k, v in self.data.items()},
            metadata=self.metadata,
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
        """Concatenate several detection sets (a ``data`` array is kept only if all parts have it)."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return Detections.empty()
        keys = set.intersection(*(set(p.data) for p in parts))
        return Detections(
            xyxy=np.concatenate([p.xyxy for p in parts]),
            confidence=np.concatenate([p.confidence for p in parts]),
            class_id=np.concatenate([p.class_id for p in parts]),
            tracker_id=np.concatenate([p.tracker_id for p in parts]),
            data={k: np.concatenate([p.data[k] for p in parts]) for k in sorted(keys)},
            metadata={k: v for p in parts for k, v in p.metadata.items()},
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
