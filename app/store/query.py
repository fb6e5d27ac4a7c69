"""The public query API over stored events: a filter and one events query.

Every statistic (store stats, behaviour, queues, timesheets) and the GUI read events the same
way: an :class:`EventFilter` (period, cameras, zones, role, time zone) and :func:`events`, which
returns one DataFrame per call with the *final* role of each event's track
(:func:`app.store.event_rows.final_role`) and the zone from the payload where the event has no
zone row. Event types come from the catalogue (:mod:`app.events`), never as bare strings.

Conventions (the same as :mod:`app.store.stats`): the period is ``[since, until)`` in epoch
seconds or aware datetimes, ``None`` = open; an event belongs to it by its start ``ts`` (with
``overlap=True``: interval events overlapping it). Role ``customer`` is everyone not staff.

Example:
    >>> from app.store.db import open_store
    >>> from app.modules.retail.events import ZONE_DWELL
    >>> events(open_store("sqlite://"), [ZONE_DWELL], EventFilter(since=0, role="customer")).columns.tolist()
    ['ts', 'ts_end', 'type', 'camera', 'zone', 'run', 'tracker_id', 'role', 'payload']
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Select, and_, func, or_, select

from app.store.db import Store
from app.store.event_rows import DECIDED, STAFF, fetch_events, final_role, payload_text
from app.store.schema import Camera, Event, RoleLabel, Track, Zone

if TYPE_CHECKING:
    from app.events import EventType

Role = Literal["customer", "staff", "all"]
ROLES: tuple[Role, ...] = ("customer", "staff", "all")
Moment = float | dt.datetime | None
#: Whose numbers, in words (CLI, reports, GUI).
ROLE_WORDS: dict[str, str] = {
    "customer": "customers (everyone not marked as staff)",
    "staff": "staff only",
    "all": "everyone (customers and staff)",
}
#: The same, short (picture subtitles, menus).
ROLE_SHORT: dict[str, str] = {"customer": "customers (all but staff)", "staff": "staff only", "all": "everyone"}
Cameras = int | str | Sequence[int | str] | None

#: Columns of :func:`events`.
EVENT_COLUMNS = ["ts", "ts_end", "type", "camera", "zone", "run", "tracker_id", "role", "payload"]


def epoch(t: Moment) -> float | None:
    """Epoch seconds of a moment (a number, an aware datetime or None).

    Example:
        >>> epoch(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)), epoch(None)
        (1767225600.0, None)
    """
    if t is None:
        return None
    return t.timestamp() if isinstance(t, dt.datetime) else float(t)


def where_camera(q: Select[Any], camera: Cameras) -> Select[Any]:
    """Restrict a query joined with :class:`Camera` to cameras (row ids or config ids; None: all)."""
    if camera is None:
        return q
    if isinstance(camera, (int, str)):
        return (
            q.where(Camera.id == camera) if isinstance(camera, int) else q.where(Camera.config_id == camera)
        )
    ids = [c for c in camera if isinstance(c, int)]
    names = [c for c in camera if isinstance(c, str)]
    return q.where(or_(Camera.id.in_(ids), Camera.config_id.in_(names)))


def where_events(
    q: Select[Any],
    *,
    camera: Cameras = None,
    module: str | None = None,
    type: str | None = None,
    since: Moment = None,
    until: Moment = None,
) -> Select[Any]:
    """Restrict a query over :class:`Event` (joined with :class:`Camera` when ``camera`` is given).

    Each filter left None keeps everything: cameras (see :func:`where_camera`), the event's
    module and type, and its start ``ts`` in ``[since, until)``.
    """
    q = where_camera(q, camera)
    if module is not None:
        q = q.where(Event.module == module)
    if type is not None:
        q = q.where(Event.type == type)
    if since is not None:
        q = q.where(Event.ts >= epoch(since))
    if until is not None:
        q = q.where(Event.ts < epoch(until))
    return q


def check_role(role: str) -> None:
    """Raise ``ValueError`` for a role that is not ``customer``, ``staff`` or ``all``."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def role_mask(roles: pd.Series, role: Role) -> pd.Series:
    """Which rows count for ``role`` (``customer``: everyone not staff).

    Example:
        >>> role_mask(pd.Series(["staff", "unknown", "customer"]), "customer").tolist()
        [False, True, True]
    """
    check_role(role)
    if role == "all":
        return pd.Series(True, index=roles.index)
    return roles == STAFF if role == STAFF else roles != STAFF


