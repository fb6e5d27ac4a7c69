"""Detector backend interface and registry (Frigate's detector plugins, simplified).

A backend turns a BGR image into :class:`~analytics.types.Detections` with COCO class
ids. Backends register themselves by ``type_key``; :func:`models.registry.create_detector`
picks one from the config or the best available, and says why.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from analytics.types import Detections


class BackendUnavailable(RuntimeError):
    """A backend cannot run here (missing package or weights); the message says why."""


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """What every detector needs to know.

    Attributes:
        confidence: minimum score to keep a detection (the seeds' ``confidence_ratio``).
        classes: COCO class ids to keep; empty keeps all.
        iou: NMS IoU threshold.
        threads: CPU threads the runtime may use (0 = runtime default).
        model_dir: folder with user-supplied weights (YOLO .pt/.onnx), if any.
        model_name: weights file name or yaml to load for backends that need one.
        input_size: network input side in pixels (0 = backend default).
        device: ``"cpu"``, ``"cuda"``, ``"cuda:0"`` or ``"auto"``.
    """

    confidence: float = 0.35
    classes: tuple[int, ...] = (0,)
    iou: float = 0.5
    threads: int = 0
    model_dir: str | None = None
    model_name: str | None = None
    input_size: int = 0
    device: str = "auto"


class DetectorBackend(ABC):
    """Abstract object detector.

    Subclasses set ``type_key`` and implement :meth:`predict`. Construction raises
    :class:`BackendUnavailable` with a human-readable reason if the backend cannot run.

    Example:
        >>> class Nothing(DetectorBackend):
        ...     type_key = "nothing"
        ...     def predict(self, image):
        ...         return Detections.empty()
        >>> len(Nothing(DetectorSettings()).predict(np.zeros((8, 8, 3), np.uint8)))
        0
    """

    type_key: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[DetectorBackend]]] = {}

    def __init__(self, settings: DetectorSettings) -> None:
        self.settings = settings
        #: One line for the user: which weights, which device.
        self.description = self.type_key

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type_key:
            DetectorBackend.registry[cls.type_key] = cls

    @abstractmethod
    def predict(self, image: np.ndarray) -> Detections:
        """Detect objects in a BGR uint8 image of shape (H, W, 3); boxes in its pixels."""

    def _filter(self, dets: Detections) -> Detections:
        """Apply the confidence threshold and class list from the settings."""
        keep = dets.confidence >= self.settings.confidence
        if self.settings.classes:
            keep &= np.isin(dets.class_id, np.asarray(self.settings.classes))
        return dets[keep]
