"""Behaviour statistics for a period: shelf engagement, posture time, consultation conversion uplift.

Read from the events the behaviour module stores (``shelf``/``reach``, ``pose``/``posture``,
``contact``/``consultation``) together with the retail module's visits and zone entries. Results
are pandas DataFrames with plain columns (the CLI prints them, reports can write them).

* :func:`shelf_engagement` — "which shelves do people touch?": reaches per shelf per local hour,
  how many different people reached, the mean reach; plus each shelf's total.
* :func:`posture_time` — seconds spent standing, walking, sitting, bending, and each one's share.
* :func:`consultation_uplift` — of the customers' visits with a consultation, the share that went
  to a checkout zone *after* it, against the share of visits without one that went to a checkout
  at all; the difference is the uplift in percentage points. A visit's tracks (an ID switch
  joined into one visit) all count as the same customer.

Example:
    >>> from app.store.db import open_store
    >>> shelf_engagement(open_store("sqlite://")).empty
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from app.modules.behaviour.events import CONSULTATION, POSTURE, SHELF_REACH
from app.modules.retail.events import VISIT, ZONE_ENTER
from app.store.db import Store
from app.store.query import EventFilter, events, takes_filter
from app.store.stats import (
    CHECKOUT_TYPES,
    STAFF,
    cameras,
    local_hour_start,
    local_time,
)


@takes_filter()
def shelf_engagement(store: Store, f: EventFilter) -> pd.DataFrame:
    """Reaches into each shelf zone per local hour.

    Args:
        store: the database.
        f: the period (a reach counts in the hour it began), cameras, shelf zones, whose reaches
            (``customer``: everyone not staff, ``staff`` or ``all``) and the time zone of the hours
            (None: the site's; ``"local"``: the computer's); or the old spelling
            ``since, until, camera=, role=, tz=`` (see :func:`app.store.query.takes_filter`).

    Returns:
        Columns ``camera``, ``shelf`` (zone id), ``name``, ``hour`` (local wall-clock start, naive
        datetime), ``reaches``, ``people`` (different tracks), ``mean_s``, ``total_s``; sorted by
        camera, shelf, hour. ``attrs["totals"]`` has the same per shelf without ``hour``.
    """
    zone_tz = f.timezone(store)
    ev = events(store, [SHELF_REACH], f)
    names = {(c.config_id, z.config_id): z.label for c in cameras(store, f.camera) for z in c.zones}
    cols = ["camera", "shelf", "name", "hour", "reaches", "people", "mean_s", "total_s"]
    if ev.empty:
        out = pd.DataFrame(columns=cols)
        out.attrs["totals"] = pd.DataFrame(columns=[c for c in cols if c != "hour"])
        return out
    ev = ev.assign(
        seconds=(ev.ts_end - ev.ts).clip(lower=0),
        hour=[local_time(local_hour_start(t, zone_tz), zone_tz) for t in ev.ts],
        person=list(zip(ev.run, ev.tracker_id, strict=True)),
    )

    def agg(g: pd.DataFrame) -> pd.Series:
        return pd.Series(
            {
                "reaches": len(g),
                "people": g.person.nunique(),
                "mean_s": float(g.seconds.mean()),
                "total_s": float(g.seconds.sum()),
            }
        )

    out = ev.groupby(["camera", "zone", "hour"], sort=True).apply(agg, include_groups=False).reset_index()
    out = out.rename(columns={"zone": "shelf"})
    out.insert(2, "name", [names.get((c, z), z) for c, z in zip(out.camera, out.shelf, strict=True)])
    out[["reaches", "people"]] = out[["reaches", "people"]].astype(int)
    totals = ev.groupby(["camera", "zone"], sort=True).apply(agg, include_groups=False).reset_index()
    totals = totals.rename(columns={"zone": "shelf"})
    totals.insert(2, "name", [names.get((c, z), z) for c, z in zip(totals.camera, totals.shelf, strict=True)])
    totals[["reaches", "people"]] = totals[["reaches", "people"]].astype(int)
    out.attrs["totals"] = totals.sort_values(["camera", "reaches"], ascending=[True, False]).reset_index(
        drop=True
    )
    return out[cols]


@takes_filter()
def posture_time(store: Store, f: EventFilter) -> pd.DataFrame:
    """Time people spent in each posture (intervals clipped to the period).

    ``f``: period, cameras and role (or the old spelling ``since, until, camera=, role=``).

    Returns:
        Columns ``camera``, ``posture``, ``seconds``, ``share`` (of the camera's posture time),
        ``people`` (different tracks); sorted by camera and seconds (most first).
    """
    ev = events(store, [POSTURE], f, overlap=True)
    cols = ["camera", "posture", "seconds", "share", "people"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    lo, hi = f.lo, f.hi
    start = ev.ts.clip(lower=lo) if lo is not None else ev.ts
    end = ev.ts_end.clip(upper=hi) if hi is not None else ev.ts_end
    ev = ev.assign(
        seconds=(end - start).clip(lower=0),
        posture=[p.get("posture", "unknown") for p in ev.payload],
        person=list(zip(ev.run, ev.tracker_id, strict=True)),
    )
    rows = []
    for cam, g in ev.groupby("camera", sort=True):
        total = float(g.seconds.sum())
        for posture, h in g.groupby("posture"):
            sec = float(h.seconds.sum())
            rows.append((cam, posture, sec, sec / total if total else np.nan, h.person.nunique()))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["camera", "seconds"], ascending=[True, False]).reset_index(drop=True)


@takes_filter()
def consultation_uplift(store: Store, f: EventFilter) -> pd.DataFrame:
    """Do consultations raise conversion? Checkout share of customers' visits with and without one.

    The visits are those of the catalogue's conversion (:func:`app.store.metrics.conversion`):
    customers' visits that began in the period and *came in* (crossed the entrance line; every
    visit without one). A visit *with a consultation* has a ``contact``/``consultation`` event of
    one of its tracks during the visit; it *converted* when one of its tracks entered a checkout
    zone (type queue or counter) after the first consultation. A visit without one converted by
    the catalogue's rule (a checkout zone after the entrance in its path), so without
    consultations ``other_share`` is the catalogue's ``conversion``. Of ``f`` (or the old
    spelling ``since, until, camera=``) the period and cameras count: always customers' visits.

    Returns:
        One row per camera with visits: ``camera``, ``visits`` (came in), ``consulted``,
        ``consulted_checkout``, ``consulted_share``, ``other``, ``other_checkout``,
        ``other_share``, ``uplift_pp`` (percentage points, consulted − other; NaN when a group
        is empty), ``has_checkout`` (whether the camera has a checkout zone at all).
    """
    camera = f.camera
    cams = cameras(store, camera)
    visits = events(store, [VISIT], EventFilter(f.since, f.until, camera))
    cols = [
        "camera",
        "visits",
        "consulted",
        "consulted_checkout",
        "consulted_share",
        "other",
        "other_checkout",
        "other_share",
        "uplift_pp",
        "has_checkout",
    ]
    if visits.empty:
        return pd.DataFrame(columns=cols)
    visits = visits[visits.role != STAFF]
    lo = f.lo
    # events of the visits' whole time span (a visit that began in the period may end after it)
    hi = float(visits.ts_end.max()) + 1.0 if visits.ts_end.notna().any() else None
    talks = events(store, [CONSULTATION], EventFilter(lo, hi, camera))
    enters = events(store, [ZONE_ENTER], EventFilter(lo, hi, camera))
    checkout = {(c.config_id, z.config_id) for c in cams for z in c.zones if z.type in CHECKOUT_TYPES}
    if len(enters):
        keep = [(c, z) in checkout for c, z in zip(enters.camera, enters.zone, strict=True)]
        enters = enters[keep]

    def by_track(df: pd.DataFrame, track_of: Any) -> dict[tuple[str, int, int], list[float]]:
        out: dict[tuple[str, int, int], list[float]] = {}
        for row in df.itertuples(index=False):
            tid = track_of(row)
            if tid is not None and not pd.isna(tid):
                out.setdefault((row.camera, int(row.run), int(tid)), []).append(float(row.ts))
        return out

    talk_ts = by_track(talks, lambda r: r.payload.get("customer_track", r.tracker_id))
    enter_ts = by_track(enters, lambda r: r.tracker_id)
    from app.store.metrics import visit_conversion

    entrance = {
        c.config_id: next((z.config_id for z in c.zones if z.type == "entrance_line"), None) for c in cams
    }
    rows = []
    for cam, g in visits.groupby("camera", sort=True):
        has_checkout = any(c == cam for c, _ in checkout)
        tills = frozenset(z for c, z in checkout if c == cam)
        n = [0, 0, 0, 0]  # consulted, consulted→checkout, other, other→checkout
        came = 0
        for v in g.itertuples(index=False):
            came_in, converted = visit_conversion(v.payload.get("zones") or (), entrance.get(cam), tills)
            if not came_in:
                continue
            came += 1
            end = v.ts_end if v.ts_end is not None and not pd.isna(v.ts_end) else v.ts
            tids = [int(t) for t in (v.payload.get("tracks") or [v.tracker_id]) if t is not None]
            keys = [(cam, int(v.run), t) for t in tids]
            talk = [t for k in keys for t in talk_ts.get(k, []) if v.ts - 1.0 <= t <= end + 1.0]
            entered = [t for k in keys for t in enter_ts.get(k, []) if v.ts - 1.0 <= t <= end + 1.0]
            if talk:
                first = min(talk)
                n[0] += 1
                n[1] += int(any(t >= first for t in entered))
            else:
                n[2] += 1
                n[3] += int(converted)
        cs = n[1] / n[0] if n[0] else np.nan
        os_ = n[3] / n[2] if n[2] else np.nan
        rows.append((cam, came, n[0], n[1], cs, n[2], n[3], os_, 100 * (cs - os_), has_checkout))
    return pd.DataFrame(rows, columns=cols)
