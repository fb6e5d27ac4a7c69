"""Settings of the licence-plate module (``cameras[].modules.plates``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from analytics.plates import UNCERTAIN_BELOW, normalize, plate_format
from app.config_types import bounded, enabled_field
from app.modules.stage_settings import OffThread, StageSettings, every_field, off_thread_field

#: The plate lists, strongest first: a plate on several lists is reported as the first.
LISTS = ("deny", "watch", "allow")


def list_plate(text: str) -> str:
    """The canonical spelling of a plate typed for a list (Latin look-alikes → Cyrillic, no spaces).

    Raises:
        ValueError: not a Russian plate (format or region code), in one line.

    Example:
        >>> list_plate("a 123 bc 77")
        'А123ВС77'
    """
    plate = normalize(text)
    if not plate or plate_format(plate) is None:
        raise ValueError(
            f"{text.strip()!r} is not a Russian licence plate (e.g. А123ВС77, А123ВС777, АВ12377; "
            "letters АВЕКМНОРСТУХ or their Latin look-alikes, a known region code)"
        )
    return plate


class PlatesSettings(StageSettings):
    """Licence plates of the camera's vehicles: one voted read per vehicle passage (parking cameras)."""

    enabled: bool = enabled_field(
        False,
        "Read the licence plates of tracked vehicles (car, truck, bus, motorcycle). Turn the "
        "detector's vehicle classes on for this camera too.",
    )
    every: int = every_field(1, "Read plates on every N-th analysed frame.")
    classes: list[str] = Field(
        default_factory=lambda: ["car", "truck", "bus", "motorcycle"],
        title="Vehicle classes",
        description="Detector classes whose plates are read.",
    )
    locator: Literal["auto", "yolo", "haar"] = Field(
        "auto",
        title="Plate locator",
        description="auto: a YOLO plate detector (plates.pt) from the model folder when present, else the "
        "built-in Haar cascade + contours.",
    )
    precision: Literal["int8", "fp32"] = Field("int8", title="OCR model", description="int8 is the faster.")
    min_confidence: float = bounded(
        UNCERTAIN_BELOW, 0.0, 1.0, "Minimum confidence",
        "A passage whose voted read is less confident is stored as uncertain (shown marked, left out of "
        "the Parking sheet; a list alert on it says so).",
    )
    settle_after: int = bounded(
        4, 0, 100, "Stop after N equal reads",
        "Once N of a vehicle's reads agree (and at least 3 in 4 of them do), stop reading it "
        "(saves CPU; its passage keeps that plate). 0: read it on every due frame.",
    )
    off_thread: OffThread = off_thread_field("auto")
    min_vehicle_px: int = bounded(64, 16, 4000, "Smallest vehicle (px)", "Narrower vehicles are not read.")
    hash_plates: bool = Field(
        False,
        title="Store plates hashed",
        description="Privacy: store a keyed hash of each plate instead of its text (lists still match).",
    )
    hash_key: str = Field(
        "",
        title="Hash key",
        description="Secret mixed into the plate hash (without it a plate's hash can be guessed).",
        max_length=200,
    )
    deny: list[str] = Field(
        default_factory=list,
        title="Deny list",
        description="Plates that raise an alert (popup and notifications) when read, e.g. [А123ВС77]; "
        "Latin look-alike letters are accepted.",
    )
    allow: list[str] = Field(
        default_factory=list,
        title="Allow list",
        description="Known plates (staff, residents): their reads are marked 'allow'.",
    )
    watch: list[str] = Field(
        default_factory=list,
        title="Watch list",
        description="Plates to be told about (an alert like the deny list's, kind 'watch'), e.g. a "
        "supplier's truck or a vehicle to look out for.",
    )
    notes: dict[str, str] = Field(
        default_factory=dict,
        title="List notes",
        description="A note per listed plate (why it is listed), keyed by the plate.",
    )

    @field_validator("deny", "allow", "watch")
    @classmethod
    def _plates(cls, plates: list[str]) -> list[str]:
        """Each listed plate in its canonical spelling, once; an impossible plate is refused."""
        out: list[str] = []
        for t in plates:
            p = list_plate(t)
            if p not in out:
                out.append(p)
        return out

    @field_validator("notes")
    @classmethod
    def _note_keys(cls, notes: dict[str, str]) -> dict[str, str]:
        return {normalize(k): v for k, v in notes.items() if v.strip()}

    @model_validator(mode="after")
    def _notes_of_listed(self) -> PlatesSettings:
        """A note belongs to a listed plate (notes of removed plates are refused, not kept silently)."""
        listed = {p for name in LISTS for p in getattr(self, name)}
        stray = sorted(set(self.notes) - listed)
        if stray:
            raise ValueError(f"notes: {', '.join(stray)} is on no list (deny, watch, allow)")
        return self

    def list_of(self, plate: str) -> str | None:
        """The list a canonical plate is on (``deny`` before ``watch`` before ``allow``), or None."""
        return next((name for name in LISTS if plate in getattr(self, name)), None)
