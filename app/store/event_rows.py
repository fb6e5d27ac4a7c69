"""Reading stored events for statistics: whose they are (the final role) and their payloads, fast.

Every statistic that splits people into customers and staff (:mod:`app.store.stats`,
:mod:`app.store.queue_stats`, :mod:`app.store.behaviour_stats`) decides an event's role with
:func:`final_role`: the *final* role of the event's track (``tracks.role``: decided over the whole
track by the role stage, or set by the user's label) once it is staff or customer; before that
(a track still going on, or never decided) the role stored in the event's payload, the role at
the time of the event. Select ``Track.role`` (outer join on ``Event.track_id``) next to the
payload and pass both.

Loading hundreds of thousands of events is dominated by decoding their JSON payloads one by one;
:func:`fetch_events` runs a Core query whose payload column is :func:`payload_text` (the JSON as
text, on SQLite and PostgreSQL) and decodes all payloads in one call.

Example:
    >>> final_role("staff", {"role": "customer"})
    'staff'
    >>> final_role("unknown", {"role": "customer"}), final_role(None, {})
    ('customer', 'unknown')
    >>> decode_payloads(['{"a": 1}', None])
    [{'a': 1}, {}]
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, Select, Text, cast
from sqlalchemy.sql.elements import ColumnElement

from app.store.db import Store
from app.store.schema import Event

STAFF = "staff"
#: Track roles that override the role an event was stored with.
DECIDED = ("staff", "customer")


def final_role(track_role: str | None, payload: Mapping[str, Any] | None) -> str:
    """The role statistics use for an event: its track's final role if decided, else the payload's.

    Args:
        track_role: ``tracks.role`` of the event's track (None: the event has no track).
        payload: the event's payload (its ``role`` is the role at the time of the event).

    Returns:
        ``"staff"``, ``"customer"`` or ``"unknown"`` (or whatever other role the payload holds).
    """
    if track_role in DECIDED:  # called for every event read: kept lean
        return track_role  # type: ignore[return-value]
    return (payload.get("role") if payload else None) or "unknown"


def payload_text() -> ColumnElement[str]:
    """``events.payload`` as JSON text (``CAST(payload AS TEXT)``), for :func:`fetch_events`."""
    return cast(Event.payload, Text)


def decode_payloads(texts: Sequence[str | None]) -> list[dict[str, Any]]:
    """JSON texts → dicts (``{}`` for NULL or a JSON ``null``), decoded in one call.

    Raises:
        json.JSONDecodeError: a text is not JSON.
    """
    if not texts:
        return []
    try:
        values = json.loads("[" + ",".join(t if t else "null" for t in texts) + "]")
    except json.JSONDecodeError:  # find and report the bad one
        values = [json.loads(t) if t else None for t in texts]
    return [v if v is not None else {} for v in values]


def fetch_events(
    store: Store, query: Select[Any], payload: int
) -> tuple[list[Row[Any]], list[dict[str, Any]]]:
    """Run ``query`` (Core, no ORM overhead) and decode its payload column.

    Args:
        store: the database.
        query: a select whose column number ``payload`` is :func:`payload_text`.
        payload: index of that column.

    Returns:
        The rows (the payload column left as text) and the decoded payloads, in the same order.
    """
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return rows, decode_payloads([r[payload] for r in rows])
