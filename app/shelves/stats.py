"""Shelf gaps of a period per shelf zone: how many, how long, restock time, and the lost-sales estimate.

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
        gaps: gaps that started in the period.
        open_gaps: of those, not refilled by the end of their run.
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
    restock_median_s: float | None
    shoppers: int
    lost_value: float | None
    conversion: float | None
    basket_value: float | None


def shelf_summary(
    store: Store, *, camera: str | None = None, since: float | None = None, until: float | None = None
) -> list[ShelfZoneSummary]:
    """Per shelf zone: gaps started in [since, until)."""
    rows = queries.events(store, camera, module="shelf", type="gap", since=since, until=until, limit=None, newest_first=False)
    by: dict[tuple[str, str], list] = defaultdict(list)
    for r in rows:
        by[(r.camera, r.zone or "?")].append(r)
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
                restock_median_s=float(np.median(restock)) if restock else None,
                shoppers=sum(int(e.payload.get("shoppers", 0)) for e in evs),
                lost_value=sum(float(x["estimate"]) for x in est) if est else None,
                conversion=est[-1]["conversion"] if est else None,
                basket_value=est[-1]["basket_value"] if est else None,
            )
        )
    return out
