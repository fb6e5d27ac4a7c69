"""Pose backends: COCO-17 keypoints for people whose boxes are known.

A :class:`PoseBackend` takes a BGR frame and person boxes and returns ``(N, 17, 3)`` keypoints
``(x, y, score)`` in the frame's pixels, COCO-17 order (:data:`analytics.pose.KEYPOINT_NAMES`).
Two backends, picked by :func:`create_pose_backend` (``auto`` prefers the first available):

* ``yolo`` — Ultralytics YOLO-pose (``yolo11n-pose.pt`` in the model folder): one pass over the
  frame gives boxes and keypoints; its people are matched to the given boxes by overlap. Used as
  the *detector* (``detector.yolo_model: yolo11n-pose.pt``), the keypoints come with the boxes
  and no second pass runs at all.
* ``movenet`` — the built-in default, offline on the CPU: Google's MoveNet SinglePose Lightning
  (ONNX, ``models/weights/movenet/``) on a square crop around each person (the box's longer side
  x ``crop_scale``, resized to 192 x 192). Chosen over MoveNet MultiPose, MoveNet Thunder and
  BlazePose lite/full by accuracy and cost on hand-labelled vtest people (see that folder's
  README): people 60-90 px tall are too small for a whole-frame model, and Lightning on crops
  was as accurate as the bigger single-person models at a third to a half of their cost.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np

from analytics.types import PERSON_CLASS, Detections
from models.base import BackendUnavailable, Choice
from models.runtime import ort_runtime, ort_session, ort_threads
from models.ultra import UltralyticsModel, yolo_keypoints

log = logging.getLogger(__name__)

#: The converted MoveNet Lightning model bundled with the package.
DEFAULT_MOVENET_PATH = Path(__file__).resolve().parent / "weights" / "movenet" / "movenet-lightning.onnx"
NUM_KEYPOINTS = 17


@dataclass(frozen=True, slots=True)
class PoseSettings:
    """What every pose backend needs to know.

    Attributes:
        threads: CPU threads the runtime may use (0 = the cores this process may use).
        model_dir: folder with user-supplied weights (YOLO-pose ``.pt``), if any.
        yolo_model: YOLO-pose weights file name (or ``.yaml`` for random weights: plumbing only).
        device: ``"cpu"``, ``"cuda"``, ``"cuda:0"`` or ``"auto"`` (YOLO only).
        crop_scale: crop side / box's longer side for crop-based backends.
        min_iou: a YOLO-pose person matches a given box from this overlap on.
        box_margin: crop-based backends drop keypoints farther outside the person's box than
            this share of its size (a single-person model looks at the most prominent person in
            the crop, which may be a neighbour when the box is half hidden).
    """

    threads: int = 0
    model_dir: str | None = None
    yolo_model: str = "yolo11n-pose.pt"
    device: str = "auto"
    crop_scale: float = 1.25
    min_iou: float = 0.3
    box_margin: float = 0.15


class PoseBackend(ABC):
    """Abstract pose estimator for known person boxes.

    Subclasses set ``type_key`` and implement :meth:`estimate`. Construction raises
    :class:`BackendUnavailable` with a readable reason when the backend cannot run.

    Example:
        >>> class Nobody(PoseBackend):
        ...     type_key = "nobody"
        ...     def estimate(self, image, boxes):
        ...         return np.zeros((len(boxes), 17, 3), np.float32)
        >>> Nobody(PoseSettings()).estimate(np.zeros((8, 8, 3), np.uint8), np.zeros((2, 4))).shape
        (2, 17, 3)
    """

    type_key: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[PoseBackend]]] = {}

    def __init__(self, settings: PoseSettings) -> None:
        self.settings = settings
        #: One line for the user: which model, which device.
        self.description = self.type_key
        #: Held around :meth:`estimate` by every pipeline that shares this backend.
        self.lock = threading.Lock()
        #: Seconds the warm-up inference at load took (see :meth:`warm_up`).
        self.warmup_s = 0.0

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type_key:
            PoseBackend.registry[cls.type_key] = cls

    def warm_up(self) -> float:
        """One estimate on a blank frame with one person box, so the first real frame is not slow.

        Backends call it at the end of their constructor. Returns (and keeps in :attr:`warmup_s`)
        the seconds it took.
        """
        blank = np.full((480, 640, 3), 114, np.uint8)
        t0 = time.perf_counter()
        self.estimate(blank, np.array([[280.0, 120.0, 360.0, 360.0]]))
        self.warmup_s = time.perf_counter() - t0
        return self.warmup_s

    def runtime(self) -> str:
        """The inference runtime and the CPU threads it uses, read back from the library."""
        return "unknown runtime"

    def threads_in_use(self) -> int:
        """CPU threads the runtime uses, read back from the library (0: unknown, or not on the CPU)."""
        return 0

    @abstractmethod
    def estimate(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Keypoints of the people in ``boxes``.

        Args:
            image: BGR uint8 frame (H, W, 3).
            boxes: (N, 4) person boxes x1 y1 x2 y2 in the frame's pixels.

        Returns:
            (N, 17, 3) float32 ``(x, y, score)`` in the frame's pixels, COCO-17 order; a person
            the backend could not see has all scores 0.
        """


