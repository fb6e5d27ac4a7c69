"""Thresholded one-to-one assignment for trackers (the Hungarian solver of :mod:`analytics.mot_eval`)."""

from __future__ import annotations

import numpy as np

from analytics.mot_eval import linear_assignment


def assign(cost: np.ndarray, thresh: float) -> list[tuple[int, int]]:
    """Minimum-cost pairs of rows and columns whose cost is at most ``thresh``.

    Example:
        >>> assign(np.array([[0.1, 0.9], [0.8, 0.95]]), 0.5)
        [(0, 0)]
    """
    if cost.size == 0:
        return []
    c = np.where(cost <= thresh, cost, thresh + 1.0)
    return [(a, b) for a, b in linear_assignment(c) if cost[a, b] <= thresh]
