"""Event types of the faces module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

FACES_IDENTIFIED = EventType(
    "faces", "identified", "Employee identified by face",
    ("employee_id", "employee", "distance", "threshold", "shots", "model", "first_ts"),
    photo=True,
    description="A person's track matched an enrolled employee's face (once per track; feeds the role "
    "decision and the timesheet). Webhooks can subscribe to it per camera (access control).",
)  # fmt: skip
FACES_ALERT = EventType(
    "faces", "alert", "Unknown face in a staff-only zone",
    ("alert_id", "kind", "message", "distance", "shots"),
    alert=True, photo=True,
    description="A person whose face was seen clearly but matches no enrolled employee is in a staff-only zone.",
)  # fmt: skip
FACES_ALERT_END = EventType(
    "faces", "alert_end", "Unknown face left the staff-only zone", ("alert_id", "kind", "duration")
)
FACES_DEMOGRAPHICS = EventType(
    "faces", "demographics", "Age band and gender of a visit",
    ("age_band", "age_share", "gender", "gender_share", "faces", "model"),
    description="Age band and gender of one person's track, a vote over its faces (no face data stored). "
    "Only with a backend that estimates them (deepface, or the embedded face-api model with dlib).",
)  # fmt: skip
FACES_VISITOR = EventType(
    "faces", "visitor", "Visitor seen (returning visitors)",
    ("visitor_id", "new_visitor", "new_visit", "visits", "first_seen", "days_since_last", "distance"),
    description="A non-employee's track under a pseudonymous visitor id (no name, no photo): first seen, visit "
    "count, days since the previous visit. Only on cameras with returning visitors on (a legal basis set).",
)  # fmt: skip

#: Every event type of the package, in the order the catalogue lists them.
EVENTS = (FACES_IDENTIFIED, FACES_ALERT, FACES_ALERT_END, FACES_DEMOGRAPHICS, FACES_VISITOR)
