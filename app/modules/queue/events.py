"""Event types of the queue module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

QUEUE_SNAPSHOT = EventType(
    "queue", "snapshot", "Queue status",
    ("length", "length_raw", "in_service", "open_counters", "wait_now", "wait_recent", "service_rate", "forecast"),
    description="The checkout's numbers every snapshot_interval seconds (length, waits, forecast).",
)  # fmt: skip
QUEUE_WAIT = EventType("queue", "wait", "Waited in the queue", ("wait", "role", "checkout", "counter"),
                       description="A customer's wait from joining the queue to reaching a counter.")  # fmt: skip
QUEUE_ABANDON = EventType("queue", "abandon", "Left the queue unserved", ("wait", "role", "checkout"))
QUEUE_LOST = EventType("queue", "lost", "Lost in the queue", ("wait", "role", "checkout"),
                       description="A waiting person the tracker lost (the end of the video, an occlusion).")  # fmt: skip
QUEUE_SERVICE = EventType(
    "queue", "service", "Served at the counter", ("duration", "queued", "queue", "checkout")
)
QUEUE_ALERT = EventType(
    "queue", "alert", "Queue alert",
    ("alert_id", "kind", "checkout", "message", "threshold", "value", "length", "wait_now", "minutes_ahead"),
    alert=True, photo=True, description="The queue is long, a customer waits long, or the forecast says it will be.",
)  # fmt: skip
QUEUE_ALERT_END = EventType(
    "queue", "alert_end", "Queue alert cleared", ("alert_id", "kind", "checkout", "duration")
)
#: Queue outcome (analytics) → its event type.
QUEUE_OUTCOMES = {"served": QUEUE_WAIT, "abandoned": QUEUE_ABANDON, "lost": QUEUE_LOST}

#: Every event type of the package, in the order the catalogue lists them.
EVENTS = (QUEUE_SNAPSHOT, QUEUE_WAIT, QUEUE_ABANDON, QUEUE_LOST, QUEUE_SERVICE, QUEUE_ALERT, QUEUE_ALERT_END)
