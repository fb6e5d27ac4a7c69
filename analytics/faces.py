"""Face arithmetic on plain arrays: distances, gallery matching, face quality, age bands, votes.

Pure numpy: the backends (``models.faces``) make the embeddings and landmarks, this decides.

Example:
    >>> g = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    >>> m = nearest(np.array([[0.9, 0.1]], np.float32), g, [7, 8], "euclidean", 0.3)
    >>> m[0].label, round(m[0].distance, 3)
    (7, 0.141)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Age bands of the demographics (lower bound inclusive, upper exclusive).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("<18", 0, 18),
    ("18-24", 18, 25),
    ("25-34", 25, 35),
    ("35-44", 35, 45),
    ("45-54", 45, 55),
    ("55-64", 55, 65),
    ("65+", 65, 200),
)


def distances(a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """(N, M) distances between the rows of ``a`` and ``b``.

    ``euclidean``: L2 distance (dlib's 128-D descriptors); ``cosine``: 1 − cosine similarity
    (ArcFace, Facenet512).

    Example:
        >>> distances(np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]]), "cosine").round(3).tolist()
        [[1.0]]
    """
    a = np.atleast_2d(np.asarray(a, np.float64))
    b = np.atleast_2d(np.asarray(b, np.float64))
    if a.shape[0] == 0 or b.shape[0] == 0:
        return np.zeros((a.shape[0], b.shape[0]))
    if metric == "euclidean":
        d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
        return np.sqrt(np.maximum(d2, 0.0))
    if metric == "cosine":
        an = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
        bn = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
        return 1.0 - an @ bn.T
    raise ValueError(f"unknown metric {metric!r}")


@dataclass(frozen=True, slots=True)
class GalleryMatch:
    """The nearest gallery entry of one query face.

    Attributes:
        label: the nearest entry's label (an employee id), None if the gallery is empty.
        distance: its distance (inf with an empty gallery).
        matched: distance ≤ threshold (and the runner-up label is clearly farther, see :func:`nearest`).
    """

    label: Any
    distance: float
    matched: bool


def nearest(
    queries: np.ndarray,
    gallery: np.ndarray,
    labels: Sequence[Any],
    metric: str,
    threshold: float,
    *,
    margin: float = 0.0,
) -> list[GalleryMatch]:
    """Each query's nearest gallery label (the closest of that label's embeddings).

    Args:
        queries: (N, D) query embeddings.
        gallery: (M, D) enrolled embeddings.
        labels: M labels (several embeddings may share one).
        metric: ``euclidean`` or ``cosine``.
        threshold: a match needs distance ≤ threshold.
        margin: and the second-nearest *other* label must be at least this much farther
            (0: no check); an ambiguous face stays unknown.
    """
    q = np.atleast_2d(np.asarray(queries))
    if len(labels) == 0 or q.shape[0] == 0:
        return [GalleryMatch(None, float("inf"), False) for _ in range(q.shape[0])]
    d = distances(q, gallery, metric)
    uniq = list(dict.fromkeys(labels))
    lab = np.array([uniq.index(x) for x in labels])
    per = np.full((q.shape[0], len(uniq)), np.inf)
    for j in range(len(uniq)):
        per[:, j] = d[:, lab == j].min(axis=1)
    out = []
    for row in per:
        order = np.argsort(row)
        best = float(row[order[0]])
        second = float(row[order[1]]) if len(order) > 1 else float("inf")
        ok = best <= threshold and (margin <= 0 or second - best >= margin)
        out.append(GalleryMatch(uniq[int(order[0])], best, bool(ok)))
    return out


def frontal_score(landmarks: np.ndarray | None) -> float:
    """How frontal a face is from its eye, eye, nose points: 1 straight on, → 0 in profile.

    The nose's horizontal offset from the eyes' midpoint relative to the eye distance (a face
    turned 45° has the nose about half an eye distance off centre).

    Example:
        >>> frontal_score(np.array([[40, 50], [80, 50], [60, 75]], float))
        1.0
        >>> round(frontal_score(np.array([[40, 50], [80, 50], [75, 75]], float)), 2)
        0.25
    """
    if landmarks is None or len(landmarks) < 3:
        return 0.5
    e1, e2, nose = np.asarray(landmarks, np.float64)[:3]
    eye_d = float(np.linalg.norm(e2 - e1))
    if eye_d < 1e-6:
        return 0.0
    off = abs(float(nose[0] - (e1[0] + e2[0]) / 2.0)) / eye_d
    return float(max(0.0, 1.0 - 2.0 * off))


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian-like second difference of a grey face crop (higher = sharper)."""
    g = np.asarray(gray, np.float64)
    if g.ndim != 2 or g.shape[0] < 3 or g.shape[1] < 3:
        return 0.0
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4.0 * g[1:-1, 1:-1]
    return float(lap.var())


def face_quality(width: float, frontal: float, sharp: float, *, min_px: float = 40.0) -> float:
    """One number to rank a track's face shots: size, frontality and focus (0..1).

    Example:
        >>> face_quality(120, 1.0, 400.0) > face_quality(50, 1.0, 400.0) > face_quality(50, 0.3, 400.0)
        True
    """
    size = min(1.0, max(0.0, (width - min_px * 0.5) / (min_px * 2.5)))
    focus = min(1.0, sharp / 300.0)
    return float(size * (0.35 + 0.65 * frontal) * (0.5 + 0.5 * focus))


def age_band(age: float | None) -> str | None:
    """The band of an age in years (:data:`AGE_BANDS`).

    Example:
        >>> age_band(31.6), age_band(70), age_band(None)
        ('25-34', '65+', None)
    """
    if age is None or not np.isfinite(age):
        return None
    for name, lo, hi in AGE_BANDS:
        if lo <= age < hi:
            return name
    return None


def vote(values: Sequence[Any], weights: Sequence[float] | None = None) -> tuple[Any, float]:
    """The weighted majority of a track's per-face values and its share (None values ignored).

    Example:
        >>> vote(["male", "female", "male", None])
        ('male', 0.667)
    """
    tally: Counter[Any] = Counter()
    for i, v in enumerate(values):
        if v is not None:
            tally[v] += 1.0 if weights is None else float(weights[i])
    if not tally:
        return None, 0.0
    best, n = tally.most_common(1)[0]
    return best, round(n / sum(tally.values()), 3)