def square_crop(
    image: np.ndarray, box: np.ndarray, size: int, scale: float
) -> tuple[np.ndarray, float, float, float]:
    """A ``size`` x ``size`` crop of the square around a box (black outside the frame).

    Args:
        image: the frame.
        box: x1 y1 x2 y2.
        size: output side in pixels.
        scale: square side / box's longer side.

    Returns:
        The crop and ``(x0, y0, side)`` of the square in frame pixels.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    side = max(x2 - x1, y2 - y1, 1.0) * scale
    x0 = (x1 + x2) / 2.0 - side / 2.0
    y0 = (y1 + y2) / 2.0 - side / 2.0
    k = size / side
    m = np.array([[k, 0.0, -x0 * k], [0.0, k, -y0 * k]], np.float32)
    crop = cv2.warpAffine(
        image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    return crop, x0, y0, side


class MoveNetBackend(PoseBackend):
    """MoveNet SinglePose Lightning on ONNX Runtime's CPU provider, one crop per person.

    Input ``input:0`` int32 ``[1, 192, 192, 3]`` RGB 0-255; output ``Identity:0`` float
    ``[1, 1, 17, 3]``: (y, x, score) in 0-1 of the crop.

    Example:
        >>> be = MoveNetBackend(PoseSettings(threads=1))
        >>> be.estimate(np.zeros((100, 100, 3), np.uint8), np.array([[30, 10, 60, 90]])).shape
        (1, 17, 3)
    """

    type_key = "movenet"
    SIZE = 192

    def __init__(self, settings: PoseSettings, model_path: str | Path | None = None) -> None:
        super().__init__(settings)
        path = Path(model_path) if model_path else DEFAULT_MOVENET_PATH
        if not path.is_file():
            raise BackendUnavailable(f"built-in pose model missing: {path}")
        self.session = ort_session(path, settings.threads, what="pose model")
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        if list(inp.shape)[1:] != [self.SIZE, self.SIZE, 3]:
            raise BackendUnavailable(f"{path.name} is not MoveNet Lightning (input {inp.shape})")
        self.warm_up()
        self.description = f"built-in MoveNet Lightning ({self.runtime()}, CPU)"

    def runtime(self) -> str:
        """ONNX Runtime and its intra-op threads, read back from the session."""
        return ort_runtime(self.session)

    def threads_in_use(self) -> int:
        """Intra-op threads, read back from the session."""
        return ort_threads(self.session)

    def estimate(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Keypoints of each box, from a crop around it."""
        b = np.asarray(boxes, np.float32).reshape(-1, 4)
        out = np.zeros((len(b), NUM_KEYPOINTS, 3), np.float32)
        for i, box in enumerate(b):
            crop, x0, y0, side = square_crop(image, box, self.SIZE, self.settings.crop_scale)
            rgb = np.ascontiguousarray(crop[:, :, ::-1], dtype=np.int32)[None]
            yxs = self.session.run(None, {self.input_name: rgb})[0].reshape(NUM_KEYPOINTS, 3)
            out[i, :, 0] = x0 + yxs[:, 1] * side
            out[i, :, 1] = y0 + yxs[:, 0] * side
            out[i, :, 2] = yxs[:, 2]
        return keep_inside(out, b, self.settings.box_margin)


def keep_inside(keypoints: np.ndarray, boxes: np.ndarray, margin: float) -> np.ndarray:
    """Zero the scores of keypoints outside their box grown by ``margin`` of its size on every side.

    Example:
        >>> kp = np.array([[[5, 5, 0.9], [30, 5, 0.9]]], np.float32)
        >>> keep_inside(kp, np.array([[0, 0, 10, 10]]), 0.15)[0, :, 2].tolist()
        [0.8999999761581421, 0.0]
    """
    b = np.asarray(boxes, np.float32).reshape(-1, 1, 4)
    w = (b[..., 2] - b[..., 0]) * margin
    h = (b[..., 3] - b[..., 1]) * margin
    x, y = keypoints[..., 0], keypoints[..., 1]
    inside = (x >= b[..., 0] - w) & (x <= b[..., 2] + w) & (y >= b[..., 1] - h) & (y <= b[..., 3] + h)
    out = keypoints.copy()
    out[..., 2] = np.where(inside, keypoints[..., 2], 0.0)
    return out


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) IoU of two sets of x1 y1 x2 y2 boxes."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def match_keypoints(
    boxes: np.ndarray, found_boxes: np.ndarray, found_keypoints: np.ndarray, *, min_iou: float = 0.3
) -> np.ndarray:
    """Give each box the keypoints of the found person that overlaps it most (greedy, one-to-one).

    Args:
        boxes: (N, 4) boxes that need keypoints.
        found_boxes: (M, 4) boxes of a pose model's people.
        found_keypoints: (M, 17, 3) their keypoints.
        min_iou: lower overlaps do not match.

    Returns:
        (N, 17, 3) float32; unmatched boxes get zeros.

    Example:
        >>> kp = np.ones((1, 17, 3), np.float32)
        >>> match_keypoints(np.array([[0, 0, 10, 10], [50, 50, 60, 60]]), np.array([[1, 1, 10, 10]]), kp)[:, 0, 2].tolist()
        [1.0, 0.0]
    """
    out = np.zeros((len(boxes), NUM_KEYPOINTS, 3), np.float32)
    if not len(boxes) or not len(found_boxes):
        return out
    iou = box_iou(boxes, found_boxes)
    while True:
        i, j = np.unravel_index(int(np.argmax(iou)), iou.shape)
        if iou[i, j] < min_iou:
            break
        out[i] = found_keypoints[j]
        iou[i, :] = -1.0
        iou[:, j] = -1.0
    return out


