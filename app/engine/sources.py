"""Camera sources: video files, RTSP streams and USB cameras, all yielding :class:`~analytics.types.Frame`.

Every source has a thread-safe :attr:`Source.state` (a frozen :class:`CameraState`) that the GUI and
the scheduler may read from any thread while one worker thread iterates :meth:`Source.frames`.

* :class:`FileSource` ends at end of file; ``ts`` = recording start + the frame's PTS.
* :class:`RtspSource` and :class:`UsbSource` are *live*: they run until the stop event is set,
  reconnecting with capped exponential backoff; ``ts`` is the wall clock when the frame was decoded.

Credentials never appear in logs, exceptions, state reasons or ``repr``: URLs pass through
:func:`~app.engine.rtsp.redact_url` and every message is scrubbed of the password.

Example:
    >>> import threading
    >>> src = make_source(camera)                          # doctest: +SKIP
    >>> for frame in src.frames(threading.Event()):        # doctest: +SKIP
    ...     print(frame.index, frame.ts, src.state.status)
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import cv2
import numpy as np

from analytics.types import Frame
from app.engine.rtsp import explain, probe, redact_url, url_secrets
from app.errors import SourceError

if TYPE_CHECKING:
    from app.config import CameraConfig

log = logging.getLogger(__name__)

__all__ = [
    "Backoff",
    "CameraState",
    "CameraStatus",
    "FileSource",
    "RtspSource",
    "Source",
    "UsbSource",
    "make_source",
    "redact_url",
]


class CameraStatus(StrEnum):
    """What a source is doing right now."""

    CONNECTING = "connecting"  #: opening for the first time
    LIVE = "live"  #: delivering frames (a file being read is "live" too)
    RECONNECTING = "reconnecting"  #: lost or never reached; retrying after a backoff (see the reason)
    FAILED = "failed"  #: gave up: fail-fast open error, or a file that is missing, undecodable or truncated
    ENDED = "ended"  #: end of file, or stopped / closed


@dataclass(frozen=True, slots=True)
class CameraState:
    """A snapshot of a source's health, safe to pass between threads.

    Attributes:
        status: see :class:`CameraStatus`.
        reason: one human-readable line explaining the status (never contains credentials).
        since: epoch seconds when ``status`` last changed.
        frames: frames delivered so far.
        reconnects: reconnection attempts so far (live sources).
        fps: delivered frames per wall-clock second over the last few seconds.
    """

    status: CameraStatus
    reason: str = ""
    since: float = 0.0
    frames: int = 0
    reconnects: int = 0
    fps: float = 0.0


class _FpsGate:
    """Let through at most ``max_fps`` frames per second of *timestamp* (not of frame count).

    ``slack`` (half a source frame) accepts a frame that is a little early, so timestamp jitter of a
    live stream does not push every pick to the next frame.
    """

    def __init__(self, max_fps: float | None, slack: float = 1e-3) -> None:
        self.period = 1.0 / max_fps if max_fps else 0.0
        self.slack = min(slack, self.period / 2)
        self.due: float | None = None

    def __call__(self, ts: float) -> bool:
        if not self.period:
            return True
        if self.due is not None and ts < self.due - self.slack:
            return False
        # Next slot one period after the previous one; after a gap, restart from this frame.
        restart = self.due is None or ts - self.due >= self.period
        self.due = ts + self.period if restart else self.due + self.period  # type: ignore[operator]
        return True


def _resize(image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    if size is None or (image.shape[1], image.shape[0]) == tuple(size):
        return image
    shrink = size[0] * size[1] < image.shape[0] * image.shape[1]
    return cv2.resize(image, tuple(size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


class Source(ABC):
    """A camera: where frames come from, plus its current :class:`CameraState`.

    One thread iterates :meth:`frames`; any thread may read :attr:`state` or call :meth:`close`.

    Args:
        camera_id: the camera's id in the site config.
        resolution: resize every frame to (width, height); ``None`` keeps the original.
        fps: deliver at most this many frames per second of timestamps; ``None`` delivers all.
    """

    live: bool = False

    def __init__(
        self, camera_id: str, *, resolution: tuple[int, int] | None = None, fps: float | None = None
    ) -> None:
        self.camera_id = camera_id
        self.resolution = tuple(resolution) if resolution else None
        self.max_fps = fps
        self._lock = threading.Lock()
        self._state = CameraState(CameraStatus.CONNECTING, "not started", time.time())
        self._closed = threading.Event()
        self._running = False
        self._cap: cv2.VideoCapture | None = None
        self._times: deque[float] = deque(maxlen=30)
        self._secrets: list[str] = []
        self._nominal_fps = 0.0

    # -- state --------------------------------------------------------------------------------

    @property
    def state(self) -> CameraState:
        """The current state (an immutable snapshot)."""
        with self._lock:
            return self._state

    @property
    def fps(self) -> float:
        """The source's nominal frame rate (0.0 while unknown), before any ``max_fps`` cap."""
        return self._nominal_fps

    @property
    def frame_count(self) -> int | None:
        """Frames the source promises (files), or ``None`` (live or unknown)."""
        return None

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _set_status(self, status: CameraStatus, reason: str = "") -> None:
        reason = self._scrub(reason)
        with self._lock:
            old = self._state
            changed = old.status != status or old.reason != reason
            self._state = replace(
                old,
                status=status,
                reason=reason,
                since=time.time() if old.status != status else old.since,
                fps=old.fps if status == CameraStatus.LIVE else 0.0,
            )
            if status != CameraStatus.LIVE:
                self._times.clear()
        if changed:
            bad = status in (CameraStatus.RECONNECTING, CameraStatus.FAILED)
            level = logging.WARNING if bad else logging.INFO
            log.log(level, "camera %s: %s%s", self.camera_id, status.value, f" ({reason})" if reason else "")

    def _delivered(self) -> None:
        now = time.monotonic()
        with self._lock:
            self._times.append(now)
            span = now - self._times[0]
            fps = (len(self._times) - 1) / span if span > 0 else 0.0
            self._state = replace(self._state, frames=self._state.frames + 1, fps=round(fps, 2))

    def _fail(self, message: str) -> SourceError:
        message = self._scrub(message)
        self._set_status(CameraStatus.FAILED, message)
        return SourceError(message)

    # -- lifecycle ----------------------------------------------------------------------------

    def _stopping(self, stop: threading.Event) -> bool:
        return stop.is_set() or self._closed.is_set()

    def _begin(self) -> None:
        with self._lock:
            if self._running:
                raise RuntimeError(f"camera {self.camera_id}: frames() is already running")
            self._running = True

    def _end(self, cap: cv2.VideoCapture | None) -> None:
        if cap is not None:
            cap.release()
        with self._lock:
            self._running = False

    def _take_cap(self) -> cv2.VideoCapture | None:
        with self._lock:
            cap, self._cap = self._cap, None
        return cap

    @abstractmethod
    def open_check(self) -> None:
        """Open the source once to check it works, raising a clear error if it does not.

        Live sources keep the connection for :meth:`frames`; this is the fail-fast path of the
        headless CLI and the GUI's "test connection" button.

        Raises:
            SourceError: one line saying what is wrong (no credentials in it).
        """

    @abstractmethod
    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        """Yield frames until the end of a file, or until ``stop`` is set (live sources).

        Args:
            stop: set it (from any thread) to end the iteration after the current read.

        Raises:
            SourceError: the source cannot be opened (files; live sources with ``fail_fast``), or a
                file turned out truncated after its good frames were yielded.
        """

    def close(self) -> None:
        """Stop delivering frames and free the device; safe from any thread and idempotent.

        If another thread is inside :meth:`frames`, it releases the capture after its current read.
        Closing is final: a closed source yields no more frames.
        """
        self._closed.set()
        with self._lock:
            running = self._running
        if not running:
            cap = self._take_cap()
            if cap is not None:
                cap.release()
        if self.state.status not in (CameraStatus.FAILED, CameraStatus.ENDED):
            self._set_status(CameraStatus.ENDED, "closed")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(camera_id={self.camera_id!r}, source={self.describe()!r})"

    @abstractmethod
    def describe(self) -> str:
        """The source as shown to the user (a redacted URL, a path, ``USB camera 0``)."""


