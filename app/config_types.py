"""The config's shared building blocks: the strict base model, ids, zone types, detection thresholds.

They live apart from :mod:`app.config` so that module packages (``app/modules/<name>/settings.py``)
can build their settings on them while :mod:`app.config` builds the ``modules`` section from those
packages (no import cycle). :mod:`app.config` re-exports what the rest of the app reads from it.

Example:
    >>> ZoneType("queue").is_line, DetectionSettings(confidence=0.5).classes is None
    (False, True)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

Coord = Annotated[float, Field(ge=0.0, le=1.0)]
Point = tuple[Coord, Coord]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


def bounded(default: float | None, lo: float, hi: float, title: str, description: str) -> Any:
    """A number field from ``lo`` to ``hi`` (inclusive) with its label and tooltip, in one line.

    Example:
        >>> class M(StrictModel):
        ...     after: float = bounded(10.0, 0.0, 3600.0, "After (s)", "How long it must hold.")
        >>> M(after=5).after, M.model_fields["after"].title
        (5.0, 'After (s)')
    """
    return Field(default, ge=lo, le=hi, title=title, description=description)


class StrictModel(BaseModel):
    """Base of every config model: unknown keys are refused, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ZoneType(StrEnum):
    """What a zone or line means to the store."""

    ENTRANCE_LINE = "entrance_line"
    LINE = "line"
    DEPARTMENT = "department"
    QUEUE = "queue"
    COUNTER = "counter"
    SHELF = "shelf"
    WATCH = "watch"
    STAFF_ONLY = "staff_only"
    WORKSTATION = "workstation"
    PARKING = "parking"
    PPE = "ppe"

    @property
    def is_line(self) -> bool:
        """True for zone types drawn as a directed line rather than a polygon."""
        return self in (ZoneType.ENTRANCE_LINE, ZoneType.LINE)

    @property
    def label(self) -> str:
        """The type in a store's words (zone editor, reports)."""
        return ZONE_TYPE_LOOK[self][0]

    @property
    def color(self) -> str:
        """Its outline colour, RGB hex (the GUI; the pictures use :attr:`bgr`)."""
        return ZONE_TYPE_LOOK[self][1]

    @property
    def bgr(self) -> tuple[int, int, int]:
        """Its outline colour as an OpenCV BGR tuple.

        Example:
            >>> ZoneType.QUEUE.label, ZoneType.QUEUE.color, ZoneType.QUEUE.bgr
            ('Checkout queue', '#ffd700', (0, 215, 255))
        """
        h = self.color.lstrip("#")
        r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
        return (b, g, r)


#: The one table of zone types: words people read and outline colour (RGB hex), in menu order.
ZONE_TYPE_LOOK: dict[ZoneType, tuple[str, str]] = {
    ZoneType.ENTRANCE_LINE: ("Entrance line", "#3ce63c"),
    ZoneType.LINE: ("Counting line", "#3cc8e6"),
    ZoneType.DEPARTMENT: ("Department", "#ffffff"),
    ZoneType.QUEUE: ("Checkout queue", "#ffd700"),
    ZoneType.COUNTER: ("Counter", "#ffa500"),
    ZoneType.SHELF: ("Shelf", "#a0ffff"),
    ZoneType.STAFF_ONLY: ("Staff only", "#ff5050"),
    ZoneType.WORKSTATION: ("Workstation", "#ffa0ff"),
    ZoneType.PARKING: ("Parking", "#c8c8c8"),
    ZoneType.WATCH: ("Watched items", "#ff8c00"),
    ZoneType.PPE: ("PPE required", "#e6ff00"),
}


class DetectionSettings(StrictModel):
    """Thresholds shared by detection modules (the seeds' config.ini keys)."""

    confidence: float | None = Field(
        None,
        ge=0.01,
        le=1.0,
        title="Detection confidence",
        description="Minimum detector score (seeds: confidence_ratio). Higher: fewer false alarms, more misses.",
    )
    classes: list[str] | None = Field(
        None,
        title="Classes",
        description="Class names of the detector to look for (seeds: class_list), e.g. [person, car].",
    )
    box_expand: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        title="Box expansion",
        description="Grow each box by this share of its size on every side before cropping (seeds: BoundingBox).",
    )

    @field_validator("classes")
    @classmethod
    def _known_classes(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("class list is empty")
        return v
