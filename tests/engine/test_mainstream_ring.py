"""The main stream's ring of recent pictures: photos of frames the modules see after the identity lag.

A hand-built main stream (:class:`ClockCamera`) stands in for the camera: every picture carries the
moment it was grabbed in its pixels, so a test can read which moment a photo shows.
"""

from __future__ import annotations

import threading
import time
import tracemalloc

import numpy as np
import pytest

from app.engine.mainstream import (
    KEEP_EVERY,
    MAIN_PICTURE_WITHIN,
    MainStream,
    hires_crop,
    main_stream,
    ring_seconds,
)

pytestmark = pytest.mark.timeout(60)

LAG = 0.8  # the default tracker.identity_lag


class ClockCamera:
    """A main stream of ``fps`` pictures a second whose first 8 bytes are the time it was grabbed (float64).

    Has the part of ``cv2.VideoCapture`` :class:`MainStream` uses.
    """

    def __init__(self, fps: float, size: tuple[int, int]) -> None:
        self.period, self.size = 1.0 / fps, size
        self.next = time.time()
        self.stamp = 0.0
        self.released = threading.Event()

    def isOpened(self) -> bool:  # cv2's name
        return True

    def get(self, prop: int) -> float:
        import cv2

        return float(self.size[0] if prop == cv2.CAP_PROP_FRAME_WIDTH else self.size[1])

    def grab(self) -> bool:
        wait = self.next - time.time()
        if wait > 0:
            time.sleep(wait)
        self.next += self.period
        self.stamp = time.time()
        return not self.released.is_set()

    def retrieve(self) -> tuple[bool, np.ndarray]:
        w, h = self.size
        image = np.full((h, w, 3), 90, np.uint8)
        image.reshape(-1)[:8] = np.frombuffer(np.float64(self.stamp).tobytes(), np.uint8)
        return True, image

    def release(self) -> None:
        self.released.set()


def moment(image: np.ndarray) -> float:
    """The time a :class:`ClockCamera` picture was grabbed."""
    return float(np.frombuffer(image.reshape(-1)[:8].tobytes(), np.float64)[0])


class ClockStream(MainStream):
    """A :class:`MainStream` reading a :class:`ClockCamera` instead of a URL."""

    def __init__(self, camera_id: str, fps: float, size: tuple[int, int], **kw: float) -> None:
        super().__init__(camera_id, "rtsp://cam/main", **kw)  # type: ignore[arg-type]
        self.camera = ClockCamera(fps, size)

    def _open(self) -> ClockCamera:  # type: ignore[override]
        return self.camera


