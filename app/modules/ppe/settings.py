"""Settings of the PPE module (``cameras[].modules.ppe``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.modules.stage_settings import StageSettings, every_field


class PpeSettings(StageSettings):
    """Helmet and hi-vis vest checks of the people inside the camera's PPE zones."""

    enabled: bool = Field(
        False,
        title="Enabled",
        description="Check helmets and vests of the people inside the camera's zones of type 'ppe' "
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
    confidence: float = Field(
        0.25, ge=0.01, le=1.0, title="YOLO confidence", description="Lowest score of a YOLO PPE detection."
    )
    required: list[Literal["helmet", "vest"]] = Field(
        default_factory=lambda: ["helmet", "vest"],
        title="Required items",
        description="Items required in a PPE zone that does not list its own.",
    )
    every: int = every_field(2, "Check people on every N-th analysed frame.")
    after: float = Field(
        10.0,
        ge=0.0,
        le=3600.0,
        title="Violation after (s)",
        description="A required item missing (voted 'no') for this long inside the zone is a violation.",
    )
    window: float = Field(
        3.0,
        ge=0.2,
        le=60.0,
        title="Vote window (s)",
        description="Each item is voted over this many seconds.",
    )
    min_votes: int = Field(
        3, ge=1, le=100, title="Frames per vote", description="Fewer observations in the window: unknown."
    )
    min_person_px: int = Field(
        60,
        ge=16,
        le=4000,
        title="Smallest person (px)",
        description="People shorter than this are not checked (their items stay unknown).",
    )
    vest_examples: str = Field(
        "",
        title="Vest pictures folder",
        description="Pictures of people wearing the site's own vests (JPEG/PNG): teaches the built-in "
        "classifier a vest colour it does not know (e.g. blue).",
        max_length=500,
    )
    save_photos: bool = Field(
        True, title="Save photos", description="Store the violator's crop with the events."
    )
