"""Event types of the shelf module (see :mod:`app.events`)."""

from __future__ import annotations

from app.events import EventType

SHELF_REFERENCE = EventType(
    "shelf", "reference", "Shelf reference captured", ("rows", "columns", "captured", "source"), photo=True,
    description="The full-shelf picture a shelf zone is measured against (captured when nobody stood in front).",
)  # fmt: skip
SHELF_GAP_START = EventType(
    "shelf", "gap_start", "Shelf gap", ("segment", "row", "column", "fraction", "decided"), photo=True,
    description="A segment has been empty for the confirm time; ts is when it began.",
)  # fmt: skip
SHELF_ALERT = EventType(
    "shelf", "alert", "Shelf empty for too long", ("alert_id", "kind", "segment", "row", "column", "fraction",
                                                   "message", "since"),
    alert=True, photo=True, description="A gap stayed open for the alert time.",
)  # fmt: skip
SHELF_ALERT_END = EventType("shelf", "alert_end", "Shelf refilled (alert cleared)", ("alert_id", "kind", "duration"))
SHELF_GAP = EventType(
    "shelf", "gap", "Shelf gap (refilled)", ("segment", "row", "column", "fraction", "duration", "restock_s",
                                             "refilled", "shoppers", "reached", "lost_sales"),
    photo=True, description="A whole gap: start to refilled (or to the end of the run), with the lost-sales estimate.",
)  # fmt: skip
EVENTS = (SHELF_REFERENCE, SHELF_GAP_START, SHELF_ALERT, SHELF_ALERT_END, SHELF_GAP)
