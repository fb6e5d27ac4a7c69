"""Settings of the behaviour module (``cameras[].modules.behaviour``): posture, reaches, contacts."""

from __future__ import annotations

from pydantic import Field

from app.config_types import StrictModel, bounded, enabled_field, photos_field
from app.modules.registry import ModuleSettings


class PostureSettings(StrictModel):
    """Standing / walking / sitting / bending intervals per person."""

    enabled: bool = enabled_field(True, "Store each person's posture intervals.")
    min_seconds: float = bounded(
        0.6, 0.0, 30.0, "Hold (s)", "A new posture must hold this long before it counts."
    )
    min_interval: float = bounded(
        1.0, 0.0, 600.0, "Store from (s)", "Shorter posture intervals are not stored."
    )
    walk_speed: float = bounded(
        0.25, 0.0, 5.0, "Walking from (heights/s)",
        "Floor speed, in body heights per second, from which a person walks.", open_lo=True,
    )
    bend_tilt: float = bounded(
        40.0, 5.0, 90.0, "Bending from (°)", "Torso tilt from vertical from which a person is bending."
    )
    sit_leg_ratio: float = bounded(
        0.9, 0.1, 3.0, "Sitting below (leg/torso)",
        "Ankles less than this many torso lengths below the hips (torso upright): sitting.",
    )
    crouch_leg_ratio: float = bounded(
        0.6, 0.0, 3.0, "Crouching below (leg/torso)",
        "Ankles less than this many torso lengths below the hips: crouching.",
    )


class ReachSettings(StrictModel):
    """Interaction with goods: a hand in a shelf zone."""

    enabled: bool = enabled_field(True, "Detect reaches into the camera's shelf zones.")
    min_seconds: float = bounded(
        1.0, 0.0, 60.0, "Minimum reach (s)",
        "A wrist must stay in a shelf zone this long to count as a reach.",
    )
    gap: float = bounded(
        0.5, 0.0, 10.0, "Allowed gap (s)",
        "A wrist may leave (or be unseen) this long without ending the reach.",
    )
    near: float = bounded(
        0.75, 0.0, 5.0, "Near (box heights)",
        "The person's feet must be this close to the shelf zone, in box heights (passers-by "
        "in front of the shelf are not counted).",
    )
    min_extension: float = bounded(
        0.5, 0.0, 3.0, "Arm out (torso lengths)",
        "The wrist must be this far from the hip, in torso lengths (a hanging hand is about "
        "0.3); 0 accepts any wrist.",
    )
    save_crops: bool = photos_field("Attach a photo (with the skeleton drawn) to each reach.")


class ContactSettings(StrictModel):
    """Staff–customer contact (consultation)."""

    enabled: bool = enabled_field(True, "Detect consultations (needs staff/customer roles).")
    distance: float = bounded(
        1.0, 0.0, 10.0, "Closer than (box heights)",
        "Floor points closer than this many box heights are in contact.", open_lo=True,
    )
    min_seconds: float = bounded(
        5.0, 0.0, 3600.0, "Minimum contact (s)", "They must stay close this long to count as a consultation."
    )
    gap: float = bounded(
        1.5, 0.0, 60.0, "Allowed gap (s)", "They may be apart (or one unseen) this long without ending it."
    )
    save_crops: bool = photos_field("Attach a photo of both people.")


class BehaviourSettings(ModuleSettings):
    """Behaviour from pose keypoints: posture, reaching into shelves, staff–customer contact."""

    enabled: bool = enabled_field(
        True, "Posture and reaches need the pose module; contacts need staff/customer roles."
    )
    posture: PostureSettings = Field(default_factory=PostureSettings, title="Posture")
    reach: ReachSettings = Field(default_factory=ReachSettings, title="Reaching into shelves")
    contact: ContactSettings = Field(default_factory=ContactSettings, title="Staff–customer contact")
