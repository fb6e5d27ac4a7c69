"""Settings of the behaviour module (``cameras[].modules.behaviour``): posture, reaches, contacts."""

from __future__ import annotations

from pydantic import Field

from app.config_types import StrictModel
from app.modules.registry import ModuleSettings


class PostureSettings(StrictModel):
    """Standing / walking / sitting / bending intervals per person."""

    enabled: bool = Field(True, title="Enabled", description="Store each person's posture intervals.")
    min_seconds: float = Field(
        0.6,
        ge=0.0,
        le=30.0,
        title="Hold (s)",
        description="A new posture must hold this long before it counts.",
    )
    min_interval: float = Field(
        1.0,
        ge=0.0,
        le=600.0,
        title="Store from (s)",
        description="Shorter posture intervals are not stored.",
    )
    walk_speed: float = Field(
        0.25,
        gt=0.0,
        le=5.0,
        title="Walking from (heights/s)",
        description="Floor speed, in body heights per second, from which a person walks.",
    )
    bend_tilt: float = Field(
        40.0,
        ge=5.0,
        le=90.0,
        title="Bending from (°)",
        description="Torso tilt from vertical from which a person is bending.",
    )
    sit_leg_ratio: float = Field(
        0.9,
        ge=0.1,
        le=3.0,
        title="Sitting below (leg/torso)",
        description="Ankles less than this many torso lengths below the hips (torso upright): sitting.",
    )
    crouch_leg_ratio: float = Field(
        0.6,
        ge=0.0,
        le=3.0,
        title="Crouching below (leg/torso)",
        description="Ankles less than this many torso lengths below the hips: crouching.",
    )


class ReachSettings(StrictModel):
    """Interaction with goods: a hand in a shelf zone."""

    enabled: bool = Field(True, title="Enabled", description="Detect reaches into the camera's shelf zones.")
    min_seconds: float = Field(
        1.0,
        ge=0.0,
        le=60.0,
        title="Minimum reach (s)",
        description="A wrist must stay in a shelf zone this long to count as a reach.",
    )
    gap: float = Field(
        0.5,
        ge=0.0,
        le=10.0,
        title="Allowed gap (s)",
        description="A wrist may leave (or be unseen) this long without ending the reach.",
    )
    near: float = Field(
        0.75,
        ge=0.0,
        le=5.0,
        title="Near (box heights)",
        description="The person's feet must be this close to the shelf zone, in box heights (passers-by "
        "in front of the shelf are not counted).",
    )
    min_extension: float = Field(
        0.5,
        ge=0.0,
        le=3.0,
        title="Arm out (torso lengths)",
        description="The wrist must be this far from the hip, in torso lengths (a hanging hand is about "
        "0.3); 0 accepts any wrist.",
    )
    save_crops: bool = Field(
        True, title="Save photos", description="Attach a photo (with the skeleton drawn) to each reach."
    )


class ContactSettings(StrictModel):
    """Staff–customer contact (consultation)."""

    enabled: bool = Field(
        True, title="Enabled", description="Detect consultations (needs staff/customer roles)."
    )
    distance: float = Field(
        1.0,
        gt=0.0,
        le=10.0,
        title="Closer than (box heights)",
        description="Floor points closer than this many box heights are in contact.",
    )
    min_seconds: float = Field(
        5.0,
        ge=0.0,
        le=3600.0,
        title="Minimum contact (s)",
        description="They must stay close this long to count as a consultation.",
    )
    gap: float = Field(
        1.5,
        ge=0.0,
        le=60.0,
        title="Allowed gap (s)",
        description="They may be apart (or one unseen) this long without ending it.",
    )
    save_crops: bool = Field(True, title="Save photos", description="Attach a photo of both people.")


class BehaviourSettings(ModuleSettings):
    """Behaviour from pose keypoints: posture, reaching into shelves, staff–customer contact."""

    enabled: bool = Field(
        True,
        title="Enabled",
        description="Posture and reaches need the pose module; contacts need staff/customer roles.",
    )
    posture: PostureSettings = Field(default_factory=PostureSettings, title="Posture")
    reach: ReachSettings = Field(default_factory=ReachSettings, title="Reaching into shelves")
    contact: ContactSettings = Field(default_factory=ContactSettings, title="Staff–customer contact")
