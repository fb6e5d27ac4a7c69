"""Event types of the PPE module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

PPE_ALERT = EventType(
    "ppe", "alert", "PPE violation",
    ("alert_id", "kind", "message", "missing", "required", "helmet", "vest", "confidence"),
    alert=True, photo=True,
    description="A person has been in a PPE zone without a required item (helmet, vest) for the set time.",
)  # fmt: skip
PPE_ALERT_END = EventType("ppe", "alert_end", "PPE violation over", ("alert_id", "kind", "duration"))
PPE_VIOLATION = EventType(
    "ppe", "violation", "Worked without PPE",
    ("message", "missing", "required", "duration", "helmet", "vest", "confidence"),
    photo=True,
    description="One violation from its start to its end (items back on, or the person left the zone), "
    "with the person's crop, head and torso regions outlined.",
)  # fmt: skip
PPE_CHECK = EventType(
    "ppe", "check", "PPE checked",
    ("message", "required", "helmet", "vest", "compliant", "violation", "seconds", "observations"),
    description="One person's stay in a PPE zone: the items seen (voted over the stay) and whether they "
    "wore every required one (compliant: true / false / null when it could not be told).",
)  # fmt: skip
EVENTS = (PPE_ALERT, PPE_ALERT_END, PPE_VIOLATION, PPE_CHECK)