# -- files ------------------------------------------------------------------------------------

# Container signatures: a file that has one but does not open is damaged, not "not a video".
_MAGIC = ((4, b"ftyp"), (0, b"RIFF"), (0, b"\x1aE\xdf\xa3"), (0, b"FLV"), (0, b"\x00\x00\x01\xba"))


class FileSource(Source):
    """A recorded video file, decoded with OpenCV's FFmpeg backend.

    Timestamps: ``ts = start + PTS``. The PTS is OpenCV's ``CAP_PROP_POS_MSEC`` after each grab
    (the decoded frame's presentation time relative to the stream start). Only if the stream has no
    PTS (OpenCV then reports 0 for frames after the first) does ``index / fps`` stand in. ``start``
    is ``start_time`` (aware, or naive = local time) or, when not given, the file's modification
    time minus its duration (the recorder wrote the last frame at about mtime).

    At the end the source checks that it decoded about as many frames as the container promised;
    if the decoder stopped well before (a cut-off download, a damaged disk), it raises
    :class:`SourceError` after the good frames were yielded so the caller can mark the run incomplete.

    Args:
        camera_id: the camera's id.
        path: the video file.
        start_time: wall-clock time of the first frame; ``None`` uses mtime minus duration.
        resolution: resize to (width, height).
        fps: at most this many frames per second of video time (skips by timestamp).

    Example:
        >>> src = FileSource("cam1", "resources/demo/vtest.avi", fps=5)      # doctest: +SKIP
        >>> [f.index for f in itertools.islice(src.frames(threading.Event()), 3)]  # doctest: +SKIP
        [0, 2, 4]
    """

    def __init__(
        self,
        camera_id: str,
        path: str | os.PathLike[str],
        *,
        start_time: dt.datetime | None = None,
        resolution: tuple[int, int] | None = None,
        fps: float | None = None,
    ) -> None:
        super().__init__(camera_id, resolution=resolution, fps=fps)
        self.path = Path(path).expanduser()
        self.start_time = start_time
        self._meta: tuple[float, int] | None = None

    def _read_meta(self) -> tuple[float, int]:
        if self._meta is None:
            cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG) if self.path.is_file() else None
            if cap is None or not cap.isOpened():
                return 0.0, 0
            self._meta = self._meta_of(cap)
            cap.release()
        return self._meta

    @staticmethod
    def _meta_of(cap: cv2.VideoCapture) -> tuple[float, int]:
        fps = cap.get(cv2.CAP_PROP_FPS)
        return (fps if 0.5 < fps < 1000 else 0.0), max(int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), 0)

    @property
    def fps(self) -> float:
        """The file's frame rate from the container (0.0 if unknown or the file does not open)."""
        return self._read_meta()[0]

    @property
    def frame_count(self) -> int | None:
        """Frames the container promises (``None`` if unknown); a truncated file delivers fewer."""
        return self._read_meta()[1] or None

    def describe(self) -> str:
        """The file path."""
        return str(self.path)

    def _open(self) -> tuple[cv2.VideoCapture, float, int]:
        """Open the file; return (capture, fps, promised frame count) or raise a clear error."""
        p = self.path
        if not p.exists():
            raise self._fail(f"video file not found: {p}")
        if not p.is_file():
            raise self._fail(f"not a video file (it is a folder or a device): {p}")
        try:
            with p.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise self._fail(f"cannot read video file {p}: {(exc.strerror or str(exc)).lower()}") from None
        if not head:
            raise self._fail(f"video file is empty: {p}")
        cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            if any(head[off : off + len(sig)] == sig for off, sig in _MAGIC):
                raise self._fail(f"cannot decode {p}: the video file is damaged or incomplete")
            raise self._fail(f"cannot decode {p}: not a video file or unsupported codec")
        self._meta = self._meta_of(cap)
        return cap, *self._meta

    def _start_epoch(self, fps: float, count: int) -> float:
        if self.start_time is not None:
            return self.start_time.timestamp()  # aware: its own zone; naive: local time
        duration = count / fps if fps and count else 0.0
        return self.path.stat().st_mtime - duration

    def open_check(self) -> None:
        """Check the file exists and opens; raise :class:`SourceError` otherwise."""
        cap, _, _ = self._open()
        try:
            if not cap.grab():
                raise self._fail(f"cannot decode {self.path}: not a video file or unsupported codec")
        finally:
            cap.release()

    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        """Yield the file's frames; see the class docstring for timestamps and truncation."""
        self._begin()
        cap: cv2.VideoCapture | None = None
        try:
            cap, fps, count = self._open()
            start = self._start_epoch(fps, count)
            gate = _FpsGate(self.max_fps, slack=0.5 / fps if fps else 1e-3)
            self._set_status(CameraStatus.LIVE, f"reading {self.path.name}")
            index, rel, last_pts = 0, 0.0, None
            while not self._stopping(stop):
                if not cap.grab():
                    break
                pts = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
                if index > 0 and not pts > 0:  # no PTS in this stream: count frames instead
                    pts = index / (fps or 25.0)
                rel = max(pts, rel) if index else max(pts, 0.0)
                last_pts = rel
                index += 1
                if not gate(rel):
                    continue
                ok, image = cap.retrieve()
                if not ok or image is None:
                    break
                self._delivered()
                yield Frame(self.camera_id, index - 1, start + rel, _resize(image, self.resolution))
            if self._stopping(stop):
                self._set_status(CameraStatus.ENDED, "stopped")
                return
            self._check_complete(index, count, fps, last_pts)
            self._set_status(CameraStatus.ENDED, f"end of file after {index} frames")
        finally:
            self._end(cap)

    def _check_complete(self, decoded: int, promised: int, fps: float, last_pts: float | None) -> None:
        if decoded == 0:
            raise self._fail(f"cannot decode {self.path}: not a video file or unsupported codec")
        if promised <= 0:
            return
        # Containers without an exact frame count report duration x fps, which may be off by a
        # frame or two (more for variable frame rate): demand that both the count and the time fall short.
        slack = max(2.0, promised * 0.005)
        short_count = decoded < promised - slack
        short_time = not fps or last_pts is None or last_pts < (promised - slack) / fps
        if short_count and short_time:
            raise self._fail(
                f"{self.path} ends early at frame {decoded} of {promised}: the file is truncated or damaged"
            )


