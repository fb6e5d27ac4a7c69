"""Report sheets of the shelf and objects modules.

"Shelf gaps" (per shelf zone), "Shelf gap list" (every gap) and "Left items" (every item left
behind or missing).

The per-zone numbers are the metric catalogue's (:func:`app.store.metrics.shelf_numbers`); the
sheets are left out of workbooks of sites whose database has no event of the module.

Example:
    >>> from app.store.db import open_store
    >>> from app.reports.sheets import Scope
    >>> shelf_gaps(Scope.make(open_store("sqlite://"), 0.0, 86400.0)) is None
    True
"""

from __future__ import annotations

import pandas as pd

from app.reports.sheets import Column, Scope, Sheet
from app.store import metrics, queries, stats
from app.store.queries import EventRow


def _mine(scope: Scope, rows: list[EventRow]) -> list[EventRow]:
    return [e for e in rows if scope.includes(e.camera)]


def _frame(rows: list[dict[str, object]], cols: tuple[Column, ...]) -> pd.DataFrame:
    """The sheet's rows as a table with one column per sheet column, in their order (also when empty)."""
    return pd.DataFrame(rows, columns=[c.key for c in cols])


def shelf_gaps(scope: Scope) -> Sheet | None:
    """One row per shelf zone: gaps, open now, gap hours, median restock time, shoppers, lost-sales estimate."""
    if not scope.has_events("shelf"):
        return None
    df = metrics.shelf_numbers(scope.store, scope.since, scope.until)
    df = df[df.camera.isin(scope.camera_ids)] if not scope.all_cameras else df
    names = [scope.names(c, z) for c, z in zip(df.camera, df.zone, strict=True)]
    df = df.assign(camera_name=[n[0] for n in names], zone_name=[n[1] for n in names]).reset_index(drop=True)
    c = metrics.CATALOGUE
    cols = (
        Column("camera_name", "Camera"),
        Column("zone_name", "Shelf"),
        Column("shelf_gaps", c["shelf_gaps"].name, "int"),
        Column("shelf_open_now", c["shelf_open_now"].name, "int"),
        Column("shelf_gap_hours", c["shelf_gap_hours"].name, "float"),
        Column("shelf_restock_median_s", c["shelf_restock_median_s"].name, "duration"),
        Column("shelf_shoppers", c["shelf_shoppers"].name, "int"),
        Column("shelf_lost_sales", c["shelf_lost_sales"].name, "float"),
        Column("conversion", "Conversion (your estimate)", "share"),
        Column("basket_value", "Purchase value (your estimate)", "float"),
    )
    return Sheet(
        "shelf_gaps", "Shelf gaps", df, cols,
        empty_note="No shelf gaps in this period. Lost sales is an estimate from your conversion and purchase value.",
    )  # fmt: skip


GAP_COLUMNS = (
    Column("start", "Gap began", "datetime"),
    Column("end", "Ended", "datetime"),
    Column("camera", "Camera"),
    Column("shelf", "Shelf"),
    Column("row", "Row", "int"),
    Column("segment", "Segment", "int"),
    Column("duration_s", "Duration", "duration"),
    Column("restock_s", "Restock time", "duration"),
    Column("peak", "Empty (peak)", "share"),
    Column("shoppers", "Shoppers at the shelf", "int"),
    Column("reached", "Reached into the gap (pose)", "int"),
    Column("lost_sales", "Lost sales (estimate)", "float"),
    Column("status", "Status"),
)


def shelf_gap_list(scope: Scope) -> Sheet | None:
    """One row per gap (ended and still open): where, when, how long, restock time, peak emptiness, estimate."""
    if not scope.has_events("shelf"):
        return None
    from app.shelves.stats import open_gaps

    rows: list[dict[str, object]] = []
    listed: set[tuple[object, ...]] = set()
    for e in _mine(scope, queries.events(scope.store, None, "shelf", "gap", scope.since, scope.until, limit=None,
                                         newest_first=False)):  # fmt: skip
        p = e.payload
        cam, zone = scope.names(e.camera, e.zone)
        listed.add((e.camera, e.zone, p.get("segment"), round(e.ts, 3)))
        rows.append({
            "start": stats.local_time(e.ts, scope.tz),
            "end": stats.local_time(e.ts_end, scope.tz) if e.ts_end else None,
            "camera": cam, "shelf": zone, "row": p.get("row"), "segment": p.get("column"),
            "duration_s": p.get("duration"), "restock_s": p.get("restock_s"), "peak": p.get("fraction"),
            "shoppers": p.get("shoppers"), "reached": p.get("reached"),
            "lost_sales": (p.get("lost_sales") or {}).get("estimate"),
            "status": "refilled" if p.get("refilled") else "not refilled when the run ended",
        })  # fmt: skip
    for g in open_gaps(scope.store, since=scope.since, until=scope.until):  # begun in the period, open at its end
        if scope.includes(g.camera) and (g.camera, g.zone, g.segment, round(g.since, 3)) not in listed:
            cam, zone = scope.names(g.camera, g.zone)
            rows.append({"start": stats.local_time(g.since, scope.tz), "end": None, "camera": cam, "shelf": zone,
                         "row": g.row, "segment": g.column, "duration_s": None, "restock_s": None,
                         "peak": g.fraction, "shoppers": None, "reached": None, "lost_sales": None,
                         "status": "open"})  # fmt: skip
    df = _frame(rows, GAP_COLUMNS).sort_values("start", kind="stable").reset_index(drop=True)
    return Sheet("shelf_gap_list", "Shelf gap list", df, GAP_COLUMNS, empty_note="No shelf gaps in this period.")


LEFT_COLUMNS = (
    Column("time", "Reported", "datetime"),
    Column("camera", "Camera"),
    Column("zone", "Zone"),
    Column("kind", "What"),
    Column("label", "Object"),
    Column("since", "There since", "datetime"),
    Column("still_s", "Still for", "duration"),
    Column("owner", "Owner's track", "int"),
    Column("photos", "Photos", "int"),
)


def left_items(scope: Scope) -> Sheet | None:
    """One row per item left behind or missing: when, where, what, how long still, the owner's track."""
    if not scope.has_events("objects"):
        return None
    evs = [
        e
        for t in ("left", "missing")
        for e in _mine(scope, queries.events(scope.store, None, "objects", t, scope.since, scope.until, limit=None))
    ]
    rows = []
    for e in sorted(evs, key=lambda e: e.ts):
        p = e.payload
        cam, zone = scope.names(e.camera, e.zone)
        rows.append({
            "time": stats.local_time(e.ts, scope.tz), "camera": cam, "zone": zone,
            "kind": "left behind" if e.type == "left" else "missing", "label": p.get("label") or "object",
            "since": stats.local_time(float(p["since"]), scope.tz) if p.get("since") else None,
            "still_s": p.get("still_s"), "owner": p.get("owner_track"), "photos": len(e.photos),
        })  # fmt: skip
    return Sheet(
        "left_items", "Left items", _frame(rows, LEFT_COLUMNS), LEFT_COLUMNS,
        empty_note="No items left behind or missing in this period.",
    )  # fmt: skip
