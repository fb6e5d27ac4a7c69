"""Event types of the tracks module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

TRACK_START = EventType("tracks", "track_start", "New person in view", ("class", "confidence"), photo=True,
                        description="A track confirmed (min_frames), with a crop.")  # fmt: skip
TRACK_END = EventType("tracks", "track_end", "Person left the view", ("class", "duration", "frames", "role"))

#: Every event type of the package, in the order the catalogue lists them.
EVENTS = (TRACK_START, TRACK_END)
