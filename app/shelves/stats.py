"""Shelf gaps of a period per shelf zone: how many, how long, restock time, and the lost-sales estimate.

These are the metric catalogue's shelf numbers (:func:`app.store.metrics.shelf_numbers`, keys
``shelf_*`` in ``docs/metrics.md``): the CLI's ``shelf report``, the GUI's Shelves page and the
report's Shelf gaps sheet all read them from here.

One definition for every view: a zone's lost-sales estimate for a period is the sum of its
``gap`` events' estimates, each made by :func:`analytics.shelf.lost_sales` when the gap ended
(gap time × shoppers at the shelf during the gap × the zone's conversion × purchase value, the
inputs stored beside it). Gaps of zones without a purchase value or conversion have no estimate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from app.store import queries
from app.store.db import Store


@dataclass(frozen=True, slots=True)
class ShelfZoneSummary:
    """One shelf zone's gaps in a period.

    Attributes:
        camera: camera config id.
        zone: zone config id.
        gaps: gaps that started in the period (ended ones: a ``gap`` event).
        open_gaps: of those, not refilled by the end of their run.
        open_now: gaps open at the end of the period (or now), whenever they began.
        gap_hours: segment-hours of gap (a segment empty for 1 h = 1).
        restock_median_s: median seconds from gap start to refilled (refilled gaps only).
        shoppers: people at the shelf while it had a gap (summed over gaps).
        lost_value: the estimate (None when the zone has no purchase value / conversion).
        conversion, basket_value: the inputs of the estimate (the last gap's).
    """

    camera: str
    zone: str
    gaps: int
    open_gaps: int
    gap_hours: float
    open_now: int
    restock_median_s: float | None
    shoppers: int
    lost_value: float | None
    conversion: float | None
    basket_value: float | None


@dataclass(frozen=True, slots=True)
class OpenGap:
    """A gap still open: its ``gap_start`` event has no ``gap`` event yet.

    Attributes:
        camera, zone: config ids.
        segment, row, column: which segment (rows and columns from 1).
        since: when it began (epoch seconds).
        fraction: how empty it was when confirmed.
        event_id: the ``gap_start`` event (its photo shows the gap outlined).
    """

    camera: str
    zone: str
    segment: int
    row: int
    column: int
    since: float
    fraction: float
    event_id: int


def open_gaps(
    store: Store, *, camera: str | None = None, since: float | None = None, until: float | None = None
) -> list[OpenGap]:
    """Gaps open at ``until`` (None: now): started before it, at or after ``since``, and not ended before it.

    A gap has ended when its ``gap`` event (same camera, zone, segment and start) ends before
    ``until``; pass ``since=None`` for every gap open then, however long ago it began.
    """
    starts = queries.events(store, camera, module="shelf", type="gap_start", since=since, until=until, limit=None,
                            newest_first=False)  # fmt: skip
    if not starts:
        return []
    ended = {
        (e.camera, e.zone, e.payload.get("segment"), round(e.ts, 3))
        for e in queries.events(store, camera, module="shelf", type="gap", since=since, until=until, limit=None)
        if until is None or (e.ts_end if e.ts_end is not None else e.ts) < until
    }
    return [
        OpenGap(e.camera, e.zone or "?", int(e.payload.get("segment", 0)), int(e.payload.get("row", 1)),
                int(e.payload.get("column", 1)), e.ts, float(e.payload.get("fraction", 0.0)), e.id)
        for e in starts
        if (e.camera, e.zone, e.payload.get("segment"), round(e.ts, 3)) not in ended
    ]  # fmt: skip


def shelf_summary(
    store: Store, *, camera: str | None = None, since: float | None = None, until: float | None = None
) -> list[ShelfZoneSummary]:
    """Per shelf zone: gaps started in [since, until) (zones with only open gaps included)."""
    rows = queries.events(store, camera, module="shelf", type="gap", since=since, until=until, limit=None, newest_first=False)
    by: dict[tuple[str, str], list] = defaultdict(list)
    for r in rows:
        by[(r.camera, r.zone or "?")].append(r)
    now: dict[tuple[str, str], int] = defaultdict(int)
    for g in open_gaps(store, camera=camera, since=None, until=until):
        now[(g.camera, g.zone)] += 1
        by.setdefault((g.camera, g.zone), [])
    out = []
    for (cam, zone), evs in sorted(by.items()):
        restock = [e.payload["restock_s"] for e in evs if e.payload.get("restock_s") is not None]
        est = [e.payload["lost_sales"] for e in evs if e.payload.get("lost_sales")]
        out.append(
            ShelfZoneSummary(
                camera=cam,
                zone=zone,
                gaps=len(evs),
                open_gaps=sum(1 for e in evs if not e.payload.get("refilled")),
                gap_hours=sum(float(e.payload.get("duration", 0.0)) for e in evs) / 3600.0,
                open_now=now.get((cam, zone), 0),
                restock_median_s=float(np.median(restock)) if restock else None,
                shoppers=sum(int(e.payload.get("shoppers", 0)) for e in evs),
                lost_value=sum(float(x["estimate"]) for x in est) if est else None,
                conversion=est[-1]["conversion"] if est else None,
                basket_value=est[-1]["basket_value"] if est else None,
            )
        )
    return out
