"""Fault suite: a camera that freezes after PLAY, and the pacing of reconnect attempts (issue 19).

Both against the real local RTSP server (GStreamer, ``tests/rtsp_server.py``):

* frozen: the server process is stopped with SIGSTOP while it streams, so its sockets stay open
  and nothing arrives. The source's watchdog must say so within ``stall_timeout`` of the last
  frame, the blocked read must give up (FFmpeg's read timeout), and once the server runs again
  (SIGCONT) the source reconnects and frames flow.
* pacing: the server is killed, so every attempt is refused for real; the waits between attempts
  go through an injected clock, so 1 → 60 s of pacing is checked on timestamps in a second.
"""

from __future__ import annotations

import itertools
import random
import threading
import time

import pytest

from app.engine.sources import Backoff, CameraStatus, RtspSource
from tests.engine.test_sources import Consumer, _wait_for
from tests.fixtures_rtsp import RtspTestServer

pytestmark = pytest.mark.rtsp

STALL_S = 2.0
READ_TIMEOUT_S = 5.0


@pytest.mark.timeout(120)
def test_a_stream_frozen_after_play_is_caught_by_the_watchdog_and_reconnected(
    rtsp_server: RtspTestServer,
) -> None:
    src = RtspSource(
        "door", rtsp_server.url, read_timeout=READ_TIMEOUT_S, open_timeout=3.0, stall_timeout=STALL_S,
        backoff_initial=0.5, backoff_max=2.0,
    )  # fmt: skip
    consumer = Consumer(src)
    _wait_for(lambda: len(consumer.seen) >= 10, 20, "first frames", src)

    rtsp_server.freeze()
    frozen_at = time.time()
    frozen = lambda: src.state.status != CameraStatus.LIVE  # noqa: E731
    _wait_for(frozen, 15, "the watchdog", src)
    noticed_at = time.time()
    reason = src.state.reason
    last_frame = consumer.seen[-1][1]  # frames already in the socket buffer still arrive after the freeze
    assert "froze" in reason and "no frame" in reason, reason
    # Within the stated time: stall_timeout after the last frame (plus the watchdog's 0.5 s poll).
    assert noticed_at - last_frame <= STALL_S + 0.75, (noticed_at - last_frame, reason)

    # The blocked read gives up (FFmpeg's read timeout, a few times READ_TIMEOUT_S) and the loop
    # tries to connect again while the server is still frozen.
    _wait_for(lambda: src.state.reconnects >= 1, 6 * READ_TIMEOUT_S + 5, "a reconnect attempt", src)
    gave_up_after = time.time() - frozen_at
    n_frozen = len(consumer.seen)

    rtsp_server.thaw()
    thawed_at = time.time()
    _wait_for(lambda: len(consumer.seen) >= n_frozen + 10, 40, "frames after the thaw", src)
    st = src.state
    consumer.finish()
    assert st.status == CameraStatus.LIVE and st.reconnects >= 1
    assert all(b[0] > a[0] and b[1] > a[1] for a, b in itertools.pairwise(consumer.seen))
    # Nothing was stamped while the camera was frozen (apart from what was already buffered).
    assert not [s for s in consumer.seen if last_frame < s[1] < thawed_at]
    print(
        f"\nfrozen: watchdog after {noticed_at - last_frame:.1f} s without a frame; read gave up and "
        f"reconnect attempt after {gave_up_after:.1f} s; live again {time.time() - thawed_at:.1f} s after the thaw"
    )


class FakeClock:
    """A monotonic clock that moves only when the source waits (so 60 s waits take no time).

    Each wait needs a permit (:meth:`allow`), so the test decides how many attempts happen.
    """

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []
        self._permits = threading.Semaphore(0)

    def __call__(self) -> float:
        return self.now

    def allow(self, n: int) -> None:
        """Let ``n`` more waits pass."""
        for _ in range(n):
            self._permits.release()

    def sleep(self, stop: threading.Event, seconds: float) -> None:
        while not self._permits.acquire(timeout=0.05):
            if stop.is_set():
                return
        self.waits.append(seconds)
        self.now += seconds


BASE = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0, 60.0]


def _assert_paced(gaps: list[float], base: list[float], jitter: float = 0.2) -> None:
    assert len(gaps) >= len(base), gaps
    for gap, b in zip(gaps, base, strict=False):
        assert b * (1 - jitter) - 0.01 <= gap <= min(b * (1 + jitter), 60.0) + 0.01, (gaps, base)


@pytest.mark.timeout(90)
def test_reconnect_attempts_are_paced_1_to_60_s_with_jitter_and_start_over_after_frames(
    rtsp_server: RtspTestServer,
) -> None:
    rtsp_server.stop()  # a camera that lost power: every attempt is refused for real
    clock = FakeClock()
    src = RtspSource(
        "door", rtsp_server.url, read_timeout=2.0, open_timeout=2.0, clock=clock, sleep=clock.sleep,
        rng=random.Random(19),
    )  # fmt: skip
    consumer = Consumer(src)
    clock.allow(len(BASE))
    _wait_for(lambda: len(src.attempt_times) >= len(BASE) + 1, 60, "attempts", src)
    attempts = list(src.attempt_times)
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    _assert_paced(gaps, BASE)
    assert gaps == pytest.approx(clock.waits)
    assert len({round(g, 3) for g in gaps[6:]}) > 1, "no jitter at the cap"
    assert "connection refused" in src.state.reason and "retrying in" in src.state.reason

    # The camera returns: frames flow, and after the next loss the pacing starts again at 1 s.
    rtsp_server.start()
    clock.allow(1)
    _wait_for(lambda: src.state.status == CameraStatus.LIVE and len(consumer.seen) >= 5, 40, "live", src)
    rtsp_server.stop()
    clock.allow(3)
    _wait_for(lambda: len(clock.waits) >= len(BASE) + 4, 40, "waits after the second loss", src)
    consumer.finish()
    _assert_paced(clock.waits[-3:], [1.0, 2.0, 4.0])
    print("\npacing (s):", " ".join(f"{g:.1f}" for g in gaps))


def test_backoff_caps_at_60_s_and_spreads_each_delay() -> None:
    b = Backoff(1.0, 60.0, jitter=0.2, rng=random.Random(3))
    delays = [b.next() for _ in range(200)]
    _assert_paced(delays, [*BASE[:6], *[60.0] * 194])
    assert max(delays) <= 60.0 and min(delays[10:]) >= 48.0
    assert Backoff(1.0, 60.0, jitter=0.0).next() == 1.0
    with pytest.raises(ValueError, match="jitter"):
        Backoff(1.0, 60.0, jitter=1.0)
