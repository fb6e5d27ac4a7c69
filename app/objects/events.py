"""Event types of the objects module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

_FIELDS = ("label", "object_id", "since", "still_s", "box", "owner_track", "owner_last_seen")
OBJECT_LEFT = EventType(
    "objects", "left", "Item left behind", _FIELDS, photo=True,
    description="An object stayed still after the person it came with went away (crops: object, owner, frame).",
)  # fmt: skip
OBJECT_MISSING = EventType(
    "objects", "missing", "Item missing", _FIELDS, photo=True,
    description="Something was taken away from a watch zone and stayed missing.",
)  # fmt: skip
OBJECT_ALERT = EventType(
    "objects", "alert", "Item left behind / missing", ("alert_id", "kind", "message", *_FIELDS), alert=True, photo=True,
    description="The alert beside every left / missing event (kind object_left / object_missing).",
)  # fmt: skip
EVENTS = (OBJECT_LEFT, OBJECT_MISSING, OBJECT_ALERT)
