"""PPE (helmet, hi-vis vest): where to look on a person, the vote over frames, the violation clock.

Pure numpy. A PPE backend (``models.ppe``) gives each person, on each frame it looks, a probability
per item (``helmet``, ``vest``) or nothing ("unknown": too small, head or torso not seen). This
module places the regions it looks at (:func:`ppe_regions`), votes a track's observations over
a time window (:class:`ItemVote`), and turns the voted states of a person inside a PPE zone into a
violation after ``after`` seconds without a required item (:class:`ViolationClock`).

States are ``"yes"``, ``"no"`` and ``"unknown"``; "unknown" never counts as missing.

Example:
    >>> kp = np.zeros((17, 3), np.float32)
    >>> kp[[1, 2]] = [[45, 20, .9], [55, 20, .9]]
    >>> kp[[5, 6, 11, 12]] = [[35, 40, .9], [65, 40, .9], [40, 90, .9], [60, 90, .9]]
    >>> r = ppe_regions(np.array([20, 0, 80, 180.]), kp)
    >>> r.from_keypoints, [round(v) for v in r.torso]
    (True, [38, 40, 62, 90])
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

ITEMS: tuple[str, ...] = ("helmet", "vest")
YES, NO, UNKNOWN = "yes", "no", "unknown"

_HEAD = (0, 1, 2, 3, 4)
_EYES_EARS = (1, 2, 3, 4)
_SHOULDERS = (5, 6)
_HIPS = (11, 12)


@dataclass(frozen=True, slots=True)
class Regions:
    """Where a person's helmet and vest would be, in the frame's pixels.

    Attributes:
        head: ``[x1, y1, x2, y2]`` of the dome above the eyes (where a hard hat sits).
        torso: ``[x1, y1, x2, y2]`` from the shoulders to the hips (where a vest is seen).
        from_keypoints: True when placed from pose keypoints, False when guessed from the box.
    """

    head: np.ndarray
    torso: np.ndarray
    from_keypoints: bool


def _visible(kp: np.ndarray | None, idx: Iterable[int], min_score: float) -> np.ndarray:
    if kp is None:
        return np.zeros((0, 2))
    sel = kp[list(idx)]
    return sel[sel[:, 2] >= min_score, :2].astype(np.float64)


def ppe_regions(box: np.ndarray, keypoints: np.ndarray | None = None, *, min_score: float = 0.3) -> Regions:
    """The head (helmet) and torso (vest) regions of one person.

    With keypoints, the head region is a square of about one head height above the eyes/ears (the
    nose when they are not seen), as wide as the head; the torso runs from the shoulders to the hips
    (narrowed by a tenth on each side, so the background is not looked at). Without them (or with
    too few), both come from the box's proportions (head: the top 14 %, torso: 22–52 %).

    Args:
        box: the person's ``[x1, y1, x2, y2]``.
        keypoints: ``(17, 3)`` COCO keypoints in pixels, or None.
        min_score: a keypoint counts from this score on.
    """
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    w, h = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
    hs = 0.14 * h  # head height of a standing adult
    head_pts = _visible(keypoints, _EYES_EARS, min_score)
    if not len(head_pts):
        head_pts = _visible(keypoints, (0,), min_score)
    shoulders = _visible(keypoints, _SHOULDERS, min_score)
    hips = _visible(keypoints, _HIPS, min_score)
    from_kp = len(head_pts) > 0 or (len(shoulders) == 2 and len(hips) > 0)
    if len(shoulders) == 2:
        hs = float(np.clip(0.62 * abs(shoulders[0, 0] - shoulders[1, 0]), 0.08 * h, 0.2 * h))
    if len(head_pts):
        cx, eye_y = float(head_pts[:, 0].mean()), float(head_pts[:, 1].mean())
        if len(head_pts) == 1 and len(_visible(keypoints, _EYES_EARS, min_score)) == 0:
            eye_y -= 0.1 * hs  # the nose sits below the eyes
    elif len(shoulders):
        cx, eye_y = float(shoulders[:, 0].mean()), float(shoulders[:, 1].mean()) - 0.85 * hs
    else:
        cx, eye_y = (x1 + x2) / 2.0, y1 + 0.09 * h
    half = 0.55 * hs
    top = max(eye_y - 0.95 * hs, y1 - 0.1 * hs)
    head = np.array([cx - half, top, cx + half, eye_y + 0.05 * hs], np.float32)
    if len(shoulders) == 2 and len(hips):
        tx1, tx2 = (
            float(min(shoulders[:, 0].min(), hips[:, 0].min())),
            float(max(shoulders[:, 0].max(), hips[:, 0].max())),
        )
        ty1, ty2 = float(shoulders[:, 1].mean()), float(hips[:, 1].mean())
        if ty2 - ty1 < 0.15 * h:  # bent over or a wrong keypoint: keep a sane height
            ty2 = ty1 + 0.3 * h
        pad = 0.1 * (tx2 - tx1)
        torso = np.array([tx1 + pad, ty1, tx2 - pad, ty2], np.float32)
    else:
        torso = np.array([x1 + 0.25 * w, y1 + 0.22 * h, x2 - 0.25 * w, y1 + 0.52 * h], np.float32)
    return Regions(head, torso, from_kp)


def decide(p: float | None, *, yes_from: float = 0.6, no_below: float = 0.4) -> tuple[str, float]:
    """A state and its confidence from an item probability (unknown: confidence 0).

    Example:
        >>> decide(0.9), decide(0.1), decide(0.5)[0], decide(None)
        (('yes', 0.9), ('no', 0.9), 'unknown', ('unknown', 0.0))
    """
    if p is None or not math.isfinite(p):
        return UNKNOWN, 0.0
    if p >= yes_from:
        return YES, round(float(p), 4)
    if p < no_below:
        return NO, round(1.0 - float(p), 4)
    return UNKNOWN, 0.0


@dataclass(slots=True)
class ItemVote:
    """One track's observations of one item, voted over the last ``window`` seconds.

    The vote is the mean log-odds of the observations in the window (a confident frame weighs more
    than a doubtful one), turned back into a probability; fewer than ``min_obs`` observations give
    "unknown".

    Example:
        >>> v = ItemVote(window=3.0, min_obs=3)
        >>> for t, p in [(0, .9), (0.5, .2), (1, .8), (1.5, .85)]:
        ...     v.add(t, p)
        >>> v.state(1.5)[0], v.state(10.0)[0]
        ('yes', 'unknown')
    """

    window: float = 3.0
    min_obs: int = 3
    yes_from: float = 0.6
    no_below: float = 0.4
    obs: deque[tuple[float, float]] = field(default_factory=deque)

    def add(self, ts: float, p: float | None) -> None:
        """Record one frame's probability (None: not seen on that frame, ignored)."""
        if p is None or not math.isfinite(p):
            return
        self.obs.append((ts, float(np.clip(p, 1e-3, 1 - 1e-3))))
        while self.obs and ts - self.obs[0][0] > self.window:
            self.obs.popleft()

    def probability(self, ts: float) -> float | None:
        """The voted probability at ``ts`` (None: too few recent observations)."""
        recent = [p for t, p in self.obs if ts - t <= self.window]
        if len(recent) < self.min_obs:
            return None
        lo = float(np.mean([math.log(p / (1 - p)) for p in recent]))
        return 1.0 / (1.0 + math.exp(-lo))

    def state(self, ts: float) -> tuple[str, float]:
        """``(state, confidence)`` at ``ts``."""
        return decide(self.probability(ts), yes_from=self.yes_from, no_below=self.no_below)


