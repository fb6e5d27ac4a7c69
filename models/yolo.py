"""Ultralytics YOLO detection backend — the primary backend on a store's GPU workstation.

Weights come from the model folder (``yolo11n.pt``, an exported ``.onnx``, or a custom
fine-tuned file); with ``allow_download`` Ultralytics may fetch official weights where a
network exists. A ``.yaml`` model name builds the network with random weights: useful only
to exercise the plumbing offline (tests, benchmarks of speed).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from analytics.types import COCO_CLASSES, Detections
from models.base import BackendUnavailable, DetectorBackend, DetectorSettings
from models.pose import yolo_keypoints

log = logging.getLogger(__name__)


def find_weights(settings: DetectorSettings, *, allow_download: bool = False) -> str:
    """Locate the YOLO model file named in the settings.

    Args:
        settings: ``model_name`` (file name, path or ``.yaml``) and ``model_dir``.
        allow_download: accept a bare official name Ultralytics would download.

    Returns:
        A path (or a name Ultralytics resolves itself).

    Raises:
        BackendUnavailable: the weights are not present and may not be downloaded.
    """
    name = settings.model_name or "yolo11n.pt"
    if name.endswith((".yaml", ".yml")):
        return name
    candidates = [Path(name).expanduser()]
    if settings.model_dir:
        candidates.insert(0, Path(settings.model_dir).expanduser() / name)
    for c in candidates:
        if c.is_file():
            return str(c)
    if allow_download:
        return name
    where = settings.model_dir or "the model folder"
    raise BackendUnavailable(f"YOLO weights {name} not found in {where}")


class YoloBackend(DetectorBackend):
    """Ultralytics YOLO detect model (``.pt``, ``.onnx``, ``.engine``, or ``.yaml``).

    Example:
        >>> be = YoloBackend(DetectorSettings(model_name="yolo11n.yaml"))  # doctest: +SKIP
        >>> be.predict(image).xyxy.shape  # doctest: +SKIP
        (0, 4)
    """

    type_key = "yolo"

    @classmethod
    def known_classes(cls, model_name: str | None = None) -> tuple[str, ...] | None:
        """COCO for Ultralytics' official weights (``person`` only for a pose model); None for a custom one."""
        name = Path(model_name or "yolo11n.pt").name.lower()
        if not name.startswith("yolo"):
            return None  # a custom model: its names are known once it is loaded
        return ("person",) if "pose" in name else COCO_CLASSES

    def __init__(self, settings: DetectorSettings, *, allow_download: bool = False) -> None:
        super().__init__(settings)
        weights = find_weights(settings, allow_download=allow_download)
        if not allow_download:
            os.environ.setdefault("YOLO_OFFLINE", "1")
        try:
            import torch
            from ultralytics import YOLO
        except Exception as e:  # ImportError, or a broken CUDA/torchvision install
            raise BackendUnavailable(
                f"Ultralytics is not usable here ({e.__class__.__name__}: {e})"
            ) from None
        if settings.device == "auto":
            self.device = "cuda:0" if torch.cuda.is_available() else "cpu"
        else:
            self.device = settings.device
        if settings.threads and self.device == "cpu":
            torch.set_num_threads(settings.threads)
        # A pose model (yolo11n-pose.pt) detects people and gives their keypoints in the same pass.
        task = "pose" if "pose" in Path(weights).name.lower() else "detect"
        try:
            self.model = YOLO(weights, task=task)
        except Exception as e:
            raise BackendUnavailable(f"cannot load YOLO model {Path(weights).name}: {e}") from None
        if self.model.task not in ("detect", "pose"):
            raise BackendUnavailable(f"{Path(weights).name} is a {self.model.task} model, not a detect model")
        names = self.model.names  # {id: name} of the weights (COCO for the official ones)
        self.class_names = tuple(str(names[i]) for i in range(len(names)))
        #: Whether :meth:`predict` gives keypoints too (a YOLO-pose model).
        self.keypoints = self.model.task == "pose"
        self.imgsz = settings.input_size or 640
        self.random_weights = weights.endswith((".yaml", ".yml"))
        note = " (random weights: plumbing only)" if self.random_weights else ""
        self.description = f"Ultralytics YOLO {Path(weights).name} on {self.device}, {self.imgsz} px{note}"

    def predict(self, image: np.ndarray) -> Detections:
        """Detect objects; boxes in the image's pixels, the model's class ids (and keypoints from a pose model)."""
        classes = list(self.settings.classes) or None
        res = self.model.predict(
            image,
            conf=self.settings.confidence,
            iou=self.settings.iou,
            classes=classes,
            imgsz=self.imgsz,
            device=self.device,
            verbose=False,
        )[0]
        boxes = res.boxes
        if boxes is None or len(boxes) == 0:
            return Detections.empty()
        b = boxes.cpu().numpy()
        kps = yolo_keypoints(res)  # (N, 17, 3) from a pose model, else None
        return self._filter(
            Detections(xyxy=b.xyxy, confidence=b.conf, class_id=b.cls.astype(np.int32), keypoints=kps)
        )