def wait_for(pred: object, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_ring_seconds_follow_the_identity_lag() -> None:
    assert ring_seconds(0.0) == 0.0  # no lag: no ring, the newest picture as before
    assert ring_seconds(LAG) == pytest.approx(LAG + MAIN_PICTURE_WITHIN)


def test_a_held_frame_gets_the_main_picture_of_its_moment() -> None:
    ms = ClockStream("door", fps=25, size=(320, 240), keep=ring_seconds(LAG)).start()
    try:
        # pictures ~0.1 s apart (every 3rd frame) over up to 1.3 s
        assert wait_for(lambda: ms.pictures() and ms.pictures()[-1][0] - ms.pictures()[0][0] >= 1.05)
        times = [t for t, _ in ms.pictures()]
        assert min(np.diff(times)) >= 0.95 * KEEP_EVERY  # not every frame is converted (25 fps: every 3rd)
        near = 0.25  # ~0.05 (half the spacing), with room for a loaded machine's late grabs; the newest is 0.8 s off
        now = time.time()
        for back in (LAG, LAG + 0.15, 0.3, 1.0):  # frames released after the lag (and a slow analysis)
            at = now - back
            shown = moment(ms.picture(MAIN_PICTURE_WITHIN, at))  # type: ignore[arg-type]
            kept = [moment(p) for _, p in ms.pictures()]
            assert abs(shown - at) <= near, (back, shown - at)  # the frame's moment, not the newest picture
            assert abs(shown - at) <= min(abs(k - at) for k in kept) + 1e-9  # the nearest kept picture
        # the photo path: the box is scaled to the main picture of the frame's moment
        image, box = hires_crop("door", (160, 120), np.array([10.0, 20.0, 30.0, 60.0]), 0.5, at=now - LAG)  # type: ignore[misc]
        assert abs(moment(image) - (now - LAG)) <= near
        assert box.tolist() == [20.0, 40.0, 60.0, 120.0]
        assert not image.flags.writeable  # shared with the ring: nobody draws on it
        # too old for the ring and for the 0.5 s rule: no main picture (the photo comes from the substream)
        assert ms.picture(MAIN_PICTURE_WITHIN, time.time() - 3.0) is None
        # without a time (the newest picture): converted on demand as before
        newest, converted = ms.grabbed_at, ms.converted
        assert moment(ms.picture(1.0)) >= newest - 0.01 and ms.converted == converted + 1  # type: ignore[arg-type]
    finally:
        ms.stop()
    assert ms.pictures() == [] and ms.ring_bytes == 0 and main_stream("door") is None


def test_without_the_lag_there_is_no_ring() -> None:
    ms = ClockStream("till", fps=25, size=(320, 240), keep=0.0).start()
    try:
        assert wait_for(lambda: ms.grabbed > 20)
        assert ms.pictures() == [] and ms.kept == 0
        at = time.time() - LAG  # a frame 0.8 s old: the newest picture shows a later moment
        assert ms.picture(MAIN_PICTURE_WITHIN, at) is None
        assert ms.picture(MAIN_PICTURE_WITHIN, time.time()) is not None
    finally:
        ms.stop()


def test_ring_memory_is_bounded_by_time_and_bytes() -> None:
    """A 1080p stream at 50 fps for 3 s: the ring holds ≤ keep seconds and ≤ keep_bytes, converts few pictures."""
    size = (1920, 1080)
    one = size[0] * size[1] * 3  # 6.2 MB
    cap = 4 * one  # room for 4 pictures: they are kept ~1.3 / 4 s apart
    tracemalloc.start()
    try:
        ms = ClockStream("aisle", fps=50, size=size, keep=ring_seconds(LAG), keep_bytes=cap).start()
        try:
            peak_ring, spans, counts = 0, [], []
            end = time.monotonic() + 3.0
            while time.monotonic() < end:
                pics = ms.pictures()
                peak_ring = max(peak_ring, ms.ring_bytes)
                if pics:
                    spans.append(pics[-1][0] - pics[0][0])
                counts.append(len(pics))
                del pics
                time.sleep(0.01)
            # the pictures still alive (allocated by ClockCamera.retrieve in this file): what the ring holds
            snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, __file__)])
            held = sum(st.size for st in snap.statistics("filename"))
            grabbed, kept = ms.grabbed, ms.kept
        finally:
            ms.stop()
        assert ms.ring_bytes == 0
    finally:
        tracemalloc.stop()
    assert grabbed > 100  # the stream ran (~150 frames)
    assert 0 < peak_ring <= cap and max(counts) <= 4
    assert max(spans) <= ring_seconds(LAG) + 1e-6
    assert 0 < held <= cap + one  # the ring (+ the picture being converted), however many were grabbed
    # pictures are converted only as often as the ring needs them (1.3 s / 4 ≈ 0.33 s apart), not every frame
    assert kept <= 3.0 / (ring_seconds(LAG) / 4) + 2, (kept, grabbed)


def test_a_picture_larger_than_the_cap_is_not_kept() -> None:
    ms = ClockStream("dock", fps=25, size=(640, 480), keep=ring_seconds(LAG), keep_bytes=640 * 480 * 3 - 1).start()
    try:
        assert wait_for(lambda: ms.grabbed > 10)
        assert ms.pictures() == [] and ms.ring_bytes == 0
    finally:
        ms.stop()
