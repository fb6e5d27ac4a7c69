"""Staff–customer contact: a member of staff close to a customer for a while (a consultation).

Two tracks are *close* when the distance between their floor points (the ankles, else the box's
bottom-centre) is less than ``distance`` times their mean box height — a scale-free "arm's length
or two" that works near and far from the camera. A pair of one ``staff`` track and one track that
is not staff (customers, and people nobody has classified, as in the customer statistics) that
stays close for ``min_seconds`` — with breaks of at most ``gap`` seconds — is a contact.
:class:`ContactDetector` reports it at ``start`` (confirmed: take a photo) and at ``end``.

Without roles nobody is staff, so there are no contacts: roles come from the staff/customer
classification.

Example:
    >>> from analytics.types import Detections
    >>> d = Detections([[0, 0, 40, 100], [50, 0, 90, 100]], [0.9, 0.9], [0, 0], [1, 2])
    >>> cd = ContactDetector(distance=1.0, min_seconds=2.0)
    >>> events = [e for i in range(31) for e in cd.update(d, i * 0.1, roles={1: "staff"})]
    >>> [(e.kind, e.staff_id, e.customer_id, e.start_ts, round(e.ts, 1)) for e in events]
    [('start', 1, 2, 0.0, 2.0)]
    >>> [(e.kind, round(e.duration, 1)) for e in cd.flush(3.0)]
    [('end', 3.0)]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from analytics.tracks import anchor_points, role_of, roles_in
from analytics.types import Detections

STAFF = "staff"


@dataclass(frozen=True, slots=True)
class ContactEvent:
    """A staff–customer contact, reported when confirmed and when it ends.

    Attributes:
        kind: ``"start"`` (lasted ``min_seconds``) or ``"end"``.
        staff_id: tracker id of the member of staff.
        customer_id: tracker id of the customer.
        start_ts: first moment they were close.
        ts: now (``start``) or the last moment they were close (``end``).
        min_distance: the smallest distance seen, in box heights.
        box: (x1, y1, x2, y2) around both people at the moment of this report.
    """

    kind: Literal["start", "end"]
    staff_id: int
    customer_id: int
    start_ts: float
    ts: float
    min_distance: float
    box: tuple[float, float, float, float]

    @property
    def duration(self) -> float:
        """Seconds from the first to the last moment they were close."""
        return self.ts - self.start_ts


@dataclass(slots=True)
class _Pair:
    start_ts: float
    last_close: float
    min_distance: float
    box: tuple[float, float, float, float]
    confirmed: bool = False


class ContactDetector:
    """Contacts between staff and customers.

    Args:
        distance: floor points closer than this many (mean) box heights are close.
        min_seconds: how long they must stay close to make a contact.
        gap: they may be apart (or one unseen) this long without ending it.
        min_score: keypoint score from which an ankle counts as seen (for floor points).
    """

    def __init__(
        self, *, distance: float = 1.0, min_seconds: float = 5.0, gap: float = 1.5, min_score: float = 0.3
    ) -> None:
        self.distance = distance
        self.min_seconds = min_seconds
        self.gap = gap
        self.min_score = min_score
        self._open: dict[tuple[int, int], _Pair] = {}

    def update(
        self, dets: Detections, ts: float, *, roles: Mapping[int, str] | None = None
    ) -> list[ContactEvent]:
        """Measure this frame's staff–customer distances.

        Args:
            dets: tracked people.
            ts: frame timestamp in seconds.
            roles: tracker id → role; ``"staff"`` tracks are staff, every other track a customer.

        Returns:
            ``start`` events of contacts that just lasted ``min_seconds``, ``end`` events of
            contacts that are over.
        """
        roles = roles if roles is not None else roles_in(dets)
        out: list[ContactEvent] = []
        ids = dets.tracker_id.tolist()
        staff = [i for i, t in enumerate(ids) if t >= 0 and role_of(roles, t) == STAFF]
        others = [i for i, t in enumerate(ids) if t >= 0 and role_of(roles, t) != STAFF]
        if staff and others:
            pts = anchor_points(dets, min_keypoint_score=self.min_score)
            h = np.maximum(dets.xyxy[:, 3] - dets.xyxy[:, 1], 1.0)
            for s in staff:
                for c in others:
                    d = float(np.hypot(*(pts[s] - pts[c]))) / float((h[s] + h[c]) / 2.0)
                    if d >= self.distance:
                        continue
                    b = dets.xyxy[[s, c]]
                    box = (
                        float(b[:, 0].min()),
                        float(b[:, 1].min()),
                        float(b[:, 2].max()),
                        float(b[:, 3].max()),
                    )
                    key = (ids[s], ids[c])
                    p = self._open.get(key)
                    if p is None:
                        p = self._open[key] = _Pair(ts, ts, d, box)
                    p.last_close, p.box, p.min_distance = ts, box, min(p.min_distance, d)
                    if not p.confirmed and ts - p.start_ts >= self.min_seconds:
                        p.confirmed = True
                        out.append(self._event("start", key, p, ts))
        for key in [k for k, p in self._open.items() if ts - p.last_close > self.gap]:
            p = self._open.pop(key)
            if p.confirmed:
                out.append(self._event("end", key, p, p.last_close))
        return out

    @staticmethod
    def _event(kind: Literal["start", "end"], key: tuple[int, int], p: _Pair, ts: float) -> ContactEvent:
        return ContactEvent(kind, key[0], key[1], p.start_ts, ts, round(p.min_distance, 3), p.box)

    def flush(self, ts: float) -> list[ContactEvent]:
        """End of stream: end every confirmed contact at its last close moment."""
        out = [self._event("end", k, p, p.last_close) for k, p in self._open.items() if p.confirmed]
        self._open.clear()
        return out
