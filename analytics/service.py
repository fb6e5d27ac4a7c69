"""Unattended customers: a customer in a department for a while with no member of staff near.

A customer (role ``customer``: people nobody classified do not count, so without roles there are
no alerts) who has been in one of the watched zones for ``after`` seconds — counted from entering
the zone or from the last time staff came near, whichever is later — is *unattended*.
:class:`UnattendedMonitor` reports it once (``start``) and again when it is over (``end``: staff
came within reach, or the customer left the zone or was lost).

"Near" is scale-free, as for contacts: the floor points of the two people are closer than
``staff_distance`` times their mean box height (one box height ≈ 1.7 m), so it works near and far
from the camera. Presence in a zone uses :class:`analytics.zones.ZoneTracker` (with its inertia).

Example:
    >>> from analytics.types import Detections
    >>> mon = UnattendedMonitor({"dept": [(0, 0), (400, 0), (400, 400), (0, 400)]}, after=10.0, min_frames=1)
    >>> alone = Detections([[10, 100, 50, 200]], [0.9], [0], [7])
    >>> events = [e for t in range(13) for e in mon.update(alone, float(t), roles={7: "customer"})]
    >>> [(e.kind, e.track_id, e.zone_id, e.since, e.ts) for e in events]
    [('start', 7, 'dept', 0.0, 10.0)]
    >>> staff_near = Detections([[10, 100, 50, 200], [60, 100, 100, 200]], [0.9, 0.9], [0, 0], [7, 8])
    >>> [(e.kind, e.reason, e.waited) for e in mon.update(staff_near, 13.0, roles={7: "customer", 8: "staff"})]
    [('end', 'attended', 13.0)]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from analytics.tracks import anchor_points, role_of, roles_in
from analytics.types import Detections
from analytics.zones import ZoneTracker

STAFF = "staff"
CUSTOMER = "customer"
EndReason = Literal["attended", "left", "lost", "flush"]


@dataclass(frozen=True, slots=True)
class UnattendedEvent:
    """A customer waiting with no staff near: raised (``start``) and over (``end``).

    Attributes:
        kind: ``"start"`` or ``"end"``.
        track_id: the customer's tracker id.
        zone_id: the zone they wait in.
        since: when the unattended wait began (entered the zone, or staff last left them).
        ts: when it was raised (``start``) or ended (``end``).
        reason: for ``end``: ``attended`` (staff came), ``left`` (left the zone), ``lost`` (not
            seen any more) or ``flush`` (end of the video); None for ``start``.
    """

    kind: Literal["start", "end"]
    track_id: int
    zone_id: str
    since: float
    ts: float
    reason: EndReason | None = None

    @property
    def waited(self) -> float:
        """Seconds unattended so far (``start``) or in all (``end``)."""
        return self.ts - self.since


@dataclass(slots=True)
class _Waiting:
    zone_id: str
    since: float
    raised: bool = False


class UnattendedMonitor:
    """Finds customers left alone in watched zones.

    Args:
        zones: watched zones (departments), zone id → polygon (M, 2) in pixels.
        after: seconds alone before the alert.
        staff_distance: staff closer than this many mean box heights attend the customer.
        min_frames: consecutive frames inside (outside) a zone to enter (leave) it.
        lost_timeout: seconds unseen after which a person has left.
        min_keypoint_score: ankle score needed to use the ankles as the floor point.
    """

    def __init__(
        self,
        zones: Mapping[str, ArrayLike],
        *,
        after: float = 120.0,
        staff_distance: float = 3.0,
        min_frames: int = 3,
        lost_timeout: float = 3.0,
        min_keypoint_score: float = 0.3,
    ) -> None:
        self.after = float(after)
        self.staff_distance = float(staff_distance)
        self.min_keypoint_score = float(min_keypoint_score)
        self._zones = ZoneTracker(
            zones, min_frames=min_frames, lost_timeout=lost_timeout, min_keypoint_score=min_keypoint_score
        )
        self._waiting: dict[int, _Waiting] = {}

    def update(
        self, dets: Detections, ts: float, *, roles: Mapping[int, str] | None = None
    ) -> list[UnattendedEvent]:
        """Feed one frame of tracked people; return the unattended waits raised and ended in it."""
        roles = roles if roles is not None else roles_in(dets)
        out: list[UnattendedEvent] = []
        ids = dets.tracker_id.tolist()
        index = {t: i for i, t in enumerate(ids) if t >= 0}
        for ev in self._zones.update(dets, ts, roles=roles):
            w = self._waiting.get(ev.track_id)
            if ev.kind == "enter" and w is None and role_of(roles, ev.track_id) != STAFF:
                self._waiting[ev.track_id] = _Waiting(ev.zone_id, ev.ts)  # a customer once the role says so
            elif ev.kind == "exit" and w is not None and w.zone_id == ev.zone_id:
                del self._waiting[ev.track_id]
                if w.raised:
                    why: EndReason = "left" if ev.track_id in index else "lost"
                    out.append(UnattendedEvent("end", ev.track_id, w.zone_id, w.since, ev.ts, why))
        if not self._waiting:
            return out
        staff = [i for i, t in enumerate(ids) if t >= 0 and role_of(roles, t) == STAFF]
        pts = anchor_points(dets, min_keypoint_score=self.min_keypoint_score) if len(dets) else None
        h = np.maximum(dets.xyxy[:, 3] - dets.xyxy[:, 1], 1.0) if len(dets) else None
        for tid, w in list(self._waiting.items()):
            if role_of(roles, tid) == STAFF:  # decided staff after all
                del self._waiting[tid]
                if w.raised:
                    out.append(UnattendedEvent("end", tid, w.zone_id, w.since, ts, "attended"))
                continue
            i = index.get(tid)
            if i is None:
                continue
            if staff and pts is not None and h is not None:
                d = np.hypot(*(pts[staff] - pts[i]).T) / ((h[staff] + h[i]) / 2.0)
                if float(d.min()) < self.staff_distance:
                    if w.raised:
                        out.append(UnattendedEvent("end", tid, w.zone_id, w.since, ts, "attended"))
                    self._waiting[tid] = _Waiting(w.zone_id, ts)  # the clock starts again
                    continue
            if not w.raised and ts - w.since >= self.after and role_of(roles, tid) == CUSTOMER:
                w.raised = True
                out.append(UnattendedEvent("start", tid, w.zone_id, w.since, ts))
        return out

    def flush(self, ts: float) -> list[UnattendedEvent]:
        """End of stream: end every raised wait at ``ts`` and forget everyone."""
        out = [
            UnattendedEvent("end", t, w.zone_id, w.since, ts, "flush")
            for t, w in self._waiting.items()
            if w.raised
        ]
        self._waiting.clear()
        self._zones.flush(ts)
        return out
