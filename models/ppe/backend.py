"""PPE backends: per person, the probability of a helmet and of a hi-vis vest.

Two backends, picked by :func:`create_ppe_backend` (``auto`` prefers the first available):

* ``yolo`` — primary: a custom Ultralytics YOLO detector with PPE classes (``ppe.pt`` in the model
  folder, e.g. trained with Ultralytics on a hard-hat data set). Its class names are mapped to
  "has helmet" / "no helmet" / "has vest" / "no vest" (:data:`DEFAULT_CLASS_MAP`, overridable by
  the config's ``class_map``); each detection is given to the person whose head (helmet classes)
  or torso (vest classes) it sits on. Dropping such a model into the folder replaces the default
  without a code change.
* ``colour`` — built-in, offline: pose keypoints place the head and torso regions
  (:func:`analytics.ppe.ppe_regions`) and :class:`models.ppe.colour.ColourModel` decides from their
  colours and texture.

Example:
    >>> be = create_ppe_backend("colour").backend
    >>> img = np.zeros((200, 100, 3), np.uint8)
    >>> r = be.check(img, np.array([[20, 10, 80, 190]], np.float32))[0]
    >>> r.helmet is not None and 0 <= r.helmet <= 1
    True
"""

from __future__ import annotations

import logging
import re
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from analytics.ppe import Regions, ppe_regions
from models.base import BackendUnavailable
from models.ppe.colour import ColourModel, crop

log = logging.getLogger(__name__)

#: What a PPE class means: one of these four, or ``ignore``.
MEANINGS = ("helmet", "no_helmet", "vest", "no_vest", "ignore")
#: Class names of common hard-hat / vest data sets and what they mean (names normalised, see :func:`norm`).
DEFAULT_CLASS_MAP: dict[str, str] = {
    "helmet": "helmet", "hardhat": "helmet", "hard_hat": "helmet", "with_helmet": "helmet",
    "head": "no_helmet", "no_helmet": "no_helmet", "no_hardhat": "no_helmet", "without_helmet": "no_helmet",
    "vest": "vest", "safety_vest": "vest", "hi_vis": "vest", "hivis": "vest", "reflective_vest": "vest",
    "no_vest": "no_vest", "no_safety_vest": "no_vest", "without_vest": "no_vest",
}  # fmt: skip
#: File names looked for in the model folder, in order.
YOLO_PPE_NAMES = ("ppe.pt", "ppe.onnx")


def norm(name: str) -> str:
    """A class name normalised for the map: lower case, runs of non-letters as ``_``.

    Example:
        >>> norm("NO-Safety Vest"), norm("Hardhat")
        ('no_safety_vest', 'hardhat')
    """
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass(frozen=True, slots=True)
class PersonPpe:
    """One person's PPE on one image.

    Attributes:
        helmet: P(helmet), None when it cannot be told (head not seen, too small).
        vest: P(vest), None likewise.
        regions: the head and torso regions looked at (the crops outline them).
    """

    helmet: float | None
    vest: float | None
    regions: Regions


class PpeBackend(ABC):
    """Decides helmet and vest for people whose boxes (and maybe keypoints) are known."""

    type_key: ClassVar[str] = ""
    description: str = ""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    @abstractmethod
    def check(
        self, image: np.ndarray, boxes: np.ndarray, keypoints: np.ndarray | None = None
    ) -> list[PersonPpe]:
        """One result per box (``(N, 4)`` pixels); ``keypoints`` ``(N, 17, 3)`` when known."""

    @property
    def needs_keypoints(self) -> bool:
        """Whether it places its regions from pose keypoints (the stage turns pose on for it)."""
        return False


class ColourBackend(PpeBackend):
    """Built-in: pose-placed regions, colour/texture classifier (see :mod:`models.ppe.colour`).

    Args:
        model: the classifier (None: the bundled weights).
    """

    type_key = "colour"

    def __init__(self, model: ColourModel | None = None) -> None:
        super().__init__()
        self.model = model or ColourModel.load()
        taught = f", {len(self.model.extra_hues)} taught vest colour(s)" if self.model.extra_hues else ""
        self.description = f"built-in colour classifier on pose regions{taught}"

    @property
    def needs_keypoints(self) -> bool:
        """Yes: keypoints place the head and torso (the box's proportions are the fallback)."""
        return True

    def check(
        self, image: np.ndarray, boxes: np.ndarray, keypoints: np.ndarray | None = None
    ) -> list[PersonPpe]:
        """Helmet and vest probabilities per person."""
        out = []
        for i, box in enumerate(np.asarray(boxes, np.float32).reshape(-1, 4)):
            kp = keypoints[i] if keypoints is not None and len(keypoints) > i else None
            r = ppe_regions(box, kp)
            if not r.from_keypoints and (kp is not None or _at_edge(box, image.shape)):
                # the pose model saw no head or torso (a partial or hidden person), or the box is cut
                # by the frame's edge: its proportions would put the regions on something else
                out.append(PersonPpe(None, None, r))
                continue
            out.append(PersonPpe(self.model.helmet_prob(crop(image, r.head)),
                                 self.model.vest_prob(crop(image, r.torso)), r))  # fmt: skip
        return out


