"""Event types of the licence-plate module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

PLATES_READ = EventType(
    "plates", "read", "Licence plate read",
    ("text", "text_latin", "hashed", "confidence", "uncertain", "votes", "reads", "char_confidence",
     "direction", "lines", "first_ts", "last_ts", "listed", "plate_px"),
    photo=True,
    description="One vehicle passage's plate, voted over its frames (vehicle and plate photos).",
)  # fmt: skip
PLATES_ALERT = EventType(
    "plates", "alert", "Deny-listed vehicle",
    ("alert_id", "kind", "text", "message", "confidence", "uncertain", "votes"),
    alert=True, photo=True,
    description="A vehicle whose plate is on the camera's deny list was read (raised while it is in view).",
)  # fmt: skip
PLATES_ALERT_END = EventType(
    "plates", "alert_end", "Deny-listed vehicle left", ("alert_id", "kind", "duration")
)

#: Every event type of the package, in the order the catalogue lists them.
EVENTS = (PLATES_READ, PLATES_ALERT, PLATES_ALERT_END)
