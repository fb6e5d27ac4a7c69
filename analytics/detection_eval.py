"""Detector accuracy on a labelled set: AP per class at IoU 0.50:0.95, mAP50 and mAP50-95 (COCO-style).

Per class and IoU threshold, predictions of all images are sorted by score; each is a true positive
when it overlaps a not-yet-matched ground-truth box of its class by at least the threshold (greedy,
best score first, per image). AP is the area under the precision envelope at 101 recall
points (as COCO does). Classes without ground truth are left out of the means.

Example:
    >>> gt = [(np.array([[0, 0, 10, 10]]), np.array([0]))]
    >>> pred = [(np.array([[0, 0, 10, 10], [50, 50, 60, 60]]), np.array([0.9, 0.8]), np.array([0, 0]))]
    >>> r = evaluate(pred, gt, num_classes=1)
    >>> round(r.map50, 3), round(r.map50_95, 3)
    (1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analytics.mot_eval import iou_matrix

#: The ten IoU thresholds of mAP50-95.
IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)


def average_precision(recall: np.ndarray, precision: np.ndarray) -> float:
    """COCO's 101-point AP: mean over recall r = 0, 0.01 … 1 of the best precision at recall ≥ r.

    Args:
        recall: cumulative recall of the predictions sorted by score (non-decreasing).
        precision: cumulative precision alongside.

    Example:
        >>> round(average_precision(np.array([0.5, 1.0]), np.array([1.0, 0.5])), 3)
        0.752
    """
    recall = np.asarray(recall, np.float64)
    if not recall.size:
        return 0.0
    envelope = np.flip(np.maximum.accumulate(np.flip(np.asarray(precision, np.float64))))
    idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
    return float(np.where(idx < recall.size, envelope[np.minimum(idx, recall.size - 1)], 0.0).mean())


@dataclass(frozen=True, slots=True)
class DetectionScores:
    """Accuracy of a detector on a labelled set.

    Attributes:
        ap: (classes, 10) AP per class at IoU 0.50, 0.55 … 0.95 (NaN for a class without ground truth).
        instances: (classes,) ground-truth boxes per class.
        images: images scored.
    """

    ap: np.ndarray
    instances: np.ndarray
    images: int

    @property
    def map50(self) -> float:
        """Mean AP at IoU 0.5 over the classes with ground truth (0 when none has)."""
        col = self.ap[:, 0]
        col = col[~np.isnan(col)]
        return float(col.mean()) if col.size else 0.0

    @property
    def map50_95(self) -> float:
        """Mean AP over IoU 0.50:0.95 and the classes with ground truth."""
        rows = self.ap[~np.isnan(self.ap[:, 0])]
        return float(rows.mean()) if rows.size else 0.0

    def per_class(self, names: Sequence[str]) -> dict[str, dict[str, float]]:
        """{class: {"mAP50", "mAP50-95", "instances"}} for the classes with ground truth."""
        return {
            names[c]: {
                "mAP50": float(self.ap[c, 0]),
                "mAP50-95": float(self.ap[c].mean()),
                "instances": int(self.instances[c]),
            }
            for c in range(len(self.ap))
            if not np.isnan(self.ap[c, 0])
        }


def evaluate(
    predictions: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    truths: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    num_classes: int,
) -> DetectionScores:
    """Score predictions against ground truth, image by image.

    Args:
        predictions: per image (boxes (N, 4), scores (N,), classes (N,)); classes outside
            ``0..num_classes-1`` are ignored.
        truths: per image (boxes (M, 4), classes (M,)).
        num_classes: number of dataset classes.

    Raises:
        ValueError: the two lists differ in length.
    """
    if len(predictions) != len(truths):
        raise ValueError(f"{len(predictions)} predictions for {len(truths)} labelled images")
    t = len(IOU_THRESHOLDS)
    scores: list[list[float]] = [[] for _ in range(num_classes)]
    hits: list[list[np.ndarray]] = [[] for _ in range(num_classes)]
    instances = np.zeros(num_classes, np.int64)
    for (pb, ps, pc), (gb, gc) in zip(predictions, truths, strict=True):
        pb = np.asarray(pb, np.float64).reshape(-1, 4)
        ps = np.asarray(ps, np.float64).reshape(-1)
        pc = np.asarray(pc, np.int64).reshape(-1)
        gb = np.asarray(gb, np.float64).reshape(-1, 4)
        gc = np.asarray(gc, np.int64).reshape(-1)
        for c in range(num_classes):
            g = gb[gc == c]
            instances[c] += len(g)
            sel = np.flatnonzero(pc == c)
            if not sel.size:
                continue
            sel = sel[np.argsort(-ps[sel], kind="stable")]
            tp = np.zeros((sel.size, t), bool)
            if len(g):
                iou = iou_matrix(pb[sel], g)
                for k, thr in enumerate(IOU_THRESHOLDS):
                    taken = np.zeros(len(g), bool)
                    for i in range(sel.size):
                        cand = np.where(~taken & (iou[i] >= thr), iou[i], -1.0)
                        j = int(np.argmax(cand))
                        if cand[j] >= 0:
                            taken[j] = True
                            tp[i, k] = True
            scores[c].extend(ps[sel].tolist())
            hits[c].append(tp)
    ap = np.full((num_classes, t), np.nan)
    for c in range(num_classes):
        if instances[c] == 0:
            continue
        if not scores[c]:
            ap[c] = 0.0
            continue
        order = np.argsort(-np.asarray(scores[c]), kind="stable")
        tp = np.concatenate(hits[c])[order]
        ctp = np.cumsum(tp, axis=0)
        cfp = np.cumsum(~tp, axis=0)
        recall = ctp / instances[c]
        precision = ctp / np.maximum(ctp + cfp, 1)
        ap[c] = [average_precision(recall[:, k], precision[:, k]) for k in range(t)]
    return DetectionScores(ap=ap, instances=instances, images=len(truths))
