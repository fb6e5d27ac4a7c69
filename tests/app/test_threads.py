"""The background loop behind the notifier, the report scheduler and the service link (app/threads.py)."""

from __future__ import annotations

import threading
import time

from app.threads import LoopThread


class _Slow(LoopThread):
    """Counts turns; takes ``linger`` seconds to end after a stop (a request in flight)."""

    thread_name = "slow"

    def __init__(self, linger: float) -> None:
        self._init_thread()
        self.linger, self.turns = linger, 0

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.turns += 1
            self._stop.wait(0.01)
        time.sleep(self.linger)

    def stop(self, timeout: float) -> None:
        self._halt(timeout)


def test_start_after_a_stop_that_timed_out_keeps_one_loop_going() -> None:
    """A stop whose wait timed out (the loop still ending) followed by a start: a loop runs afterwards
    (before the fix the start saw the old thread alive and did nothing; then it ended and nothing ran)."""
    t = _Slow(linger=0.3)
    t.start()
    t.stop(timeout=0.01)
    assert t.running  # still ending
    t.start()
    time.sleep(0.6)  # the old thread has ended by now
    assert t.running
    before = t.turns
    time.sleep(0.1)
    assert t.turns > before  # and it is turning
    assert sum(th.name == "slow" for th in threading.enumerate()) == 1  # one loop, not two
    t.stop(timeout=2.0)
    assert not t.running


def test_a_loop_without_its_work_cannot_be_made() -> None:
    """``_loop`` is abstract: a subclass that forgets it fails when made, not later on its thread."""
    import pytest

    class Forgot(LoopThread):
        def __init__(self) -> None:
            self._init_thread()

    with pytest.raises(TypeError, match="_loop"):
        Forgot()
