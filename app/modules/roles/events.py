"""Event types of the roles module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

ROLE_DECISION = EventType(
    "roles", "decision", "Staff or customer decided", ("role", "confidence", "employee_id", "decided_after"),
    photo=True, description="A track's final role with its evidence and a few crops (ts = first seen, ts_end = last).",
)  # fmt: skip

#: Every event type of the package, in the order the catalogue lists them.
EVENTS = (ROLE_DECISION,)
