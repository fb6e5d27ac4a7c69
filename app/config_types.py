"""The config's shared building blocks: the strict base model, ids, zone types, detection thresholds.

They live apart from :mod:`app.config` so that module packages (``app/modules/<name>/settings.py``)
can build their settings on them while :mod:`app.config` builds the ``modules`` section from those
packages (no import cycle). :mod:`app.config` re-exports what the rest of the app reads from it.

Example:
    >>> ZoneType("queue").is_line, DetectionSettings(confidence=0.5).classes is None
    (False, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

Coord = Annotated[float, Field(ge=0.0, le=1.0)]
Point = tuple[Coord, Coord]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


def bounded(
    default: float | None,
    lo: float | None,
    hi: float | None,
    title: str,
    description: str,
    *,
    open_lo: bool = False,
    open_hi: bool = False,
) -> Any:
    """A number field from ``lo`` to ``hi`` with its label and tooltip, in one line.

    The bounds are inclusive (``ge``/``le``) unless ``open_lo``/``open_hi`` make them exclusive
    (``gt``/``lt``); ``None`` leaves that side open. Give ints for an int field, so that the one-line
    error reads "greater than or equal to 1", not "1.0".

    Example:
        >>> class M(StrictModel):
        ...     after: float = bounded(10.0, 0.0, 3600.0, "After (s)", "How long it must hold.")
        ...     share: float = bounded(0.5, 0.0, 1.0, "Share", "Above 0, at most 1.", open_lo=True)
        >>> M(after=5).after, M.model_fields["after"].title
        (5.0, 'After (s)')
        >>> M(share=0)
        Traceback (most recent call last):
        ...
        pydantic_core._pydantic_core.ValidationError: 1 validation error for M
        share
          Input should be greater than 0 ...
    """
    low = {"gt" if open_lo else "ge": lo} if lo is not None else {}
    high = {"lt" if open_hi else "le": hi} if hi is not None else {}
    return Field(default, title=title, description=description, **low, **high)


def enabled_field(default: bool, description: str) -> Any:
    """The ``enabled`` switch of a module or of a part of one, with its own default and tooltip."""
    return Field(default, title="Enabled", description=description)


def photos_field(description: str) -> Any:
    """The switch that attaches photos to a module's events (on by default), with its own tooltip."""
    return Field(True, title="Save photos", description=description)


def check_unique(ids: Iterable[str], what: str) -> None:
    """Refuse an id that comes twice, naming the first one that does.

    Raises:
        ValueError: ``<what> 'x' is used twice``.

    Example:
        >>> check_unique(["a", "b", "b"], "zone id")
        Traceback (most recent call last):
        ...
        ValueError: zone id 'b' is used twice
    """
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{what} {i!r} is used twice")
        seen.add(i)


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

    confidence: float | None = bounded(
        None, 0.01, 1.0, "Detection confidence",
        "Minimum detector score (seeds: confidence_ratio). Higher: fewer false alarms, more misses.",
    )
    classes: list[str] | None = Field(
        None,
        title="Classes",
        description="Class names of the detector to look for (seeds: class_list), e.g. [person, car].",
    )
    box_expand: float | None = bounded(
        None, 0.0, 1.0, "Box expansion",
        "Grow each box by this share of its size on every side before cropping (seeds: BoundingBox).",
    )

    @field_validator("classes")
    @classmethod
    def _known_classes(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("class list is empty")
        return v
