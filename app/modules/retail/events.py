"""Event types of the retail module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

FOOTFALL_IN = EventType("footfall", "in", "Person came in", ("class", "role", "line"), photo=True,
                        description="A person crossed a line from its left to its right side (into the store).")  # fmt: skip
FOOTFALL_OUT = EventType("footfall", "out", "Person went out", ("class", "role", "line"), photo=True)
FOOTFALL = {"in": FOOTFALL_IN, "out": FOOTFALL_OUT}
ZONE_ENTER = EventType("zones", "enter", "Person entered a zone", ("role",))
ZONE_DWELL = EventType("zones", "dwell", "Stay in a zone ended", ("role", "duration"),
                       description="One stay in a zone, enter → exit (ts = enter, ts_end = exit).")  # fmt: skip
VISIT = EventType("visits", "visit", "Visit ended", ("duration", "zones", "tracks", "role", "end"),
                  description="One person's stay in the store, entrance in → out, short ID switches joined.")  # fmt: skip

#: Every event type of the package, in the order the catalogue lists them.
EVENTS = (FOOTFALL_IN, FOOTFALL_OUT, ZONE_ENTER, ZONE_DWELL, VISIT)
