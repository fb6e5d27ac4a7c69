"""A guard against a PySide6 bug that crashes long-running windows on Python < 3.12.

PySide6-Essentials 6.12.0 (shiboken6 6.12.0) returns ``None`` from every C++ ``void`` method
without taking a reference to it. On Python 3.12+ ``None`` is immortal and nothing happens; on
Python 3.11 each call (``QPainter.drawLine``, ``setPen``, ``QWidget.update``…) lowers ``None``'s
reference count by one, and after some ten thousand calls — a minute of a live camera grid —
the interpreter aborts with "Fatal Python error: none_dealloc: deallocating None". 6.11.3 does
not have the bug (checked with the same probe).

:func:`protect_none` measures the leak once (a few hundred ``QObject.setObjectName`` calls) and,
only if ``None`` really loses references, gives it a huge number of extra ones — what Python 3.12
does by making it immortal — and logs a warning that names the fix (install a PySide6 without
the bug). It is a no-op on healthy builds and on Python 3.12+.

Example:
    >>> protect_none()      # doctest: +SKIP
    False
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

#: Extra references given to ``None`` on a leaking build (2**40 calls ≈ decades of painting).
MARGIN = 1 << 40

_done: bool | None = None


def none_leak_per_call(calls: int = 400) -> float:
    """References of ``None`` lost per C++ ``void`` call of this PySide6 build (0.0 when healthy)."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")
    return max(0.0, (before - sys.getrefcount(None)) / calls)


def protect_none() -> bool:
    """Make ``None`` safe from the leak if this PySide6 build has it; True if protection was needed."""
    global _done
    if _done is not None:
        return _done
    leak = none_leak_per_call() if sys.version_info < (3, 12) else 0.0
    _done = leak > 0.5
    if _done:
        import PySide6

        refcnt = ctypes.c_ssize_t.from_address(id(None))
        refcnt.value += MARGIN
        log.warning(
            "PySide6 %s loses a reference to None on every Qt call on Python %d.%d, which would crash "
            "the window after a while; worked around. Install PySide6-Essentials 6.11.3 (or newer than "
            "6.12.0, or use Python 3.12+) to fix it properly.",
            PySide6.__version__,
            *sys.version_info[:2],
        )
    return _done
