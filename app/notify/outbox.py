"""The notification outbox in the database: queue chosen events, claim what is due, record the outcome.

Events are never sent straight from the engine. :func:`feed` looks at events stored after each
channel's cursor (``notify_cursors``) and queues a row per matching event and channel in
``notify_outbox`` (unique per channel and event, so looking twice never queues twice). A sender
:func:`claim` s a due row (a compare-and-set on its status, so two processes never both send it),
sends it, and marks it ``sent``, ``pending`` again with the next try time, or ``failed``. A row
claimed by a process that died is due again once its lease (``next_at``) has passed.

Cursor: a channel that starts for the first time begins at the newest event (no flood of old
events). After that it moves past each event id it has looked at — except that it waits up to
:data:`GAP_GRACE` seconds at a hole in the ids, because on PostgreSQL a transaction that began
earlier can commit a smaller id later; events after the hole are queued at once either way.

All times here are wall-clock UTC from the caller's clock (tests move it).

Example:
    >>> from app.store.db import open_store
    >>> store = open_store("sqlite://")
    >>> counts(store)
    {}
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.notify.message import Rule, render
from app.redaction import redact
from app.store import stats
from app.store.db import Store
from app.store.schema import Camera, Event, EventPhoto, NotifyCursor, NotifyOutbox, Site, Track, Zone, utcnow

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, EXPIRED = "pending", "sending", "sent", "failed", "expired"
#: Seconds the cursor waits at a hole in the event ids (a transaction still committing).
GAP_GRACE = 30.0
#: Events looked at per channel and call.
SCAN_LIMIT = 2000


@contextmanager
def _write(store: Store) -> Iterator[Connection]:
    """A write transaction; on SQLite it takes the write lock at BEGIN (waits instead of failing)."""
    with store.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        yield conn


def utc(ts: float) -> dt.datetime:
    """Epoch seconds as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(ts, dt.UTC)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A message claimed for sending.

    Attributes:
        id: the outbox row id.
        channel: ``telegram`` or ``webhook:<id>``.
        event_id: the event it is about (None for other messages).
        attempts: tries so far (before this one).
        created_at: when it was queued (UTC).
        message: what to send (see :func:`app.notify.message.render`).
    """

    id: int
    channel: str
    event_id: int | None
    attempts: int
    created_at: dt.datetime
    message: dict[str, Any]


@dataclass(slots=True)
class _Gap:
    at: int
    since: float


class Feeder:
    """Queues new matching events for each channel (keeps the in-memory state of id holes).

    Example:
        >>> from app.store.db import open_store
        >>> Feeder(open_store("sqlite://"), []).feed(now=0.0)
        0
    """

    def __init__(self, store: Store, rules: Sequence[Rule], *, tz: dt.tzinfo | str | None = "site") -> None:
        self.store = store
        self.rules = list(rules)
        self._tz = tz
        self._gaps: dict[str, _Gap] = {}

    def _zone(self) -> dt.tzinfo | None:
        if self._tz == "site":
            return stats.site_timezone(self.store)
        return None if isinstance(self._tz, str) else self._tz

    def feed(self, now: float) -> int:
        """Queue the matching events stored since the last call; returns how many rows were queued."""
        if not self.rules:
            return 0
        queued = 0
        tz: dt.tzinfo | str | None = "unset"
        for rule in self.rules:
            cursor = self._cursor(rule.channel)
            with self.store.session() as s:
                scanned = s.execute(
                    select(Event.id, Event.module, Event.type, Camera.config_id)
                    .join(Camera, Event.camera_id == Camera.id)
                    .where(Event.id > cursor)
                    .order_by(Event.id)
                    .limit(SCAN_LIMIT)
                ).all()
            if not scanned:
                continue
            wanted = [i for i, m, t, cam in scanned if rule.matches(m, t, cam)]
            if wanted:
                if tz == "unset":
                    tz = self._zone()
                queued += self._enqueue(rule.channel, wanted, tz, now)  # type: ignore[arg-type]
            self._advance(rule.channel, cursor, [i for i, *_ in scanned], now)
        return queued

    def _cursor(self, channel: str) -> int:
        with self.store.session() as s:
            last = s.scalar(select(NotifyCursor.last_event_id).where(NotifyCursor.channel == channel))
        if last is not None:
            return int(last)
        with _write(self.store) as conn:
            last = conn.scalar(select(NotifyCursor.last_event_id).where(NotifyCursor.channel == channel))
            if last is not None:  # another process made it meanwhile
                return int(last)
            newest = int(conn.scalar(select(func.max(Event.id))) or 0)
            conn.execute(
                insert(NotifyCursor).values(channel=channel, last_event_id=newest, updated_at=utcnow())
            )
        log.info("notifications: %s starts after event %d (older events are not sent)", channel, newest)
        return newest

    def _advance(self, channel: str, cursor: int, ids: list[int], now: float) -> None:
        safe, expected = cursor, cursor + 1
        for i in ids:
            if i != expected:
                gap = self._gaps.get(channel)
                if gap is None or gap.at != expected:
                    self._gaps[channel] = _Gap(expected, now)
                    break
                if now - gap.since < GAP_GRACE:
                    break
                self._gaps.pop(channel, None)
            safe, expected = i, i + 1
        if safe > cursor:
            with _write(self.store) as conn:
                conn.execute(
                    update(NotifyCursor)
                    .where(NotifyCursor.channel == channel, NotifyCursor.last_event_id < safe)
                    .values(last_event_id=safe, updated_at=utc(now))
                )

    def _enqueue(self, channel: str, event_ids: list[int], tz: dt.tzinfo | None, now: float) -> int:
        q = (
            select(
                Event, Camera.config_id, Camera.name, Site.name, Zone.config_id, Zone.name, Track.tracker_id
            )
            .join(Camera, Event.camera_id == Camera.id)
            .join(Site, Camera.site_id == Site.id)
            .outerjoin(Zone, Event.zone_id == Zone.id)
            .outerjoin(Track, Event.track_id == Track.id)
            .where(Event.id.in_(event_ids))
            .order_by(Event.id)
        )
        with self.store.session() as s:
            rows = s.execute(q).all()
            photos: dict[int, list[tuple[str, str]]] = {}
            for p in s.scalars(
                select(EventPhoto).where(EventPhoto.event_id.in_(event_ids)).order_by(EventPhoto.id)
            ):
                photos.setdefault(p.event_id, []).append((p.kind, p.path))
            values = []
            for ev, cam, cam_name, site, zone, zone_name, tracker in rows:
                msg = render(
                    site=site,
                    event_id=ev.id,
                    ts=ev.ts,
                    tz=tz,
                    camera=cam,
                    camera_name=cam_name,
                    zone=zone,
                    zone_name=zone_name,
                    module=ev.module,
                    type_=ev.type,
                    track=tracker,
                    payload=ev.payload or {},
                    photos=photos.get(ev.id, ()),
                )
                values.append(_pending(channel, ev.id, msg, now))
        if not values:
            return 0
        upsert = pg_insert if self.store.dialect == "postgresql" else sqlite_insert
        stmt = (
            upsert(NotifyOutbox).values(values).on_conflict_do_nothing(index_elements=["channel", "event_id"])
        )
        with _write(self.store) as conn:
            n = len(conn.execute(stmt.returning(NotifyOutbox.id)).all())
        if n:
            log.info("notifications: %d message(s) queued for %s", n, channel)
        return n


def _pending(channel: str, event_id: int | None, message: dict[str, Any], now: float) -> dict[str, Any]:
    """An outbox row to send at once: pending, no attempts yet."""
    return {
        "channel": channel,
        "event_id": event_id,
        "created_at": utc(now),
        "status": PENDING,
        "attempts": 0,
        "next_at": utc(now),
        "last_error": "",
        "message": message,
    }


def enqueue_message(store: Store, channel: str, message: dict[str, Any], now: float) -> int:
    """Queue a message that is not about an event (e.g. a test); returns its outbox id."""
    values = _pending(channel, None, message, now)
    with _write(store) as conn:
        return int(conn.execute(insert(NotifyOutbox).values(values).returning(NotifyOutbox.id)).scalar_one())


def enqueue_once(store: Store, channel: str, message: dict[str, Any], key: str, now: float, *,
                 window_s: float = 3 * 86400.0) -> int | None:  # fmt: skip
    """Queue a message that came from elsewhere (the broker) unless one with the same ``key`` is queued.

    The key (the broker message's id) is kept in the message as ``bus_id``: a message delivered
    again — the notifier stopped after storing it and before acknowledging it — is recognised and
    not queued twice. Messages older than ``window_s`` are not looked at.

    Returns:
        The new row's id, or None when the message was already queued.
    """
    since = utc(now - window_s)
    with _write(store) as conn:
        for (old,) in conn.execute(
            select(NotifyOutbox.message).where(
                NotifyOutbox.channel == channel, NotifyOutbox.event_id.is_(None), NotifyOutbox.created_at >= since
            )
        ):
            if isinstance(old, dict) and old.get("bus_id") == key:
                return None
        values = {"channel": channel, "event_id": None, "created_at": utc(now), "status": PENDING, "attempts": 0,
                  "next_at": utc(now), "last_error": "", "message": {**message, "bus_id": key}}  # fmt: skip
        return int(conn.execute(insert(NotifyOutbox).values(values).returning(NotifyOutbox.id)).scalar_one())


def due(store: Store, channel: str, now: float, limit: int = 20) -> list[int]:
    """Ids of the channel's rows that may be sent now (pending and due, or claimed with a lapsed lease), oldest first."""
    at = utc(now)
    q = (
        select(NotifyOutbox.id)
        .where(
            NotifyOutbox.channel == channel,
            or_(NotifyOutbox.status == PENDING, NotifyOutbox.status == SENDING),
            NotifyOutbox.next_at <= at,
        )
        .order_by(NotifyOutbox.id)
        .limit(limit)
    )
    with store.session() as s:
        return [int(i) for i in s.scalars(q)]


def next_due(store: Store, channels: Iterable[str]) -> dt.datetime | None:
    """The earliest ``next_at`` of the channels' unsent rows (None: nothing waiting)."""
    q = select(func.min(NotifyOutbox.next_at)).where(
        NotifyOutbox.channel.in_(list(channels)), NotifyOutbox.status.in_((PENDING, SENDING))
    )
    with store.session() as s:
        v = s.scalar(q)
    if v is None:
        return None
    return v if v.tzinfo is not None else v.replace(tzinfo=dt.UTC)


def claim(store: Store, row_id: int, now: float, lease: float) -> OutboxRow | None:
    """Take a due row for sending (None if another sender took it or it is no longer due)."""
    at = utc(now)
    with _write(store) as conn:
        n = conn.execute(
            update(NotifyOutbox)
            .where(
                NotifyOutbox.id == row_id,
                or_(NotifyOutbox.status == PENDING, NotifyOutbox.status == SENDING),
                NotifyOutbox.next_at <= at,
            )
            .values(status=SENDING, next_at=utc(now + lease))
        ).rowcount
        if n != 1:
            return None
        r = conn.execute(
            select(
                NotifyOutbox.id,
                NotifyOutbox.channel,
                NotifyOutbox.event_id,
                NotifyOutbox.attempts,
                NotifyOutbox.created_at,
                NotifyOutbox.message,
            ).where(NotifyOutbox.id == row_id)
        ).one()
    created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=dt.UTC)
    return OutboxRow(r.id, r.channel, r.event_id, r.attempts, created, dict(r.message or {}))