class YoloPoseBackend(PoseBackend):
    """Ultralytics YOLO-pose: one pass over the frame, people matched to the boxes by overlap.

    Example:
        >>> be = YoloPoseBackend(PoseSettings(yolo_model="yolo11n-pose.yaml", device="cpu"))  # doctest: +SKIP
        >>> be.detect(frame).keypoints.shape  # doctest: +SKIP
        (3, 17, 3)
    """

    type_key = "yolo"

    def __init__(
        self, settings: PoseSettings, *, allow_download: bool = False, confidence: float = 0.25
    ) -> None:
        super().__init__(settings)
        self.yolo = UltralyticsModel(
            settings.yolo_model,
            settings.model_dir,
            task=None,  # the task comes from the weights (a detect model is refused)
            tasks=("pose",),
            device=settings.device,
            threads=settings.threads,
            allow_download=allow_download,
            what="YOLO-pose",
        )
        self.device = self.yolo.device
        self.confidence = confidence
        self.random_weights = self.yolo.random_weights
        self._last_image: np.ndarray | None = None
        self._last: Detections = Detections.empty()
        self.warm_up()
        self._last_image = None
        self.description = f"Ultralytics YOLO-pose {self.yolo.name} on {self.device}{self.yolo.note()}"

    def detect(self, image: np.ndarray) -> Detections:
        """People in the frame with boxes and keypoints (one pass)."""
        res = self.yolo.predict(image, conf=self.confidence)
        boxes = res.boxes
        if boxes is None or len(boxes) == 0:
            return Detections.empty()
        b = boxes.cpu().numpy()
        kps = yolo_keypoints(res)
        dets = Detections(xyxy=b.xyxy, confidence=b.conf, class_id=b.cls.astype(np.int32), keypoints=kps)
        return dets[dets.is_class(PERSON_CLASS)]

    def runtime(self) -> str:
        """PyTorch and the threads the latest frame ran with (read back in the predicting thread)."""
        return self.yolo.runtime()

    def threads_in_use(self) -> int:
        """CPU threads the latest frame ran with, read back from the runtime (0 on a GPU)."""
        return self.yolo.threads_in_use()

    def estimate(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Run the model once on the frame (once per frame, whatever the calls) and match the boxes."""
        if self._last_image is not image:  # the same frame object: the pass is already done
            self._last_image, self._last = image, self.detect(image)
        found = self._last
        if not len(found) or found.keypoints is None:
            return np.zeros((len(boxes), NUM_KEYPOINTS, 3), np.float32)
        return match_keypoints(boxes, found.xyxy, found.keypoints, min_iou=self.settings.min_iou)


#: The PoseBackend that runs and why (see :class:`models.base.Choice`).
PoseChoice = Choice[PoseBackend]


def create_pose_backend(
    requested: str, settings: PoseSettings, *, allow_download: bool = False
) -> PoseChoice:
    """Load the requested pose backend, falling back to the built-in MoveNet.

    Args:
        requested: ``"auto"`` (YOLO-pose when its weights are present, else MoveNet), ``"yolo"``
            or ``"movenet"``.
        settings: model location, threads, device.
        allow_download: let Ultralytics fetch missing official weights.

    Returns:
        The chosen backend and the reason.

    Raises:
        BackendUnavailable: no pose backend could be loaded at all.
    """
    order = ["yolo", "movenet"] if requested in ("auto", "yolo") else [requested, "movenet"]
    problems: list[str] = []
    for key in dict.fromkeys(order):
        try:
            if key == "yolo":
                be: PoseBackend = YoloPoseBackend(settings, allow_download=allow_download)
            elif key == "movenet":
                be = MoveNetBackend(settings)
            else:
                raise BackendUnavailable(f"unknown pose backend {key!r}")
        except BackendUnavailable as e:
            problems.append(str(e))
            log.info("pose backend %s unavailable: %s", key, e)
            continue
        reason = f"using {be.description}" if not problems else f"{problems[-1]}: using {be.description}"
        if requested not in ("auto", key):
            log.warning("pose backend %s requested but unavailable; %s", requested, reason)
        return PoseChoice(be, reason)
    raise BackendUnavailable("no pose backend could be loaded: " + "; ".join(problems))
