"""Report sheet "Faces": per local hour and department, identifications, unknown faces, visitors, demographics.

The numbers are the metric catalogue's (:func:`app.store.metrics.face_numbers`): ``faces_identified``,
``faces_unknown``, ``visitors_seen``, ``visitors_returning`` and ``demographics_tracks`` split by
gender and age band, per local hour and department zone (a track counts in each department it stayed
in, else under its camera, "no department"). Left out of workbooks of sites that never ran the faces
module. Demographics appear only where a backend with age/gender models ran.

Example:
    >>> from app.store.db import open_store
    >>> from app.reports.sheets import Scope
    >>> faces(Scope.make(open_store("sqlite://"), 0.0, 86400.0)) is None
    True
"""

from __future__ import annotations

import pandas as pd

from analytics.faces import AGE_BANDS
from app.reports.sheets import Column, Scope, Sheet
from app.store.metrics import CATALOGUE, face_numbers


def faces_by_hour(scope: Scope) -> pd.DataFrame:
    """One row per local hour and department with any face event (age-band columns nobody fell in dropped)."""
    cams = scope.camera_ids
    df = face_numbers(scope.store, scope.since, scope.until, camera=cams, by=("hour", "department"), tz=scope.tz)
    return df.drop(columns=[b for b, _, _ in AGE_BANDS if b in df.columns and not df[b].any()])


def faces(scope: Scope) -> Sheet | None:
    """The Faces sheet, None when no camera ever ran the faces module."""
    if not scope.has_events("faces"):
        return None
    df = faces_by_hour(scope)
    name = {
        k: CATALOGUE[k].name
        for k in ("faces_identified", "faces_unknown", "visitors_seen", "visitors_returning", "demographics_tracks")
    }
    cols = [Column("hour", "Hour", "datetime"), Column("department", "Department (zone)"),
            Column("identified", name["faces_identified"], "int"), Column("unknown", name["faces_unknown"], "int"),
            Column("visitors", name["visitors_seen"], "int"), Column("returning", name["visitors_returning"], "int"),
            Column("demographics", name["demographics_tracks"], "int"),
            Column("female", "Women", "int"), Column("male", "Men", "int")]  # fmt: skip
    cols += [Column(b, f"Age {b}", "int") for b, _, _ in AGE_BANDS if b in df.columns]
    return Sheet(
        "faces", "Faces", df[[c.key for c in cols]], tuple(cols), empty_note="No face events in this period."
    )