def mark(
    store: Store, row_id: int, status: str, now: float, *, error: str = "", retry_at: float | None = None
) -> None:
    """Record the outcome of a try: ``sent``, ``pending`` (with ``retry_at``), ``failed`` or ``expired``."""
    values: dict[str, Any] = {
        "status": status,
        "attempts": NotifyOutbox.attempts + 1,
        "last_error": redact(error)[:2000],  # channels redact with their secrets; this is a second net
    }
    if status == SENT:
        values["sent_at"] = utc(now)
        values["last_error"] = ""
    if status == PENDING:
        values["next_at"] = utc(retry_at if retry_at is not None else now)
    if status == EXPIRED:
        values["attempts"] = NotifyOutbox.attempts
    with _write(store) as conn:
        conn.execute(update(NotifyOutbox).where(NotifyOutbox.id == row_id).values(**values))


def counts(store: Store) -> dict[str, dict[str, int]]:
    """Rows per channel and status, e.g. ``{"telegram": {"sent": 12, "pending": 1}}``."""
    q = select(NotifyOutbox.channel, NotifyOutbox.status, func.count()).group_by(
        NotifyOutbox.channel, NotifyOutbox.status
    )
    out: dict[str, dict[str, int]] = {}
    with store.session() as s:
        for ch, st, n in s.execute(q):
            out.setdefault(ch, {})[st] = int(n)
    return out


def last_errors(store: Store, limit: int = 5) -> list[tuple[str, str, int, str]]:
    """(channel, status, attempts, error) of the newest rows that failed at least once."""
    q = (
        select(NotifyOutbox.channel, NotifyOutbox.status, NotifyOutbox.attempts, NotifyOutbox.last_error)
        .where(NotifyOutbox.last_error != "")
        .order_by(NotifyOutbox.id.desc())
        .limit(limit)
    )
    with store.session() as s:
        return [(c, st, int(a), e) for c, st, a, e in s.execute(q)]


def purge(store: Store, older_than: float) -> int:
    """Delete sent, failed and expired rows queued before ``older_than`` (epoch seconds)."""
    with _write(store) as conn:
        n = conn.execute(
            delete(NotifyOutbox).where(
                NotifyOutbox.status.in_((SENT, FAILED, EXPIRED)), NotifyOutbox.created_at < utc(older_than)
            )
        ).rowcount
    return int(n or 0)
