"""Loading and running Ultralytics models: the one helper the YOLO detector and YOLO-pose share.

It finds the weights, loads them offline, and keeps PyTorch on the configured CPU thread count:
Ultralytics' ``select_device`` calls ``torch.set_num_threads(cpu_count - 1)`` when a predictor is
set up (the first ``predict``), which on 2 cores put the primary backend on one core whatever
``detector.threads`` said. :class:`UltralyticsModel` sets the thread count again after that, and
checks it in the predicting thread before every frame (with OpenMP, PyTorch's thread count is kept
per thread). The backends run that first ``predict`` at load, as their warm-up. An exported
``.onnx`` model gets an ONNX Runtime session with the configured threads instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from models.base import BackendUnavailable
from models.checksums import check_pinned
from models.runtime import ort_runtime, ort_session, ort_threads, resolve_threads


def find_weights(model_name: str | None, model_dir: str | None, *, allow_download: bool = False) -> str:
    """Locate a YOLO model file.

    Args:
        model_name: file name, path or ``.yaml`` (None: ``yolo11n.pt``).
        model_dir: the model folder, looked in first.
        allow_download: accept a bare official name Ultralytics would download.

    Returns:
        A path (or a name Ultralytics resolves itself).

    Raises:
        BackendUnavailable: the weights are not present and may not be downloaded, or an official
            file (:data:`models.checksums.PINNED`) is partial or damaged.
    """
    name = model_name or "yolo11n.pt"
    if name.endswith((".yaml", ".yml")):
        return name
    candidates = [Path(name).expanduser()]
    if model_dir:
        candidates.insert(0, Path(model_dir).expanduser() / name)
    for c in candidates:
        if c.is_file() or (c.is_dir() and any(c.glob("*.xml"))):  # a file, or an OpenVINO model folder
            problem = check_pinned(c)  # an official file (yolo11n.pt) must be the whole, undamaged file
            if problem:
                raise BackendUnavailable(problem)
            return str(c)
    if allow_download:
        return name
    where = model_dir or "the model folder"
    raise BackendUnavailable(f"YOLO weights {name} not found in {where}")


def yolo_keypoints(result: Any) -> np.ndarray | None:
    """(N, 17, 3) float32 keypoints of an Ultralytics ``Results``, or None for a non-pose model."""
    kps = getattr(result, "keypoints", None)
    if kps is None:
        return None
    data = kps.data.cpu().numpy().astype(np.float32)
    if data.ndim != 3:
        return None
    if data.shape[2] == 2:  # a model trained without keypoint visibility: all "seen"
        data = np.concatenate([data, np.ones((*data.shape[:2], 1), np.float32)], axis=2)
    return data


class UltralyticsModel:
    """An Ultralytics YOLO model loaded offline, run on a fixed device and CPU thread count.

    Args:
        model_name: weights file name, path or ``.yaml`` (random weights: plumbing and speed only).
        model_dir: the model folder.
        task: ``"detect"``, ``"pose"``, or None to take it from the weights.
        tasks: the tasks the caller accepts; another one is refused.
        device: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
        threads: PyTorch intra-op threads on the CPU (0 = the cores available to this process).
        allow_download: let Ultralytics fetch official weights (needs internet).
        what: the model's name in messages (``"YOLO"``, ``"YOLO-pose"``).

    Raises:
        BackendUnavailable: Ultralytics is not usable, the weights are missing or unreadable, or
            they are a model for another task.
    """

    def __init__(
        self,
        model_name: str | None,
        model_dir: str | None,
        *,
        task: str | None,
        tasks: tuple[str, ...],
        device: str = "auto",
        threads: int = 0,
        allow_download: bool = False,
        what: str = "YOLO",
    ) -> None:
        weights = find_weights(model_name, model_dir, allow_download=allow_download)
        if not allow_download:
            os.environ.setdefault("YOLO_OFFLINE", "1")
        try:
            import torch
            from ultralytics import YOLO
        except Exception as e:  # ImportError, or a broken CUDA/torchvision install
            raise BackendUnavailable(
                f"Ultralytics is not usable here ({e.__class__.__name__}: {e})"
            ) from None
        self._torch = torch
        self.weights = weights
        self.name = Path(weights).name
        self.device = ("cuda:0" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        #: PyTorch CPU threads this model runs with (0 on a GPU: not ours to set).
        self.threads = resolve_threads(threads) if self.device == "cpu" else 0
        self._apply_threads()
        try:
            self.model = YOLO(weights, task=task)
        except Exception as e:
            raise BackendUnavailable(f"cannot load {what} model {self.name}: {e}") from None
        self.task = str(self.model.task)
        if self.task not in tasks:
            raise BackendUnavailable(f"{self.name} is a {self.task} model, not a {tasks[0]} model")
        self.random_weights = weights.endswith((".yaml", ".yml"))
        #: PyTorch's thread count read back in the predicting thread after the latest predict.
        self.threads_seen = 0
        self._predictor: Any = None

    def _apply_threads(self) -> None:
        if self.threads and self._torch.get_num_threads() != self.threads:
            self._torch.set_num_threads(self.threads)

    def predict(self, image: np.ndarray, **kwargs: Any) -> Any:
        """One image through the model on the configured device and threads; its ``Results``."""
        self._apply_threads()  # another model's predictor set-up may have changed it
        res = self.model.predict(image, device=self.device, verbose=False, **kwargs)[0]
        self.threads_seen = self._torch.get_num_threads()  # what this inference ran with
        self._apply_threads()  # a predictor set-up inside that predict resets it: not for the next one
        if self.model.predictor is not self._predictor:  # set up in that predict (the warm-up at load)
            self._predictor = self.model.predictor
            onnx = self._onnx_backend()
            if onnx is not None and self.threads:
                # An exported .onnx runs in a session Ultralytics builds with ONNX Runtime's default
                # threads: rebuilt from the same file with ours (CPU only: no IO binding to redo).
                onnx.session = ort_session(Path(self.weights), self.threads, what=f"{self.name} model")
        return res

    def predict_many(self, images: list[np.ndarray], **kwargs: Any) -> list[Any]:
        """Several images in one pass (a batch: cameras' frames on a GPU); their ``Results`` in order.

        On a CUDA device a ``.pt`` model runs in half precision (FP16).
        """
        if not images:
            return []
        if len(images) == 1:
            return [self.predict(images[0], **kwargs)]
        self._apply_threads()
        half = self.device.startswith("cuda") and str(self.weights).endswith(".pt")
        res = self.model.predict(list(images), device=self.device, verbose=False, half=half, **kwargs)
        self._apply_threads()
        return list(res)

    def _onnx_backend(self) -> Any:
        """Ultralytics' ONNX Runtime backend of this model on the CPU, or None."""
        auto = getattr(getattr(self.model, "predictor", None), "model", None)  # AutoBackend
        backend = getattr(auto, "backend", None)
        if getattr(auto, "format", "") != "onnx" or getattr(backend, "use_io_binding", True):
            return None
        return backend if hasattr(backend, "session") else None

    def threads_in_use(self) -> int:
        """CPU threads the latest frame ran with, read back from the runtime (0 on a GPU)."""
        onnx = self._onnx_backend()
        if onnx is not None:
            return ort_threads(onnx.session)
        return self.threads_seen if self.device == "cpu" else 0

    def runtime(self) -> str:
        """``PyTorch 2.x on cpu, N threads`` (read back after the latest predict), or the ONNX session's."""
        onnx = self._onnx_backend()
        if onnx is not None:
            return ort_runtime(onnx.session)
        auto = getattr(getattr(self.model, "predictor", None), "model", None)  # AutoBackend
        if getattr(auto, "format", "") in ("openvino", "engine"):
            import importlib.metadata as md

            pkg = {"openvino": "openvino", "engine": "tensorrt"}[auto.format]
            try:
                version = md.version(pkg)
            except md.PackageNotFoundError:
                version = "?"
            return f"{'OpenVINO' if pkg == 'openvino' else 'TensorRT'} {version} (threads: the runtime's)"
        if self.device != "cpu":
            return f"PyTorch {self._torch.__version__} on {self.device}"
        n = self.threads_seen
        return f"PyTorch {self._torch.__version__} on cpu, {n} thread{'s' * (n != 1)}"

    def note(self) -> str:
        """`` (random weights: plumbing only)`` for a model built from its yaml, else empty."""
        return " (random weights: plumbing only)" if self.random_weights else ""