@dataclass(slots=True)
class ClockStep:
    """What :meth:`ViolationClock.update` saw: a violation began, goes on, or ended."""

    started: bool = False
    ended: bool = False
    missing: tuple[str, ...] = ()


@dataclass(slots=True)
class ViolationClock:
    """One person in one PPE zone: a violation after ``after`` seconds without a required item.

    A required item voted "no" starts the clock (from that observation's time); "yes" or leaving
    the zone stops it; "unknown" neither starts nor stops it. The violation starts once the clock
    has run ``after`` seconds, and ends after the items are back (voted "yes" or "unknown") for
    ``clear_after`` seconds, or when the person leaves.

    Example:
        >>> c = ViolationClock(("helmet",), after=5.0)
        >>> [c.update(t, {"helmet": "no"}).started for t in (0, 3, 5, 6)]
        [False, False, True, False]
        >>> c.update(7, {"helmet": "yes"}).ended, c.update(9, {"helmet": "yes"}).ended
        (False, True)
    """

    required: tuple[str, ...]
    after: float = 10.0
    clear_after: float = 2.0
    missing_since: float | None = None
    ok_since: float | None = None
    violating: bool = False
    missing: tuple[str, ...] = ()
    started_at: float | None = None
    seconds_missing: float = 0.0
    _last: float | None = None

    def update(self, ts: float, states: dict[str, str]) -> ClockStep:
        """Feed the voted states of the required items at time ``ts``."""
        missing = tuple(i for i in self.required if states.get(i) == NO)
        if self._last is not None and self.missing_since is not None:
            self.seconds_missing += max(0.0, ts - self._last)
        self._last = ts
        step = ClockStep(missing=missing)
        if missing:
            self.ok_since = None
            if self.missing_since is None:
                self.missing_since = ts
            self.missing = tuple(sorted(set(self.missing) | set(missing)))
            if not self.violating and ts - self.missing_since >= self.after:
                self.violating, self.started_at, step.started = True, ts, True
        else:
            fixed = all(states.get(i) == YES for i in self.required)
            if fixed:
                self.missing_since = None
            if self.violating:
                if self.ok_since is None:
                    self.ok_since = ts
                if ts - self.ok_since >= self.clear_after:
                    self.violating, step.ended = False, True
                    self.missing, self.ok_since = (), None
            elif fixed:
                self.missing = ()
        return step


def compliance_rate(compliant: int, checked: int) -> float:
    """Share of checked people who wore every required item (NaN when nobody was checked).

    Example:
        >>> compliance_rate(3, 4), math.isnan(compliance_rate(0, 0))
        (0.75, True)
    """
    return compliant / checked if checked else float("nan")