def _at_edge(box: np.ndarray, shape: tuple[int, ...], margin: float = 2.0) -> bool:
    """Whether the box touches the image's border (the person is cut by it)."""
    h, w = shape[:2]
    return bool(box[0] <= margin or box[1] <= margin or box[2] >= w - margin or box[3] >= h - margin)


def _assign(box: np.ndarray, people: np.ndarray, lo: float, hi: float) -> int:
    """The person whose box holds ``box``'s centre between ``lo`` and ``hi`` of its height (-1: none)."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    best, best_d = -1, np.inf
    for i, p in enumerate(people):
        h = p[3] - p[1]
        if p[0] <= cx <= p[2] and p[1] + lo * h <= cy <= p[1] + hi * h:
            d = abs(cx - (p[0] + p[2]) / 2) / max(p[2] - p[0], 1)
            if d < best_d:
                best, best_d = i, d
    return best


class YoloPpeBackend(PpeBackend):
    """Primary: a custom Ultralytics YOLO model with PPE classes, run once per image.

    Args:
        weights: the model file.
        class_map: class name → meaning (:data:`MEANINGS`); merged over :data:`DEFAULT_CLASS_MAP`.
        device: ``auto``, ``cpu``, ``cuda``…
        threads: PyTorch CPU threads (0: the cores available).
        confidence: lowest detection score used.

    Raises:
        BackendUnavailable: Ultralytics is not usable, the file cannot be loaded, or none of its
            classes means anything here.
    """

    type_key = "yolo"

    def __init__(
        self,
        weights: str | Path,
        class_map: dict[str, str] | None = None,
        *,
        device: str = "auto",
        threads: int = 0,
        confidence: float = 0.25,
    ) -> None:
        super().__init__()
        from models.ultra import UltralyticsModel

        self.model = UltralyticsModel(
            str(weights),
            None,
            task="detect",
            tasks=("detect",),
            device=device,
            threads=threads,
            what="PPE YOLO",
        )
        names = self.model.model.names
        mapping = {**DEFAULT_CLASS_MAP, **{norm(k): v for k, v in (class_map or {}).items()}}
        self.meaning: dict[int, str] = {int(i): mapping.get(norm(str(n)), "ignore") for i, n in names.items()}
        used = sorted({m for m in self.meaning.values() if m != "ignore"})
        if not used:
            raise BackendUnavailable(
                f"{self.model.name}: none of its classes ({', '.join(map(str, names.values()))}) is mapped to "
                "helmet / no_helmet / vest / no_vest (set ppe class_map)"
            )
        self.confidence = confidence
        self.description = f"YOLO PPE model {self.model.name} ({', '.join(used)}){self.model.note()}"
        self.has_negative = {"helmet": "no_helmet" in used, "vest": "no_vest" in used}

    def check(
        self, image: np.ndarray, boxes: np.ndarray, keypoints: np.ndarray | None = None
    ) -> list[PersonPpe]:
        """Detect PPE on the image and give each detection to its person."""
        people = np.asarray(boxes, np.float32).reshape(-1, 4)
        res = self.model.predict(image, conf=self.confidence)
        xyxy = res.boxes.xyxy.cpu().numpy() if len(res.boxes) else np.zeros((0, 4))
        conf = res.boxes.conf.cpu().numpy() if len(res.boxes) else np.zeros(0)
        cls = res.boxes.cls.cpu().numpy().astype(int) if len(res.boxes) else np.zeros(0, int)
        best: dict[tuple[int, str], tuple[float, np.ndarray]] = {}
        for b, c, k in zip(xyxy, conf, cls, strict=True):
            m = self.meaning.get(int(k), "ignore")
            if m == "ignore":
                continue
            lo, hi = (-0.1, 0.35) if "helmet" in m else (0.1, 0.8)
            i = _assign(b, people, lo, hi)
            if i >= 0 and float(c) > best.get((i, m), (0.0, b))[0]:
                best[(i, m)] = (float(c), b)
        out = []
        for i, box in enumerate(people):
            kp = keypoints[i] if keypoints is not None and len(keypoints) > i else None
            r = ppe_regions(box, kp)
            probs: dict[str, float | None] = {}
            regions = {"helmet": r.head, "vest": r.torso}
            for item in ("helmet", "vest"):
                pos, neg = best.get((i, item)), best.get((i, f"no_{item}"))
                if pos is None and neg is None:
                    probs[item] = None if self.has_negative[item] else 0.25
                elif neg is None or (pos is not None and pos[0] >= neg[0]):
                    assert pos is not None
                    probs[item], regions[item] = 0.5 + 0.5 * pos[0], pos[1].astype(np.float32)
                else:
                    probs[item], regions[item] = 0.5 - 0.5 * neg[0], neg[1].astype(np.float32)
            out.append(PersonPpe(probs["helmet"], probs["vest"], Regions(regions["helmet"], regions["vest"],
                                                                          r.from_keypoints)))  # fmt: skip
        return out


@dataclass(frozen=True, slots=True)
class PpeChoice:
    """The backend picked and a sentence for the user saying why."""

    backend: PpeBackend
    reason: str


def find_ppe_weights(model_dir: str | Path | None, name: str | None = None) -> Path | None:
    """The YOLO PPE model in the model folder (``name``, else :data:`YOLO_PPE_NAMES`), or None."""
    if not model_dir:
        return None
    for n in [name] if name else YOLO_PPE_NAMES:
        p = Path(model_dir).expanduser() / n
        if p.is_file():
            return p
    return None


def create_ppe_backend(
    kind: str = "auto",
    model_dir: str | Path | None = None,
    *,
    weights: str | None = None,
    class_map: dict[str, str] | None = None,
    device: str = "auto",
    threads: int = 0,
    confidence: float = 0.25,
    vest_examples: list[np.ndarray] | None = None,
) -> PpeChoice:
    """Load the requested backend (``auto``, ``yolo`` or ``colour``).

    ``auto`` uses the YOLO model when one is in the model folder and loads, else the built-in one
    (the reason says why); ``yolo`` without a usable model raises.

    Args:
        kind: ``auto``, ``yolo`` or ``colour``.
        model_dir: the model folder.
        weights: the YOLO file name (default: :data:`YOLO_PPE_NAMES`).
        class_map: YOLO class name → meaning.
        device: YOLO device.
        threads: YOLO CPU threads.
        confidence: YOLO's lowest score.
        vest_examples: torso crops of the site's own vests (built-in backend: taught colours).

    Raises:
        BackendUnavailable: ``yolo`` was asked for and cannot be used; or bad weights for ``colour``.
    """
    if kind not in ("auto", "yolo", "colour"):
        raise BackendUnavailable(f"unknown PPE backend {kind!r} (auto, yolo or colour)")
    why = ""
    if kind in ("auto", "yolo"):
        found = find_ppe_weights(model_dir, weights)
        if found is not None:
            try:
                be = YoloPpeBackend(found, class_map, device=device, threads=threads, confidence=confidence)
                return PpeChoice(be, f"using {be.description}")
            except BackendUnavailable as e:
                if kind == "yolo":
                    raise
                why = f"{e}; "
                log.warning("PPE YOLO model not used: %s", e)
        elif kind == "yolo":
            raise BackendUnavailable(
                f"no YOLO PPE model ({weights or ' / '.join(YOLO_PPE_NAMES)}) in {model_dir or 'the model folder'}"
            )
        else:
            why = f"no YOLO PPE model ({' / '.join(YOLO_PPE_NAMES)}) in the model folder; "
    try:
        model = ColourModel.load()
    except (FileNotFoundError, ValueError) as e:
        raise BackendUnavailable(f"built-in PPE classifier: {e}") from None
    if vest_examples:
        from models.ppe.colour import dominant_hue

        hues = [h for img in vest_examples if (h := dominant_hue(img)) is not None]
        model.extra_hues = tuple(dict.fromkeys(hues))
    be = ColourBackend(model)
    return PpeChoice(be, f"{why}using the {be.description}")
