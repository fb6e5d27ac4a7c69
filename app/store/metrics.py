"""The metric catalogue: every number a person reads, with one definition and one function.

Each entry of :data:`CATALOGUE` has a key (the name in ``--json`` outputs and tests), the words a
person reads, a unit and its definition (``docs/metrics.md`` is this table, checked by a test).
The functions below compute them for a period; the CLI (``stats``, ``queue summary``,
``behaviour``), the dashboard data (:mod:`app.gui.data`), the report (:mod:`app.reports.sheets`)
and the queue alerts call them instead of computing their own.

Numbers per scope:

* **site** — :func:`key_numbers`: one value per period (all selected cameras together);
* **zone** — :func:`zone_numbers`: one row per polygon zone (stays, dwell, occupancy peak);
* **checkout** — :func:`checkout_numbers`: one row per checkout queue;
* **hour** — :func:`queue_by_hour`: the checkout numbers of each local hour.

Conventions are those of :mod:`app.store.stats` (period ``[since, until)``, an event belongs to
the period by its start, role by the track's final role).

Example:
    >>> from app.store.db import open_store
    >>> key_numbers(open_store("sqlite://"))["visits"]
    0
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from app.modules.queue.events import QUEUE_ALERT, QUEUE_SERVICE
from app.store import stats
from app.store.db import Store
from app.store.query import (
    EventFilter,
    Moment,
    Role,
    epoch,
    events,
    role_mask,
    segment_roles,
    takes_filter,
    where_camera,
)

Unit = Literal["count", "people", "seconds", "share", "hours", "text", "money"]
Scope = Literal["site", "zone", "checkout", "shelf"]


@dataclass(frozen=True, slots=True)
class MetricDef:
    """One number of the catalogue.

    Attributes:
        key: its name in ``--json`` outputs, tables and tests.
        name: the words a person reads next to it.
        unit: ``count``, ``people``, ``seconds``, ``share`` (0–1), ``hours``, ``text`` or ``money``
            (in the user's currency, an estimate).
        scope: ``site`` (one per period), ``zone`` (per polygon zone), ``checkout`` (per queue) or
            ``shelf`` (per shelf zone).
        definition: what it counts, exactly.
    """

    key: str
    name: str
    unit: Unit
    scope: Scope
    definition: str


_DEFS = (
    MetricDef("footfall_in", "Entries (people in)", "count", "site",
              "Crossings of an entrance line in the \"in\" direction in the period (every counting line when "
              "the camera has no entrance line)."),
    MetricDef("footfall_out", "Exits (people out)", "count", "site",
              "Crossings of the same lines in the \"out\" direction in the period."),
    MetricDef("people_seen", "People seen", "people", "site",
              "Person tracks first seen in the period, one per role segment: where the role stage split a "
              "track because the person's look changed abruptly (an ID switch) and decided different roles "
              "for the parts (customer, then staff), it held one person per role, counted when that role's "
              "first part began, and every event of the track takes the role of the part it happened in. "
              "Parts of one role (also when the track came back to it), or undecided, are one person. "
              "Tracks shorter than the tracks module's min_frames are not stored, so not counted."),
    MetricDef("visits", "Visits", "count", "site",
              "Store visits that began in the period: one person's stay from crossing the entrance in (or "
              "the first sighting, on a camera without an entrance line) to leaving or the last sighting; "
              "short ID switches are joined into one visit."),
    MetricDef("visit_median_s", "Median time in store", "seconds", "site",
              "Median duration of those visits (start to end)."),
    MetricDef("visit_p90_s", "Time in store, 90 % stayed less", "seconds", "site",
              "90th percentile of the visits' durations (linear interpolation)."),
    MetricDef("came_in", "Came in", "count", "site",
              "Visits that began by crossing the entrance line in (every visit on a camera without an "
              "entrance line); counted on cameras that have a checkout zone. The base of the conversion."),
    MetricDef("went_to_checkout", "Went to a checkout", "count", "site",
              "Of those, visits that entered a checkout zone (type queue or counter) after coming in."),
    MetricDef("conversion", "Conversion (came in → checkout)", "share", "site",
              "went_to_checkout / came_in."),
    MetricDef("zone_stays", "Zone stays", "count", "site",
              "Stays in polygon zones that began in the period (one person entering and leaving a zone)."),
    MetricDef("dwell_median_s", "Median stay in a zone", "seconds", "zone",
              "Median seconds of the stays that began in the period (enter → exit, from timestamps); "
              "for the site, over the stays of every zone."),
    MetricDef("dwell_p90_s", "Stay in a zone, 90 % less", "seconds", "zone",
              "90th percentile of the same stays."),
    MetricDef("zone_occupancy_peak", "Most people in a zone at once", "people", "zone",
              "Most people inside the zone's polygon at the same instant (anyone standing in or walking "
              "through it), from the stays that overlap the period, clipped to it; for the site, the "
              "busiest zone's."),
    MetricDef("queue_customers", "Customers queued", "count", "checkout",
              "Customers who joined a checkout queue in the period (stood in the queue zone for at least "
              "min_wait seconds) = queue_served + queue_abandoned + queue_lost."),
    MetricDef("queue_served", "Served", "count", "checkout",
              "Of those, customers who reached a counter."),
    MetricDef("queue_abandoned", "Left the queue", "count", "checkout",
              "Customers who left the queue zone without reaching a counter."),
    MetricDef("queue_lost", "Outcome not seen", "count", "checkout",
              "Customers the tracker lost inside the queue (or still queueing at the end of the "
              "recording): neither served nor left is known."),
    MetricDef("abandon_rate", "Left the queue, share", "share", "checkout",
              "queue_abandoned / (queue_served + queue_abandoned): of the customers whose outcome was "
              "seen, the share who left unserved."),
    MetricDef("wait_mean_s", "Mean wait", "seconds", "checkout",
              "Mean time from joining the queue to reaching a counter, over the served customers."),
    MetricDef("wait_p90_s", "Wait, 90 % waited less", "seconds", "checkout",
              "90th percentile of the served customers' waits."),
    MetricDef("wait_max_s", "Longest wait", "seconds", "checkout",
              "Longest time any customer who joined in the period spent in the queue, whatever the "
              "outcome (to the counter, to leaving, or to the last sighting). Every \"has waited\" alert "
              "of the period is at most this."),
    MetricDef("queue_length_max", "Longest queue (people at once)", "people", "checkout",
              "Most customers waiting in the queue at the same instant, counted by the queue module on "
              "every analysed frame (staff never count; people walking through before min_wait neither). "
              "It is the highest point of the dashboard's queue chart (its thin line: the most at once "
              "between snapshots)."),
    MetricDef("queue_length_mean", "Mean queue (people)", "people", "checkout",
              "Customers waiting, averaged over time: the mean of the regular snapshots' counts."),
    MetricDef("queue_length_now", "Queue now (people)", "people", "checkout",
              "Customers waiting at the newest snapshot of the period."),
    MetricDef("queue_alerts", "Queue alerts", "count", "checkout",
              "Queue alerts (length, wait, forecast) raised in the period."),
    MetricDef("heatmap_person_s", "People's time in the picture", "seconds", "site",
              "Seconds people spent in a camera's view in the period, summed over people: the total of its "
              "heatmap (stored per hour; a period not on whole hours is summed from people's paths)."),
    MetricDef("staff_present_h", "Staff hours present", "hours", "site",
              "Sum over employees and days of the time between first and last sighting minus breaks "
              "(the timesheet's present time)."),
    MetricDef("ppe_checked", "People checked for PPE", "count", "zone",
              "Stays in a PPE zone (one person entering and leaving it) that began in the period."),
    MetricDef("ppe_compliant", "Wore the required PPE", "count", "zone",
              "Of those, stays where every required item was seen (voted \"yes\" over the stay) and no "
              "violation was raised."),
    MetricDef("ppe_compliance", "PPE compliance", "share", "zone",
              "ppe_compliant / (stays where it could be told): stays whose items stayed unknown (too small, "
              "head or torso never seen) are left out of both."),
    MetricDef("ppe_violations", "PPE violations", "count", "zone",
              "Violations that began in the period: a required item missing (voted \"no\") for the module's "
              "`after` seconds while inside the zone."),
    MetricDef("faces_identified", "Employees identified by face", "count", "site",
              "Person tracks that began in the period and were identified as an enrolled, consenting employee "
              "by face (two agreeing face shots, or one well within the match distance): `faces`/`identified`."),
    MetricDef("faces_unknown", "Unknown faces in staff zones", "count", "site",
              "Unknown-face alerts raised in the period: a person whose clear face shots match no enrolled "
              "employee, inside a staff-only zone."),
    MetricDef("visitors_seen", "Visitors recognised", "count", "site",
              "Non-employee tracks that began in the period and were given a pseudonymous visitor id "
              "(only on cameras with returning visitors on)."),
    MetricDef("visitors_returning", "Of them returning", "count", "site",
              "Of visitors_seen, tracks whose visitor id existed before the track (seen on an earlier track)."),
    MetricDef("demographics_tracks", "People with age and gender", "count", "site",
              "Non-employee tracks that began in the period whose age band and gender were voted over their "
              "face shots (a backend with those models); counted per gender and per age band. Per department "
              "(`face_numbers`): a track counts in every department zone it stayed in (`zones`/`dwell` of the "
              "same run and track), else under its camera (\"no department\")."),
    MetricDef("visitors_returning_share", "Returning visitors", "share", "site",
              "visitors_returning / visitors_seen (NaN without visitors)."),
    MetricDef("demographics_women_share", "Women (of people with age and gender)", "share", "site",
              "Tracks voted female / tracks with a gender vote, among demographics_tracks (NaN without any)."),
    MetricDef("demographics_top_band", "Most common age band", "text", "site",
              "The age band (analytics.faces.AGE_BANDS) with the most demographics_tracks; \"\" without any."),
    MetricDef("shelf_gaps", "Shelf gaps", "count", "shelf",
              "Gaps that started in the period and have ended (refilled, or the run ended): a segment whose "
              "median empty fraction over a minute stayed ≥ gap_on for the confirm time, counted once per "
              "segment and gap (shelf module)."),
    MetricDef("shelf_open_now", "Gaps open now", "count", "shelf",
              "Gaps open at the end of the period (now, for a period not over yet): confirmed before it, "
              "whenever they began, and not refilled (or their run ended) before it."),
    MetricDef("shelf_gap_hours", "Gap hours", "hours", "shelf",
              "Segment-hours of the ended gaps: each gap's start (backdated to the first empty reading) to its "
              "end, summed (one segment empty for 1 h = 1)."),
    MetricDef("shelf_restock_median_s", "Restock time (median)", "seconds", "shelf",
              "Median of the refilled gaps' start → refilled (first reading ≤ gap_off, confirmed for the "
              "clear time)."),
    MetricDef("shelf_shoppers", "Shoppers at gaps", "people", "shelf",
              "Person tracks whose box overlapped the shelf zone while one of its gaps was open, summed "
              "over gaps."),
    MetricDef("shelf_lost_sales", "Lost sales (estimate)", "money", "shelf",
              "Sum over ended gaps of gap hours × shoppers at the shelf per hour of the gap × the zone's "
              "conversion × purchase value (both entered by the user): an estimate, always shown with "
              "those inputs; none for zones without them."),
    MetricDef("objects_left", "Items left behind", "count", "site",
              "objects/left events in the period: an object still for left_after seconds whose owner "
              "(the person track it came with) was away owner_gone seconds."),
    MetricDef("objects_missing", "Items missing", "count", "site",
              "objects/missing events in the period: something taken from a watch zone that stayed "
              "missing for left_after seconds."),
)  # fmt: skip

#: Every catalogue number by key, in reading order.
CATALOGUE: dict[str, MetricDef] = {m.key: m for m in _DEFS}


# --- formulas -----------------------------------------------------------------------------------


def median(values: Iterable[float]) -> float:
    """The median (NaN for none); percentiles here use numpy's linear interpolation."""
    a = np.asarray(list(values), dtype=np.float64)
    a = a[np.isfinite(a)]
    return float(np.median(a)) if len(a) else math.nan


def p90(values: Iterable[float]) -> float:
    """The 90th percentile, linear interpolation (NaN for none)."""
    a = np.asarray(list(values), dtype=np.float64)
    a = a[np.isfinite(a)]
    return float(np.percentile(a, 90)) if len(a) else math.nan


def share(part: float, whole: float) -> float:
    """``part / whole``, NaN when ``whole`` is 0."""
    return part / whole if whole else math.nan


def abandon_rate(served: int, abandoned: int) -> float:
    """:data:`CATALOGUE` ``abandon_rate``: abandoned / (served + abandoned)."""
    return share(abandoned, served + abandoned)


def _cameras(camera: str | Sequence[str] | None) -> list[str | None]:
    if camera is None or isinstance(camera, str):
        return [camera]
    return list(camera)


# --- footfall, visits, conversion ---------------------------------------------------------------


def counting_lines(cams: Iterable[stats.CameraRow]) -> set[tuple[str, str]]:
    """(camera, line) of the lines whose crossings are ``footfall_in``/``out``.

    The entrance lines of the cameras; every line when none of them has an entrance line (a
    counting line elsewhere in the store is not an entry when the store has an entrance).
    """
    cams = list(cams)
    lines = {(c.config_id, z.config_id) for c in cams for z in c.zones if z.type == "entrance_line"}
    return lines or {(c.config_id, z.config_id) for c in cams for z in c.zones if z.is_line}


@takes_filter()
def entrance_footfall(store: Store, f: EventFilter) -> pd.DataFrame:
    """Footfall per hour on the :func:`counting_lines`: the rows of :func:`app.store.stats.footfall_by_hour`.

    ``footfall_in`` / ``footfall_out`` are their sums. ``f``: period, cameras, role, time zone (or
    the old spelling ``since, until, camera=, role=, tz=``, see :func:`app.store.query.takes_filter`).
    """
    foot = stats.footfall_by_hour(store, f)
    if foot.empty:
        return foot
    lines = counting_lines(stats.cameras(store, f.camera))
    keep = [(c, ln) in lines for c, ln in zip(foot.camera, foot.line, strict=True)]
    return foot[keep].reset_index(drop=True)


def visit_conversion(
    zones: Sequence[str], entrance: str | None, checkout: set[str] | frozenset[str]
) -> tuple[bool, bool]:
    """Whether a visit with this zone path ``came_in`` and whether it then ``went_to_checkout``.

    The funnel's rule: it came in when it crossed the entrance line (always, without one); it
    went to a checkout when a checkout zone comes after that crossing in its path.

    Example:
        >>> visit_conversion(["door", "dept", "till"], "door", {"till"})
        (True, True)
        >>> visit_conversion(["till", "door"], "door", {"till"})
        (True, False)
    """
    zones = list(zones)
    if entrance is None:
        start = 0
    elif entrance in zones:
        start = zones.index(entrance) + 1
    else:
        return False, False
    return True, any(z in checkout for z in zones[start:])


def weekday_hour_profile(foot: pd.DataFrame) -> pd.DataFrame:
    """People in per weekday × hour of the day: the mean over the period's days of that weekday.

    Args:
        foot: footfall rows (``hour`` naive local, ``in``), e.g. :func:`entrance_footfall`.

    Returns:
        Columns ``weekday`` (0 = Monday), ``hour`` (0–23), ``days`` (that weekday's days in the
        period, first to last day with data), ``mean_in``; only hours of the day that ever had
        an entry (closed hours are left out), every weekday of the period.
    """
    cols = ["weekday", "hour", "days", "mean_in"]
    if foot.empty or not foot["in"].sum():
        return pd.DataFrame(columns=cols)
    day = [h.date() for h in foot.hour]
    per = pd.DataFrame({"d": day, "h": [h.hour for h in foot.hour], "in": foot["in"].to_numpy()})
    per = per.groupby(["d", "h"], as_index=False)["in"].sum()
    all_days = pd.date_range(min(day), max(day), freq="D").date
    n_weekday = pd.Series([d.weekday() for d in all_days]).value_counts().to_dict()
    per["w"] = [d.weekday() for d in per.d]
    tot = per.groupby(["w", "h"])["in"].sum().to_dict()
    hours = sorted(h for h in per.h.unique() if per["in"][per.h == h].sum() > 0)
    rows = [(w, h, n_weekday[w], tot.get((w, h), 0) / n_weekday[w]) for w in sorted(n_weekday) for h in hours]
    return pd.DataFrame(rows, columns=cols)


def _funnel_any(
    store: Store, since: Moment, until: Moment, camera: str | None, role: Role
) -> tuple[int, int]:
    fun = stats.funnel(store, since, until, camera=camera, role=role)
    anyrow = fun[fun.department == "(any)"] if len(fun) else fun
    if anyrow.empty:
        return 0, 0
    return int(anyrow.visits.sum()), int(anyrow.checkout.fillna(0).sum())


@takes_filter()
def conversion(store: Store, f: EventFilter) -> dict[str, Any]:
    """``came_in``, ``went_to_checkout`` and ``conversion`` (the funnel's "(any department)" rows).

    ``f``: period, cameras and role (or the old spelling ``since, until, camera=, role=``).
    """
    came, went = _funnel_any(store, f.since, f.until, f.camera, f.role)
    return {"came_in": came, "went_to_checkout": went, "conversion": share(went, came)}


@takes_filter()
def visit_numbers(store: Store, f: EventFilter) -> dict[str, Any]:
    """``visits``, ``visit_median_s``, ``visit_p90_s`` (with zones: visits that passed through one of them).

    ``f``: period, cameras, zones and role (or the old spelling ``since, until, camera=, zone=, role=``).
    """
    ev = stats.visit_rows(store, f)
    sec = ev.seconds.to_numpy(np.float64) if len(ev) else np.zeros(0)
    return {"visits": len(ev), "visit_median_s": median(sec), "visit_p90_s": p90(sec)}


# --- zones --------------------------------------------------------------------------------------

ZONE_COLUMNS = ["camera", "zone", "zone_name", "type", "stays", "dwell_median_s", "dwell_p90_s",
                "zone_occupancy_peak"]  # fmt: skip


@takes_filter()
def zone_numbers(store: Store, f: EventFilter) -> pd.DataFrame:
    """Per polygon zone: ``stays``, ``dwell_median_s``, ``dwell_p90_s``, ``zone_occupancy_peak``.

    The same stays as :func:`app.store.stats.dwell_by_zone` and the same step function as
    :func:`app.store.stats.zone_occupancy` (the dashboard's charts). ``f``: period, cameras,
    zones and role (or the old spelling ``since, until, camera=, zone=, role=``).
    """
    seconds = stats.stay_seconds(store, f)
    occ = stats.zone_occupancy(store, f)
    rows = []
    for s in occ:
        sec = seconds.get((s.camera, s.zone), np.zeros(0))
        rows.append((s.camera, s.zone, s.label, s.type, len(sec), median(sec), p90(sec), s.peak))
    return pd.DataFrame(rows, columns=ZONE_COLUMNS)


PPE_COLUMNS = ["camera", "zone", "ppe_checked", "ppe_compliant", "ppe_unknown", "ppe_compliance", "ppe_violations"]


def ppe_numbers(
    store: Store, since: Moment = None, until: Moment = None, *, camera: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Per PPE zone: ``ppe_checked``, ``ppe_compliant``, ``ppe_unknown``, ``ppe_compliance``, ``ppe_violations``.

    From the ``ppe``/``check`` events (one per person's stay) and ``ppe``/``violation`` events that
    began in the period.
    """
    from app.modules.ppe.events import PPE_CHECK, PPE_VIOLATION

    f = EventFilter(since, until, camera)
    ev = events(store, [PPE_CHECK, PPE_VIOLATION], f)
    rows = []
    if len(ev):
        for (cam, zone), g in ev.groupby(["camera", "zone"], sort=True):
            checks = g[g["type"] == PPE_CHECK.type]["payload"]
            told = [p.get("compliant") for p in checks if p.get("compliant") is not None]
            ok = sum(1 for c in told if c)
            viol = int((g["type"] == PPE_VIOLATION.type).sum())
            rows.append((cam, zone, len(checks), ok, len(checks) - len(told), share(ok, len(told)), viol))
    return pd.DataFrame(rows, columns=PPE_COLUMNS)


# --- checkouts ----------------------------------------------------------------------------------

CHECKOUT_COLUMNS = [
    "camera", "zone", "checkout", "queue_customers", "queue_served", "queue_abandoned", "queue_lost",
    "abandon_rate", "wait_mean_s", "wait_p90_s", "wait_max_s", "queue_length_max", "queue_length_mean",
    "queue_length_now", "service_time_s", "queue_alerts",
]  # fmt: skip


def snapshot_peak(series: pd.DataFrame) -> pd.Series:
    """Per snapshot, the most customers waiting at once since the previous one.

    Snapshots store ``length_peak`` (the largest per-frame count since the previous snapshot);
    older databases only have ``length_raw`` (the count at the snapshot).
    """
    raw = pd.to_numeric(series["length_raw"], errors="coerce")
    if "length_peak" in series:
        peak = pd.to_numeric(series["length_peak"], errors="coerce")
        return peak.fillna(raw).where(peak.isna() | (peak >= raw), raw)
    return raw


def _checkout_row(w: pd.DataFrame, s: pd.DataFrame, services: pd.Series, alerts: int) -> dict[str, Any]:
    served = w[w["outcome"] == "served"]["wait"].to_numpy(np.float64)
    abandoned = int((w["outcome"] == "abandoned").sum())
    lost = int((w["outcome"] == "lost").sum())
    waits_all = w["wait"].to_numpy(np.float64)
    s = s.sort_values("ts", kind="stable") if len(s) else s
    return {
        "queue_customers": len(w),
        "queue_served": len(served),
        "queue_abandoned": abandoned,
        "queue_lost": lost,
        "abandon_rate": abandon_rate(len(served), abandoned),
        "wait_mean_s": float(served.mean()) if len(served) else math.nan,
        "wait_p90_s": p90(served),
        "wait_max_s": float(np.nanmax(waits_all)) if len(waits_all) else math.nan,
        "queue_length_max": float(snapshot_peak(s).max()) if len(s) else math.nan,
        "queue_length_mean": float(pd.to_numeric(s["length_raw"], errors="coerce").mean())
        if len(s)
        else math.nan,
        "queue_length_now": float(s["length_raw"].iloc[-1]) if len(s) else math.nan,
        "service_time_s": float(services.mean()) if len(services) else math.nan,
        "queue_alerts": alerts,
    }


def checkout_numbers(
    store: Store,
    since: Moment = None,
    until: Moment = None,
    *,
    camera: str | None = None,
    role: Role = "customer",
    series: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per checkout queue: the ``checkout`` numbers of :data:`CATALOGUE` (:data:`CHECKOUT_COLUMNS`).

    Args:
        store: the database.
        since: start of the period.
        until: end of the period (exclusive).
        camera: config id (default: all).
        role: whose waits count (the track's final role).
        series: the :func:`app.store.queue_stats.queue_series` of the same camera and period when
            the caller already has it.
    """
    from app.store import queue_stats as qs

    w = qs.waits(store, camera=camera, since=since, until=until)
    w = w[role_mask(w["role"], role)] if len(w) else w
    s = series if series is not None else qs.queue_series(store, camera=camera, since=since, until=until)
    al = events(store, [QUEUE_ALERT], EventFilter(since, until, camera))
    sv = events(store, [QUEUE_SERVICE], EventFilter(since, until, camera))
    keys = sorted(
        set(zip(w["camera"], w["zone"], w["checkout"], strict=True))
        | set(zip(s["camera"], s["zone"], s["checkout"], strict=True))
    )
    rows = []
    for cam, zone, checkout in keys:
        svz = sv[sv["camera"] == cam] if not sv.empty else sv
        if not svz.empty:
            svz = svz[svz["payload"].map(lambda p, z=zone: p.get("queue") == z)]
        durations = (
            pd.to_numeric(svz["payload"].map(lambda p: p.get("duration")), errors="coerce").dropna()
            if len(svz)
            else pd.Series(dtype=float)
        )
        n_alerts = int(((al["camera"] == cam) & (al["zone"] == zone)).sum()) if not al.empty else 0
        row = _checkout_row(
            w[(w["camera"] == cam) & (w["zone"] == zone)],
            s[(s["camera"] == cam) & (s["zone"] == zone)],
            durations,
            n_alerts,
        )
        rows.append({"camera": cam, "zone": zone, "checkout": checkout, **row})
    df = pd.DataFrame(rows, columns=CHECKOUT_COLUMNS)
    df.attrs.update(s.attrs)
    return df


def queue_by_hour(
    store: Store,
    since: Moment = None,
    until: Moment = None,
    *,
    camera: str | None = None,
    role: Role = "customer",
    tz: dt.tzinfo | None = None,
    series: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The checkout numbers of every local hour with queue data (a customer's wait counts in the hour they joined).

    Returns:
        Columns ``hour_ts``, ``hour`` (naive local), ``camera``, ``zone``, ``checkout``,
        ``queue_length_mean``, ``queue_length_max``, ``wait_max_s``, ``queue_customers``; the
        maximum over the hours of ``queue_length_max`` and ``wait_max_s`` is the period's.
    """
    from app.store import queue_stats as qs

    tz = tz if tz is not None else stats.site_timezone(store, camera)
    s = (
        series
        if series is not None
        else qs.queue_series(store, camera=camera, since=since, until=until, tz=tz)
    )
    w = qs.waits(store, camera=camera, since=since, until=until, tz=tz)
    w = w[role_mask(w["role"], role)] if len(w) else w
    cols = ["hour_ts", "hour", "camera", "zone", "checkout", "queue_length_mean", "queue_length_max",
            "wait_max_s", "queue_customers"]  # fmt: skip
    if s.empty and w.empty:
        return pd.DataFrame(columns=cols)
    s = s.assign(hour_ts=stats.local_hour_starts(s.ts.to_numpy(np.float64), tz), peak=snapshot_peak(s))
    w = w.assign(hour_ts=stats.local_hour_starts(w.ts.to_numpy(np.float64), tz))
    names = dict(zip(zip(s.camera, s.zone, strict=True), s.checkout, strict=True)) | dict(
        zip(zip(w.camera, w.zone, strict=True), w.checkout, strict=True)
    )
    sg = s.groupby(["camera", "zone", "hour_ts"])
    wg = w.groupby(["camera", "zone", "hour_ts"])
    a = pd.DataFrame(
        {
            "queue_length_mean": sg["length_raw"].mean(),
            "queue_length_max": sg["peak"].max(),
        }
    )
    b = pd.DataFrame({"wait_max_s": wg["wait"].max(), "queue_customers": wg.size()})
    out = a.join(b, how="outer").reset_index()
    out["queue_customers"] = out["queue_customers"].fillna(0).astype(int)
    out["checkout"] = [names.get((c, z), z) for c, z in zip(out.camera, out.zone, strict=True)]
    out["hour"] = [stats.local_time(h, tz) for h in out.hour_ts]
    return out.sort_values(["hour_ts", "camera", "zone"], ignore_index=True)[cols]


# --- site numbers -------------------------------------------------------------------------------


def key_numbers(
    store: Store,
    since: Moment = None,
    until: Moment = None,
    *,
    camera: str | Sequence[str] | None = None,
    role: Role = "customer",
    staff: bool = False,
) -> dict[str, Any]:
    """Every ``site`` number of :data:`CATALOGUE` for the period, plus the checkout numbers summed.

    Args:
        store: the database.
        since: start of the period (inclusive).
        until: end of the period (exclusive).
        camera: a config id, several, or None for every camera.
        role: ``customer``, ``staff`` or ``all``.
        staff: also ``staff_present_h`` from the timesheet (whole local days; slower).

    Returns:
        ``{key: value}`` with NaN for a number that has nothing to be computed from, plus
        ``busiest_zone`` (the zone of ``zone_occupancy_peak``) and, when the site has a checkout
        queue, the ``checkout`` numbers over every checkout (waits pooled; lengths the largest).
    """
    with stats.read_once():  # the numbers read the same events several times
        return _key_numbers(store, since, until, _cameras(camera), role, staff)


def _key_numbers(
    store: Store, since: Moment, until: Moment, cams: list[str | None], role: Role, staff: bool
) -> dict[str, Any]:
    foot = [entrance_footfall(store, since, until, camera=c, role=role) for c in cams]
    out: dict[str, Any] = {
        "footfall_in": int(sum(int(f["in"].sum()) for f in foot if len(f))),
        "footfall_out": int(sum(int(f["out"].sum()) for f in foot if len(f))),
    }
    out["people_seen"] = sum(people_seen(store, since, until, camera=c, role=role) for c in cams)
    visit_sec: list[np.ndarray] = []
    came = went = 0
    zones: list[pd.DataFrame] = []
    stays: list[np.ndarray] = []
    for c in cams:
        ev = stats.visit_rows(store, since, until, camera=c, role=role)
        visit_sec.append(ev.seconds.to_numpy(np.float64) if len(ev) else np.zeros(0))
        a, b = _funnel_any(store, since, until, c, role)
        came, went = came + a, went + b
        zones.append(zone_numbers(store, since, until, camera=c, role=role))
        stays += list(stats.stay_seconds(store, since, until, camera=c, role=role).values())
    secs = np.concatenate(visit_sec) if visit_sec else np.zeros(0)
    all_stays = np.concatenate(stays) if stays else np.zeros(0)
    out |= {
        "visits": len(secs),
        "visit_median_s": median(secs),
        "visit_p90_s": p90(secs),
        "came_in": came,
        "went_to_checkout": went,
        "conversion": share(went, came),
        "zone_stays": len(all_stays),
        "dwell_median_s": median(all_stays),
        "dwell_p90_s": p90(all_stays),
    }
    z = pd.concat([d for d in zones if len(d)] or zones[:1], ignore_index=True)
    if len(z) and z.zone_occupancy_peak.max() > 0:
        best = z.loc[z.zone_occupancy_peak.idxmax()]
        out["zone_occupancy_peak"] = int(best.zone_occupancy_peak)
        out["busiest_zone"] = str(best.zone_name)
    else:
        out["zone_occupancy_peak"] = 0
        out["busiest_zone"] = ""
    q = [checkout_numbers(store, since, until, camera=c, role=role) for c in cams]
    q = [d for d in q if len(d)]
    if q:
        out |= site_checkout_numbers(store, pd.concat(q, ignore_index=True), since, until, cams, role)
    if faces_used(store):  # a site that never ran the faces module shows none of its numbers
        out |= face_key_numbers(store, since, until, camera=[c for c in cams if c is not None] or None)
    if staff:
        out["staff_present_h"] = staff_present_hours(store, since, until)
    return out


def people_seen(
    store: Store, since: Moment = None, until: Moment = None, *, camera: str | None = None, role: Role = "customer"
) -> int:
    """``people_seen``: person tracks first seen in the period, one per role they were split into, of ``role``.

    Args:
        store: the database.
        since: start of the period (inclusive).
        until: end of the period (exclusive).
        camera: a camera's config id, or None for every camera.
        role: ``customer`` (everyone not staff), ``staff`` or ``all``.
    """
    from sqlalchemy import select

    from analytics.types import PERSON
    from app.store.schema import Camera, Track

    lo, hi = epoch(since), epoch(until)
    q = (
        select(Camera.config_id, Track.run_id, Track.tracker_id, Track.first_ts, Track.role)
        .join(Camera, Track.camera_id == Camera.id)
        .where(Track.class_id == PERSON)
    )
    q = where_camera(q, camera)
    if hi is not None:
        q = q.where(Track.first_ts < hi)
    with store.session() as s:
        tracks = s.execute(q).all()
    segs = segment_roles(store, camera, lo, hi)
    starts: list[float] = []
    roles: list[str] = []
    for cam, run, tracker, first, track_role in tracks:
        seg = segs.get((cam, run, tracker))
        if seg is None:
            starts.append(float(first))
            roles.append(track_role or "unknown")
        else:  # one person per role; the first segment starts with the track
            begun = [float(first), *seg.starts[1:]]
            for r in dict.fromkeys(seg.roles):  # a track that came back to a role came back to that person
                starts.append(begun[seg.roles.index(r)])
                roles.append(r)
    t = np.asarray(starts, np.float64)
    keep = np.ones(len(t), bool)
    if lo is not None:
        keep &= t >= lo
    if hi is not None:
        keep &= t < hi
    return int((keep & role_mask(pd.Series(roles, dtype=object), role).to_numpy(bool)).sum())


def site_checkout_numbers(
    store: Store,
    per_checkout: pd.DataFrame,
    since: Moment,
    until: Moment,
    cams: Sequence[str | None],
    role: Role,
) -> dict[str, Any]:
    """The checkout numbers over every checkout: counts summed, waits pooled, lengths the largest/summed."""
    from app.store import queue_stats as qs

    waits = [qs.waits(store, camera=c, since=since, until=until) for c in cams]
    w = pd.concat([x for x in waits if len(x)] or waits[:1], ignore_index=True)
    w = w[role_mask(w["role"], role)] if len(w) else w
    served = w[w["outcome"] == "served"]["wait"].to_numpy(np.float64) if len(w) else np.zeros(0)
    n = {k: int(per_checkout[k].sum()) for k in ("queue_customers", "queue_served", "queue_abandoned",
                                                  "queue_lost", "queue_alerts")}  # fmt: skip
    return n | {
        "abandon_rate": abandon_rate(n["queue_served"], n["queue_abandoned"]),
        "wait_mean_s": float(served.mean()) if len(served) else math.nan,
        "wait_p90_s": p90(served),
        "wait_max_s": float(per_checkout.wait_max_s.max()),
        "queue_length_max": float(per_checkout.queue_length_max.max()),
        "queue_length_mean": float(per_checkout.queue_length_mean.sum()),
        "queue_length_now": float(per_checkout.queue_length_now.sum()),
    }


def staff_present_hours(store: Store, since: Moment, until: Moment) -> float:
    """``staff_present_h``: the timesheet's present minutes over the local days of the period, in hours."""
    from app.store.timesheet import timesheet

    tz = stats.site_timezone(store)
    span = stats.data_span(store)
    if span is None:
        return 0.0
    lo = epoch(since) if since is not None else span[0]
    hi = epoch(until) if until is not None else span[1] + 1
    first = dt.datetime.fromtimestamp(lo, tz).date()
    last = dt.datetime.fromtimestamp(max(lo, hi - 1), tz).date()
    df = timesheet(store, first, last + dt.timedelta(days=1))
    return float(df.present_min.sum() / 60.0) if len(df) else 0.0


def json_value(v: Any) -> Any:
    """A number ready for JSON: NaN → None, numpy scalars → Python, whole floats of counts kept as floats."""
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if not math.isfinite(f) else round(f, 3)
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.isoformat()
    if v is pd.NaT:
        return None
    return v


def json_records(df: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows of a table as JSON-ready dicts (see :func:`json_value`)."""
    cols = list(columns) if columns is not None else list(df.columns)
    return [
        {c: json_value(v) for c, v in zip(cols, row, strict=True)} for row in df[cols].itertuples(index=False)
    ]


SHELF_COLUMNS = ["camera", "zone", "shelf_gaps", "shelf_open_now", "shelf_gap_hours", "shelf_restock_median_s",
                 "shelf_shoppers", "shelf_lost_sales", "conversion", "basket_value"]  # fmt: skip


#: Count columns of :func:`face_numbers` besides the age bands, and the catalogue key each one counts.
FACE_COUNTS = {
    "identified": "faces_identified",
    "unknown": "faces_unknown",
    "visitors": "visitors_seen",
    "returning": "visitors_returning",
    "demographics": "demographics_tracks",
    "female": "demographics_tracks",
    "male": "demographics_tracks",
}
#: What :func:`face_numbers` can group by.
FaceGroup = Literal["hour", "camera", "department"]


def _track_departments(store: Store, since: Moment, until: Moment, cams: list[str] | None) -> dict[tuple[Any, Any], list[str]]:
    """(run, tracker id) → labels of the department zones the track stayed in (``zones``/``dwell``)."""
    from app.modules.retail.events import ZONE_DWELL

    names = {
        (c.config_id, z.config_id): z.label
        for c in stats.cameras(store)
        for z in c.zones
        if z.type == "department"
    }
    if not names:
        return {}
    # a stay may begin a little before the face event's track start: read the day around the period
    lo = epoch(since)
    hi = epoch(until)
    df = events(store, [ZONE_DWELL], EventFilter(None if lo is None else lo - 86400.0,
                                                 None if hi is None else hi + 86400.0, cams, role="all"))  # fmt: skip
    out: dict[tuple[Any, Any], list[str]] = {}
    for run, tid, cam, zone in zip(df["run"], df["tracker_id"], df["camera"], df["zone"], strict=True):
        label = names.get((cam, zone))
        if label is not None:
            lst = out.setdefault((run, tid), [])
            if label not in lst:
                lst.append(label)
    return out


def face_numbers(
    store: Store,
    since: Moment = None,
    until: Moment = None,
    *,
    camera: str | Sequence[str] | None = None,
    by: Sequence[FaceGroup] = ("hour", "department"),
    tz: dt.tzinfo | None = None,
) -> pd.DataFrame:
    """The faces module's numbers per local hour, camera and/or department (the catalogue's face keys).

    Counts the period's ``faces`` events (by their track's start): ``identified``
    (faces_identified), ``unknown`` (faces_unknown), ``visitors`` / ``returning`` (visitors_seen /
    visitors_returning), ``demographics`` (demographics_tracks) split into ``female`` / ``male`` and
    one column per age band (:data:`analytics.faces.AGE_BANDS`). ``department``: each department
    zone the track stayed in (a track counts in each), else ``<camera> (no department)``.

    Args:
        store: the database.
        since: start of the period (inclusive).
        until: end of the period (exclusive).
        camera: a config id, several, or None for every camera.
        by: the grouping columns (``()`` for one row of totals).
        tz: the time zone of ``hour`` (None: the computer's).

    Returns:
        One row per group with any face event, columns ``by`` + counts (bands always present).
    """
    from analytics.faces import AGE_BANDS
    from app.modules.faces.events import FACES_ALERT, FACES_DEMOGRAPHICS, FACES_IDENTIFIED, FACES_VISITOR

    bands = [b for b, _, _ in AGE_BANDS]
    keys = [*FACE_COUNTS, *bands]
    cams = _cameras(camera)
    cam_list = None if cams == [None] else [c for c in cams if c is not None]
    df = events(store, [FACES_IDENTIFIED, FACES_ALERT, FACES_VISITOR, FACES_DEMOGRAPHICS],
                EventFilter(since, until, cam_list, role="all"))  # fmt: skip
    by = list(by)
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in keys else "object") for c in [*by, *keys]})
    depts = _track_departments(store, since, until, cam_list) if "department" in by else {}
    labels = {c.config_id: c.label for c in stats.cameras(store)}
    rows: dict[tuple[Any, ...], dict[str, int]] = {}
    for ts, typ, cam, run, tid, p in zip(df["ts"], df["type"], df["camera"], df["run"], df["tracker_id"],
                                         df["payload"], strict=True):  # fmt: skip
        where = depts.get((run, tid)) or [f"{labels.get(cam, cam)} (no department)"]
        hour = stats.local_time(ts, tz).replace(minute=0, second=0, microsecond=0)
        for dept in where if "department" in by else [None]:
            key = tuple({"hour": hour, "camera": cam, "department": dept}[g] for g in by)
            r = rows.setdefault(key, dict.fromkeys(keys, 0))
            if typ == "identified":
                r["identified"] += 1
            elif typ == "alert":
                r["unknown"] += 1
            elif typ == "visitor":
                r["visitors"] += 1
                r["returning"] += 0 if p.get("new_visitor") else 1
            elif typ == "demographics":
                r["demographics"] += 1
                if p.get("gender") in ("female", "male"):
                    r[p["gender"]] += 1
                if p.get("age_band") in bands:
                    r[p["age_band"]] += 1
    return pd.DataFrame([{**dict(zip(by, k, strict=True)), **v} for k, v in sorted(rows.items(), key=str)])


def faces_used(store: Store) -> bool:
    """Whether the faces module ever stored an event here (its numbers are shown only then)."""
    from sqlalchemy import select

    from app.store.schema import Event

    with store.session() as s:
        return s.execute(select(Event.id).where(Event.module == "faces").limit(1)).first() is not None


def face_key_numbers(
    store: Store, since: Moment = None, until: Moment = None, *, camera: str | Sequence[str] | None = None
) -> dict[str, Any]:
    """The catalogue's site-scope face numbers for the period (zeros / NaN / "" without face events)."""
    from analytics.faces import AGE_BANDS

    t = face_numbers(store, since, until, camera=camera, by=())
    tot = {k: int(t[k].sum()) for k in t.columns} if len(t) else {k: 0 for k in t.columns}
    bands = [b for b, _, _ in AGE_BANDS]
    counts = [tot.get(b, 0) for b in bands]
    return {
        "faces_identified": tot["identified"],
        "faces_unknown": tot["unknown"],
        "visitors_seen": tot["visitors"],
        "visitors_returning": tot["returning"],
        "visitors_returning_share": share(tot["returning"], tot["visitors"]),
        "demographics_tracks": tot["demographics"],
        "demographics_women_share": share(tot["female"], tot["female"] + tot["male"]),
        "demographics_top_band": bands[int(np.argmax(counts))] if any(counts) else "",
    }


def shelf_numbers(
    store: Store, since: float | None = None, until: float | None = None, *, camera: str | None = None
) -> pd.DataFrame:
    """Per shelf zone with gaps in [since, until): the ``shelf_*`` numbers and the estimate's inputs.

    ``shelf_restock_median_s`` is NaN without refilled gaps; ``shelf_lost_sales``, ``conversion``
    and ``basket_value`` are NaN for zones without a purchase value and conversion.
    """
    from app.shelves.stats import shelf_summary

    nan = float("nan")
    rows = [
        (z.camera, z.zone, z.gaps, z.open_now, z.gap_hours,
         nan if z.restock_median_s is None else z.restock_median_s, z.shoppers,
         nan if z.lost_value is None else z.lost_value, nan if z.conversion is None else z.conversion,
         nan if z.basket_value is None else z.basket_value)
        for z in shelf_summary(store, camera=camera, since=since, until=until)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=SHELF_COLUMNS)


def object_numbers(
    store: Store, since: float | None = None, until: float | None = None, *, camera: str | None = None
) -> dict[str, int]:
    """``objects_left`` and ``objects_missing`` in [since, until)."""
    from app.store import queries

    return {
        f"objects_{t}": len(queries.events(store, camera, module="objects", type=t, since=since, until=until, limit=None))
        for t in ("left", "missing")
    }


def catalogue_markdown() -> str:
    """The catalogue as the Markdown table of ``docs/metrics.md``."""
    lines = ["| key | what a person reads | unit | per | definition |", "|---|---|---|---|---|"]
    for m in CATALOGUE.values():
        lines.append(f"| `{m.key}` | {m.name} | {m.unit} | {m.scope} | {m.definition} |")
    return "\n".join(lines)


# --- several stores (head office) ----------------------------------------------------------------

#: Site numbers of several stores that are the largest of the stores' values (peaks, maxima).
_COMBINED_MAX = frozenset({"zone_occupancy_peak", "queue_length_max", "wait_max_s"})
#: Site numbers of several stores that are sums (also the mean and current queue lengths: people in queues).
_COMBINED_SUM_PEOPLE = frozenset({"queue_length_mean", "queue_length_now"})


def combine_site_numbers(per_store: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The "all stores" row of a chain from each store's :func:`key_numbers`.

    Counts, hours and money add up; peaks and maxima are the largest store's; shares are computed
    again from the summed counts (``conversion`` = went to checkout ÷ came in, ``abandon_rate``);
    medians, percentiles and means of durations are **not** combined (NaN): they need every
    store's events pooled, and an average of medians would be a different number.

    Example:
        >>> n = combine_site_numbers([{"footfall_in": 3, "came_in": 2, "went_to_checkout": 1, "visit_median_s": 60.0},
        ...                           {"footfall_in": 5, "came_in": 2, "went_to_checkout": 2, "visit_median_s": 90.0}])
        >>> n["footfall_in"], n["conversion"], math.isnan(n["visit_median_s"])
        (8, 0.75, True)
    """
    keys = list(dict.fromkeys(k for d in per_store for k in d))
    out: dict[str, Any] = {}
    for key in keys:
        values = [d[key] for d in per_store if key in d]
        nums = [v for v in values if isinstance(v, int | float) and not (isinstance(v, float) and math.isnan(v))]
        m = CATALOGUE.get(key)
        if m is None or m.unit == "text":
            continue
        if key in _COMBINED_MAX:
            out[key] = max(nums) if nums else math.nan
        elif m.unit in ("count", "hours", "money") or key in _COMBINED_SUM_PEOPLE:
            out[key] = sum(nums) if nums else 0
        else:
            out[key] = math.nan
    if "came_in" in out:
        out["conversion"] = share(out.get("went_to_checkout", 0), out["came_in"])
    if "queue_served" in out:
        out["abandon_rate"] = abandon_rate(out["queue_served"], out.get("queue_abandoned", 0))
    return out
