"""Settings of the role stage: the site's ``roles`` section (staff or customer, for every camera)."""

from __future__ import annotations

from pydantic import Field

from app.config_types import bounded, enabled_field
from app.modules.stage_settings import StageSettings, every_field


class RolesConfig(StageSettings):
    """Staff or customer: how every tracked person's role is decided (cues are optional).

    ``every`` and ``off_thread`` are the stage settings every stage has; they apply to every camera.
    """

    enabled: bool = enabled_field(True, "Decide staff / customer for every person.")
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
    uniform_threshold: float = bounded(
        0.4, 0.05, 0.95, "Uniform similarity",
        "Share of the uniform's colours a torso must show to count for staff; below it counts "
        "for customer.",
    )
    uniform_weight: float = bounded(4.0, 0.0, 20.0, "Uniform weight", "Weight of the uniform cue (log-odds).")
    classifier: bool = Field(
        True,
        title="Use trained classifier",
        description="Use the site's classifier trained from labelled crops (storesight roles train) when there is one.",
    )
    classifier_interval: float = bounded(
        2.0, 0.2, 60.0, "Classify every (s)", "Run the classifier on a person at most this often."
    )
    classifier_weight: float = bounded(
        3.0, 0.0, 20.0, "Classifier weight", "Weight of the classifier (log-odds)."
    )
    staff_zone_seconds: float = bounded(
        2.0, 0.0, 600.0, "Staff zone after (s)",
        "A person this long in a staff-only zone (behind the counter, staff room) is staff.",
    )
    decide_confidence: float = bounded(
        0.8, 0.5, 1.0, "Decide at",
        "Probability at which a person is called staff or customer; below it the role stays unknown.",
        open_lo=True,
        open_hi=True,
    )
    sample_interval: float = bounded(
        0.5, 0.05, 10.0, "Sample every (s)", "How often a person's look is sampled."
    )
    crops_per_track: int = bounded(
        4, 0, 20, "Crops per person", "Photos kept per track for labelling and training the classifier."
    )
