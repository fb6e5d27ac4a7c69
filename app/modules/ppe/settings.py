"""Settings of the PPE module (``cameras[].modules.ppe``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.config_types import bounded, enabled_field, photos_field
from app.modules.stage_settings import StageSettings, every_field

VIOLATION_AFTER = "A required item missing (voted 'no') for this long inside the zone is a violation."
SMALLEST = "People shorter than this are not checked (their items stay unknown)."


class PpeSettings(StageSettings):
    """Helmet and hi-vis vest checks of the people inside the camera's PPE zones."""

    enabled: bool = enabled_field(
        False,
        "Check helmets and vests of the people inside the camera's zones of type 'ppe' "
        "(each zone says which items it requires).",
    )
    backend: Literal["auto", "yolo", "colour"] = Field(
        "auto",
        title="PPE model",
        description="auto: a YOLO PPE model (ppe.pt) from the model folder when present, else the built-in "
        "colour classifier on pose regions.",
    )
    weights: str = Field(
        "",
        title="YOLO PPE model file",
        description="File name in the model folder (empty: ppe.pt).",
        max_length=200,
    )
    class_map: dict[str, Literal["helmet", "no_helmet", "vest", "no_vest", "ignore"]] = Field(
        default_factory=dict,
        title="YOLO class meanings",
        description="What the YOLO model's classes mean, e.g. {Hardhat: helmet, NO-Hardhat: no_helmet, "
        "Safety Vest: vest}. Common names are known already.",
    )
    confidence: float = bounded(0.25, 0.01, 1.0, "YOLO confidence", "Lowest score of a YOLO PPE detection.")
    required: list[Literal["helmet", "vest"]] = Field(
        default_factory=lambda: ["helmet", "vest"],
        title="Required items",
        description="Items required in a PPE zone that does not list its own.",
    )
    every: int = every_field(2, "Check people on every N-th analysed frame.")
    after: float = bounded(10.0, 0.0, 3600.0, "Violation after (s)", VIOLATION_AFTER)
    window: float = bounded(3.0, 0.2, 60.0, "Vote window (s)", "Each item is voted over this many seconds.")
    min_votes: int = bounded(3, 1, 100, "Frames per vote", "Fewer observations in the window: unknown.")
    min_person_px: int = bounded(60, 16, 4000, "Smallest person (px)", SMALLEST)
    vest_examples: str = Field(
        "",
        title="Vest pictures folder",
        description="Pictures of people wearing the site's own vests (JPEG/PNG): teaches the built-in "
        "classifier a vest colour it does not know (e.g. blue).",
        max_length=500,
    )
    save_photos: bool = photos_field("Store the violator's crop with the events.")
