"""A video file played like a live camera: in real time, stamped with the wall clock, looping.

The GUI's live grid treats every camera the same way: frames arrive at the camera's pace and
analysis drops the oldest frame rather than fall behind. A :class:`FileSource` instead reads as
fast as it can with the recording's own timestamps, which is right for ``storesight analyze`` but
not for a camera grid. :class:`PlaybackSource` wraps it:

* **paced**: each frame is delivered when its time (PTS since the first frame) has come on the
  wall clock, so a 10 fps file plays at 10 fps;
* **stamped with the wall clock**: ``ts`` = the moment the frame was due (epoch seconds), so a
  looping file never goes back in time and events land "now" like those of a real camera;
* **looping** (default) or ending at the end of the file.

It is :attr:`~app.engine.sources.Source.live`, so the pipeline keeps only the newest frames.

Example:
    >>> import threading
    >>> src = PlaybackSource("demo", "resources/demo/vtest.avi", loop=True)   # doctest: +SKIP
    >>> frame = next(src.frames(threading.Event()))                             # doctest: +SKIP
    >>> abs(frame.ts - time.time()) < 1                                          # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from analytics.types import Frame
from app.engine.sources import CameraStatus, FileSource, Source


class PlaybackSource(Source):
    """Plays a video file at its own frame rate as if it were a live camera.

    Args:
        camera_id: the camera's id.
        path: the video file.
        loop: start again at the end of the file (else the source ends there).
        resolution: resize to (width, height).
        fps: deliver at most this many frames per second (by timestamp).
        speed: playback speed (2.0 plays twice as fast; timestamps follow the wall clock).

    Example:
        >>> PlaybackSource("cam", "video.mp4").describe()
        'video.mp4 (played in real time, looping)'
    """

    live = True

    def __init__(
        self,
        camera_id: str,
        path: str | os.PathLike[str],
        *,
        loop: bool = True,
        resolution: tuple[int, int] | None = None,
        fps: float | None = None,
        speed: float = 1.0,
    ) -> None:
        super().__init__(camera_id, resolution=resolution, fps=fps)
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.path = Path(path).expanduser()
        self.loop = loop
        self.speed = speed
        self.loops = 0
        self._file = FileSource(camera_id, self.path, resolution=resolution, fps=fps)

    @property
    def fps(self) -> float:
        """The file's frame rate (0.0 if unknown)."""
        return self._file.fps

    def describe(self) -> str:
        """The file path and how it is played."""
        return f"{self.path} (played in real time, {'looping' if self.loop else 'once'})"

    def open_check(self) -> None:
        """Check that the file opens and decodes.

        Raises:
            SourceError: missing, not a video, damaged (one line).
        """
        try:
            self._file.open_check()
        except Exception:
            self._set_status(CameraStatus.FAILED, self._file.state.reason)
            raise

    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        """Yield frames in real time until ``stop``, the end of the file (no loop) or an error.

        Raises:
            SourceError: the file cannot be opened, or is truncated (after its good frames).
        """
        self._begin()
        try:
            self._set_status(CameraStatus.CONNECTING, f"opening {self.path.name}")
            index = 0
            wall0: float | None = None  # wall clock of the first frame
            offset = 0.0  # video time before the current loop
            while not self._stopping(stop):
                first_rel: float | None = None
                rel = 0.0
                for frame in self._file.frames(stop):
                    if first_rel is None:
                        first_rel = frame.ts
                        if wall0 is None:
                            wall0 = time.time()
                            self._set_status(CameraStatus.LIVE, f"playing {self.path.name}")
                    rel = frame.ts - first_rel
                    due = wall0 + (offset + rel) / self.speed
                    if not self._sleep_until(due, stop):
                        break
                    self._delivered()
                    yield Frame(self.camera_id, index, due, frame.image)
                    index += 1
                if self._stopping(stop):
                    break
                if first_rel is None:  # nothing decoded (the file source raises for a bad file)
                    break
                period = 1.0 / (self._file.fps or 25.0)
                offset += rel + period
                if not self.loop:
                    self._set_status(CameraStatus.ENDED, f"end of {self.path.name}")
                    return
                self.loops += 1
                self._set_status(CameraStatus.LIVE, f"playing {self.path.name} (loop {self.loops + 1})")
            self._set_status(CameraStatus.ENDED, "stopped")
        except Exception:
            if self._file.state.status == CameraStatus.FAILED:
                self._set_status(CameraStatus.FAILED, self._file.state.reason)
            raise
        finally:
            self._end(None)

    def _sleep_until(self, due: float, stop: threading.Event) -> bool:
        """Wait until the wall clock reaches ``due``; False if stopped meanwhile."""
        while not self._stopping(stop):
            left = due - time.time()
            if left <= 0:
                return True
            stop.wait(min(left, 0.1))
        return False

    def close(self) -> None:
        """Stop playing (from any thread)."""
        self._file.close()
        super().close()
