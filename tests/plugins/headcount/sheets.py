"""The head count module's report sheet."""

from __future__ import annotations

import pandas as pd

from app.reports.sheets import Column, Scope, Sheet
from app.store.query import EventFilter, events
from headcount.events import HEADCOUNT_PEAK


def peaks(scope: Scope) -> Sheet | None:
    """Every new peak of people in view in the period."""
    cams = None if scope.all_cameras else tuple(c.config_id for c in scope.cameras)
    ev = events(scope.store, [HEADCOUNT_PEAK], EventFilter(scope.since, scope.until, cams))
    df = pd.DataFrame(
        {
            "camera": ev.camera.tolist(),
            "time": pd.to_datetime(ev.ts, unit="s").tolist(),
            "people": [int(p["people"]) for p in ev.payload],
        },
        columns=["camera", "time", "people"],
    )
    cols = (
        Column("camera", "Camera"),
        Column("time", "Time (UTC)", "datetime"),
        Column("people", "People", "int"),
    )
    return Sheet("headcount_peaks", "Head count", df, cols, empty_note="No head count peaks in this period.")
