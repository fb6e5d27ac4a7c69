"""Report sheets of the behaviour module: shelf engagement, posture time, consultations and checkout.

The numbers come from :mod:`app.store.behaviour_stats`, the same functions ``storesight behaviour``
prints. Each function returns ``None`` when the site has never stored any behaviour data (its
cameras do not run the pose module), so such a site's workbook has no empty behaviour sheets.

Example:
    >>> from app.store.db import open_store
    >>> from app.reports.sheets import Scope
    >>> shelf_engagement(Scope.make(open_store("sqlite://"), 0.0, 86400.0)) is None
    True
"""

from __future__ import annotations

import pandas as pd

from app.reports.sheets import Chart, Column, Scope, Sheet
from app.store import behaviour_stats

#: The modules whose events the behaviour sheets read.
BEHAVIOUR_MODULES = ("pose", "shelf", "contact")


def shelf_engagement(scope: Scope) -> Sheet | None:
    """Reaches into each shelf zone per local hour: reaches, different people, mean reach."""
    if not scope.has_events("shelf"):
        return None
    df = scope.per_camera(
        "shelf_engagement", behaviour_stats.shelf_engagement, role=scope.role, tz=scope.tz_arg
    )
    if not df.empty:
        df = scope.with_camera_labels(df)
        df = df.assign(
            shelf_label=[
                f"{c} / {n}" if scope.many_cameras else n
                for c, n in zip(df.camera_label, df.name, strict=True)
            ]
        )
    else:
        df = pd.DataFrame(
            columns=["hour", "camera_label", "shelf_label", "reaches", "people", "mean_s", "total_s"]
        )
    cols = (
        Column("hour", "Hour", "hour"),
        Column("shelf_label", "Shelf"),
        Column("reaches", "Reaches", "int"),
        Column("people", "People who reached", "int"),
        Column("mean_s", "Mean reach", "duration"),
        Column("total_s", "Time reaching in all", "duration"),
    )
    chart = Chart("column", "Reaches per hour", "hour", ("reaches",), "reaches") if not df.empty else None
    return Sheet(
        "shelf_engagement",
        "Shelf engagement",
        df.sort_values(["hour", "shelf_label"]).reset_index(drop=True) if not df.empty else df,
        cols,
        chart,
        empty_note="No reaches into shelf zones in this period.",
    )


def posture(scope: Scope) -> Sheet | None:
    """Time people spent standing, walking, sitting and bending, with shares."""
    if not scope.has_events("pose"):
        return None
    df = scope.per_camera("posture_time", behaviour_stats.posture_time, role=scope.role)
    df = scope.with_camera_labels(df) if not df.empty else df
    cols = (
        Column("camera_label", "Camera"),
        Column("posture", "Posture"),
        Column("seconds", "Time", "duration"),
        Column("share", "Share of the time", "share"),
        Column("people", "People", "int"),
    )
    if df.empty:
        df = pd.DataFrame(columns=[c.key for c in cols])
    return Sheet("posture", "Posture", df, cols, empty_note="No posture intervals in this period.")


def consultations(scope: Scope) -> Sheet | None:
    """Customers' visits with and without a consultation by staff, and how many went to a checkout."""
    if not scope.has_events("pose") and not scope.has_events("contact"):
        return None
    df = scope.per_camera("consultation_uplift", behaviour_stats.consultation_uplift)
    if not df.empty:
        df = scope.with_camera_labels(df, uplift=df.uplift_pp / 100.0)
    cols = (
        Column("camera_label", "Camera"),
        Column("visits", "Customers' visits", "int"),
        Column("consulted", "With a consultation", "int"),
        Column("consulted_checkout", "…then went to a checkout", "int"),
        Column("consulted_share", "Conversion with a consultation", "share"),
        Column("other", "Without a consultation", "int"),
        Column("other_checkout", "…went to a checkout", "int"),
        Column("other_share", "Conversion without", "share"),
        Column("uplift", "Uplift (difference)", "share"),
    )
    if df.empty:
        df = pd.DataFrame(columns=[c.key for c in cols])
    return Sheet(
        "consultations",
        "Consultations",
        df,
        cols,
        empty_note="No visits in this period (consultations also need staff/customer roles).",
    )
