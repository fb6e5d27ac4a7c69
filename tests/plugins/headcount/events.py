"""The head count module's event types."""

from app.events import EventType

HEADCOUNT_PEAK = EventType(
    "headcount", "peak", "Most people in view so far", ("people", "customers"),
    description="The number of people in the camera's view rose above every earlier count.",
)  # fmt: skip
