"""Settings of the pose stage (``cameras[].modules.pose``) and of the site's pose model (``pose``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.config_types import StrictModel, ZoneType, bounded, enabled_field
from app.modules.stage_settings import StageSettings, every_field


class PoseStageSettings(StageSettings):
    """Pose keypoints (COCO-17) of the camera's tracked people; the behaviour module needs them."""

    enabled: bool = enabled_field(
        False,
        "Estimate body keypoints of tracked people (the built-in model costs about 6-12 ms "
        "per person per frame on a CPU).",
    )
    every: int = every_field(
        1,
        "Estimate a person's keypoints every N-th analysed frame (people take turns); in between the "
        "last keypoints move with the person's box.",
    )
    zone_types: list[ZoneType] = Field(
        default_factory=list,
        title="Only near zones of type",
        description="Estimate only for people near a zone of these types, e.g. [shelf]. Empty: everyone "
        "(needed for posture everywhere).",
    )
    zone_margin: float = bounded(
        0.5, 0.0, 5.0, "Near (box heights)",
        "How close to such a zone (in the person's box heights) counts as near.",
    )
    smoothing: float = bounded(
        0.15, 0.0, 2.0, "Smoothing (s)", "Time constant of the keypoint smoothing; 0 turns it off."
    )
    min_score: float = bounded(0.3, 0.01, 1.0, "Keypoint score", "Keypoints scoring less count as not seen.")


class PoseConfig(StrictModel):
    """Which pose model gives people's keypoints (for cameras with the pose module on)."""

    backend: Literal["auto", "movenet", "yolo"] = Field(
        "auto",
        title="Backend",
        description="auto: YOLO-pose when its weights are in the model folder, else the built-in MoveNet "
        "(CPU). A YOLO-pose detector (detector.yolo_model: yolo11n-pose.pt) gives keypoints itself.",
    )
    yolo_model: str = Field(
        "yolo11n-pose.pt",
        title="YOLO-pose weights",
        description="File name (or .yaml) of the YOLO-pose model.",
    )
    threads: int = bounded(0, 0, 64, "CPU threads", "Inference threads; 0 = automatic.")
