"""Alerts for the GUI popup and the notifications: list the open ones, acknowledge, snooze.

An alert is an event of type ``alert`` (``queue`` / ``alert`` today: payload ``alert_id``,
``kind``, ``message``, the numbers; photos of the frame and the queue). It is **resolved** once
an ``alert_end`` event with the same ``alert_id`` is stored (the condition cleared). What the
user did about it lives in the ``alerts`` table (:class:`~app.store.schema.Alert`), one row per
alert event, made on the first action.

Status of an alert: ``acknowledged`` (someone clicked OK), else ``resolved`` (it cleared by
itself), else ``snoozed`` (until a wall-clock time that has not come yet), else ``open``.
:func:`open_alerts` lists the ``open`` ones — what the popup shows; a snoozed alert comes back
when its snooze ends, unless it has cleared meanwhile.

Example:
    >>> from app.store.db import open_store
    >>> store = open_store("sqlite://")
    >>> open_alerts(store)
    []
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.errors import UserError
from app.store.db import Store
from app.store.queries import PhotoRow, event_photos
from app.store.query import where_events
from app.store.schema import Alert, Camera, Event, Zone, utcnow

ALERT = "alert"
ALERT_END = "alert_end"


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert with its state.

    Attributes:
        event_id: the alert event's id (pass it to :func:`acknowledge` / :func:`snooze`).
        ts: when it was raised (video time, epoch seconds).
        ts_end: when it cleared, or None while the condition lasts.
        camera: camera config id.
        zone: zone config id (the queue), or None.
        module: the module that raised it (``"queue"``).
        kind: the rule (``"length"``, ``"wait"``, ``"forecast"``).
        message: one line for the popup.
        payload: the event payload (the numbers: length, wait, forecast, open counters…).
        photos: the frame and the crop.
        status: ``"open"``, ``"snoozed"``, ``"acknowledged"`` or ``"resolved"``.
        acknowledged_at: when it was acknowledged (UTC), or None.
        acknowledged_by: who acknowledged it.
        snoozed_until: end of the snooze (UTC), or None.
    """

    event_id: int
    ts: float
    ts_end: float | None
    camera: str
    zone: str | None
    module: str
    kind: str
    message: str
    payload: dict[str, Any]
    photos: tuple[PhotoRow, ...]
    status: str
    acknowledged_at: dt.datetime | None
    acknowledged_by: str
    snoozed_until: dt.datetime | None

    @property
    def time(self) -> dt.datetime:
        """``ts`` as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.ts, dt.UTC)


def alerts(
    store: Store,
    *,
    camera: int | str | None = None,
    module: str | None = None,
    since: float | dt.datetime | None = None,
    until: float | dt.datetime | None = None,
    status: str | tuple[str, ...] | None = None,
    now: dt.datetime | None = None,
    limit: int | None = 200,
) -> list[AlertRow]:
    """Alerts raised in ``[since, until)`` (video time), newest first, with their state.

    Args:
        store: the database.
        camera: row id or config id.
        module: e.g. ``"queue"``.
        since: inclusive lower bound of the raise time.
        until: exclusive upper bound.
        status: keep only these statuses.
        now: the wall-clock time snoozes are compared with (default: now).
        limit: at most this many alert events are read (None: all).
    """
    now = now or utcnow()
    q = (
        select(Event, Camera.config_id, Zone.config_id, Alert)
        .join(Camera, Event.camera_id == Camera.id)
        .outerjoin(Zone, Event.zone_id == Zone.id)
        .outerjoin(Alert, Alert.event_id == Event.id)
        .where(Event.type == ALERT)
    )
    q = where_events(q, camera=camera, module=module, since=since, until=until)
    q = q.order_by(Event.ts.desc(), Event.id.desc())
    if limit is not None:
        q = q.limit(limit)
    with store.session() as s:
        rows = s.execute(q).all()
        if not rows:
            return []
        ends = _ends(s, {ev.camera_id for ev, *_ in rows}, min(ev.ts for ev, *_ in rows))
        photos = event_photos(s, [ev.id for ev, *_ in rows])
    out = []
    wanted = (status,) if isinstance(status, str) else status
    for ev, cam, zone, st in rows:
        payload = ev.payload or {}
        ended = ends.get((ev.camera_id, str(payload.get("alert_id", ev.id))))
        row = AlertRow(
            event_id=ev.id,
            ts=ev.ts,
            ts_end=ended,
            camera=cam,
            zone=zone,
            module=ev.module,
            kind=str(payload.get("kind", "")),
            message=str(payload.get("message", "")),
            payload=payload,
            photos=tuple(photos.get(ev.id, ())),
            status=_status(st, ended, now),
            acknowledged_at=st.acknowledged_at if st else None,
            acknowledged_by=st.acknowledged_by if st else "",
            snoozed_until=st.snoozed_until if st else None,
        )
        if wanted is None or row.status in wanted:
            out.append(row)
    return out


def _ends(s: Any, cameras: set[int], since: float) -> dict[tuple[int, str], float]:
    """(camera row id, alert_id) → clear time, for the ``alert_end`` events of alerts raised since ``since``."""
    q = select(Event.camera_id, Event.ts_end, Event.payload).where(
        Event.type == ALERT_END, Event.camera_id.in_(cameras), Event.ts >= since
    )
    out: dict[tuple[int, str], float] = {}
    for cam, ts_end, payload in s.execute(q):
        aid = (payload or {}).get("alert_id")
        if aid is not None:
            out[(cam, str(aid))] = float(ts_end) if ts_end is not None else since
    return out


def _status(st: Alert | None, ended: float | None, now: dt.datetime) -> str:
    if st is not None and st.acknowledged_at is not None:
        return "acknowledged"
    if ended is not None:
        return "resolved"
    if st is not None and st.snoozed_until is not None and st.snoozed_until > now:
        return "snoozed"
    return "open"


def open_alerts(
    store: Store,
    *,
    camera: int | str | None = None,
    since: float | dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[AlertRow]:
    """The alerts to show now: raised, not cleared, not acknowledged, not snoozed. Newest first.

    Args:
        store: the database.
        camera: only this camera (row id or config id).
        since: only alerts raised since then (video time; e.g. the last hour for a live site).
        now: the wall-clock time snoozes are compared with (default: now).
    """
    return alerts(store, camera=camera, since=since, status="open", now=now, limit=None)


def _state_row(s: Any, event_id: int) -> Alert:
    kind = s.scalar(select(Event.type).where(Event.id == event_id))
    if kind is None:
        raise UserError(f"no alert with id {event_id}")
    if kind != ALERT:
        raise UserError(f"event {event_id} is not an alert ({kind})")
    row = s.scalar(select(Alert).where(Alert.event_id == event_id))
    if row is None:
        row = Alert(event_id=event_id, acknowledged_by="", note="")
        s.add(row)
    return row


def acknowledge(store: Store, event_id: int, *, by: str = "", note: str = "") -> None:
    """Mark an alert as seen and handled; it no longer shows in :func:`open_alerts`.

    Raises:
        UserError: no such alert.
    """
    with store.session(write=True) as s:
        row = _state_row(s, event_id)
        row.acknowledged_at = utcnow()
        row.acknowledged_by = by[:120]
        if note:
            row.note = note


def snooze(store: Store, event_id: int, *, minutes: float, now: dt.datetime | None = None) -> dt.datetime:
    """Hide an alert for ``minutes``; it comes back then unless it cleared or was acknowledged.

    Returns:
        The end of the snooze (UTC).

    Raises:
        UserError: no such alert, or a snooze that is not positive.
    """
    if minutes <= 0:
        raise UserError("snooze minutes must be positive")
    until = (now or utcnow()) + dt.timedelta(minutes=minutes)
    with store.session(write=True) as s:
        row = _state_row(s, event_id)
        row.snoozed_until = until
    return until