def resolve_tz(store: Store, tz: dt.tzinfo | str | None, camera: int | str | None = None) -> dt.tzinfo | None:
    """The time zone to show times in: ``tz`` as given, ``"local"`` = the computer's, None = the site's."""
    if tz is None:
        from app.store.stats import site_timezone

        return site_timezone(store, camera)
    if isinstance(tz, str):
        return None if tz == "local" else ZoneInfo(tz)
    return tz


def timezone_name(tz: dt.tzinfo | None) -> str:
    """A readable name of a zone from :func:`resolve_tz` (None: the computer's local time)."""
    if tz is None:
        local = dt.datetime.now().astimezone()
        return f"local time of this computer ({local.tzname()})"
    return str(getattr(tz, "key", None) or tz)


def with_timezone(df: pd.DataFrame, tz: dt.tzinfo | None) -> pd.DataFrame:
    """Label a table with the time zone of its clock times (``df.attrs["timezone"]``)."""
    df.attrs["timezone"] = timezone_name(tz)
    return df


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events a question is about.

    Attributes:
        since: start of the period (inclusive), None = open.
        until: end of the period (exclusive), None = open.
        camera: one camera (row id or config id), several, or None for all.
        zones: only events of these zone config ids (None: all).
        role: whose events: ``customer`` (everyone not staff), ``staff`` or ``all``.
        tz: time zone for hours and clock times (None: the site's; ``"local"``: the computer's).

    Example:
        >>> f = EventFilter(since=100, until=dt.datetime(1970, 1, 1, 0, 5, tzinfo=dt.UTC), zones=("a",))
        >>> f.lo, f.hi, f.role
        (100.0, 300.0, 'all')
    """

    since: Moment = None
    until: Moment = None
    camera: Cameras = None
    zones: tuple[str, ...] | None = None
    role: Role = "all"
    tz: dt.tzinfo | str | None = None

    def __post_init__(self) -> None:
        check_role(self.role)

    @property
    def lo(self) -> float | None:
        """The period's start in epoch seconds."""
        return epoch(self.since)

    @property
    def hi(self) -> float | None:
        """The period's end in epoch seconds."""
        return epoch(self.until)

    def timezone(self, store: Store) -> dt.tzinfo | None:
        """The filter's time zone (see :func:`resolve_tz`)."""
        one = self.camera if isinstance(self.camera, (int, str)) else None
        return resolve_tz(store, self.tz, one)

    def restrict(self, q: Select[Any]) -> Select[Any]:
        """Restrict a select of events joined with :class:`Camera` and (outer) :class:`Zone` in SQL.

        Cameras, the period (events that began in it) and zones (the event's zone row). The role
        is decided per row from the track's final role: it is :meth:`apply`'s, on :func:`events` tables.
        """
        q = where_camera(q, self.camera)
        if self.lo is not None:
            q = q.where(Event.ts >= self.lo)
        if self.hi is not None:
            q = q.where(Event.ts < self.hi)
        if self.zones is not None:
            q = q.where(Zone.config_id.in_(list(self.zones)))
        return q

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """Keep the rows of an :func:`events` table that match ``zones`` and ``role``."""
        if not len(df):
            return df
        keep = role_mask(df["role"], self.role)
        if self.zones is not None:
            keep &= df["zone"].isin(list(self.zones))
        return df if bool(keep.all()) else df[keep]


#: The words of the old spelling of a filter that :func:`takes_filter` turns into an :class:`EventFilter`.
FILTER_WORDS = ("since", "until", "camera", "zone", "zones", "role", "tz")

R = TypeVar("R")