# -- live sources -----------------------------------------------------------------------------


class Backoff:
    """Reconnect delays: ``initial``, doubling after every failed attempt, capped at ``maximum``.

    Each delay is spread by up to ``± jitter`` (a fraction), never above ``maximum``, so cameras that
    lost the same switch do not all knock again in the same second. :meth:`reset` starts over
    (frames flow again).

    Args:
        initial: the first delay in seconds.
        maximum: the cap in seconds.
        jitter: relative spread of each delay, 0 for none.
        rng: the random source (a seeded :class:`random.Random` in tests).

    Example:
        >>> b = Backoff(1.0, 60.0, jitter=0.0)
        >>> [b.next() for _ in range(8)]
        [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    """

    def __init__(
        self, initial: float, maximum: float, jitter: float = 0.2, rng: random.Random | None = None
    ) -> None:
        if not 0 < initial <= maximum:
            raise ValueError("need 0 < backoff_initial <= backoff_max")
        if not 0 <= jitter < 1:
            raise ValueError("jitter must be in [0, 1)")
        self.initial, self.maximum, self.jitter = initial, maximum, jitter
        self._rng = rng or random.Random()
        self._base = initial

    @property
    def upcoming(self) -> float:
        """The delay before jitter that :meth:`next` will spread."""
        return self._base

    def next(self) -> float:
        """The next delay in seconds (and double the following one, up to the cap)."""
        spread = 1.0 + self._rng.uniform(-self.jitter, self.jitter) if self.jitter else 1.0
        delay = min(self._base * spread, self.maximum)
        self._base = min(self._base * 2, self.maximum)
        return delay

    def reset(self) -> None:
        """Start again from ``initial``."""
        self._base = self.initial


