"""What every per-frame stage's settings share: its cadence (``every``) and ``off_thread``.

A stage (pose, plates, faces, PPE — :mod:`app.engine.stages`) is configured the same way on every
camera: ``cameras[].modules.<stage>.every`` (run on every N-th analysed frame) and
``cameras[].modules.<stage>.off_thread`` (``auto``, ``always`` or ``never``; ``true``/``false``
are read as ``always``/``never``). A stage's settings model subclasses :class:`StageSettings`
and, where its defaults differ, redeclares the two fields with :func:`every_field` and
:func:`off_thread_field` (one line each, the bounds and words stay shared).

Example:
    >>> class Demo(StageSettings):
    ...     every: int = every_field(3, "Look on every N-th analysed frame.")
    >>> s = Demo(off_thread=True)
    >>> s.every, s.off_thread, s.runs_off_thread("rtsp"), Demo().runs_off_thread("rtsp")
    (3, 'always', True, False)
    >>> Demo(off_thread="auto").runs_off_thread("file"), Demo(off_thread="auto").runs_off_thread("usb")
    (False, True)
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from app.config_types import bounded
from app.modules.registry import ModuleSettings

#: ``auto``: off the camera's thread on a live camera (RTSP, USB), inline for a video file (a file
#: has no frame rate to keep, and inline gives the same results every run).
OffThread = Literal["auto", "always", "never"]

OFF_THREAD_WORDS = (
    "Run this stage on a thread of its own, so a slow model never lowers the camera's frame rate "
    "(its results join the people or vehicles by track id a few frames later; frames arriving while "
    "it runs are skipped by it). auto: on a live camera (RTSP, USB), not for video files (a file has "
    "no frame rate to keep: every due frame is looked at, the same results every run)."
)


def every_field(default: int, description: str) -> Any:
    """The ``every`` field of a stage (every N-th analysed frame, 1–100) with its own default and words."""
    return bounded(default, 1, 100, "Every N-th frame", description)


def off_thread_field(default: OffThread, description: str = OFF_THREAD_WORDS) -> Any:
    """The ``off_thread`` field of a stage with its own default (and, if needed, its own words)."""
    return Field(default, title="Run off the camera thread", description=description)


class StageSettings(ModuleSettings):
    """Settings of a per-frame stage: on or off, its cadence, whether it runs off the camera's thread."""

    every: int = every_field(1, "Run on every N-th analysed frame.")
    off_thread: OffThread = off_thread_field("never")

    @field_validator("off_thread", mode="before")
    @classmethod
    def _yes_no(cls, v: Any) -> Any:
        """``true``/``false`` (the faces section's older spelling) mean ``always``/``never``."""
        if isinstance(v, bool):
            return "always" if v else "never"
        return v

    def runs_off_thread(self, source_kind: str) -> bool:
        """Whether the stage runs on its own thread for a camera whose source is of this kind.

        Args:
            source_kind: :attr:`app.config.CameraConfig.kind` (``rtsp``, ``usb`` or ``file``).
        """
        if self.off_thread == "auto":
            return source_kind != "file"
        return self.off_thread == "always"
