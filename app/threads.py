"""A restartable background loop: the thread behind the notifier and the daily report scheduler."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import ClassVar, Self


class LoopThread(ABC):
    """Runs ``self._loop()`` on a daemon thread until ``self._stop`` is set; can start again after a stop.

    A subclass names its thread (``thread_name``), calls :meth:`_init_thread` in ``__init__``,
    writes ``_loop`` (which returns soon after ``_stop`` is set) and its own ``stop`` (which
    wakes the loop as it needs and calls :meth:`_halt`).

    Example:
        >>> class Idle(LoopThread):
        ...     thread_name = "idle"
        ...     def __init__(self):
        ...         self._init_thread()
        ...     def _loop(self):
        ...         self._stop.wait()
        >>> t = Idle().start()
        >>> t.running, t.start() is t
        (True, True)
        >>> t._halt(5.0); t.running
        False
    """

    thread_name: ClassVar[str] = "loop"
    _stop: threading.Event
    _thread: threading.Thread | None

    def _init_thread(self) -> None:
        self._stop = threading.Event()
        self._thread = None

    @abstractmethod
    def _loop(self) -> None:
        """The thread's work: runs until ``self._stop`` is set (a subclass without one cannot be made)."""

    def start(self) -> Self:
        """Start the thread (idempotent: a running one is kept).

        After a stop whose wait timed out, the old thread is given 10 s more to end, then a new one
        starts; if it still has not ended, it is kept running instead (never two loops, never none).
        """
        if self.running and self._stop.is_set():
            self._thread.join(10.0)  # type: ignore[union-attr]
            if self.running:  # still ending: it goes on
                self._stop.clear()
                return self
        if not self.running:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _halt(self, timeout: float | None) -> None:
        """Set ``_stop`` and wait at most ``timeout`` seconds for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
