"""Event types of the service module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

SERVICE_ALERT = EventType(
    "service", "alert", "Customer waiting with no staff near", ("alert_id", "kind", "message", "waited", "zone", "role"),
    alert=True, photo=True, description="A customer has stayed in a department for a while with no staff within reach.",
)  # fmt: skip
SERVICE_ALERT_END = EventType("service", "alert_end", "Customer attended (alert cleared)",
                              ("alert_id", "kind", "reason", "role"))  # fmt: skip
SERVICE_UNATTENDED = EventType(
    "service", "unattended", "Customer waited unattended", ("waited", "alerted_after", "reason", "zone", "role"),
    description="The whole unattended wait of one customer, for the reports.",
)  # fmt: skip

#: Every event type of the package, in the order the catalogue lists them.
EVENTS = (SERVICE_ALERT, SERVICE_ALERT_END, SERVICE_UNATTENDED)
