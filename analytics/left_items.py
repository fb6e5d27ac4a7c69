"""Left and missing objects: who brought a still object, when its owner went, when to tell someone.

Input per analysed frame (all in pixels of one frame size):

- *static blobs*: regions that differ from the people-free background and have stopped
  moving (from :mod:`models.static_objects`), each with ``added`` True (something appeared:
  more texture than the background there) or False (something was taken away);
- the tracked people (track id + box);
- the detector's bag boxes (backpack, handbag, suitcase…), tracked or not.

:class:`LeftItemMonitor` keeps a list of still objects (matched between frames by overlap),
remembers the person track nearest to each object when it first appeared (its *owner*), and
decides:

- ``objects/left``: an added object (a static blob, or a bag box that has not moved) has
  been still for ``still_for`` seconds and its owner has been away (not seen, or farther
  than ``away`` × the object's size) for ``owner_gone_for`` seconds — or it had no owner;
- ``objects/missing``: a removed object inside a watch zone, still missing for
  ``still_for`` seconds.

Objects in ignore areas, too small or too large are dropped. An object reported once is
reported again only after it has vanished and come back.

Example:
    >>> m = LeftItemMonitor(still_for=10, owner_gone_for=5)
    >>> ev = []
    >>> for t in range(0, 30):
    ...     person = [(7, (100, 50, 140, 160))] if t < 8 else []
    ...     ev += m.update(float(t), blobs=[StaticBlob((120, 140, 140, 160), True)], people=person)
    >>> [(e.kind, e.owner_track, e.ts) for e in ev]
    [('left', 7, 12.0)]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from analytics.geometry import points_in_polygon

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class StaticBlob:
    """A region that differs from the background and stopped moving: box x1 y1 x2 y2, added or removed."""

    box: Box
    added: bool
    label: str = "object"


@dataclass(frozen=True, slots=True)
class ObjectEvent:
    """``left`` or ``missing`` object, decided at ``ts``.

    Attributes:
        kind: ``left`` or ``missing``.
        object_id: the monitor's id of the still object.
        box: the object's box (pixels).
        label: ``object`` or a detector class name (``backpack``, ``handbag``, ``suitcase``…).
        since: when the object first appeared (or went missing).
        ts: when the event was decided.
        owner_track: the track id of the person it came with (None: nobody near when it appeared).
        owner_box: that person's last box (pixels), for their crop.
        owner_last_seen: when the owner was last seen near the object.
        zone: the watch zone's id (``missing``), or None.
    """

    kind: Literal["left", "missing"]
    object_id: int
    box: Box
    label: str
    since: float
    ts: float
    owner_track: int | None
    owner_box: Box | None
    owner_last_seen: float | None
    zone: str | None = None


@dataclass(slots=True)
class _Still:
    oid: int
    box: np.ndarray
    added: bool
    label: str
    first: float
    last: float
    owner: int | None = None
    owner_box: np.ndarray | None = None
    owner_near: float | None = None
    reported: bool = False
    hits: int = 0


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two x1 y1 x2 y2 boxes."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between two boxes' nearest edges (0 when they overlap)."""
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return float(np.hypot(dx, dy))