class _LiveSource(Source):
    """Shared reconnect loop of RTSP and USB sources."""

    live = True

    def __init__(
        self,
        camera_id: str,
        *,
        resolution: tuple[int, int] | None = None,
        fps: float | None = None,
        fail_fast: bool = False,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
        backoff_jitter: float = 0.2,
        stall_timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[threading.Event, float], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(camera_id, resolution=resolution, fps=fps)
        self.backoff = Backoff(backoff_initial, backoff_max, backoff_jitter, rng)
        self.fail_fast = fail_fast
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.stall_timeout = stall_timeout
        self._clock = clock
        self._sleep = sleep
        #: Clock times of the last connection attempts (``clock``), for diagnostics and tests.
        self.attempt_times: deque[float] = deque(maxlen=64)
        self._next_index = 0  # frame numbers keep counting across reconnects
        self._last_ts = 0.0
        self._last_grab: float | None = None  # time.monotonic() of the last frame read (the watchdog's)

    def _count_reconnect(self) -> None:
        with self._lock:
            self._state = replace(self._state, reconnects=self._state.reconnects + 1)

    @abstractmethod
    def _open_capture(self) -> cv2.VideoCapture:
        """Open the device or stream, or raise :class:`SourceError` with the reason."""

    def open_check(self) -> None:
        """Connect once; keep the connection for :meth:`frames`.

        Raises:
            SourceError: the source cannot be opened, with the reason (refused, 401, 404, no device…).
        """
        self._set_status(CameraStatus.CONNECTING, f"opening {self.describe()}")
        try:
            cap = self._open_capture()
        except SourceError as exc:
            raise self._fail(str(exc)) from None
        with self._lock:
            old, self._cap = self._cap, cap
        if old is not None:
            old.release()

    def _wait(self, stop: threading.Event, seconds: float) -> None:
        if self._sleep is not None:  # an injected clock (tests): no real waiting
            self._sleep(stop, seconds)
            return
        end = time.monotonic() + seconds
        while not self._stopping(stop) and (left := end - time.monotonic()) > 0:
            stop.wait(min(left, 0.1))

    def _watchdog(self, done: threading.Event) -> None:
        """Say within ``stall_timeout`` that a connected stream stopped sending frames.

        A frozen camera (the socket open, nothing arriving) keeps the reading thread inside one
        read until FFmpeg's read timeout gives up, which takes a few times ``read_timeout``; the
        state must not say "live" meanwhile. The read then fails and the loop reconnects.
        """
        limit = cast(float, self.stall_timeout)
        while not done.wait(min(0.25, limit / 4)):
            last = self._last_grab
            if last is None or self.state.status != CameraStatus.LIVE:
                continue
            quiet = time.monotonic() - last
            if quiet >= limit:
                self._set_status(
                    CameraStatus.RECONNECTING,
                    f"no frame from {self.describe()} for {quiet:.0f} s (the stream froze); reconnecting",
                )

    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        """Yield frames until ``stop`` is set, reconnecting with backoff 1 s, 2 s, 4 s … capped.

        The delays carry a random jitter (see :class:`Backoff`). With ``fail_fast`` a failure of the
        very first connection raises :class:`SourceError` instead of retrying; later losses are
        always retried. With ``stall_timeout`` a watchdog reports a frozen stream within that time.
        """
        self._begin()
        cap: cv2.VideoCapture | None = self._take_cap()
        attempts = int(cap is not None)
        if cap is not None:
            self.attempt_times.append(self._clock())
        self.backoff.reset()
        done = threading.Event()
        if self.stall_timeout:
            name = f"watchdog-{self.camera_id}"
            threading.Thread(target=self._watchdog, args=(done,), name=name, daemon=True).start()
        try:
            while not self._stopping(stop):
                if cap is None:
                    if attempts == 0:
                        self._set_status(CameraStatus.CONNECTING, f"opening {self.describe()}")
                    else:
                        self._count_reconnect()
                    attempts += 1
                    self.attempt_times.append(self._clock())
                    try:
                        cap = self._open_capture()
                    except SourceError as exc:
                        if attempts == 1 and self.fail_fast:
                            raise self._fail(str(exc)) from None
                        delay = self.backoff.next()
                        self._set_status(CameraStatus.RECONNECTING, f"{exc}; retrying in {delay:.1f} s")
                        self._wait(stop, delay)
                        continue
                self._set_status(CameraStatus.LIVE, f"connected to {self.describe()}")
                for frame in self._read(cap, stop):
                    self.backoff.reset()  # frames flow again: the next loss starts over
                    yield frame
                cap.release()
                cap = None
                self._last_grab = None
                if self._stopping(stop):
                    break
                delay = self.backoff.next()
                lost = f"stream lost from {self.describe()} (closed, or no frame within the read timeout)"
                self._set_status(CameraStatus.RECONNECTING, f"{lost}; reconnecting in {delay:.1f} s")
                self._wait(stop, delay)
            self._set_status(CameraStatus.ENDED, "stopped")
        finally:
            done.set()
            self._end(cap)

    def _read(self, cap: cv2.VideoCapture, stop: threading.Event) -> Iterator[Frame]:
        """Frames of one connection, stamped with the wall clock, until a read fails or stop."""
        nominal = cap.get(cv2.CAP_PROP_FPS)
        self._nominal_fps = nominal if 1.0 <= nominal <= 240.0 else 0.0
        interval = 1.0 / (self._nominal_fps or 25.0)
        gate = _FpsGate(self.max_fps, slack=interval / 2)
        catching_up, opened = True, time.monotonic()
        while not self._stopping(stop):
            t0 = time.monotonic()
            if not cap.grab():
                return
            now = time.monotonic()
            if self.stall_timeout and not catching_up and now - t0 >= self.stall_timeout:
                # The read hung and FFmpeg's timeout let a stale packet through: the stream froze.
                # Its frame would be stamped "now" although it is old; reconnect instead.
                return
            self._last_grab = now
            index = self._next_index
            self._next_index += 1
            # FFmpeg buffers a few seconds of video while probing the stream at open; those frames
            # arrive all at once and would all get "now" as timestamp. Drop them until a grab has to
            # wait for the camera, i.e. until we decode in real time.
            if catching_up and now - t0 < interval * 0.5 and now - opened < 10.0:
                continue
            catching_up = False
            ts = self._last_ts = max(time.time(), self._last_ts + 1e-6)
            if not gate(ts):
                continue
            ok, image = cap.retrieve()
            if not ok or image is None:
                return
            self._delivered()
            yield Frame(self.camera_id, index, ts, _resize(image, self.resolution))


class RtspSource(_LiveSource):
    """A network camera stream (RTSP; also HTTP/RTMP URLs FFmpeg can read), via OpenCV's FFmpeg backend.

    Open and read timeouts go to OpenCV as ``CAP_PROP_OPEN_TIMEOUT_MSEC`` / ``CAP_PROP_READ_TIMEOUT_MSEC``
    (per capture, not process-wide). OpenCV requests RTSP over TCP by default unless the
    ``OPENCV_FFMPEG_CAPTURE_OPTIONS`` environment variable says otherwise. When an open fails,
    :func:`~app.engine.rtsp.probe` explains why (refused, timed out, 401, 404…).

    Args:
        camera_id: the camera's id.
        url: the stream URL *with* credentials (``CameraConfig.source_url()``); only ever shown redacted.
        resolution: resize to (width, height).
        fps: deliver at most this many frames per second (the rest are decoded and dropped).
        fail_fast: raise on a failed first connection instead of retrying.
        open_timeout: seconds to wait for the stream to open.
        read_timeout: seconds without data before a read fails. FFmpeg retries internally, so a stalled
            stream is noticed after about 2-3 x this.
        backoff_initial: first reconnect delay in seconds (doubles after every failed attempt).
        backoff_max: cap of the reconnect delay in seconds.
        stall_timeout: seconds without a frame after which the watchdog reports the stream frozen
            (``None``: half of ``read_timeout``, at least 1 s).
        main_url: the camera's main stream when ``url`` is its substream: read alongside for event
            photos (:mod:`app.engine.mainstream`) while frames are read.
        main_keep: seconds of recent main-stream pictures kept for the photos of frames the modules see
            later (:func:`app.engine.mainstream.ring_seconds` of the identity lag; 0: the newest only).
        **live: ``backoff_jitter``, ``clock``, ``sleep``, ``rng`` of the reconnect loop (tests).
    """

    def __init__(
        self,
        camera_id: str,
        url: str,
        *,
        main_url: str | None = None,
        main_keep: float = 0.0,
        resolution: tuple[int, int] | None = None,
        fps: float | None = None,
        fail_fast: bool = False,
        open_timeout: float = 10.0,
        read_timeout: float = 5.0,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
        stall_timeout: float | None = None,
        **live: Any,
    ) -> None:
        super().__init__(
            camera_id, resolution=resolution, fps=fps, fail_fast=fail_fast,
            backoff_initial=backoff_initial, backoff_max=backoff_max,
            stall_timeout=stall_timeout or max(1.0, read_timeout / 2), **live,
        )  # fmt: skip
        self._url = url
        self._secrets = url_secrets(url) + (url_secrets(main_url) if main_url else [])
        self.open_timeout = open_timeout
        self.read_timeout = read_timeout
        self.main_url = main_url
        self.main_keep = main_keep

    def describe(self) -> str:
        """The URL with the password hidden (and the main stream for photos, with a substream)."""
        text = redact_url(self._url)
        return f"{text} (photos from {redact_url(self.main_url)})" if self.main_url else text

    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        """The stream's frames (see :class:`_LiveSource`); with a main stream it is read alongside."""
        if self.main_url is None:
            yield from super().frames(stop)
            return
        from app.engine.mainstream import MainStream

        main = MainStream(self.camera_id, self.main_url, open_timeout=self.open_timeout,
                          read_timeout=self.read_timeout, keep=self.main_keep).start()  # fmt: skip
        try:
            yield from super().frames(stop)
        finally:
            main.stop()

    def _open_capture(self) -> cv2.VideoCapture:
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(self.open_timeout * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(self.read_timeout * 1000),
        ]  # fmt: skip
        cap = cv2.VideoCapture(self._url, cv2.CAP_FFMPEG, params)
        if cap.isOpened():
            return cap
        cap.release()
        result = probe(self._url, timeout=min(self.open_timeout, 3.0))
        raise SourceError(self._scrub(explain(result, self.describe())))


def _usb_backends() -> list[int]:
    if sys.platform.startswith("linux"):
        return [cv2.CAP_V4L2]
    if sys.platform == "win32":
        return [cv2.CAP_DSHOW, cv2.CAP_MSMF]  # DirectShow opens faster; Media Foundation as fallback
    if sys.platform == "darwin":
        return [cv2.CAP_AVFOUNDATION]
    return [cv2.CAP_ANY]


class UsbSource(_LiveSource):
    """A USB (UVC) camera by index, reconnecting like :class:`RtspSource` if it is unplugged.

    Uses V4L2 on Linux, DirectShow then Media Foundation on Windows, AVFoundation on macOS.

    Args:
        camera_id: the camera's id.
        index: the device index (``0`` is ``/dev/video0`` on Linux).
        resolution: requested from the camera, and frames are resized to it.
        fps: deliver at most this many frames per second.
        fail_fast: raise on a failed first open instead of retrying.
        backoff_initial: first reconnect delay in seconds.
        backoff_max: cap of the reconnect delay in seconds.
    """

    def __init__(
        self,
        camera_id: str,
        index: int,
        *,
        resolution: tuple[int, int] | None = None,
        fps: float | None = None,
        fail_fast: bool = False,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
    ) -> None:
        super().__init__(
            camera_id, resolution=resolution, fps=fps, fail_fast=fail_fast,
            backoff_initial=backoff_initial, backoff_max=backoff_max,
        )  # fmt: skip
        self.index = int(index)

    def describe(self) -> str:
        """``USB camera N``."""
        return f"USB camera {self.index}"

    def _open_capture(self) -> cv2.VideoCapture:
        dev = Path(f"/dev/video{self.index}")
        if sys.platform.startswith("linux") and not dev.exists():
            raise SourceError(f"{self.describe()} not found: there is no {dev} (is the camera plugged in?)")
        for api in _usb_backends():
            cap = cv2.VideoCapture(self.index, api)
            if cap.isOpened():
                if self.resolution:
                    cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.resolution[0])
                    cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.resolution[1])
                return cap
            cap.release()
        raise SourceError(
            f"{self.describe()} cannot be opened (not connected, used by another program, or no permission)"
        )


