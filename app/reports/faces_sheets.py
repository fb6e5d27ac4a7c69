"""Report sheet "Faces": per local hour and camera, identifications, unknown faces, visitors, demographics.

From the period's ``faces`` events (:mod:`app.modules.faces.events`); left out of workbooks of sites
that never ran the faces module. Its numbers are the metric catalogue's ``faces_identified``,
``faces_unknown``, ``visitors_seen``, ``visitors_returning`` and ``demographics_tracks`` per hour. Demographics (age band, gender) appear only where a backend with
those models ran (deepface); the camera stands for the department (a camera per department).

Example:
    >>> from app.store.db import open_store
    >>> from app.reports.sheets import Scope
    >>> faces(Scope.make(open_store("sqlite://"), 0.0, 86400.0)) is None
    True
"""

from __future__ import annotations

import pandas as pd

from analytics.faces import AGE_BANDS
from app.modules.faces.events import FACES_ALERT, FACES_DEMOGRAPHICS, FACES_IDENTIFIED, FACES_VISITOR
from app.reports.sheets import Column, Scope, Sheet
from app.store import stats
from app.store.metrics import CATALOGUE
from app.store.query import EventFilter, events


def faces_by_hour(scope: Scope) -> pd.DataFrame:
    """One row per local hour and camera with any face event; counts per kind, age band and gender."""
    cams = scope.camera_ids
    df = events(scope.store, [FACES_IDENTIFIED, FACES_ALERT, FACES_VISITOR, FACES_DEMOGRAPHICS],
                EventFilter(scope.since, scope.until, cams, role="all"))  # fmt: skip
    bands = [b for b, _, _ in AGE_BANDS]
    keys = ["identified", "unknown", "visitors", "returning", "female", "male", *bands]
    if df.empty:
        return pd.DataFrame(columns=["hour", "camera", *keys])
    rows: dict[tuple[object, str], dict[str, int]] = {}
    for ts, typ, cam, p in zip(df["ts"], df["type"], df["camera"], df["payload"], strict=True):
        hour = stats.local_time(ts, scope.tz).replace(minute=0, second=0, microsecond=0)
        r = rows.setdefault((hour, cam), dict.fromkeys(keys, 0))
        if typ == "identified":
            r["identified"] += 1
        elif typ == "alert":
            r["unknown"] += 1
        elif typ == "visitor":
            r["visitors"] += 1
            r["returning"] += 0 if p.get("new_visitor") else 1
        elif typ == "demographics":
            if p.get("gender") in ("female", "male"):
                r[p["gender"]] += 1
            if p.get("age_band") in bands:
                r[p["age_band"]] += 1
    out = pd.DataFrame([{"hour": h, "camera": c, **v} for (h, c), v in sorted(rows.items())])
    return out.drop(columns=[b for b in bands if not out[b].any()])


def faces(scope: Scope) -> Sheet | None:
    """The Faces sheet, None when no camera ever ran the faces module."""
    if not scope.has_events("faces"):
        return None
    df = faces_by_hour(scope)
    name = {
        k: CATALOGUE[k].name
        for k in ("faces_identified", "faces_unknown", "visitors_seen", "visitors_returning")
    }
    cols = [Column("hour", "Hour", "datetime"), Column("camera", "Camera (department)"),
            Column("identified", name["faces_identified"], "int"), Column("unknown", name["faces_unknown"], "int"),
            Column("visitors", name["visitors_seen"], "int"), Column("returning", name["visitors_returning"], "int"),
            Column("female", "Women (demographics_tracks)", "int"), Column("male", "Men (demographics_tracks)", "int")]  # fmt: skip
    cols += [Column(b, f"Age {b}", "int") for b, _, _ in AGE_BANDS if b in df.columns]
    return Sheet(
        "faces", "Faces", df[[c.key for c in cols]], tuple(cols), empty_note="No face events in this period."
    )
