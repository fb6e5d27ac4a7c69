"""Fault isolation for a camera's stages and modules: one that raises does not stop the camera.

A stage or module that raises on a frame is logged with the camera and its name, counted, and
skipped for that frame; the camera and the other modules go on. After ``limit`` errors in a row it
is disabled for the rest of the run (a bug that fails on every frame would otherwise flood the
log and cost a traceback per frame). The camera's status line in the GUI and the run summary say
which ones failed.

Example:
    >>> guard = FaultGuard("cam1", limit=2)
    >>> def bad(x):
    ...     raise ValueError("no")
    >>> guard.run("plates", bad, 1), guard.run("plates", bad, 2), guard.disabled("plates")
    ([], [], True)
    >>> guard.run("plates", lambda x: [x], 3), guard.status()
    ([], 'plates disabled after 2 errors (ValueError: no)')
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: Errors in a row after which a stage or module is turned off for the run.
DEFAULT_LIMIT = 5


@dataclass(slots=True)
class Fault:
    """The errors of one stage or module.

    Attributes:
        name: the stage or module.
        errors: errors so far.
        in_a_row: errors since its last good frame.
        disabled: turned off for the rest of the run.
        last: the last error, ``Type: message``.
    """

    name: str
    errors: int = 0
    in_a_row: int = 0
    disabled: bool = False
    last: str = ""

    def describe(self) -> str:
        """One phrase for the status line."""
        if self.disabled:
            return f"{self.name} disabled after {self.errors} errors ({self.last})"
        return f"{self.name}: {self.errors} error{'s' if self.errors != 1 else ''} ({self.last})"


class FaultGuard:
    """Runs a camera's stages and modules, isolating the ones that raise.

    Args:
        camera_id: the camera (for the log).
        limit: errors in a row after which a stage or module is disabled.
    """

    def __init__(self, camera_id: str, *, limit: int = DEFAULT_LIMIT) -> None:
        self.camera_id = camera_id
        self.limit = max(1, limit)
        self.faults: dict[str, Fault] = {}

    def disabled(self, name: str) -> bool:
        """Whether ``name`` was turned off."""
        f = self.faults.get(name)
        return f is not None and f.disabled

    def run(self, name: str, fn: Callable[..., list[Any]], *args: Any) -> list[Any]:
        """``fn(*args)``'s records, or [] when it raises (or ``name`` is disabled)."""
        f = self.faults.get(name)
        if f is not None and f.disabled:
            return []
        try:
            out = fn(*args)
        except Exception as e:  # isolate: log, count, maybe disable; the camera goes on
            f = self.faults.setdefault(name, Fault(name))
            f.errors += 1
            f.in_a_row += 1
            f.last = f"{e.__class__.__name__}: {e}"
            f.disabled = f.in_a_row >= self.limit
            log.error(
                "camera %s: %s failed (%d in a row%s)",
                self.camera_id,
                name,
                f.in_a_row,
                ", disabled for this run" if f.disabled else "",
                exc_info=f.errors == 1 or f.disabled,  # the traceback once, not every frame
            )
            return []
        if f is not None:
            f.in_a_row = 0
        return out

    def status(self) -> str:
        """One line about every stage or module that failed; empty when none did."""
        return "; ".join(f.describe() for f in self.faults.values())
