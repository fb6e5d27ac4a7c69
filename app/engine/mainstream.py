"""A camera's main stream kept ready for photos while the analysis reads its low-resolution substream.

IP cameras send two streams: the **main stream** (1080p or more, for recording and evidence) and
a **substream** (e.g. 640×360) that is plenty for detecting people. With ``detect_source`` set
(:class:`~app.config.CameraConfig`), the analysis decodes, resizes and analyses only the substream;
:class:`MainStream` reads the main stream on its own thread with ``grab()`` only (the frame is
decoded, as H.264 needs, but not converted to BGR) and converts a picture only when an event asks
for a photo (:func:`hires_crop`): the box found on the substream is scaled to the main stream's
size and cut from its newest picture. Without a main picture younger than ``max_age`` (the main
stream is down or not yet open) the photo comes from the substream frame as before.

**With the identity lag** (``tracker.identity_lag``, e.g. 0.8 s) the modules see a frame that long
after it was read, when the newest main picture already shows a later moment. The main stream then
keeps a small ring of recent pictures keyed by the time they were grabbed (``keep`` seconds: the lag
plus :data:`MAIN_PICTURE_WITHIN`), and a photo is cut from the picture nearest in time to the
analysed frame, if it is within :data:`MAIN_PICTURE_WITHIN`. Memory is bounded twice: pictures
older than ``keep`` are let go, and the ring never holds more than ``keep_bytes`` (48 MB: a 1080p
picture is 6.2 MB, so ~7 pictures, one every ~0.2 s over 1.3 s; pictures are converted only that
often, never every frame). Without the lag there is no ring (``keep`` 0).

Streams are registered by camera id while their source runs (:func:`main_stream`).

Example:
    >>> main_stream("door") is None
    True
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

import cv2
import numpy as np

from app.engine.rtsp import redact_url

log = logging.getLogger(__name__)

_streams: dict[str, MainStream] = {}
_registry_lock = threading.Lock()

#: a main-stream picture is used for a photo only when grabbed within this many seconds of the analysed
#: frame (:func:`hires_crop`)
MAIN_PICTURE_WITHIN = 0.5
#: the most bytes of pictures a main stream's ring holds (:class:`MainStream`)
KEEP_BYTES = 48 * 2**20
#: a picture is kept in the ring at most this often (seconds), however fast the stream
KEEP_EVERY = 0.1


def ring_seconds(identity_lag: float) -> float:
    """How many seconds of main pictures a camera keeps for photos: 0 without the identity lag.

    A frame reaches the modules ``identity_lag`` (plus its analysis) after it was read; pictures from
    then on, and :data:`MAIN_PICTURE_WITHIN` more, cover it.

    Example:
        >>> ring_seconds(0.0), ring_seconds(0.8)
        (0.0, 1.3)
    """
    return round(identity_lag + MAIN_PICTURE_WITHIN, 6) if identity_lag > 0 else 0.0


def main_stream(camera_id: str) -> MainStream | None:
    """The running main stream of a camera whose analysis reads its substream, else None."""
    with _registry_lock:
        return _streams.get(camera_id)


class MainStream:
    """The newest picture of a camera's main stream, converted only when asked; and a ring of recent ones.

    Args:
        camera_id: the camera's id.
        url: the main stream's URL with credentials (never logged as is).
        open_timeout: seconds to wait for the stream to open.
        read_timeout: seconds without data before a read fails.
        retry: seconds between reconnection attempts.
        keep: seconds of recent pictures kept for photos of frames analysed later (:func:`ring_seconds`
            of the identity lag; 0: none, photos use the newest picture only).
        keep_bytes: the most bytes of pictures kept; pictures are kept as far apart as
            ``keep`` / (pictures that fit) and at least :data:`KEEP_EVERY`.

    Attributes:
        grabbed: frames grabbed so far.
        converted: pictures converted for photos on demand (the newest one).
        kept: pictures converted into the ring.
        size: (width, height) of the main stream once open.
    """

    def __init__(
        self,
        camera_id: str,
        url: str,
        *,
        open_timeout: float = 10.0,
        read_timeout: float = 5.0,
        retry: float = 5.0,
        keep: float = 0.0,
        keep_bytes: int = KEEP_BYTES,
    ) -> None:
        self.camera_id, self._url = camera_id, url
        self.open_timeout, self.read_timeout, self.retry = open_timeout, read_timeout, retry
        self.keep, self.keep_bytes = keep, keep_bytes
        self.grabbed = self.converted = self.kept = 0
        self.size: tuple[int, int] | None = None
        self._ring: deque[tuple[float, np.ndarray]] = deque()
        self._ring_bytes = 0
        self._cap: cv2.VideoCapture | None = None
        self._grabbed_at = 0.0
        self._lock = threading.Lock()
        #: readers waiting for ``_lock``: the reading loop lets them in before its next grab (a grab holds the
        #: lock until the camera's next picture arrives, and a plain lock is not fair: without this a reader
        #: could wait for many grabs)
        self._readers = 0
        self._turn = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Hold the stream's lock as a reader (photos), ahead of the reading loop's next grab."""
        with self._turn:
            self._readers += 1
        try:
            with self._lock:
                yield
        finally:
            with self._turn:
                self._readers -= 1
                self._turn.notify_all()

    def _let_readers_in(self) -> None:
        """Before a grab: wait (briefly, the stop aside) until no reader waits for the lock."""
        with self._turn:
            while self._readers and not self._stop.is_set():
                self._turn.wait(0.05)

    def describe(self) -> str:
        """The main stream's URL without its password."""
        return redact_url(self._url)

    def start(self) -> MainStream:
        """Open and read the main stream on a thread, and register it for the camera; returns self."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"main-{self.camera_id}", daemon=True)
        self._thread.start()
        with _registry_lock:
            _streams[self.camera_id] = self
        return self

    def stop(self) -> None:
        """Unregister, stop reading and release the stream."""
        with _registry_lock:
            if _streams.get(self.camera_id) is self:
                del _streams[self.camera_id]
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.read_timeout * 3 + 2.0)
            self._thread = None
        with self._lock:
            self._clear_ring()

    def picture(self, max_age: float = 1.0, at: float | None = None) -> np.ndarray | None:
        """A main-stream picture (BGR), or None when none is close enough in time.

        Without ``at``: the newest picture, if grabbed less than ``max_age`` seconds ago. With ``at``
        (the analysed frame's time, epoch seconds): the picture grabbed nearest to that moment, from the
        ring or the newest, if within ``max_age`` of it — a photo never shows another moment than its
        box. Pictures from the ring are shared: read-only arrays.
        """
        with self._reading():
            cap = self._cap
            ref = time.time() if at is None else at
            newest = abs(ref - self._grabbed_at) if cap is not None else float("inf")
            if at is not None and self._ring:
                ts, kept = min(self._ring, key=lambda e: abs(e[0] - at))
                if abs(ts - at) <= min(max_age, newest):
                    return kept
            if newest > max_age:
                return None
            ok, image = cap.retrieve()  # type: ignore[union-attr]  # newest is finite: cap is open
        if not ok or image is None:
            return None
        self.converted += 1
        return image

    def pictures(self) -> list[tuple[float, np.ndarray]]:
        """The ring's pictures, oldest first, as (time grabbed, picture)."""
        with self._reading():
            return list(self._ring)

    @property
    def grabbed_at(self) -> float:
        """When the newest picture was grabbed (epoch seconds; 0 before the first)."""
        return self._grabbed_at

    @property
    def ring_bytes(self) -> int:
        """Bytes of pictures the ring holds."""
        return self._ring_bytes

    def _remember(self, ts: float, cap: cv2.VideoCapture) -> None:
        """Keep the picture just grabbed (at ``ts``) in the ring when one is due; let old ones go.

        Called with the lock held.
        """
        w, h = self.size or (0, 0)
        nbytes = w * h * 3
        if nbytes <= 0 or nbytes > self.keep_bytes:
            return
        every = max(KEEP_EVERY, self.keep / max(1, self.keep_bytes // nbytes))
        if self._ring and ts - self._ring[-1][0] < every * 0.95:  # 5 %: the stream's timing jitter
            return
        ok, image = cap.retrieve()
        if not ok or image is None:
            return
        image.flags.writeable = False  # shared with the photos cut from it
        self._ring.append((ts, image))
        self._ring_bytes += image.nbytes
        self.kept += 1
        while self._ring and (ts - self._ring[0][0] > self.keep or self._ring_bytes > self.keep_bytes):
            self._ring_bytes -= self._ring.popleft()[1].nbytes

    def _clear_ring(self) -> None:
        self._ring.clear()
        self._ring_bytes = 0

    def _open(self) -> cv2.VideoCapture | None:
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(self.open_timeout * 1000),
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(self.read_timeout * 1000)]  # fmt: skip
        cap = cv2.VideoCapture(self._url, cv2.CAP_FFMPEG, params)
        if cap.isOpened():
            return cap
        cap.release()
        return None

    def _loop(self) -> None:
        warned = False
        while not self._stop.is_set():
            cap = self._open()
            if cap is None:
                if not warned:
                    log.warning("%s: main stream %s cannot be opened; photos come from the substream (retrying)",
                                self.camera_id, self.describe())  # fmt: skip
                    warned = True
                self._stop.wait(self.retry)
                continue
            warned = False
            self.size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
            with self._lock:
                self._cap = cap
            while not self._stop.is_set():
                self._let_readers_in()
                with self._lock:
                    ok = cap.grab()
                    if ok:
                        self._grabbed_at = time.time()
                        self.grabbed += 1
                        if self.keep > 0:
                            self._remember(self._grabbed_at, cap)
                if not ok:
                    break
            with self._lock:
                self._cap = None
                self._clear_ring()  # pictures from before the loss are soon too old for any photo
            cap.release()
            if not self._stop.is_set():
                log.warning("%s: main stream %s lost; photos come from the substream until it is back",
                            self.camera_id, self.describe())  # fmt: skip
                self._stop.wait(self.retry)


def hires_crop(camera_id: str, analysed: tuple[int, int], box: np.ndarray, max_age: float = 1.0, at: float | None = None) -> tuple[np.ndarray, np.ndarray] | None:  # fmt: skip
    """The main-stream picture and ``box`` scaled to it, for a box found on the analysed (substream) frame.

    Args:
        camera_id: the camera.
        analysed: (width, height) of the frame the box is in.
        box: (4,) x1 y1 x2 y2 in the analysed frame's pixels.
        max_age: the newest main picture must be at most this old (seconds).
        at: the analysed frame's time: the main picture grabbed nearest to it, within ``max_age`` (frames
            reach the modules ``tracker.identity_lag`` after they were read, when the newest main picture
            shows a later moment: the stream's ring of recent pictures has one from the frame's moment;
            without one the photo comes from the analysed frame instead).

    Returns:
        ``(image, box in its pixels)``, or None without a main stream or a recent picture.
    """
    ms = main_stream(camera_id)
    image = ms.picture(max_age, at) if ms is not None else None
    if image is None:
        return None
    h, w = image.shape[:2]
    sx, sy = w / analysed[0], h / analysed[1]
    return image, np.asarray(box, np.float64) * np.array([sx, sy, sx, sy])
