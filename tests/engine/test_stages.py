"""The stage protocol: cadence, and a heavy stage run off the camera's thread, joined by track id."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from analytics.types import Detections, Frame
from app.config import CameraConfig
from app.engine.stages import Cadence, OffThreadStage, Stage


class SlowPlates(Stage):
    """Reads a "plate" per vehicle, slowly; waits for a go-ahead so the test controls the timing."""

    name = "plates"
    adds = ("plate",)

    def __init__(self) -> None:
        self.go = threading.Event()
        self.entered = threading.Event()
        self.seen: list[float] = []

    def process(self, frame, dets):  # type: ignore[no-untyped-def]
        self.entered.set()
        self.go.wait(10)
        self.seen.append(frame.ts)
        dets.set("plate", np.array([f"P{t}@{frame.index}" for t in dets.tracker_id.tolist()], dtype=object))
        return []


def _frame(i: int) -> Frame:
    return Frame("cam", i, 100.0 + i * 0.1, np.zeros((4, 4, 3), np.uint8))


def _dets(ids: list[int]) -> Detections:
    return Detections([[0, 0, 2, 2]] * len(ids), [0.9] * len(ids), [2] * len(ids), ids)


def test_cadence_every_class_and_zone_type() -> None:
    cam = CameraConfig.model_validate(
        {
            "id": "c",
            "source": "v.avi",
            "zones": [{"id": "s", "type": "shelf", "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]}],
        }
    )
    c = Cadence(every=2, classes=("car",), zone_types=("shelf",))
    d = Detections([[10, 10, 20, 40], [150, 10, 160, 40], [10, 10, 20, 40]], [0.9] * 3, [2, 2, 0])
    assert [c.due(n) for n in range(4)] == [True, False, True, False]
    assert c.select(d, c.zones_in_pixels(cam, 200, 100)).tolist() == [True, False, False]
    assert Cadence().select(d).tolist() == [True, True, True]


def test_a_heavy_stage_runs_off_thread_and_its_results_join_by_track_id() -> None:
    inner = SlowPlates()
    stage = OffThreadStage(inner, max_age=1.0)
    first = _dets([1, 2])
    assert stage.process(_frame(0), first) == []  # returns at once: the model has not even started
    assert "plate" not in first.data
    assert inner.entered.wait(10)  # the worker took frame 0 and is busy with it
    for i in range(1, 4):  # the camera goes on while the stage is busy: frames in between are skipped
        stage.process(_frame(i), _dets([1, 2]))
    inner.go.set()
    stage.drain()
    later = _dets([2, 7, 1])
    stage.process(_frame(5), later)
    # frame 0 and the newest waiting one (3) ran; 1 and 2 were replaced while the model was busy
    assert inner.seen == pytest.approx([100.0, 100.3]) and stage.skipped == 2
    assert later.data["plate"].tolist() == ["P2@3", None, "P1@3"]  # joined by track id; 7 is new
    assert np.allclose(later.data["plate_ts"], [100.3, np.nan, 100.3], equal_nan=True)
    stage.drain()
    too_late = _dets([1])
    stage.process(Frame("cam", 40, 104.0, np.zeros((4, 4, 3), np.uint8)), too_late)
    assert too_late.data["plate"].tolist() == [None]  # the newest result (100.5) is over max_age old
    stage.close(104.0)
    assert not stage._thread.is_alive()
