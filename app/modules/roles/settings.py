"""Settings of the role stage: the site's ``roles`` section (staff or customer, for every camera)."""

from __future__ import annotations

from pydantic import Field

from app.modules.stage_settings import StageSettings, every_field


class RolesConfig(StageSettings):
    """Staff or customer: how every tracked person's role is decided (cues are optional).

    ``every`` and ``off_thread`` are the stage settings every stage has; they apply to every camera.
    """

    enabled: bool = Field(True, title="Enabled", description="Decide staff / customer for every person.")
    every: int = every_field(
        1,
        "Gather evidence (uniform colours, classifier, faces) on every N-th analysed frame; the roles "
        "decided so far are on every frame.",
    )
    uniform_dir: str | None = Field(
        None,
        title="Uniform examples folder",
        description="Folder of example pictures (JPEG/PNG crops of a whole person) of staff in uniform, "
        "relative to this config file. Examples added in the database (employees) are used too.",
    )
    uniform_threshold: float = Field(
        0.4,
        ge=0.05,
        le=0.95,
        title="Uniform similarity",
        description="Share of the uniform's colours a torso must show to count for staff; below it counts "
        "for customer.",
    )
    uniform_weight: float = Field(
        4.0, ge=0.0, le=20.0, title="Uniform weight", description="Weight of the uniform cue (log-odds)."
    )
    classifier: bool = Field(
        True,
        title="Use trained classifier",
        description="Use the site's classifier trained from labelled crops (storesight roles train) when there is one.",
    )
    classifier_interval: float = Field(
        2.0,
        ge=0.2,
        le=60.0,
        title="Classify every (s)",
        description="Run the classifier on a person at most this often.",
    )
    classifier_weight: float = Field(
        3.0, ge=0.0, le=20.0, title="Classifier weight", description="Weight of the classifier (log-odds)."
    )
    staff_zone_seconds: float = Field(
        2.0,
        ge=0.0,
        le=600.0,
        title="Staff zone after (s)",
        description="A person this long in a staff-only zone (behind the counter, staff room) is staff.",
    )
    decide_confidence: float = Field(
        0.8,
        gt=0.5,
        lt=1.0,
        title="Decide at",
        description="Probability at which a person is called staff or customer; below it the role stays unknown.",
    )
    sample_interval: float = Field(
        0.5, ge=0.05, le=10.0, title="Sample every (s)", description="How often a person's look is sampled."
    )
    crops_per_track: int = Field(
        4,
        ge=0,
        le=20,
        title="Crops per person",
        description="Photos kept per track for labelling and training the classifier.",
    )
