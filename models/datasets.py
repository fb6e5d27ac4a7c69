"""YOLO-format detection datasets: read one, and score a detector on it (mAP50, mAP50-95, per class).

A dataset is a ``data.yaml`` (``path``, ``train``, ``val``, optional ``test``, ``names``) as
Ultralytics reads it, or a folder holding one; ``images/<split>/*.jpg`` have their labels in
``labels/<split>/*.txt``, one ``class cx cy w h`` line (normalised 0-1) per box.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from analytics.detection_eval import DetectionScores, evaluate
from models.base import DetectorBackend

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


@dataclass(frozen=True, slots=True)
class YoloDataset:
    """A YOLO-format dataset.

    Attributes:
        yaml: its ``data.yaml``.
        root: the folder its split paths are relative to.
        names: class names in id order.
        splits: {split: image folder} for the splits it has.
    """

    yaml: Path
    root: Path
    names: tuple[str, ...]
    splits: dict[str, Path]

    def images(self, split: str = "val") -> list[Path]:
        """The split's pictures, sorted (the train split when there is no such split)."""
        folder = self.splits.get(split) or self.splits.get("train")
        if folder is None or not folder.is_dir():
            return []
        return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def label_path(image: Path) -> Path:
    """The label file of an image: its ``/images/`` folder replaced by ``/labels/``, ``.txt``.

    Example:
        >>> label_path(Path("/d/images/val/a.jpg")).as_posix()
        '/d/labels/val/a.txt'
    """
    parts = list(image.parts)
    idx = len(parts) - 1 - parts[::-1].index("images") if "images" in parts else None
    if idx is None:
        return image.with_suffix(".txt")
    parts[idx] = "labels"
    return Path(*parts).with_suffix(".txt")


def read_labels(path: Path, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(boxes (N, 4) in pixels, classes (N,)) of a YOLO label file (empty when it is missing).

    Raises:
        ValueError: a line that is not ``class cx cy w h`` (the message names the file and line).
    """
    if not path.is_file():
        return np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    boxes, classes = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            c, cx, cy, w, h = int(parts[0]), *(float(v) for v in parts[1:5])
        except (ValueError, IndexError):
            raise ValueError(f"{path}:{n}: not a YOLO label line (class cx cy w h): {line!r}") from None
        boxes.append([(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height])
        classes.append(c)
    return np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(classes, np.int64)


def load_dataset(path: str | Path) -> YoloDataset:
    """Read a dataset's yaml (or the ``data.yaml`` / only ``*.yaml`` of a folder).

    Raises:
        ValueError: no yaml, no names, or no image folder (one line naming what is missing).
    """
    import yaml

    p = Path(path).expanduser()
    if p.is_dir():
        found = [p / "data.yaml"] if (p / "data.yaml").is_file() else sorted(p.glob("*.yaml"))
        if len(found) != 1:
            raise ValueError(f"{p}: give the dataset's yaml (found {len(found)} .yaml files)")
        p = found[0]
    if not p.is_file():
        raise ValueError(f"{p}: no such dataset file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ValueError(f"{p}: not YAML ({e})") from None
    names = data.get("names")
    if isinstance(names, dict):
        names = [names[k] for k in sorted(names, key=int)]
    if not names:
        raise ValueError(f"{p}: no class names ('names:')")
    root = Path(data.get("path") or p.parent)
    if not root.is_absolute():
        root = (p.parent / root).resolve()
    splits = {}
    for split in ("train", "val", "test"):
        v = data.get(split)
        if isinstance(v, str):
            splits[split] = (root / v) if not Path(v).is_absolute() else Path(v)
    if not any(f.is_dir() for f in splits.values()):
        raise ValueError(f"{p}: none of its image folders exists ({', '.join(map(str, splits.values())) or 'none given'})")
    return YoloDataset(p, root, tuple(str(n) for n in names), splits)


@dataclass(frozen=True, slots=True)
class AccuracyReport:
    """A detector scored on a dataset split.

    Attributes:
        scores: AP per class and threshold.
        names: the dataset's classes.
        matched: dataset classes the detector can give (after the class mapping).
        ms_per_image: mean inference time.
    """

    scores: DetectionScores
    names: tuple[str, ...]
    matched: tuple[str, ...]
    ms_per_image: float

    def as_dict(self) -> dict[str, object]:
        """``mAP50``, ``mAP50-95``, ``per_class``, ``images`` (what a manifest keeps)."""
        return {
            "mAP50": round(self.scores.map50, 4),
            "mAP50-95": round(self.scores.map50_95, 4),
            "per_class": self.scores.per_class(self.names),
            "images": self.scores.images,
        }


def evaluate_detector(
    backend: DetectorBackend,
    dataset: YoloDataset,
    *,
    split: str = "val",
    class_map: dict[str, str] | None = None,
    limit: int = 0,
    on_image: Callable[[int, int], None] | None = None,
) -> AccuracyReport:
    """Run a detector over a split and score it against the labels.

    A detection counts for the dataset class of the same name (after ``class_map``: detector
    class → dataset class); other detections are ignored. The backend should keep every class
    (``settings.classes = ()``) and a low confidence threshold (e.g. 0.01) for a fair mAP.

    Raises:
        ValueError: the split has no images, or none of the detector's classes is in the dataset.
    """
    images = dataset.images(split)
    if limit:
        images = images[:limit]
    if not images:
        raise ValueError(f"{dataset.yaml}: no images in its {split} split")
    cmap = class_map or {}
    index = {n: i for i, n in enumerate(dataset.names)}
    det_to_ds = {
        j: index[cmap.get(n, n)] for j, n in enumerate(backend.class_names) if cmap.get(n, n) in index
    }
    if not det_to_ds:
        raise ValueError(
            f"none of the model's classes ({', '.join(backend.class_names[:8])}…) is a dataset class "
            f"({', '.join(dataset.names)}): map them (e.g. --map {backend.class_names[0] if backend.class_names else 'pedestrian'}"
            f"={dataset.names[0]})"
        )
    lut = np.full(max(len(backend.class_names), 1), -1, np.int64)
    for j, i in det_to_ds.items():
        lut[j] = i
    preds, truths = [], []
    spent = 0.0
    for n, path in enumerate(images):
        img = cv2.imread(str(path))
        if img is None:
            raise ValueError(f"{path}: not a picture")
        h, w = img.shape[:2]
        truths.append(read_labels(label_path(path), w, h))
        t0 = time.perf_counter()
        d = backend.predict(img)
        spent += time.perf_counter() - t0
        cls = lut[np.clip(d.class_id, 0, len(lut) - 1)] if len(d) else np.zeros(0, np.int64)
        keep = cls >= 0
        preds.append((d.xyxy[keep], d.confidence[keep], cls[keep]))
        if on_image is not None:
            on_image(n + 1, len(images))
    scores = evaluate(preds, truths, num_classes=len(dataset.names))
    matched = tuple(dataset.names[i] for i in sorted(set(det_to_ds.values())))
    return AccuracyReport(scores, dataset.names, matched, spent * 1000 / len(images))