class LeftItemMonitor:
    """Still objects, their owners, and the left/missing decisions (see the module's description).

    Args:
        still_for: seconds an object must stay before it is reported.
        owner_gone_for: seconds its owner must have been away.
        away: the owner counts as away farther than this many object sizes (box diagonal) from it.
        owner_radius: at first sight, the nearest person within this many object sizes is the owner.
        forget_after: an object not seen for this long is forgotten (it was picked up).
        min_area, max_area: object box area bounds in pixels².
        watch_zones: id → polygon (pixels) where a removed object is reported ``missing``.
        ignore: polygons (pixels) where nothing is reported.
    """

    def __init__(
        self,
        *,
        still_for: float = 30.0,
        owner_gone_for: float = 10.0,
        away: float = 3.0,
        owner_radius: float = 2.0,
        forget_after: float = 3.0,
        min_area: float = 150.0,
        max_area: float = 60_000.0,
        watch_zones: dict[str, ArrayLike] | None = None,
        ignore: Sequence[ArrayLike] = (),
    ) -> None:
        self.still_for, self.owner_gone_for = still_for, owner_gone_for
        self.away, self.owner_radius, self.forget_after = away, owner_radius, forget_after
        self.min_area, self.max_area = min_area, max_area
        self.watch = {k: np.asarray(v, np.float64).reshape(-1, 2) for k, v in (watch_zones or {}).items()}
        self.ignore = [np.asarray(p, np.float64).reshape(-1, 2) for p in ignore]
        self._objects: list[_Still] = []
        self._next = 1
        self._people: deque[tuple[float, dict[int, np.ndarray]]] = deque(maxlen=600)

    @property
    def objects(self) -> int:
        """Still objects held now."""
        return len(self._objects)

    def _inside(self, box: np.ndarray, polys: Sequence[np.ndarray]) -> list[int]:
        c = np.array([[(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]])
        return [i for i, p in enumerate(polys) if len(p) >= 3 and bool(points_in_polygon(c, p)[0])]

    def _owner_at(self, box: np.ndarray, since: float) -> tuple[int | None, np.ndarray | None]:
        """The person nearest the object around the time it appeared (the last frames up to ``since``)."""
        size = float(np.hypot(box[2] - box[0], box[3] - box[1]))
        best: tuple[float, int, np.ndarray] | None = None
        for ts, people in self._people:
            if ts > since + 1.0 or ts < since - 15.0:
                continue
            for tid, pb in people.items():
                d = _gap(box, pb) - 0.01 * (since - ts)  # later sightings win ties
                if d <= self.owner_radius * size and (best is None or d < best[0]):
                    best = (d, tid, pb)
        return (best[1], best[2]) if best else (None, None)

    def update(
        self,
        ts: float,
        *,
        blobs: Sequence[StaticBlob] = (),
        people: Sequence[tuple[int, ArrayLike]] = (),
        bags: Sequence[tuple[str, ArrayLike]] = (),
    ) -> list[ObjectEvent]:
        """One frame: static blobs, tracked people (id, box), bag boxes (class name, box) → events."""
        now_people = {int(t): np.asarray(b, np.float64) for t, b in people if int(t) >= 0}
        self._people.append((ts, now_people))
        cands = [(np.asarray(b.box, np.float64), b.added, b.label) for b in blobs]
        for name, b in bags:  # a bag box counts as an added object at its place; still-ness by overlap
            cands.append((np.asarray(b, np.float64), True, name))
        for box, added, label in cands:
            area = (box[2] - box[0]) * (box[3] - box[1])
            if not self.min_area <= area <= self.max_area or self._inside(box, self.ignore):
                continue
            best = max(self._objects, key=lambda o: iou(o.box, box), default=None)
            if best is not None and iou(best.box, box) >= 0.3 and best.added == added:
                best.last = ts
                best.hits += 1
                best.box = 0.8 * best.box + 0.2 * box
                if label != "object":
                    best.label = label
                continue
            o = _Still(self._next, box, added, label, ts, ts)
            self._next += 1
            o.owner, o.owner_box = self._owner_at(box, ts)
            o.owner_near = ts if o.owner is not None else None
            self._objects.append(o)
        out: list[ObjectEvent] = []
        keep = []
        for o in self._objects:
            if ts - o.last > self.forget_after:
                continue  # gone: picked up, or the background took it in
            keep.append(o)
            if o.owner is not None and o.owner in now_people:
                pb = now_people[o.owner]
                size = float(np.hypot(o.box[2] - o.box[0], o.box[3] - o.box[1]))
                if _gap(o.box, pb) <= self.away * size:
                    o.owner_near, o.owner_box = ts, pb
            if o.reported or ts - o.first < self.still_for or o.hits < 2:
                continue
            if o.added:
                if o.owner is not None and ts - (o.owner_near or o.first) < self.owner_gone_for:
                    continue
                o.reported = True
                out.append(self._event("left", o, ts, None))
            else:
                zones = self._inside(o.box, list(self.watch.values()))
                if zones:
                    o.reported = True
                    out.append(self._event("missing", o, ts, list(self.watch)[zones[0]]))
        self._objects = keep
        return out

    @staticmethod
    def _event(kind: Literal["left", "missing"], o: _Still, ts: float, zone: str | None) -> ObjectEvent:
        def tup(b: np.ndarray | None) -> Box | None:
            return None if b is None else (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

        return ObjectEvent(
            kind, o.oid, tup(o.box), o.label, o.first, ts, o.owner, tup(o.owner_box), o.owner_near, zone  # type: ignore[arg-type]
        )
