"""Detector backend interface and registry (Frigate's detector plugins, simplified).

A backend turns a BGR image into :class:`~analytics.types.Detections` with the class ids of
its own ``class_names`` (COCO for NanoDet and the official YOLO weights, whatever a custom model
was trained on otherwise), and puts each detection's name in ``data["class_name"]``. Backends register themselves by ``type_key``; :func:`models.registry.create_detector`
picks one from the config or the best available, and says why.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

import numpy as np

from analytics.types import Detections

B = TypeVar("B")


@dataclass(frozen=True)
class Choice(Generic[B]):
    """The backend that runs (detector, pose, faces…), and a sentence for the user about why.

    Attributes:
        backend: the loaded backend.
        reason: e.g. "YOLO weights yolo11n.pt not found in ~/models: using the built-in NanoDet…".
    """

    backend: B
    reason: str


class BackendUnavailable(RuntimeError):
    """A backend cannot run here (missing package or weights); the message says why."""


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """What every detector needs to know.

    Attributes:
        confidence: minimum score to keep a detection (the seeds' ``confidence_ratio``).
        classes: class ids (of the backend's ``class_names``) to keep; empty keeps all.
        iou: NMS IoU threshold.
        threads: CPU threads the runtime may use (0 = automatic: the cores this process may use).
        model_dir: folder with user-supplied weights (YOLO .pt/.onnx), if any.
        model_name: weights file name or yaml to load for backends that need one.
        input_size: network input side in pixels (0 = backend default).
        device: ``"cpu"``, ``"cuda"``, ``"cuda:0"`` or ``"auto"``.
        precision: ``"float"`` or ``"int8"`` (a quantised model where the backend has one).
    """

    confidence: float = 0.35
    classes: tuple[int, ...] = (0,)
    iou: float = 0.5
    threads: int = 0
    model_dir: str | None = None
    model_name: str | None = None
    input_size: int = 0
    device: str = "auto"
    precision: str = "float"


class DetectorBackend(ABC):
    """Abstract object detector.

    Subclasses set ``type_key`` and ``class_names`` (their class names in id order; a backend
    that learns them from its weights sets them on the instance) and implement :meth:`predict`,
    ending with :meth:`_filter`. Construction raises
    :class:`BackendUnavailable` with a human-readable reason if the backend cannot run.

    Example:
        >>> class Nothing(DetectorBackend):
        ...     type_key = "nothing"
        ...     class_names = ("thing",)
        ...     def predict(self, image):
        ...         return Detections.empty()
        >>> len(Nothing(DetectorSettings()).predict(np.zeros((8, 8, 3), np.uint8)))
        0
    """

    type_key: ClassVar[str] = ""
    #: The backend's class names in class-id order.
    class_names: tuple[str, ...] = ()
    registry: ClassVar[dict[str, type[DetectorBackend]]] = {}

    #: Shape of the blank frame the warm-up inference runs on (a 4:3 camera frame).
    WARMUP_SHAPE: ClassVar[tuple[int, int, int]] = (480, 640, 3)

    def __init__(self, settings: DetectorSettings) -> None:
        self.settings = settings
        #: One line for the user: which weights, which device.
        self.description = self.type_key
        #: Seconds the warm-up inference at load took (see :meth:`warm_up`).
        self.warmup_s = 0.0

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type_key:
            DetectorBackend.registry[cls.type_key] = cls

    #: Whether :meth:`predict_batch` runs several images in one pass (cameras' frames are then batched).
    batch_capable: ClassVar[bool] = False

    @abstractmethod
    def predict(self, image: np.ndarray) -> Detections:
        """Detect objects in a BGR uint8 image of shape (H, W, 3); boxes in its pixels."""

    def predict_batch(self, images: list[np.ndarray]) -> list[Detections]:
        """Detect objects in several images; a backend that takes a batch in one pass overrides it."""
        return [self.predict(image) for image in images]

    @classmethod
    def known_classes(cls, model_name: str | None = None) -> tuple[str, ...] | None:
        """The class names this backend will have with ``model_name``, None if only loading tells.

        The config checks its class lists against them before anything is loaded.
        """
        return cls.class_names or None

    def warm_up(self) -> float:
        """Run one inference on a blank frame so the first real frame is not the slow one.

        Backends call it at the end of their constructor. Returns (and keeps in :attr:`warmup_s`)
        the seconds it took.
        """
        t0 = time.perf_counter()
        self.predict(np.full(self.WARMUP_SHAPE, 114, np.uint8))
        self.warmup_s = time.perf_counter() - t0
        return self.warmup_s

    def runtime(self) -> str:
        """The inference runtime and the CPU threads it uses, read back from the library.

        Called after frames were analysed, from the thread that analysed them (some runtimes keep
        the thread count per thread).
        """
        return "unknown runtime"

    def threads_in_use(self) -> int:
        """CPU threads the runtime uses, read back from the library (0: unknown, or not on the CPU)."""
        return 0

    def _filter(self, dets: Detections) -> Detections:
        """Apply the confidence threshold and class list from the settings; name every detection."""
        keep = dets.confidence >= self.settings.confidence
        if self.settings.classes:
            keep &= np.isin(dets.class_id, np.asarray(self.settings.classes))
        out = dets[keep]
        if self.class_names and len(out):
            names = np.asarray(self.class_names, dtype=object)
            out.set("class_name", names[np.clip(out.class_id, 0, len(names) - 1)])
        elif self.class_names:
            out.set("class_name", np.zeros(0, dtype=object))
        return out


def check_classes(
    wanted: list[str] | tuple[str, ...], known: tuple[str, ...], what: str = "detector"
) -> None:
    """Raise ``ValueError`` with one line naming the valid classes if ``wanted`` has an unknown one.

    Example:
        >>> check_classes(["person"], ("person", "car"))
        >>> check_classes(["cat"], ("person", "car"))
        Traceback (most recent call last):
        ...
        ValueError: unknown class 'cat' for the detector (valid: person, car)
    """
    bad = [c for c in wanted if c not in known]
    if bad:
        shown = ", ".join(known[:20]) + (f", … ({len(known)} in all)" if len(known) > 20 else "")
        raise ValueError(f"unknown class {bad[0]!r} for the {what} (valid: {shown})")
