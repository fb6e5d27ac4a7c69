"""Settings of the faces module (``cameras[].modules.faces``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from app.config_types import bounded, enabled_field
from app.modules.stage_settings import OffThread, StageSettings, every_field, off_thread_field

# The longer tooltips, so that each field stays one line.
FRONTAL = "0..1 from the eyes and nose: 1 straight on; turned faces below it are not used."
SHOTS = "The best faces of each track that are compared (a few good shots, not every frame)."
TRIES = "Due frames a track is searched for a face before it is left alone (saves CPU)."
KEEP_EVENTS = (
    "Identifications, unknown-face alerts and their face photos older than this are deleted "
    "(the site's storage.retention_days still applies to everything else)."
)
KEEP_VISITORS = "A visitor not seen for this many days is erased with their embeddings."
VISIT_GAP = "A returning visitor seen again after this long counts a new visit."


class FacesSettings(StageSettings):
    """Faces of the camera's people: employee identification, blurring, (optionally) age and gender."""

    enabled: bool = enabled_field(
        False, "Look for faces on this camera's people. Personal biometric data: read docs/privacy.md first."
    )
    mode: Literal["identify", "anonymous"] = Field(
        "identify",
        title="Mode",
        description="identify: match faces with enrolled employees (who consented). anonymous: store no face "
        "data at all (no embeddings, no identification) and blur every face before anything is stored.",
    )
    blur: Literal["non_employees", "all", "none"] = Field(
        "non_employees",
        title="Blur faces",
        description="Whose faces are blurred in the frames this camera stores (crops, photos, exports) and "
        "shows: everyone except identified employees (default), everyone, or nobody. Anonymous mode blurs all.",
    )
    backend: Literal["auto", "deepface", "dlib"] = Field(
        "auto",
        title="Face backend",
        description="auto: deepface when installed with its weights in ~/.deepface, else the built-in dlib models.",
    )
    every: int = every_field(3, "Look for faces on every N-th analysed frame.")
    min_face_px: int = bounded(
        40, 20, 1000, "Smallest face (px)", "Narrower faces are not used (too few pixels)."
    )
    min_frontal: float = bounded(0.4, 0.0, 1.0, "Frontal at least", FRONTAL)
    shots_per_track: int = bounded(3, 1, 20, "Faces per person", SHOTS)
    tries_per_track: int = bounded(30, 1, 1000, "Tries per person", TRIES)
    threshold: float | None = Field(
        None, gt=0.0, lt=2.0, title="Match distance",
        description="Distance at or below which a face is the employee (empty: the backend's, dlib 0.5, ArcFace 0.68).",
    )  # fmt: skip
    unknown_alert: bool = Field(
        True, title="Alert: unknown face in staff-only zone",
        description="Raise an alert when a clearly seen face that matches no employee is in a staff-only zone.",
    )  # fmt: skip
    demographics: bool = Field(
        False, title="Age and gender",
        description="Vote an age band and gender per person (both backends: deepface, or the embedded face-api model with dlib; nothing about the face is stored).",
    )  # fmt: skip
    off_thread: OffThread = off_thread_field(
        "always",
        "Look for faces on a thread of their own so the camera keeps its frame rate (identifications join a "
        "few frames later; blurring stays on the camera's thread). auto: only on a live camera; true/false "
        "mean always/never.",
    )
    retention_days: int = bounded(30, 1, 3650, "Keep face events (days)", KEEP_EVENTS)
    visitors: bool = Field(
        False, title="Returning visitors",
        description="Recognise returning non-employees under pseudonymous ids (no names): first seen, visits, "
        "days since the last visit. Stores their face embeddings (encrypted) — needs a legal basis.",
    )  # fmt: skip
    visitors_basis: str = Field(
        "", max_length=200, title="Legal basis for returning visitors",
        description="Why the site may recognise returning visitors (e.g. 'loyalty programme consent'); required "
        "to turn them on.",
    )  # fmt: skip
    visitor_days: int = bounded(30, 1, 3650, "Keep returning visitors (days)", KEEP_VISITORS)
    visit_gap_minutes: float = bounded(30.0, 1.0, 1440.0, "New visit after (minutes)", VISIT_GAP)

    @model_validator(mode="after")
    def _visitors_need_basis(self) -> FacesSettings:
        if self.visitors and not self.visitors_basis.strip():
            raise ValueError(
                "visitors: needs visitors_basis (the legal basis for recognising returning visitors)"
            )
        if self.visitors and self.mode == "anonymous":
            raise ValueError("visitors: not in anonymous mode (it stores no face data)")
        return self
