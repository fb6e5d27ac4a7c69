"""Report sheet "PPE": per PPE zone, people checked, compliance and violations; then each violation.

Left out of workbooks of sites that never ran the PPE module.

Example:
    >>> from app.store.db import open_store
    >>> from app.reports.sheets import Scope
    >>> ppe_sheet(Scope.make(open_store("sqlite://"), 0.0, 86400.0)) is None
    True
"""

from __future__ import annotations

import pandas as pd

from app.modules.ppe.events import PPE_VIOLATION
from app.reports.sheets import Column, Scope, Sheet
from app.store import stats
from app.store.metrics import CATALOGUE, ppe_numbers
from app.store.query import EventFilter, events


def ppe_sheet(scope: Scope) -> Sheet | None:
    """Per zone (compliance) and per violation (time, zone, track, missing items, duration)."""
    if not scope.has_events("ppe"):
        return None
    cams = scope.camera_ids
    zones = ppe_numbers(scope.store, scope.since, scope.until, camera=cams)
    rows = [
        {"what": "zone", "camera": r.camera, "zone": r.zone, "checked": r.ppe_checked,
         "compliant": r.ppe_compliant, "unknown": r.ppe_unknown, "compliance": r.ppe_compliance,
         "violations": r.ppe_violations}
        for r in zones.itertuples(index=False)
    ]  # fmt: skip
    ev = events(scope.store, [PPE_VIOLATION], EventFilter(scope.since, scope.until, cams))
    for e in ev.itertuples(index=False):
        p = e.payload
        rows.append({"what": "violation", "camera": e.camera, "zone": e.zone,
                     "time": stats.local_time(e.ts, scope.tz), "track": e.tracker_id,
                     "missing": ", ".join(p.get("missing", [])), "duration": p.get("duration")})  # fmt: skip
    cols = (
        Column("what", "Row"),
        Column("camera", "Camera"),
        Column("zone", "Zone"),
        Column("checked", CATALOGUE["ppe_checked"].name, "int"),
        Column("compliant", CATALOGUE["ppe_compliant"].name, "int"),
        Column("unknown", "Could not tell", "int"),
        Column("compliance", CATALOGUE["ppe_compliance"].name, "share"),
        Column("violations", CATALOGUE["ppe_violations"].name, "int"),
        Column("time", "Violation began", "datetime"),
        Column("track", "Track"),
        Column("missing", "Missing"),
        Column("duration", "Violation lasted", "duration"),
    )
    df = pd.DataFrame(rows, columns=[c.key for c in cols])
    return Sheet("ppe", "PPE", df, cols, empty_note="No PPE checks in this period.")