def takes_filter(*, role: Role = "customer") -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Write a statistic once as ``fn(store, f: EventFilter, **options)``; call it either way.

    The decorated function is called with an :class:`EventFilter`, ``fn(store, f, …)`` (or
    ``filter=f``), or the old way with the period and the filter's parts as words,
    ``fn(store, since, until, camera=…, zone=…, role=…, tz=…, …)``: those become one filter
    (``zone`` = a single zone, ``zones`` = several). ``role`` here is the default role of the old
    spelling (a filter's role is used as given). Other keywords go to the function unchanged.

    Example:
        >>> @takes_filter()
        ... def which(store, f):
        ...     return f.lo, f.camera, f.zones, f.role
        >>> which(None, 10, camera="door", zone="a")
        (10.0, 'door', ('a',), 'customer')
        >>> which(None, EventFilter(since=10, role="all"))
        (10.0, None, None, 'all')
    """
    default_role = role

    def wrap(fn: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(fn)
        def call(store: Store, *args: Any, **kw: Any) -> R:
            given = kw.pop("filter", None)
            if args and isinstance(args[0], EventFilter):
                given, args = args[0], args[1:]
            if given is not None:
                if args or any(w in kw for w in FILTER_WORDS):
                    raise TypeError(f"{fn.__name__}: give an EventFilter or since/until/camera/…, not both")
                return fn(store, given, **kw)
            if len(args) > 2:
                raise TypeError(f"{fn.__name__}: since and until are the only positional arguments after store")
            since, until = (*args, None, None)[:2]
            zone, zones = kw.pop("zone", None), kw.pop("zones", None)
            f = EventFilter(
                since=kw.pop("since", since),
                until=kw.pop("until", until),
                camera=kw.pop("camera", None),
                zones=(zone,) if zone is not None else (tuple(zones) if zones is not None else None),
                role=kw.pop("role", default_role),
                tz=kw.pop("tz", None),
            )
            return fn(store, f, **kw)

        return call

    return wrap


_READ_ONCE: ContextVar[dict[Any, Any] | None] = ContextVar("events_read_once", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """Inside the block (of this thread), reading the same events again returns the first read.

    A report reads the same events for several sheets (the visits for the visits sheet and the
    funnel); within :func:`app.reports.builder.build_report` they are read and decoded once.
    The tables handed out are shared: callers must not modify them in place (none does).
    """
    if _READ_ONCE.get() is not None:  # inside an outer block (a dashboard, a report): share its reads
        yield
        return
    token = _READ_ONCE.set({})
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def events(
    store: Store,
    types: Sequence[EventType],
    where: EventFilter | None = None,
    *,
    overlap: bool = False,
) -> pd.DataFrame:
    """Stored events of some catalogue types as a DataFrame (columns :data:`EVENT_COLUMNS`), oldest first.

    Args:
        store: the database.
        types: event types from the catalogue (e.g. ``[ZONE_DWELL]``).
        where: period, cameras, zones and role (None: everything).
        overlap: interval events overlapping the period (``ts < until`` and ``ts_end > since``)
            instead of those that began in it.

    Returns:
        ``role`` is the track's final role; ``zone`` the zone's config id (or the payload's
        ``zone``); ``run`` the analysis run; ``payload`` a dict. Inside :func:`read_once` each read
        is done once, and an overlap read reuses the events that began in the period.
    """
    f = where or EventFilter()
    camera = f.camera if f.camera is None or isinstance(f.camera, (int, str)) else tuple(f.camera)
    pairs = tuple(sorted({(t.module, t.type) for t in types}))
    return f.apply(_read(store, _Read(pairs, f.lo, f.hi, camera, overlap)))


@dataclass(frozen=True, slots=True)
class _Read:
    """One read of :func:`events` (also its key inside :func:`read_once`)."""

    pairs: tuple[tuple[str, str], ...]
    lo: float | None
    hi: float | None
    camera: Any
    overlap: bool


def _read(store: Store, k: _Read) -> pd.DataFrame:
    memo = _READ_ONCE.get()
    if memo is None:
        return pd.DataFrame(_rows(store, k), columns=EVENT_COLUMNS)
    if k not in memo:
        if k.overlap and k.lo is not None:  # the same rows, in the same (ts, id) order, as one overlap query
            began = replace(k, overlap=False)
            _read(store, began)  # the events that began in the period
            rows = _rows(store, k, began_before=True)
            rows += [r for r in memo[("rows", began)] if r[1] is not None and r[1] > k.lo]
        else:
            rows = _rows(store, k)
        memo[("rows", k)] = rows
        memo[k] = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    return memo[k]


def _rows(store: Store, k: _Read, *, began_before: bool = False) -> list[tuple[Any, ...]]:
    """The rows of :func:`events` (``began_before``: only the overlapping ones that began before ``lo``)."""
    pairs, lo, hi, overlap = k.pairs, k.lo, k.hi, k.overlap
    modules = {m for m, _ in pairs}
    if len(modules) == 1:
        kind = and_(Event.module == next(iter(modules)), Event.type.in_([t for _, t in pairs]))
    else:
        kind = or_(*(and_(Event.module == m, Event.type == t) for m, t in pairs))
    q = (
        select(
            Event.ts,
            Event.ts_end,
            Event.type,
            Camera.config_id,
            Zone.config_id,
            Event.run_id,
            Track.tracker_id,
            payload_text(),
            Track.role,
        )
        .join(Camera, Event.camera_id == Camera.id)
        .outerjoin(Zone, Event.zone_id == Zone.id)
        .outerjoin(Track, Event.track_id == Track.id)
        .where(kind)
    )
    q = where_camera(q, k.camera)
    if hi is not None:
        q = q.where(Event.ts < hi)
    if lo is not None:
        q = q.where(Event.ts_end > lo) if overlap else q.where(Event.ts >= lo)
        if began_before:
            q = q.where(Event.ts < lo)
    q = q.order_by(Event.ts, Event.id)
    rows, payloads = fetch_events(store, q, payload=7)
    out = [
        (ts, ts_end, typ, cam, zone or p.get("zone"), run, tracker, final_role(track_role, p), p)
        for (ts, ts_end, typ, cam, zone, run, tracker, _, track_role), p in zip(rows, payloads, strict=True)
    ]
    segments = segment_roles(store, k.camera, lo, hi) if out else {}
    if segments:
        out = [
            r if (seg := segments.get((r[3], r[5], r[6]))) is None else (*r[:7], final_role(seg.at(r[0]), r[8]), r[8])
            for r in out
        ]
    return out


@dataclass(frozen=True, slots=True)
class RoleSegments:
    """The decided role segments of one track: start times (ascending), the last one's end, the roles."""

    starts: tuple[float, ...]
    end: float
    roles: tuple[str, ...]

    def at(self, ts: float) -> str:
        """The role of the segment going on at ``ts`` (the first segment's before it began).

        ``unknown`` after the last decided segment: a track that goes on, whose current segment is
        not decided yet.
        """
        if ts > self.end + 1e-6:
            return "unknown"
        i = max(0, bisect.bisect_right(self.starts, ts + 1e-6) - 1)
        return self.roles[i]


def segment_roles(
    store: Store, camera: Any = None, lo: float | None = None, hi: float | None = None
) -> dict[tuple[str, int, int], RoleSegments]:
    """Tracks split into role segments of different roles, by ``(camera config id, run, tracker id)``.

    The role stage closes a segment of a track when the person's appearance changes abruptly (an ID
    switch: the track may have gone on with somebody else) and decides each segment's role on its own.
    Where two decided roles differ (a customer, then staff) the track held two people: an event of such
    a track takes the role of the part it happened in, not the track's final role (the last
    segment's). Consecutive segments of one role, or undecided ones, stay one part (see
    :func:`_role_parts`): a change of look alone (a coat taken off, a half-hidden box) is no new
    person. Tracks the user labelled are left out: the label is the role of the whole track. Only
    segments that overlap ``[lo, hi)`` are read.
    """
    from app.modules.roles.events import ROLE_DECISION

    kind = and_(Event.module == ROLE_DECISION.module, Event.type == ROLE_DECISION.type)
    split = select(Event.track_id).where(kind, Event.track_id.is_not(None))
    if hi is not None:
        split = split.where(Event.ts < hi)
    if lo is not None:
        split = split.where(Event.ts_end >= lo)
    split = split.group_by(Event.track_id).having(func.count() > 1)
    q = (
        select(Camera.config_id, Event.run_id, Track.tracker_id, Event.ts, payload_text(), Event.ts_end)
        .join(Camera, Event.camera_id == Camera.id)
        .join(Track, Event.track_id == Track.id)
        .outerjoin(RoleLabel, RoleLabel.track_id == Track.id)
        .where(kind, Event.track_id.in_(split), RoleLabel.id.is_(None))
    )
    q = where_camera(q, camera)
    rows, payloads = fetch_events(store, q.order_by(Event.ts, Event.id), payload=4)
    acc: dict[tuple[str, int, int], list[tuple[float, float, str]]] = {}
    for (cam, run, tracker, ts, _, ts_end), p in zip(rows, payloads, strict=True):
        end = float(ts if ts_end is None else ts_end)
        acc.setdefault((cam, run, tracker), []).append((float(ts), end, str(p.get("role") or "unknown")))
    out: dict[tuple[str, int, int], RoleSegments] = {}
    for key, v in acc.items():
        parts = _role_parts([r for _, _, r in v])
        if len(parts) > 1:
            out[key] = RoleSegments(tuple(v[i][0] for i, _ in parts), max(e for _, e, _ in v), tuple(r for _, r in parts))
    return out


def _role_parts(roles: list[str]) -> list[tuple[int, str]]:
    """Consecutive segments of one role joined: ``(first segment, role)`` per part.

    An undecided segment takes the role of the decided one before it (after it, for the first
    ones): nothing says it is someone else. So a track is split only where two decided roles differ.

    Example:
        >>> _role_parts(["customer", "unknown", "customer", "staff"])
        [(0, 'customer'), (3, 'staff')]
    """
    decided = [r for r in roles if r in DECIDED]
    if not decided:
        return [(0, roles[0])]
    filled, last = [], decided[0]
    for r in roles:
        last = r if r in DECIDED else last
        filled.append(last)
    return [(i, r) for i, r in enumerate(filled) if i == 0 or filled[i - 1] != r]
