"""Scoring a PPE backend on the rendered evaluation set (:mod:`models.ppe.synth`).

Per person and item, the backend's decision (``yes`` / ``no`` / ``unknown``, see
:func:`analytics.ppe.decide`) is compared with what was rendered. Precision and recall are those
of "wears it" (``yes``); ``unknown`` counts as not ``yes``; its share is reported too. The keypoints
the backend gets are estimated again on the rendered picture (as in use), not the ones the renders
were fitted with.

Example:
    >>> s = score([("yes", True), ("no", False), ("unknown", True), ("yes", False)])
    >>> s.precision, s.recall, s.unknown
    (0.5, 0.5, 0.25)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.ppe import ITEMS, decide
from models.ppe.backend import PpeBackend
from models.ppe.synth import Sample


@dataclass(frozen=True, slots=True)
class ItemScore:
    """Precision and recall of "wears it" for one item.

    Attributes:
        n: people scored.
        positives: of them, wearing it.
        precision: of the people said to wear it, the share who do (NaN: nobody was).
        recall: of the people wearing it, the share said to.
        no_precision: of the people said NOT to wear it, the share who do not (a violation's precision).
        no_recall: of the people not wearing it, the share said not to (violations caught).
        unknown: share of people left unknown.
    """

    n: int
    positives: int
    precision: float
    recall: float
    no_precision: float
    no_recall: float
    unknown: float


def _div(a: int, b: int) -> float:
    return a / b if b else float("nan")


def score(pairs: list[tuple[str, bool]]) -> ItemScore:
    """Score ``(decision, truth)`` pairs."""
    tp = sum(1 for d, t in pairs if d == "yes" and t)
    fp = sum(1 for d, t in pairs if d == "yes" and not t)
    pos = sum(1 for _, t in pairs if t)
    neg = len(pairs) - pos
    tn = sum(1 for d, t in pairs if d == "no" and not t)
    fn = sum(1 for d, t in pairs if d == "no" and t)
    unk = sum(1 for d, _ in pairs if d == "unknown")
    return ItemScore(len(pairs), pos, _div(tp, tp + fp), _div(tp, pos), _div(tn, tn + fn), _div(tn, neg),
                     _div(unk, len(pairs)))  # fmt: skip


def keypoints_for(samples: list[Sample], pose) -> list[np.ndarray | None]:
    """Keypoints estimated on each rendered sample (None without a pose model)."""
    if pose is None:
        return [None] * len(samples)
    return [pose.estimate(s.image, s.box[None])[0] for s in samples]


def evaluate(
    backend: PpeBackend, samples: list[Sample], keypoints: list[np.ndarray | None], **thresholds: float
) -> dict[str, ItemScore]:
    """Helmet and vest scores of ``backend`` on ``samples``."""
    pairs: dict[str, list[tuple[str, bool]]] = {i: [] for i in ITEMS}
    for s, kp in zip(samples, keypoints, strict=True):
        r = backend.check(s.image, s.box[None], None if kp is None else kp[None])[0]
        pairs["helmet"].append((decide(r.helmet, **thresholds)[0], s.helmet))
        pairs["vest"].append((decide(r.vest, **thresholds)[0], s.vest))
    return {i: score(p) for i, p in pairs.items()}
