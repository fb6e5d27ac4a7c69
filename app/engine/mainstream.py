"""A camera's main stream kept ready for photos while the analysis reads its low-resolution substream.

IP cameras send two streams: the **main stream** (1080p or more, for recording and evidence) and
a **substream** (e.g. 640×360) that is plenty for detecting people. With ``detect_source`` set
(:class:`~app.config.CameraConfig`), the analysis decodes, resizes and analyses only the substream;
:class:`MainStream` reads the main stream on its own thread with ``grab()`` only (the frame is
decoded, as H.264 needs, but not converted to BGR) and converts a picture only when an event asks
for a photo (:func:`hires_crop`): the box found on the substream is scaled to the main stream's
size and cut from its newest picture. Without a main picture younger than ``max_age`` (the main
stream is down or not yet open) the photo comes from the substream frame as before.

Streams are registered by camera id while their source runs (:func:`main_stream`).

Example:
    >>> main_stream("door") is None
    True
"""

from __future__ import annotations

import logging
import threading
import time

import cv2
import numpy as np

from app.engine.rtsp import redact_url

log = logging.getLogger(__name__)

_streams: dict[str, MainStream] = {}
_registry_lock = threading.Lock()


def main_stream(camera_id: str) -> MainStream | None:
    """The running main stream of a camera whose analysis reads its substream, else None."""
    with _registry_lock:
        return _streams.get(camera_id)


class MainStream:
    """The newest picture of a camera's main stream, converted only when asked.

    Args:
        camera_id: the camera's id.
        url: the main stream's URL with credentials (never logged as is).
        open_timeout: seconds to wait for the stream to open.
        read_timeout: seconds without data before a read fails.
        retry: seconds between reconnection attempts.

    Attributes:
        grabbed: frames grabbed so far.
        converted: pictures converted for photos.
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
    ) -> None:
        self.camera_id, self._url = camera_id, url
        self.open_timeout, self.read_timeout, self.retry = open_timeout, read_timeout, retry
        self.grabbed = self.converted = 0
        self.size: tuple[int, int] | None = None
        self._cap: cv2.VideoCapture | None = None
        self._grabbed_at = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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

    def picture(self, max_age: float = 1.0, at: float | None = None) -> np.ndarray | None:
        """The newest main-stream picture (BGR), or None when none is younger than ``max_age`` seconds.

        With ``at`` (the analysed frame's time, epoch seconds): None unless the newest picture was
        grabbed within ``max_age`` of that moment — a photo never shows a later moment than its box.
        """
        with self._lock:
            cap = self._cap
            ref = time.time() if at is None else at
            if cap is None or abs(ref - self._grabbed_at) > max_age:
                return None
            ok, image = cap.retrieve()
        if not ok or image is None:
            return None
        self.converted += 1
        return image

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
                with self._lock:
                    ok = cap.grab()
                    if ok:
                        self._grabbed_at = time.time()
                        self.grabbed += 1
                if not ok:
                    break
            with self._lock:
                self._cap = None
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
        at: the analysed frame's time: the main picture must be within ``max_age`` of it (frames reach
            the modules ``tracker.identity_lag`` after they were read; by then the newest main picture
            shows a later moment, and the photo comes from the analysed frame instead).

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
