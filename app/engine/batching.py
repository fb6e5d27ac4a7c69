"""One detector for several cameras: their frames batched when the backend takes a batch.

Each camera's analysis thread calls :meth:`BatchingDetector.predict` as it would call the
backend. Requests that arrive while the model is busy wait together and go in as one batch
(:meth:`models.base.DetectorBackend.predict_batch`), up to ``max_batch`` images; nobody waits
for a batch to fill: a lone camera's frame goes in at once. A backend that cannot take a batch
gets one image at a time, in arrival order — the same as a shared lock.

Example:
    >>> from models.base import DetectorSettings
    >>> class Nothing(DetectorBackend):
    ...     class_names = ("thing",)
    ...     def predict(self, image):
    ...         return Detections.empty()
    >>> shared = BatchingDetector(Nothing(DetectorSettings()))
    >>> len(shared.predict(np.zeros((4, 4, 3), np.uint8))), shared.class_names
    (0, ('thing',))
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analytics.types import Detections
from models.base import DetectorBackend


@dataclass(slots=True)
class _Request:
    image: np.ndarray
    done: threading.Event = field(default_factory=threading.Event)
    result: Detections | None = None
    error: BaseException | None = None


class BatchingDetector:
    """A detector backend shared by cameras, batching their frames (see the module's text).

    Args:
        backend: the loaded backend.
        max_batch: most images in one pass.

    Attributes:
        batches: passes run so far; ``images`` images in them (``images / batches`` is the mean batch).
    """

    def __init__(self, backend: DetectorBackend, *, max_batch: int = 8) -> None:
        self.backend = backend
        self.max_batch = max(1, max_batch) if backend.batch_capable else 1
        self._cond = threading.Condition()
        self._queue: list[_Request] = []
        self._busy = False
        self.batches = 0
        self.images = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)  # class_names, description, keypoints, settings…

    def predict(self, image: np.ndarray) -> Detections:
        """Detect objects in one camera's frame (batched with other cameras' waiting frames)."""
        req = _Request(image)
        with self._cond:
            self._queue.append(req)
        while True:
            with self._cond:
                while self._busy and not req.done.is_set():
                    self._cond.wait(0.05)
                if req.done.is_set():
                    return self._result(req)
                self._busy = True  # this thread runs the next batch (the oldest waiting frames)
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            try:
                self._run(batch)
            finally:
                with self._cond:
                    for r in batch:
                        r.done.set()
                    self._busy = False
                    self._cond.notify_all()

    def _run(self, batch: list[_Request]) -> None:
        try:
            results = self.backend.predict_batch([r.image for r in batch])
            for r, d in zip(batch, results, strict=True):
                r.result = d
        except BaseException as e:  # every waiting camera sees the failure, none hangs
            for r in batch:
                r.error = e
        self.batches += 1
        self.images += len(batch)

    @staticmethod
    def _result(req: _Request) -> Detections:
        if req.error is not None:
            raise req.error
        assert req.result is not None
        return req.result
