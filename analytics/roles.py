"""Staff or customer: per-track evidence from several cues, combined over time into a role.

Cues, each optional:

* **uniform** — colour statistics of the torso (between shoulders and hips when pose keypoints
  are there, a box-relative band otherwise) compared with a staff uniform learnt from a handful
  of example crops (:class:`UniformModel`);
* **classifier** — the probability of "staff" from a classifier trained on crops the user
  labelled (computed outside, in ``models/``, and handed in);
* **staff zone** — seconds the track stood in a staff-only zone (behind the counter, staff room);
* **employee match** — an identification hook (face recognition later): an employee id with a
  score, which is strong staff evidence and links the track to that employee.

:class:`RoleResolver` keeps, per track, running statistics of every cue and turns them into a
log-odds of "staff" (:class:`RoleEvidence`). Each cue's contribution is *bounded* (a mean score
times the cue's weight, reaching full weight after a few samples), so a long track does not grow
over-confident from correlated frames, and a decision can still change when the evidence does.
The role is ``staff`` above ``+decide_logit``, ``customer`` below ``−decide_logit``, else
``unknown``; once decided it stays while the evidence still leans that way (hysteresis), and
falls back to ``unknown`` when the evidence turns (an ID switch between two people, say).
Sampling is by time (``sample_interval`` seconds per track), never by frame count.

Example:
    >>> import numpy as np
    >>> from analytics.types import Detections
    >>> red = np.zeros((100, 60, 3), np.uint8); red[..., 2] = 200          # a red "jacket" (BGR)
    >>> uniform = UniformModel.from_crops([red])
    >>> frame = np.zeros((200, 200, 3), np.uint8); frame[:100, :60, 2] = 200
    >>> dets = Detections(xyxy=[[0, 0, 60, 100], [100, 0, 160, 100]], confidence=[1, 1],
    ...                   class_id=[0, 0], tracker_id=[1, 2])
    >>> resolver = RoleResolver(RoleSettings(sample_interval=0.5), uniform=uniform)
    >>> for k in range(8):
    ...     out = resolver.update(dets, ts=k * 0.5, image=frame)
    >>> out.roles[1], out.roles[2], round(out.roles.decision(1).confidence, 2)
    ('staff', 'customer', 0.98)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np
from numpy.typing import ArrayLike

from analytics.geometry import PolygonSet
from analytics.tracks import UNKNOWN_ROLE, anchor_points
from analytics.types import PERSON_CLASS, Detections

STAFF = "staff"
CUSTOMER = "customer"
ROLES = (CUSTOMER, STAFF, UNKNOWN_ROLE)

#: COCO-17 keypoints of the torso.
L_SHOULDER, R_SHOULDER, L_HIP, R_HIP = 5, 6, 11, 12

#: Colour histogram layout: chromatic pixels by hue (12 bins of 30°, red centred on bin 0) and two
#: saturation levels, then achromatic pixels (low saturation or very dark) by brightness.
HUE_BINS = 12
SAT_LEVELS = 2
GREY_LEVELS = 3
FEATURES = HUE_BINS * SAT_LEVELS + GREY_LEVELS
_MIN_SAT = 70  # OpenCV HSV: S and V in 0..255, H in 0..179
_HIGH_SAT = 150
_MIN_VALUE = 50
_GREY_EDGES = (80, 170)


# --- torso region and colour statistics --------------------------------------------------------


def torso_boxes(dets: Detections, *, min_keypoint_score: float = 0.3) -> np.ndarray:
    """Where each person's torso is: (N, 4) float64 boxes x1 y1 x2 y2 in pixels.

    With pose keypoints, the box spanned by the shoulders and hips (COCO 5, 6, 11, 12) when all
    four score at least ``min_keypoint_score``, shrunk by 15 % on each side so arms and the
    background next to the body stay out. Otherwise a box-relative band of a standing person:
    20–80 % of the width, 20–50 % of the height (below the head, above the belt).

    Args:
        dets: one frame's detections.
        min_keypoint_score: keypoint score needed to use the keypoints.

    Example:
        >>> d = Detections(xyxy=[[0, 0, 50, 100]], confidence=[1], class_id=[0])
        >>> torso_boxes(d).tolist()
        [[10.0, 20.0, 40.0, 50.0]]
    """
    b = dets.xyxy.astype(np.float64)
    w = b[:, 2] - b[:, 0]
    h = b[:, 3] - b[:, 1]
    out = np.stack([b[:, 0] + 0.2 * w, b[:, 1] + 0.2 * h, b[:, 0] + 0.8 * w, b[:, 1] + 0.5 * h], axis=1)
    kp = dets.keypoints
    if kp is not None and len(dets) and kp.shape[1] > R_HIP:
        pts = kp[:, [L_SHOULDER, R_SHOULDER, L_HIP, R_HIP], :].astype(np.float64)
        ok = np.all(pts[:, :, 2] >= min_keypoint_score, axis=1)
        x1, x2 = pts[:, :, 0].min(axis=1), pts[:, :, 0].max(axis=1)
        y1 = pts[:, :2, 1].mean(axis=1)
        y2 = pts[:, 2:, 1].mean(axis=1)
        kw, kh = x2 - x1, y2 - y1
        ok &= (kw >= 0.15 * w) & (kh >= 0.15 * h)  # a torso seen edge-on or folded: use the box
        shrunk = np.stack([x1 + 0.15 * kw, y1 + 0.15 * kh, x2 - 0.15 * kw, y2 - 0.15 * kh], axis=1)
        out[ok] = shrunk[ok]
    return out


def colour_histogram(image: np.ndarray, box: ArrayLike) -> np.ndarray:
    """Colour statistics of one region of a BGR image: a normalised (FEATURES,) float32 histogram.

    Chromatic pixels (saturated and not too dark) fall into hue × saturation bins, the others
    into dark / mid / bright grey bins. The histogram sums to 1 (all zeros for an empty region).

    Args:
        image: BGR uint8 image.
        box: x1 y1 x2 y2 in pixels (clipped to the image).

    Example:
        >>> img = np.zeros((10, 10, 3), np.uint8); img[..., 2] = 220   # pure red
        >>> h = colour_histogram(img, (0, 0, 10, 10))
        >>> int(h.argmax()), float(h.sum())
        (12, 1.0)
    """
    hgt, wid = image.shape[:2]
    x1, y1, x2, y2 = np.asarray(box, dtype=np.float64).reshape(4)
    c = image[max(int(y1), 0) : min(math.ceil(y2), hgt), max(int(x1), 0) : min(math.ceil(x2), wid)]
    out = np.zeros(FEATURES, np.float32)
    if c.size == 0:
        return out
    hsv = cv2.cvtColor(np.ascontiguousarray(c), cv2.COLOR_BGR2HSV).reshape(-1, 3).astype(np.int32)
    hue, sat, val = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    chroma = (sat >= _MIN_SAT) & (val >= _MIN_VALUE)
    hue_bin = ((hue + 8) % 180) * HUE_BINS // 180  # red (H ≈ 172..7) lands in bin 0
    sat_bin = (sat >= _HIGH_SAT).astype(np.int32)
    grey_bin = HUE_BINS * SAT_LEVELS + np.searchsorted(np.asarray(_GREY_EDGES), val, side="right")
    idx = np.where(chroma, sat_bin * HUE_BINS + hue_bin, grey_bin)
    out[:] = np.bincount(idx, minlength=FEATURES)[:FEATURES]
    return out / out.sum()


def crop_features(crop: np.ndarray) -> np.ndarray:
    """Colour statistics of a person crop (a whole detection box): its box-relative torso band.

    Example crops of a uniform are cut the way event photos are (the detection box, maybe
    expanded a little), so the same band as :func:`torso_boxes` without keypoints is used.
    """
    h, w = crop.shape[:2]
    return colour_histogram(crop, (0.2 * w, 0.2 * h, 0.8 * w, 0.5 * h))


#: An example whose chromatic share is at least this is matched on its colours alone.
MIN_CHROMA = 0.15


def uniform_similarity(features: ArrayLike, examples: ArrayLike) -> np.ndarray:
    """How much of each example's colour a torso has: (N, K) similarities in 0..1.

    Everybody wears black, grey and white, so for a *coloured* uniform (an example with at least
    :data:`MIN_CHROMA` of saturated pixels) only its colours count: the share of the example's
    colour mass the torso matches bin by bin (histogram intersection over the chromatic bins,
    divided by the example's chromatic mass). A red-and-navy jacket matches a red one fully; a
    black coat matches it not at all. For a grey uniform (a white coat, a black suit) colour
    cannot say much, and the whole histograms are intersected.

    Args:
        features: (N, FEATURES) or (FEATURES,) torso histograms.
        examples: (K, FEATURES) example histograms.

    Example:
        >>> red, black = np.zeros(FEATURES), np.zeros(FEATURES)
        >>> red[12], red[-3], black[-3] = 0.6, 0.4, 1.0
        >>> uniform_similarity([red, black], [red]).round(2).tolist()
        [[1.0], [0.0]]
    """
    q = np.atleast_2d(np.asarray(features, dtype=np.float64))
    p = np.atleast_2d(np.asarray(examples, dtype=np.float64))
    c = HUE_BINS * SAT_LEVELS
    chroma_mass = p[:, :c].sum(axis=1)
    chroma = np.minimum(q[:, None, :c], p[None, :, :c]).sum(axis=2) / np.maximum(chroma_mass, 1e-9)
    whole = np.minimum(q[:, None, :], p[None, :, :]).sum(axis=2)
    return np.clip(np.where(chroma_mass >= MIN_CHROMA, chroma, whole), 0.0, 1.0)


# --- the uniform ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UniformMatch:
    """How much a torso looks like the staff uniform.

    Attributes:
        similarity: best similarity to an example, 0..1.
        score: the similarity mapped to −1 (not the uniform) … +1 (the uniform).
        employee_id: the employee the torso looks like (:meth:`UniformModel.identify`), if any.
    """

    similarity: float
    score: float
    employee_id: int | None


class UniformModel:
    """A staff uniform learnt from a handful of example crops: their torso colour histograms.

    A torso is compared with every example (:func:`uniform_similarity`); the best similarity
    ``s`` becomes a score ``(s − threshold) / width`` clipped to −1..+1, so ``threshold`` is the
    similarity at which the cue says nothing either way.

    Args:
        examples: (K, FEATURES) histograms (from :func:`crop_features`).
        employee_ids: per example, the employee it shows (None: a uniform all staff wear).
        threshold: neutral similarity.
        width: similarity distance from ``threshold`` to full confidence.

    Raises:
        ValueError: no examples, or histograms of the wrong size.

    Example:
        >>> red = np.zeros((60, 30, 3), np.uint8); red[..., 2] = 200
        >>> black = np.full((60, 30, 3), 20, np.uint8)
        >>> model = UniformModel.from_crops([red], employee_ids=[7])
        >>> m = model.match(crop_features(red)); (m.score, m.employee_id)
        (1.0, 7)
        >>> model.match(crop_features(black)).score
        -1.0
    """

    def __init__(
        self,
        examples: ArrayLike,
        employee_ids: Sequence[int | None] | None = None,
        *,
        threshold: float = 0.4,
        width: float = 0.25,
    ) -> None:
        ex = np.asarray(examples, dtype=np.float64)
        if ex.ndim != 2 or ex.shape[0] == 0 or ex.shape[1] != FEATURES:
            raise ValueError(f"uniform examples must be (K, {FEATURES}) histograms, got {ex.shape}")
        keep = ex.sum(axis=1) > 0
        if not keep.any():
            raise ValueError("uniform examples are all empty pictures")
        ids = list(employee_ids) if employee_ids is not None else [None] * len(ex)
        if len(ids) != len(ex):
            raise ValueError("one employee id (or None) per uniform example")
        self.examples = ex[keep]
        self.employee_ids: tuple[int | None, ...] = tuple(i for i, k in zip(ids, keep, strict=True) if k)
        self.threshold = float(threshold)
        self.width = float(width)

    @classmethod
    def from_crops(
        cls, crops: Sequence[np.ndarray], employee_ids: Sequence[int | None] | None = None, **kwargs: float
    ) -> UniformModel:
        """Learn the uniform from BGR person crops (see :func:`crop_features`)."""
        return cls([crop_features(c) for c in crops], employee_ids, **kwargs)

    def __len__(self) -> int:
        return int(self.examples.shape[0])

    def scores(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Best similarity and index of the best example for (N, FEATURES) histograms."""
        sim = uniform_similarity(features, self.examples)
        return sim.max(axis=1), sim.argmax(axis=1)

    def score_of(self, sim: float) -> float:
        """A similarity as a −1..+1 score."""
        return float(np.clip((sim - self.threshold) / self.width, -1.0, 1.0))

    def identify(self, features: np.ndarray, *, margin: float = 0.1) -> list[int | None]:
        """Which employee each (N, FEATURES) torso looks like, from the examples that show one employee.

        Telling employees apart needs a *symmetric* likeness (an all-red coat contains all of a
        red-and-navy jacket's red, but is not that jacket): chromatic intersection over the larger
        chromatic mass (whole-histogram intersection for grey examples). An employee is named only
        when their best example beats every other employee's by ``margin``, else None.
        """
        owners = [i for i, e in enumerate(self.employee_ids) if e is not None]
        q = np.atleast_2d(np.asarray(features, dtype=np.float64))
        out: list[int | None] = [None] * len(q)
        if not owners:
            return out
        p = self.examples[owners]
        c = HUE_BINS * SAT_LEVELS
        qm, pm = q[:, :c].sum(axis=1), p[:, :c].sum(axis=1)
        chroma = np.minimum(q[:, None, :c], p[None, :, :c]).sum(axis=2) / np.maximum(
            np.maximum(qm[:, None], pm[None, :]), 1e-9
        )
        whole = np.minimum(q[:, None, :], p[None, :, :]).sum(axis=2)
        sim = np.where(pm[None, :] >= MIN_CHROMA, chroma, whole)
        emps = np.asarray([self.employee_ids[i] for i in owners], dtype=np.int64)
        ids = np.unique(emps)
        per = np.stack([sim[:, emps == e].max(axis=1) for e in ids], axis=1)  # (N, employees)
        order = np.argsort(-per, axis=1)
        for n in range(len(q)):
            first = per[n, order[n, 0]]
            second = per[n, order[n, 1]] if len(ids) > 1 else 0.0
            if first - second >= margin:
                out[n] = int(ids[order[n, 0]])
        return out

    def match(self, features: np.ndarray) -> UniformMatch:
        """Compare one torso histogram with the uniform (``employee_id`` from :meth:`identify`)."""
        best, _ = self.scores(features)
        s = float(best[0])
        return UniformMatch(s, self.score_of(s), self.identify(features)[0])


# --- evidence and decisions -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoleSettings:
    """How the cues are weighed (log-odds of staff) and when a role is decided.

    Attributes:
        sample_interval: seconds between two samples of a track's appearance.
        prior: log-odds of staff before any evidence (0: even).
        uniform_weight: log-odds a perfect uniform match (or a clear mismatch) adds.
        uniform_samples: samples after which the uniform cue has its full weight.
        classifier_weight: log-odds of a certain classifier.
        classifier_samples: classifier runs after which it has its full weight.
        zone_weight: log-odds of standing in a staff-only zone long enough.
        zone_seconds: seconds in staff-only zones for the full zone weight.
        employee_weight: log-odds of an employee match at or above ``employee_threshold``.
        employee_threshold: match score that counts as identified.
        decide_logit: |log-odds| at which a role is decided (1.5 ≈ 82 %).
        forget_after: seconds unseen after which a track's evidence is closed.
        employee_share: share of a staff track's employee votes one employee needs to be linked.
        min_keypoint_score: keypoint score needed to use pose keypoints (torso, anchor).
        split_similarity: a torso sample whose colours match the track segment's mean less than this
            (histogram intersection, 0..1) is a deviation; ``split_samples`` deviations in a row close
            the segment and start a new one (the tracker switched to another person): its evidence
            starts afresh, so one ID switch does not mix two people's cues.
        split_samples: deviations in a row that split a track (0: never split).
    """

    sample_interval: float = 0.5
    prior: float = 0.0
    uniform_weight: float = 4.0
    uniform_samples: int = 4
    classifier_weight: float = 3.0
    classifier_samples: int = 3
    zone_weight: float = 6.0
    zone_seconds: float = 2.0
    employee_weight: float = 6.0
    employee_threshold: float = 0.6
    decide_logit: float = 1.5
    forget_after: float = 5.0
    employee_share: float = 0.6
    min_keypoint_score: float = 0.3
    split_similarity: float = 0.55
    split_samples: int = 2


@dataclass(frozen=True, slots=True)
class EmployeeMatch:
    """An identification of a track (face recognition, badge…): which employee, how sure (0..1)."""

    employee_id: int
    score: float


@dataclass(frozen=True, slots=True)
class RoleEvidence:
    """What a track's role rests on.

    Attributes:
        logit: total log-odds of staff (prior plus every cue's contribution).
        uniform_samples: torso samples compared with the uniform.
        uniform_similarity: their mean best similarity (0..1), None without samples.
        uniform: the uniform cue's contribution to ``logit``.
        classifier_samples: classifier runs.
        classifier_p: mean classifier probability of staff, None without runs.
        classifier: the classifier's contribution.
        zone_seconds: seconds seen in staff-only zones.
        zone: the staff-zone contribution.
        employee_id: the employee the track is linked to, if any.
        employee_score: best identification score (the match hook), None without one.
        employee: the identification's contribution.
    """

    logit: float
    uniform_samples: int = 0
    uniform_similarity: float | None = None
    uniform: float = 0.0
    classifier_samples: int = 0
    classifier_p: float | None = None
    classifier: float = 0.0
    zone_seconds: float = 0.0
    zone: float = 0.0
    employee_id: int | None = None
    employee_score: float | None = None
    employee: float = 0.0

    @property
    def p_staff(self) -> float:
        """Probability of staff, 0..1."""
        return 1.0 / (1.0 + math.exp(-max(min(self.logit, 50.0), -50.0)))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (rounded) for the event payload."""
        r3 = lambda v: None if v is None else round(float(v), 3)  # noqa: E731
        return {
            "p_staff": r3(self.p_staff),
            "logit": r3(self.logit),
            "uniform": {"samples": self.uniform_samples, "similarity": r3(self.uniform_similarity),
                        "logit": r3(self.uniform)},
            "classifier": {"samples": self.classifier_samples, "p_staff": r3(self.classifier_p),
                           "logit": r3(self.classifier)},
            "staff_zone": {"seconds": r3(self.zone_seconds), "logit": r3(self.zone)},
            "employee": {"id": self.employee_id, "score": r3(self.employee_score), "logit": r3(self.employee)},
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class TrackRole:
    """A track's role as decided so far.

    Attributes:
        track_id: tracker id.
        role: ``"staff"``, ``"customer"`` or ``"unknown"``.
        confidence: probability of ``role`` (``p_staff`` for staff, ``1 − p_staff`` for customer;
            at least 0.5 since the evidence leans that way), 0 for unknown.
        evidence: the cues behind it.
        first_ts: first time the track was seen.
        last_ts: last time it was seen.
        decided_ts: when the current role (staff or customer) was first reached, None if unknown.
        segment: 0 for a track's first segment, counting up each time its appearance changed
            abruptly (``first_ts``/``last_ts`` are then the segment's).
        colours: the segment's mean torso colour histogram (FEATURES,), None before a sample — the
            segment's appearance, kept with its decision so it stays addressable by track and time.
    """

    track_id: int
    role: str
    confidence: float
    evidence: RoleEvidence
    first_ts: float
    last_ts: float
    decided_ts: float | None
    segment: int = 0
    colours: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def employee_id(self) -> int | None:
        """The employee the track is linked to (staff only), if any."""
        return self.evidence.employee_id


class RoleMap(Mapping[int, str]):
    """Tracker id → role of every open track, with the decisions behind the roles.

    It is what the analytics' ``roles=`` arguments take (a plain mapping to ``"staff"``,
    ``"customer"`` or ``"unknown"``); :meth:`decision` gives the confidence and evidence.

    Example:
        >>> m = RoleMap({})
        >>> dict(m), m.decision(3)
        ({}, None)
    """

    __slots__ = ("_d",)

    def __init__(self, decisions: Mapping[int, TrackRole] | None = None) -> None:
        self._d: dict[int, TrackRole] = dict(decisions or {})

    def __getitem__(self, track_id: int) -> str:
        return self._d[track_id].role

    def __iter__(self) -> Iterator[int]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def decision(self, track_id: int) -> TrackRole | None:
        """The decision behind a track's role, None for a track the resolver does not know."""
        return self._d.get(track_id)


@dataclass(frozen=True, slots=True)
class RoleUpdate:
    """What :meth:`RoleResolver.update` made of one frame.

    Attributes:
        roles: the current decision of every open track (seen in this frame or recently) and of
            the tracks that ended in this frame.
        ended: decisions of tracks not seen for ``forget_after`` seconds (their final role).
    """

    roles: RoleMap
    ended: tuple[TrackRole, ...] = ()


@dataclass(slots=True)
class _Mean:
    n: int = 0
    total: float = 0.0

    def add(self, v: float) -> None:
        self.n += 1
        self.total += v

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None


@dataclass(slots=True)
class _TrackEvidence:
    first_ts: float
    last_ts: float
    next_sample: float = -math.inf
    uniform_score: _Mean = field(default_factory=_Mean)
    uniform_sim: _Mean = field(default_factory=_Mean)
    classifier: _Mean = field(default_factory=_Mean)  # logits of p, clipped
    classifier_p: _Mean = field(default_factory=_Mean)
    zone_seconds: float = 0.0
    zone_last: float | None = None  # ts of the last observation inside a staff zone
    best_match: EmployeeMatch | None = None
    votes: Counter[int] = field(default_factory=Counter)
    role: str = UNKNOWN_ROLE
    decided_ts: float | None = None
    result: TrackRole | None = None
    segment: int = 0
    prev_ts: float | None = None  # the observation before the latest one
    torso_sum: np.ndarray | None = None  # sum of this segment's torso histograms
    torso_n: int = 0
    deviations: int = 0


def _saturation(n: int, full: int) -> float:
    """Share of a cue's weight after ``n`` samples: 1 − e^(−3n/full) (95 % at ``full``)."""
    return 0.0 if n <= 0 else 1.0 - math.exp(-3.0 * n / max(full, 1))


class RoleResolver:
    """Decides staff / customer / unknown per track from evidence accumulated over time.

    Args:
        settings: weights and thresholds.
        uniform: the staff uniform (None: no uniform cue).
        staff_zones: staff-only zones, zone id → polygon (M, 2) in pixels.
        workstations: zones assigned to one employee, zone id → (polygon in pixels, employee id):
            a staff track standing there votes for that employee.

    Example:
        >>> r = RoleResolver(staff_zones={"counter": [(0, 0), (100, 0), (100, 100), (0, 100)]})
        >>> d = Detections(xyxy=[[40, 0, 60, 90]], confidence=[1], class_id=[0], tracker_id=[5])
        >>> [r.update(d, ts=t / 2).roles[5] for t in range(6)]
        ['unknown', 'unknown', 'unknown', 'unknown', 'staff', 'staff']
    """

    def __init__(
        self,
        settings: RoleSettings | None = None,
        *,
        uniform: UniformModel | None = None,
        staff_zones: Mapping[str, ArrayLike] | None = None,
        workstations: Mapping[str, tuple[ArrayLike, int]] | None = None,
    ) -> None:
        self.settings = settings or RoleSettings()
        self.uniform = uniform
        self.set_zones(staff_zones, workstations)
        self._tracks: dict[int, _TrackEvidence] = {}

    def set_zones(
        self,
        staff_zones: Mapping[str, ArrayLike] | None = None,
        workstations: Mapping[str, tuple[ArrayLike, int]] | None = None,
    ) -> None:
        """Use new zones (the camera's config changed); the evidence gathered so far is kept."""
        self._staff = PolygonSet(list((staff_zones or {}).values()))
        ws = dict(workstations or {})
        self._work = PolygonSet([poly for poly, _ in ws.values()])
        self._work_owner = np.asarray([emp for _, emp in ws.values()], dtype=np.int64)

    def __len__(self) -> int:
        return len(self._tracks)

    def get(self, track_id: int) -> TrackRole | None:
        """The latest decision of a track still open (None if unknown to the resolver)."""
        tr = self._tracks.get(track_id)
        return tr.result if tr is not None else None

    def update(
        self,
        dets: Detections,
        ts: float,
        *,
        image: np.ndarray | None = None,
        classifier: Mapping[int, float] | None = None,
        matches: Mapping[int, EmployeeMatch] | None = None,
    ) -> RoleUpdate:
        """Add one frame's evidence and return the decisions.

        Args:
            dets: the frame's tracked detections (only people are classified).
            ts: the frame's timestamp in seconds.
            image: the BGR frame, for the uniform cue (None: no appearance sample this frame).
            classifier: tracker id → classifier probability of staff, for tracks classified in this
                frame (the caller decides how often).
            matches: tracker id → employee identification from the match hook.

        Returns:
            The decisions of the tracks in this frame and of tracks just forgotten.
        """
        s = self.settings
        people = dets[(dets.is_class(PERSON_CLASS)) & (dets.tracker_id >= 0)] if len(dets) else dets
        tids = people.tracker_id.tolist()
        for tid in tids:
            tr = self._tracks.get(tid)
            if tr is None:
                self._tracks[tid] = _TrackEvidence(first_ts=ts, last_ts=ts)
            else:
                tr.prev_ts, tr.last_ts = tr.last_ts, ts
        split: list[TrackRole] = []
        if tids:
            due = [i for i, t in enumerate(tids) if ts >= self._tracks[t].next_sample - 1e-9]
            if due and image is not None and (self.uniform is not None or s.split_samples > 0):
                split = self._appearance(people[np.asarray(due)], [tids[i] for i in due], image, ts)
            self._zones(people, tids, ts, set(due))
            for i in due:  # on a time grid: the same samples per second at any frame rate
                tr = self._tracks[tids[i]]
                step = s.sample_interval
                tr.next_sample = (
                    ts + step
                    if tr.next_sample == -math.inf
                    else tr.next_sample + step * max(1, math.floor((ts - tr.next_sample) / step + 1e-9) + 1)
                )
        for tid, p in (classifier or {}).items():
            tr = self._tracks.get(int(tid))
            if tr is not None:
                p = min(max(float(p), 1e-3), 1 - 1e-3)
                tr.classifier.add(max(min(math.log(p / (1 - p)), 4.0), -4.0) / 4.0)
                tr.classifier_p.add(p)
        for tid, m in (matches or {}).items():
            tr = self._tracks.get(int(tid))
            if tr is not None and (tr.best_match is None or m.score > tr.best_match.score):
                tr.best_match = m
            if tr is not None and m.score >= s.employee_threshold:
                tr.votes[int(m.employee_id)] += 3
        for tid in tids:
            self._decide(tid, self._tracks[tid], ts)
        ended = split
        for tid in [t for t, tr in self._tracks.items() if ts - tr.last_ts > s.forget_after]:
            tr = self._tracks.pop(tid)
            ended.append(tr.result or self._decide(tid, tr, tr.last_ts))
        current = {tid: tr.result for tid, tr in self._tracks.items() if tr.result is not None}
        current.update({r.track_id: r for r in ended if r.track_id not in self._tracks})
        return RoleUpdate(RoleMap(current), tuple(ended))

    def flush(self) -> tuple[TrackRole, ...]:
        """Final decisions of every open track (end of the video); forgets them all."""
        out = tuple(tr.result or self._decide(tid, tr, tr.last_ts) for tid, tr in self._tracks.items())
        self._tracks.clear()
        return out

    # --- cues ---------------------------------------------------------------------------------

    def _zones(self, people: Detections, tids: list[int], ts: float, due: set[int]) -> None:
        if not self._staff.size and not self._work.size:
            return
        pts = anchor_points(people, min_keypoint_score=self.settings.min_keypoint_score)
        in_staff = self._staff.contains(pts).any(axis=1) if self._staff.size else np.zeros(len(tids), bool)
        in_work = self._work.contains(pts) if self._work.size else None
        for i, tid in enumerate(tids):
            tr = self._tracks[tid]
            if in_staff[i]:
                if tr.zone_last is not None:
                    tr.zone_seconds += min(ts - tr.zone_last, self.settings.sample_interval * 4)
                tr.zone_last = ts
            else:
                tr.zone_last = None
            if in_work is not None and i in due:
                for emp in set(self._work_owner[in_work[i]].tolist()):
                    tr.votes[int(emp)] += 1

    def _appearance(
        self, people: Detections, tids: list[int], image: np.ndarray, ts: float
    ) -> list[TrackRole]:
        """Torso samples: split tracks whose colours changed abruptly, then the uniform cue.

        Returns:
            The decisions of the segments closed by a split.
        """
        boxes = torso_boxes(people, min_keypoint_score=self.settings.min_keypoint_score)
        feats = np.stack([colour_histogram(image, b) for b in boxes])
        valid = feats.sum(axis=1) > 0
        closed = [
            c
            for k, tid in enumerate(tids)
            if valid[k] and (c := self._segment(tid, feats[k], ts)) is not None
        ]
        if not valid.any() or self.uniform is None:
            return closed
        best, _ = self.uniform.scores(feats)
        who = self.uniform.identify(feats)
        for k, tid in enumerate(tids):
            if not valid[k]:
                continue
            tr = self._tracks[tid]
            sc = self.uniform.score_of(float(best[k]))
            tr.uniform_score.add(sc)
            tr.uniform_sim.add(float(best[k]))
            if who[k] is not None and sc > 0:
                tr.votes[int(who[k])] += 1
        return closed

    def _segment(self, tid: int, feat: np.ndarray, ts: float) -> TrackRole | None:
        """Add a torso sample to the track's segment; split the track when its colours changed."""
        s = self.settings
        tr = self._tracks[tid]
        if s.split_samples > 0 and tr.torso_sum is not None and tr.torso_n >= s.split_samples:
            mean = tr.torso_sum / tr.torso_n
            sim = float(np.minimum(mean, feat).sum())
            if sim < s.split_similarity:
                tr.deviations += 1
                if tr.deviations >= s.split_samples:
                    last = tr.prev_ts if tr.prev_ts is not None else tr.last_ts
                    tr.last_ts = last
                    closed = self._decide(tid, tr, last)
                    new = _TrackEvidence(first_ts=ts, last_ts=ts, segment=tr.segment + 1)
                    new.next_sample = tr.next_sample
                    new.torso_sum, new.torso_n = feat.astype(np.float64).copy(), 1
                    self._tracks[tid] = new
                    return closed
                return None  # a deviation is not added to the segment's colours
            tr.deviations = 0
        tr.torso_sum = feat.astype(np.float64) if tr.torso_sum is None else tr.torso_sum + feat
        tr.torso_n += 1
        return None

    # --- decision -----------------------------------------------------------------------------

    def _evidence(self, tr: _TrackEvidence) -> RoleEvidence:
        s = self.settings
        uni = clf = zone = emp = 0.0
        if tr.uniform_score.n:
            uni = (
                s.uniform_weight
                * (tr.uniform_score.mean or 0.0)
                * _saturation(tr.uniform_score.n, s.uniform_samples)
            )
        if tr.classifier.n:
            clf = (
                s.classifier_weight
                * (tr.classifier.mean or 0.0)
                * _saturation(tr.classifier.n, s.classifier_samples)
            )
        if tr.zone_seconds >= s.zone_seconds:  # a latch: a box brushing the zone's edge is no evidence
            zone = s.zone_weight
        m = tr.best_match
        if m is not None and m.score >= s.employee_threshold:
            emp = s.employee_weight
        logit = s.prior + uni + clf + zone + emp
        employee = None
        total = sum(tr.votes.values())
        if total and logit > 0:
            cand, n = tr.votes.most_common(1)[0]
            if n >= s.employee_share * total:
                employee = int(cand)
        return RoleEvidence(
            logit=logit,
            uniform_samples=tr.uniform_score.n,
            uniform_similarity=tr.uniform_sim.mean,
            uniform=uni,
            classifier_samples=tr.classifier.n,
            classifier_p=tr.classifier_p.mean,
            classifier=clf,
            zone_seconds=tr.zone_seconds,
            zone=zone,
            employee_id=employee,
            employee_score=m.score if m is not None else None,
            employee=emp,
        )

    def _decide(self, tid: int, tr: _TrackEvidence, ts: float) -> TrackRole:
        ev = self._evidence(tr)
        t = self.settings.decide_logit
        new = tr.role
        if ev.logit >= t:
            new = STAFF
        elif ev.logit <= -t:
            new = CUSTOMER
        elif (tr.role == STAFF and ev.logit <= 0) or (tr.role == CUSTOMER and ev.logit >= 0):
            new = UNKNOWN_ROLE  # the evidence turned: no longer sure either way
        if new != tr.role:
            tr.role, tr.decided_ts = new, (ts if new != UNKNOWN_ROLE else None)
        p = ev.p_staff
        conf = p if tr.role == STAFF else 1.0 - p if tr.role == CUSTOMER else 0.0
        employee = ev.employee_id if tr.role == STAFF else None
        if employee != ev.employee_id:
            ev = _replace_employee(ev, employee)
        colours = (tr.torso_sum / tr.torso_n).astype(np.float32) if tr.torso_sum is not None else None
        tr.result = TrackRole(
            tid, tr.role, conf, ev, tr.first_ts, tr.last_ts, tr.decided_ts, tr.segment, colours
        )
        return tr.result


def _replace_employee(ev: RoleEvidence, employee_id: int | None) -> RoleEvidence:
    return replace(ev, employee_id=employee_id)
