"""``storesight stats`` and ``storesight heatmap``: what the database says about a period.

``stats`` prints footfall by hour, occupancy peaks, dwell per zone, visits and the funnel;
``heatmap`` draws the summed heatmap (and optionally people's paths) over the camera's stored
background into PNG files. Dates are ``YYYY-MM-DD`` or ISO datetimes in the site's time zone
(``site.timezone``; the computer's local time when it is not set); ``--to`` is exclusive, and a
date alone as ``--to`` means the end of that day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from app.errors import UserError
from app.opening_hours import Week
from app.opening_hours import describe as describe_hours
from app.redaction import sanitize
from app.store import stats
from app.store.db import Store, open_store, parse_url
from app.store.query import ROLE_WORDS as ROLE_WORDS
from app.store.runs import partial_runs, partial_warning
from app.store.stats import Role

EXIT_BAD_ARGS = 2


def parse_moment(text: str, tz: dt.tzinfo | None, *, end: bool = False, option: str = "--from") -> float:
    """A ``--from``/``--to`` value as epoch seconds.

    Args:
        text: ``YYYY-MM-DD`` or an ISO datetime (with or without offset; ``Z`` allowed).
        tz: the zone of times without an offset (None: the computer's local time).
        end: a date alone means the *end* of that day (next midnight).
        option: the option's name for the error message.

    Raises:
        UserError: not a date (exit code 2).

    Example:
        >>> import zoneinfo
        >>> parse_moment("2026-11-20", zoneinfo.ZoneInfo("UTC"), end=True)
        1795219200.0
    """
    t = text.strip()
    try:
        if len(t) == 10:
            day = dt.date.fromisoformat(t)
            moment = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time())
        else:
            moment = dt.datetime.fromisoformat(t)
    except ValueError:
        raise UserError(
            f"{option}: {text!r} is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)", EXIT_BAD_ARGS
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz) if tz is not None else moment.astimezone()
    return moment.timestamp()


def open_db(url: str | None) -> Store:
    """Open the database for reading stats; a SQLite file that does not exist is an error, not a new DB.

    Raises:
        UserError: no such file (exit code 2), or the database cannot be used.
    """
    parsed = parse_url(url)
    db = parsed.database
    if parsed.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith("file:"):
        path = Path(db).expanduser()
        if not path.is_file():
            raise UserError(f"--db: database file not found: {path}", EXIT_BAD_ARGS)
    return open_store(parsed, read_only_ok=True)


def data_folder(url: str | None, given: Path | None) -> Path:
    """Where backgrounds are: ``--data-dir``, else the SQLite file's folder, else the default data folder."""
    if given is not None:
        return given.expanduser()
    parsed = parse_url(url)
    db = parsed.database
    if parsed.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith("file:"):
        return Path(db).expanduser().absolute().parent
    from app.paths import data_dir

    return data_dir()


# --- period -------------------------------------------------------------------------------------


def resolve_period(
    store: Store, args: argparse.Namespace, camera: str | None
) -> tuple[float | None, float | None, dt.tzinfo | None]:
    """``--from``/``--to`` as epoch seconds in the site's time zone, and that zone (None: local).

    Raises:
        UserError: a bad date, or ``--from`` not before ``--to`` (exit code 2).
    """
    tz = stats.site_timezone(store, camera)
    since = parse_moment(args.since, tz, option="--from") if args.since else None
    until = parse_moment(args.until, tz, end=True, option="--to") if args.until else None
    if since is not None and until is not None and since >= until:
        raise UserError("--from must be before --to", EXIT_BAD_ARGS)
    return since, until, tz


def _when(ts: float, tz: dt.tzinfo | None, *, date: bool = True) -> str:
    t = stats.local_time(ts, tz)
    text = t.strftime("%Y-%m-%d %H:%M" if date else "%H:%M")
    return text + t.strftime(":%S") if t.second else text


def describe_period(
    since: float | None, until: float | None, tz: dt.tzinfo | None, span: tuple[float, float] | None
) -> str:
    """The period as people read it, e.g. ``2026-11-20 10:00 – 10:01:19 (all data)``.

    An open end is filled in from the stored data (``span``) when the data lies inside the period.
    """
    lo = since if since is not None else (span[0] if span and (until is None or span[0] < until) else None)
    hi = until if until is not None else (span[1] if span and (since is None or span[1] >= since) else None)
    if lo is None and hi is None:
        return "all data (none stored)"
    if hi is None:
        return f"from {_when(lo, tz)}"  # type: ignore[arg-type]
    if lo is None:
        return f"until {_when(hi, tz)}"
    same_day = stats.local_time(lo, tz).date() == stats.local_time(hi, tz).date()
    text = f"{_when(lo, tz)} – {_when(hi, tz, date=not same_day)}"
    if since is None and until is None:
        text += " (all data)"
    return text


# --- tables -------------------------------------------------------------------------------------


def fmt_duration(s: float | None) -> str:
    """Seconds for people: ``12.3 s``, ``4 min 05 s``, ``1 h 02 min``; ``-`` for none.

    Example:
        >>> fmt_duration(12.34), fmt_duration(245), fmt_duration(3720), fmt_duration(float("nan"))
        ('12.3 s', '4 min 05 s', '1 h 02 min', '-')
    """
    if s is None or not math.isfinite(s):
        return "-"
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        m, sec = divmod(round(s), 60)
        return f"{m} min {sec:02d} s"
    h, m = divmod(round(s / 60), 60)
    return f"{h} h {m:02d} min"


def fmt_share(x: float | None) -> str:
    """A share as a percentage, ``-`` for none."""
    return "-" if x is None or not math.isfinite(x) else f"{100 * x:.0f} %"


def fmt_metric(key: str, value: Any) -> str:
    """A catalogue number as people read it (by its unit in :data:`app.store.metrics.CATALOGUE`)."""
    from app.store.metrics import CATALOGUE

    unit = CATALOGUE[key].unit if key in CATALOGUE else "text"
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if unit == "seconds":
        return fmt_duration(value)
    if unit == "share":
        return fmt_share(value)
    if unit == "hours":
        return f"{value:.1f} h"
    if unit == "count" or (unit == "people" and float(value).is_integer()):
        return f"{value:.0f}"
    if unit == "people":
        return f"{value:.1f}"
    return str(value)


def iso(ts: float | None, tz: dt.tzinfo | None) -> str | None:
    """Epoch seconds as an ISO time with the site's offset (None stays None)."""
    if ts is None:
        return None
    return (
        dt.datetime.fromtimestamp(ts, tz).astimezone(tz).isoformat()
        if tz
        else dt.datetime.fromtimestamp(ts).astimezone().isoformat()
    )


def print_json(
    command: str,
    since: float | None,
    until: float | None,
    tz: dt.tzinfo | None,
    role: str,
    body: dict[str, Any],
) -> None:
    """Print one JSON object: the command, its period and role, then ``body`` (keys from the catalogue)."""
    import json

    head = {
        "command": command,
        "period": {"from": iso(since, tz), "to": iso(until, tz), "timezone": stats.timezone_name(tz)},
        "role": role,
    }
    print(json.dumps(head | body, ensure_ascii=False, indent=1, default=str))


def key_numbers_table(
    now: dict[str, Any], before: dict[str, Any] | None, label: str = "previous period"
) -> str:
    """The catalogue's site numbers, with the previous period of the same length and the change."""
    from app.store.metrics import CATALOGUE

    rows = []
    for key, m in CATALOGUE.items():
        if key not in now:
            continue
        row = [m.name, fmt_metric(key, now[key])]
        if before is not None:
            b = before.get(key)
            row.append(fmt_metric(key, b))
            a = now[key]
            ok = (
                isinstance(a, (int, float))
                and isinstance(b, (int, float))
                and math.isfinite(a)
                and math.isfinite(b)
            )
            if not ok:
                row.append("-")
            elif m.unit == "share":
                row.append(f"{100 * (a - b):+.0f} pp")
            elif b:
                row.append(f"{100 * (a - b) / b:+.0f} %")
            else:
                row.append("new" if a else "0")
        if key == "zone_occupancy_peak" and now.get("busiest_zone"):
            row[0] += f" ({now['busiest_zone']})"
        rows.append(row)
    head = ["number", "this period"] + ([label, "change"] if before is not None else [])
    return table(head, rows)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table: the first column left-aligned, the others right-aligned."""
    cells = [[sanitize(str(h)) for h in headers], *[[sanitize(str(c)) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _zone_label(df: pd.DataFrame, name_col: str, id_col: str, many_cameras: bool) -> list[str]:
    return [
        f"{cam} / {name}" if many_cameras else str(name)
        for cam, name in zip(df.camera, df[name_col].fillna(df[id_col]), strict=True)
    ]


def _labelled(df: pd.DataFrame, place: str, many_cameras: bool, *cols: str) -> Iterator[tuple[Any, ...]]:
    """``(label, *values)`` per row: the zone/department label (``place``_name, else its id) and ``cols``."""
    return zip(_zone_label(df, f"{place}_name", place, many_cameras), *(df[c] for c in cols), strict=True)


def footfall_table(df: pd.DataFrame, many_cameras: bool, week: Week | None = None) -> str:
    """Footfall by hour as rows of hours and an in/out column pair per line, with totals.

    Hours without any crossing (a closed store, a night) are folded into one line saying how many.
    With the site's opening hours (``week``), hours outside them are folded too when empty; those
    with crossings are shown and labelled "outside opening hours".
    """
    if df.empty:
        return "(no line crossings)"
    df = df.assign(label=_zone_label(df, "line_name", "line", many_cameras))
    labels = list(dict.fromkeys(df.label))
    hours = list(dict.fromkeys(df.hour_ts))
    by = {(h, lb): (i, o) for h, lb, i, o in zip(df.hour_ts, df.label, df["in"], df["out"], strict=True)}
    busy = set(df.hour_ts[(df["in"] + df["out"]) > 0])
    tz_hours = dict(zip(df.hour_ts, df.hour, strict=True))
    is_open = dict(zip(hours, stats.open_hours_mask([tz_hours[h] for h in hours], week), strict=True))
    rows = []
    folded = closed = 0
    for h in hours:
        if h not in busy:
            folded += 1
            closed += not is_open[h]
            continue
        label = tz_hours[h].strftime("%Y-%m-%d %H:00")
        row: list[Any] = [label if is_open[h] else f"{label} outside opening hours"]
        for lb in labels:
            row.extend(by.get((h, lb), (0, 0)))
        rows.append(row)
    total: list[Any] = ["total"]
    for lb in labels:
        total.extend([int(df["in"][df.label == lb].sum()), int(df["out"][df.label == lb].sum())])
    rows.append(total)
    headers = ["hour", *[f"{lb} {d}" for lb in labels for d in ("in", "out")]]
    text = table(headers, rows)
    if folded:
        of = f", {closed} of them outside opening hours" if week is not None else ""
        text += f"\n({folded} hour{'s' * (folded != 1)} without any crossing not shown{of})"
    return text


def footfall_day_table(df: pd.DataFrame, many_cameras: bool) -> str:
    """Footfall per local day (with its weekday) and line, days without crossings folded."""
    if df.empty:
        return "(no line crossings)"
    df = df.assign(label=_zone_label(df, "line_name", "line", many_cameras), day=[h.date() for h in df.hour])
    labels = list(dict.fromkeys(df.label))
    g = df.groupby(["day", "label"])[["in", "out"]].sum()
    days = sorted(df.day.unique())
    rows = []
    for d in days:
        vals = [int(v) for lb in labels for v in (g.loc[(d, lb)] if (d, lb) in g.index else (0, 0))]
        if any(vals):
            rows.append([d.strftime("%a %Y-%m-%d"), *vals])
    rows.append(["total", *[int(df[c][df.label == lb].sum()) for lb in labels for c in ("in", "out")]])
    text = table(["day", *[f"{lb} {d}" for lb in labels for d in ("in", "out")]], rows)
    if len(days) + 1 > len(rows):
        n = len(days) + 1 - len(rows)
        text += f"\n({n} day{'s' * (n != 1)} without any crossing not shown)"
    return text


def profile_table(df: pd.DataFrame, week: Week | None = None) -> str:
    """People in per hour of the day × weekday (:func:`app.store.metrics.weekday_hour_profile`).

    With the site's opening hours (``week``), cells outside them are marked ``*`` (footnote below).
    """
    from app.opening_hours import is_open_hour
    from app.store.metrics import weekday_hour_profile

    prof = weekday_hour_profile(df)
    if prof.empty:
        return "(no entries)"
    hours = sorted(prof.hour.unique())
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    monday = dt.datetime(2024, 1, 1)  # a Monday: weekday w, hour h is monday + w days + h hours

    def shut(w: int, h: int) -> bool:
        return week is not None and not is_open_hour(week, monday + dt.timedelta(days=w, hours=int(h)))

    rows = []
    marked = False
    for w, g in prof.groupby("weekday"):
        means = dict(zip(g.hour, g.mean_in, strict=True))
        cells = []
        for h in hours:
            star = shut(int(w), h) and means.get(h, 0.0) > 0
            marked |= star
            cells.append(f"{means.get(h, 0.0):.0f}" + ("*" if star else ""))
        rows.append([f"{names[int(w)]} ({int(g.days.iloc[0])})", *cells])
    text = table(["weekday (days)", *(f"{h:02d}" for h in hours)], rows)
    return text + ("\n(* outside opening hours)" if marked else "")


def occupancy_table(df: pd.DataFrame, many_cameras: bool) -> str:
    """Occupancy peaks per zone."""
    if df.empty:
        return "(no zones)"
    rows = [
        [
            label,
            peak,
            "-" if pd.isna(at) else at.strftime("%Y-%m-%d %H:%M:%S"),
            fmt_duration(s) if peak else "-",
        ]
        for label, peak, at, s in _labelled(df, "zone", many_cameras, "peak", "peak_at", "at_peak_s")
    ]
    return table(["zone", "most people at once", "first at", "time at that level"], rows)


def dwell_table(df: pd.DataFrame, many_cameras: bool) -> str:
    """Dwell per zone: stays and mean/median/p90/max time."""
    if df.empty:
        return "(no zones)"
    rows = [
        [label, n, *(fmt_duration(v) for v in vals)]
        for label, n, *vals in _labelled(
            df, "zone", many_cameras, "stays", "mean_s", "median_s", "p90_s", "max_s"
        )
    ]
    return table(["zone", "stays", "mean", "median", "p90", "longest"], rows)


def visits_table(df: pd.DataFrame) -> str:
    """Visits per camera: count and time in store."""
    if df.empty:
        return "(no visits)"
    rows = [
        [cam, n, fmt_duration(m), fmt_duration(md), fmt_duration(p)]
        for cam, n, m, md, p in zip(df.camera, df.visits, df.mean_s, df.median_s, df.p90_s, strict=True)
    ]
    return table(["camera", "visits", "mean time in store", "median", "p90"], rows)


def funnel_table(df: pd.DataFrame, many_cameras: bool) -> str:
    """The funnel: per department, came in → entered it → then went to checkout."""
    if df.empty:
        return "(no visits)"
    rows = [
        [label, n, r, fmt_share(rs), "-" if pd.isna(c) else int(c), fmt_share(cs)]
        for label, n, r, rs, c, cs in _labelled(
            df, "department", many_cameras, "visits", "reached", "reached_share", "checkout", "checkout_share"
        )
    ]
    return table(["department", "came in", "entered it", "share", "then checkout", "share"], rows)


# --- commands -----------------------------------------------------------------------------------


#: Periods longer than this many days show footfall per day and the weekday × hour profile.
LONG_PERIOD_DAYS = 2
#: "Last year": 52 weeks earlier, so weekdays line up.
YEAR = 364 * 86400.0


def cmd_stats(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight stats``: key numbers, footfall, occupancy peaks, dwell, visits and funnel for a period."""
    from app.store import metrics

    store = open_db(args.db)
    try:
        cams = stats.cameras(store, args.camera)
        if args.zone:
            stats.check_zone(cams, args.zone)
        since, until, tz = resolve_period(store, args, args.camera)
        role: Role = args.role
        span = stats.data_span(store, args.camera)
        period = describe_period(since, until, tz, span)
        kw: dict[str, Any] = {"camera": args.camera, "zone": args.zone, "role": role}
        foot = stats.footfall_by_hour(store, since, until, tz=tz, **kw)
        occ = stats.occupancy_peaks(store, since, until, tz=tz, **kw)
        dwell = stats.dwell_by_zone(store, since, until, **kw)
        visits = stats.visits_summary(store, since, until, **kw)
        fun = stats.funnel(store, since, until, **kw)
        nums = metrics.key_numbers(store, since, until, camera=args.camera, role=role)
        week = stats.site_opening_hours(store, args.camera)
        before = last_year = None
        no_previous = False
        if since is not None and until is not None:
            before = metrics.key_numbers(store, 2 * since - until, since, camera=args.camera, role=role)
            if not any(before.get(k) for k in ("footfall_in", "visits", "zone_stays", "queue_customers")):
                before = None  # nothing stored then: no comparison rather than a column of zeros
                no_previous = True
            if span is not None and span[0] <= since - YEAR:  # the same weekdays 52 weeks earlier
                last_year = metrics.key_numbers(
                    store, since - YEAR, until - YEAR, camera=args.camera, role=role
                )
        entries = metrics.entrance_footfall(store, since, until, camera=args.camera, role=role, tz=tz)
        zones = metrics.zone_numbers(store, since, until, **kw)
        faces = (
            metrics.face_numbers(store, since, until, camera=args.camera, by=("hour", "department"), tz=tz)
            if "demographics_tracks" in nums
            else None
        )
        zone_visits = metrics.visit_numbers(store, since, until, **kw) if args.zone else None
        partial = partial_runs(store, since, until, [c.config_id for c in cams])
    finally:
        store.close()
    if partial:
        print(partial_warning(partial), file=sys.stderr)
    empty = foot.empty and not dwell.stays.sum() and visits.empty and not occ.peak.sum()
    if args.json:
        body: dict[str, Any] = {
            "camera": args.camera,
            "zone": args.zone,
            "no_data": bool(empty),
            "numbers": {k: metrics.json_value(v) for k, v in nums.items()},
            "previous": {k: metrics.json_value(v) for k, v in before.items()} if before is not None else None,
            "last_year": {k: metrics.json_value(v) for k, v in last_year.items()} if last_year else None,
            "zones": metrics.json_records(zones),
            "opening_hours": describe_hours(week) if week is not None else None,
            "footfall_by_hour": metrics.json_records(
                foot.assign(open=stats.open_hours_mask(foot.hour, week)),
                ["hour", "camera", "line", "in", "out", "open"],
            ),
            "funnel": metrics.json_records(fun),
            "partial_runs": [
                {"run": r.id, "camera": r.camera, "status": r.status, "reason": r.reason} for r in partial
            ],
        }
        if zone_visits is not None:
            body["zone_visits"] = {k: metrics.json_value(v) for k, v in zone_visits.items()}
        if faces is not None:
            body["faces_by_hour_department"] = metrics.json_records(faces)
        print_json("stats", since, until, tz, role, body)
        return 0
    many = len(cams) > 1
    sites = ", ".join(sorted({c.site for c in cams}))
    print(f"StoreSight statistics — {sanitize(sites)}")
    print(f"cameras: {sanitize(', '.join(f'{c.config_id} ({c.label})' for c in cams))}")
    print(f"period: {period}; times in {stats.timezone_name(tz)}")
    print(f"people: {ROLE_WORDS[role]}" + (f"; zone: {args.zone}" if args.zone else ""))
    if week is not None:
        print(f"opening hours: {describe_hours(week)}")
    if empty:
        who = f"camera {args.camera}" if args.camera else "any camera"
        where = f" in zone {args.zone}" if args.zone else ""
        print(f"\nno data: nothing recorded for {who}{where} ({ROLE_WORDS[role]}) in this period")
        return 0
    lo = since if since is not None else (span[0] if span else 0.0)
    hi = until if until is not None else (span[1] if span else 0.0)
    long = hi - lo > LONG_PERIOD_DAYS * 86400
    key_title = (
        "Key numbers (docs/metrics.md)"
        + (" of the whole site" if args.zone else "")
        + (
            f", against the previous {describe_length(until - since)}" if before is not None else ""  # type: ignore[operator]
        )
    )
    if no_previous:
        key_title += f" (nothing stored in the previous {describe_length(until - since)} to compare with)"  # type: ignore[operator]
    sections = [(key_title, key_numbers_table(nums, before))]
    if last_year is not None:
        sections.append(
            (
                "The same period 52 weeks earlier (same weekdays)",
                key_numbers_table(nums, last_year, "52 weeks earlier"),
            )
        )
    if long:
        sections += [
            ("Footfall by day (people crossing each line)", footfall_day_table(foot, many)),
            (
                "People in by hour of the day and weekday (mean per day of that weekday; closed hours left out)",
                profile_table(entries, week),
            ),
        ]
    else:
        sections.append(("Footfall by hour (people crossing each line)", footfall_table(foot, many, week)))
    visits_title = "Visits (time in store, from the entrance in to out)"
    if args.zone:
        visits_title = (
            f"Visits that passed through {args.zone} (of all {nums['visits']} visits; time in store)"
        )
    sections += [
        ("Occupancy peaks (most people in a zone at the same time)", occupancy_table(occ, many)),
        ("Dwell per zone (time spent in the zone per stay)", dwell_table(dwell, many)),
        (visits_title, visits_table(visits)),
        (
            "Funnel (came in = visits that crossed the entrance in; → entered the department → then went to "
            "a checkout zone, in that order)",
            funnel_table(fun, many),
        ),
    ]
    if faces is not None and len(faces):
        sections.append(
            (
                "Faces per department (a person counts in each department zone they stayed in; docs/metrics.md)",
                faces_table(faces),
            )
        )
    for title, body_text in sections:
        print(f"\n{title}\n{body_text}")
    return 0


def faces_table(df: Any) -> str:
    """Face numbers per department over the period: visitors, returning, women, men, age bands."""
    from analytics.faces import AGE_BANDS

    bands = [b for b, _, _ in AGE_BANDS if df[b].any()]
    per = df.groupby("department", sort=True)[["visitors", "returning", "demographics", "female", "male", *bands]].sum()
    rows = [[d, *(int(v) for v in r)] for d, r in per.iterrows()]
    return table(["department", "visitors", "returning", "with age/gender", "women", "men", *bands], rows)


def describe_length(seconds: float) -> str:
    """A period's length in words: ``7 days``, ``1 day``, ``3 hours``, ``10 minutes``."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if (seconds >= size and seconds % size == 0) or unit == "minute":
            n = seconds / size
            n_text = f"{n:.0f}" if n == int(n) else f"{n:.1f}"
            return f"{n_text} {unit}{'s' * (n != 1)}"
    return f"{seconds:.0f} s"


def check_output(path: Path, option: str) -> Path:
    """Make sure a PNG can be written at ``path`` (its folder is created if missing).

    Raises:
        UserError: a folder is in the way or the folder cannot be created or written (exit code 2).
    """
    path = path.expanduser()
    if path.is_dir():
        raise UserError(f"{option}: {path} is a folder; give a file name such as heatmap.png", EXIT_BAD_ARGS)
    folder = path.absolute().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(
            f"{option}: cannot create the folder {folder} ({e.strerror or e})", EXIT_BAD_ARGS
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"{option}: the folder {folder} is not writable", EXIT_BAD_ARGS)
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file through a temporary file in the same folder and a rename.

    Raises:
        UserError: it could not be written.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {path} ({e.strerror or e})") from None


def cmd_heatmap(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight heatmap``: a camera's heatmap (and paths) for a period, as PNG pictures."""
    from app.pictures import camera_picture
    from app.render import encode_png

    png = check_output(args.png, "--png")
    paths_png = check_output(args.paths, "--paths") if args.paths else None
    folder = data_folder(args.db, args.data_dir)
    store = open_db(args.db)
    try:
        cam = stats.cameras(store, args.camera)[0]
        since, until, tz = resolve_period(store, args, cam.config_id)
        period = describe_period(since, until, tz, stats.data_span(store, cam.config_id))
        if args.json:
            from app.store.metrics import json_value

            grid = stats.heatmap_grid(store, cam.config_id, since, until, role=args.role)
            n_paths = (
                len(stats.track_paths(store, cam.config_id, since, until, role=args.role))
                if paths_png
                else None
            )
            body = {
                "camera": cam.config_id,
                "no_data": grid is None or grid.seconds <= 0,
                "numbers": {"heatmap_person_s": json_value(grid.seconds if grid is not None else 0.0)},
                "source": None if grid is None else ("stored hours" if grid.hours else "paths"),
                "stored_hours": grid.hours if grid is not None else 0,
                "paths": n_paths,
            }
            print_json("heatmap", since, until, tz, args.role, body)
            return 0
        kw = {"data_dir": folder, "role": args.role, "period": period}
        heat = camera_picture(store, cam.config_id, since, until, **kw)
        walked = camera_picture(store, cam.config_id, since, until, paths=True, **kw) if paths_png else None
    finally:
        store.close()
    if heat.image is None:  # an empty period is "no data", not an error
        print(f"no data: {heat.note}; no picture written")
        return 0
    if heat.warning:
        print(f"storesight: warning: {heat.warning}", file=sys.stderr)
    write_atomic(png, encode_png(heat.image))
    print(f"heatmap: {png} ({heat.image.shape[1]}x{heat.image.shape[0]} px; {heat.note})")
    if walked is not None and walked.image is None:
        print(f"no data: {walked.note}")
    elif paths_png is not None and walked is not None and walked.image is not None:
        write_atomic(paths_png, encode_png(walked.image))
        print(
            f"paths: {paths_png} ({walked.image.shape[1]}x{walked.image.shape[0]} px; {walked.count} tracks)"
        )
    return 0