def make_source(
    camera: CameraConfig,
    *,
    fail_fast: bool = False,
    backoff_initial: float = 1.0,
    backoff_max: float = 60.0,
    identity_lag: float = 0.0,
) -> Source:
    """Build the source for a camera from the site config. Nothing is opened yet.

    Args:
        camera: the camera's config (``kind``, ``source_url()``, ``fps``, ``resolution``, ``start_time``).
        fail_fast: live sources raise :class:`SourceError` if the first connection fails (headless CLI).
        backoff_initial: first reconnect delay of live sources, seconds.
        backoff_max: cap of the reconnect delay, seconds.
        identity_lag: the site's ``tracker.identity_lag``: a camera analysed on its substream keeps that
            much of its main stream's pictures (and :data:`~app.engine.mainstream.MAIN_PICTURE_WITHIN`
            more), so the photos of held frames come from the main picture of their moment.

    Returns:
        A :class:`FileSource`, :class:`RtspSource` or :class:`UsbSource`.
    """
    res = tuple(camera.resolution) if camera.resolution else None
    live = {"fail_fast": fail_fast, "backoff_initial": backoff_initial, "backoff_max": backoff_max}
    if camera.kind == "rtsp" and camera.detect_source:  # analyse the substream, photos from the main stream
        from app.engine.mainstream import ring_seconds

        sub, main, keep = camera.detect_source_url() or "", camera.source_url(), ring_seconds(identity_lag)
        return RtspSource(camera.id, sub, resolution=res, fps=camera.fps, main_url=main, main_keep=keep, **live)
    if camera.kind == "rtsp":
        return RtspSource(camera.id, camera.source_url(), resolution=res, fps=camera.fps, **live)
    if camera.kind == "usb":
        return UsbSource(camera.id, int(camera.source), resolution=res, fps=camera.fps, **live)
    return FileSource(camera.id, camera.source, start_time=camera.start_time, resolution=res, fps=camera.fps)
