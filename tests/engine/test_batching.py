"""A detector shared by cameras batches their waiting frames when the backend takes a batch."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from analytics.types import Detections
from app.engine.batching import BatchingDetector
from models.base import DetectorBackend, DetectorSettings


class Slow(DetectorBackend):
    """Takes 20 ms a pass; each image's one detection carries the image's value as its confidence."""

    class_names = ("thing",)

    def __init__(self, batch: bool) -> None:
        super().__init__(DetectorSettings())
        self.batch_capable = batch  # type: ignore[misc]
        self.sizes: list[int] = []

    def predict(self, image: np.ndarray) -> Detections:
        return self.predict_batch([image])[0]

    def predict_batch(self, images: list[np.ndarray]) -> list[Detections]:
        time.sleep(0.02)
        self.sizes.append(len(images))
        return [Detections([[0, 0, 1, 1]], [float(im[0, 0, 0]) / 255], [0]) for im in images]


@pytest.mark.parametrize("capable", [True, False])
def test_cameras_get_their_own_results_batched_when_the_backend_can(capable: bool) -> None:
    backend = Slow(capable)
    shared = BatchingDetector(backend, max_batch=4)
    got: dict[int, list[float]] = {}

    def camera(cam: int) -> None:
        out = got.setdefault(cam, [])
        for i in range(10):
            value = (cam * 20 + i) % 255
            d = shared.predict(np.full((2, 2, 3), value, np.uint8))
            out.append(round(float(d.confidence[0]) * 255))

    threads = [threading.Thread(target=camera, args=(c,)) for c in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert {c: v for c, v in got.items()} == {c: [(c * 20 + i) % 255 for i in range(10)] for c in range(6)}
    assert sum(backend.sizes) == 60 and max(backend.sizes) <= (4 if capable else 1)
    if capable:
        assert max(backend.sizes) > 1 and shared.batches < 60  # frames of several cameras went in together


def test_a_failing_pass_reaches_every_camera_in_it() -> None:
    class Broken(Slow):
        def predict_batch(self, images: list[np.ndarray]) -> list[Detections]:
            raise RuntimeError("model crashed")

    shared = BatchingDetector(Broken(True))
    with pytest.raises(RuntimeError, match="model crashed"):
        shared.predict(np.zeros((2, 2, 3), np.uint8))
    assert shared.class_names == ("thing",)
