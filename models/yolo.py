"""Ultralytics YOLO detection backend — the primary backend on a store's GPU workstation.

Weights come from the model folder (``yolo11n.pt``, an exported ``.onnx``, or a custom
fine-tuned file); with ``allow_download`` Ultralytics may fetch official weights where a
network exists. A ``.yaml`` model name builds the network with random weights: useful only
to exercise the plumbing offline (tests, benchmarks of speed).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from analytics.types import COCO_CLASSES, Detections
from models.base import BackendUnavailable, DetectorBackend, DetectorSettings
from models.ultra import UltralyticsModel, yolo_keypoints

log = logging.getLogger(__name__)


class YoloBackend(DetectorBackend):
    """Ultralytics YOLO detect model (``.pt``, ``.onnx``, ``.engine``, or ``.yaml``).

    Loading runs one warm-up inference (Ultralytics sets its predictor up on the first one) and
    keeps PyTorch on ``settings.threads`` CPU threads (see :class:`models.ultra.UltralyticsModel`).

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
        name = settings.model_name or "yolo11n.pt"
        # A pose model (yolo11n-pose.pt) detects people and gives their keypoints in the same pass.
        self.yolo = UltralyticsModel(
            name,
            settings.model_dir,
            task="pose" if "pose" in Path(name).name.lower() else "detect",
            tasks=("detect", "pose"),
            device=settings.device,
            threads=settings.threads,
            allow_download=allow_download,
        )
        self.device = self.yolo.device
        names = self.yolo.model.names  # {id: name} of the weights (COCO for the official ones)
        self.class_names = tuple(str(names[i]) for i in range(len(names)))
        made_for = self.known_classes(name)
        unnamed = self.class_names == tuple(str(i) for i in range(len(self.class_names)))
        if self.yolo.random_weights and made_for and unnamed:
            # Built from an official yaml (names "0", "1", …): the classes that network is made for.
            self.class_names = made_for
        # An imported or trained model's manifest may map its classes onto the module's (pedestrian → person).
        from models.catalog import manifest_for

        manifest = manifest_for(self.yolo.weights)
        if manifest is not None and manifest.class_map:
            self.class_names = tuple(manifest.class_map.get(c, c) for c in self.class_names)
        #: Whether :meth:`predict` gives keypoints too (a YOLO-pose model).
        self.keypoints = self.yolo.task == "pose"
        self.imgsz = settings.input_size or 640
        self.random_weights = self.yolo.random_weights
        self._reid_hooked = False
        #: On a GPU the cameras' frames go in together (one pass per batch, FP16); on the CPU one by one.
        self.batch_capable = self.device != "cpu"  # type: ignore[misc]
        try:
            self.warm_up()
        except Exception as e:  # e.g. torchvision's compiled ops missing: the first inference fails
            raise BackendUnavailable(
                f"Ultralytics YOLO {self.yolo.name} cannot run here ({e.__class__.__name__}: {e})"
            ) from None
        self.description = (
            f"Ultralytics YOLO {self.yolo.name} on {self.device}, {self.imgsz} px{self.yolo.note()}"
        )

    def _hook_reid(self) -> None:
        """Keep the detection head's input so every box gets the detector's own appearance feature.

        Ultralytics does this for ``model.track(..., tracker="botsort.yaml")`` with ``with_reid`` and
        ``model: auto``; here it is done for plain predictions, and the features go into
        ``Detections.data["reid"]`` for our tracker. Not for pose or NMS-free (end-to-end) heads.
        """
        self._reid_hooked = True
        predictor = getattr(self.yolo.model, "predictor", None)
        net = getattr(getattr(predictor, "model", None), "model", None)
        layers = getattr(net, "model", None)
        if self.keypoints or predictor is None or layers is None:
            return
        from ultralytics.nn.modules.head import Detect

        head = layers[-1]
        if not isinstance(head, Detect) or getattr(head, "end2end", False):
            return

        def pre_hook(module: Any, inputs: Any) -> None:
            predictor._feats = list(inputs[0])

        head.register_forward_pre_hook(pre_hook)

    def predict(self, image: np.ndarray) -> Detections:
        """Detect objects; boxes in the image's pixels, the model's class ids (and keypoints from a pose model).

        With a detection (not pose) model, ``data["reid"]`` holds each box's appearance feature taken
        from the detector's own feature maps (Ultralytics' ``with_reid`` / ``model: auto``).
        """
        if not self._reid_hooked and getattr(self.yolo.model, "predictor", None) is not None:
            self._hook_reid()
        classes = list(self.settings.classes) or None
        res = self.yolo.predict(
            image, conf=self.settings.confidence, iou=self.settings.iou, classes=classes, imgsz=self.imgsz
        )
        return self._detections(res)

    def predict_batch(self, images: list[np.ndarray]) -> list[Detections]:
        """Several cameras' frames in one pass (the model runs a batch; FP16 on a CUDA device)."""
        if not self._reid_hooked and getattr(self.yolo.model, "predictor", None) is not None:
            self._hook_reid()
        classes = list(self.settings.classes) or None
        results = self.yolo.predict_many(
            images, conf=self.settings.confidence, iou=self.settings.iou, classes=classes, imgsz=self.imgsz
        )
        return [self._detections(r) for r in results]

    def _detections(self, res: Any) -> Detections:
        boxes = res.boxes
        if boxes is None or len(boxes) == 0:
            return Detections.empty()
        b = boxes.cpu().numpy()
        kps = yolo_keypoints(res)  # (N, 17, 3) from a pose model, else None
        data: dict[str, Any] = {}
        feats = getattr(res, "feats", None)
        if feats is not None and len(feats) == len(b):
            data["reid"] = feats.detach().float().cpu().numpy()
        return self._filter(
            Detections(
                xyxy=b.xyxy, confidence=b.conf, class_id=b.cls.astype(np.int32), keypoints=kps, data=data
            )
        )

    def runtime(self) -> str:
        """PyTorch and the threads the latest frame ran with (read back in the predicting thread)."""
        return self.yolo.runtime()

    def threads_in_use(self) -> int:
        """CPU threads the latest frame ran with, read back from the runtime (0 on a GPU)."""
        return self.yolo.threads_in_use()
