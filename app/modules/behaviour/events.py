"""Event types of the behaviour module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

POSTURE = EventType("pose", "posture", "Posture", ("posture", "duration", "role"),
                    description="One interval of a person standing, walking, bending… (from pose keypoints).")  # fmt: skip
SHELF_REACH = EventType("shelf", "reach", "Reached into a shelf", ("hand", "duration", "role", "shelf"), photo=True,
                        description="A hand in a shelf zone, with a crop (and one with the skeleton drawn).")  # fmt: skip
CONSULTATION = EventType(
    "contact", "consultation", "Staff talked with a customer",
    ("staff_track", "customer_track", "duration", "min_distance", "role"), photo=True,
)  # fmt: skip

#: Every event type of the package, in the order the catalogue lists them.
EVENTS = (POSTURE, SHELF_REACH, CONSULTATION)
