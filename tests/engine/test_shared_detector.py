"""One detector model serves every camera, each with its own classes and confidence (issue 11 bug).

The live engine used to build its shared detector from the first camera's settings: with a
people camera first, a parking camera configured for bus/car/truck got no vehicles.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.config import SiteConfig
from app.engine.pipeline import CameraPipeline, FrameResult
from app.engine.runner import choose_detector
from app.engine.sources import make_source
from app.errors import UserError
from app.store.records import EventRecord
from tests.fixtures_pipeline import ListSink

pytestmark = pytest.mark.timeout(180)


def _bus_video(tmp_path: Path, frames: int = 6) -> Path:
    spec = importlib.util.find_spec("ultralytics")
    assert spec is not None and spec.submodule_search_locations
    img = cv2.imread(str(Path(next(iter(spec.submodule_search_locations))) / "assets" / "bus.jpg"))
    assert img is not None
    path = tmp_path / "bus.avi"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (img.shape[1], img.shape[0]))
    for _ in range(frames):
        w.write(img)
    w.release()
    return path


def _site(video: Path) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "site": {"name": "Shared detector"},
            "detector": {"backend": "nanodet", "threads": 1},
            "roles": {"enabled": False},
            "cameras": [
                {"id": "shop", "source": str(video), "classes": ["person"], "confidence": 0.4},
                {
                    "id": "parking",
                    "source": str(video),
                    "classes": ["bus", "car", "truck"],
                    "confidence": 0.3,
                },
            ],
        }
    )


def _run(site: SiteConfig, camera_id: str, choice) -> tuple[list[FrameResult], list[EventRecord]]:  # type: ignore[no-untyped-def]
    cam = site.camera(camera_id)
    source = make_source(cam, fail_fast=True)
    source.open_check()
    sink, frames = ListSink(), []
    pipe = CameraPipeline(
        site, cam, source, choice.backend, sink, run_id=1, on_frame=frames.append, nominal_fps=5.0
    )
    try:
        assert pipe.run(threading.Event()).status == "complete"
    finally:
        source.close()
    return frames, sink.events


def test_people_camera_and_parking_camera_share_one_model_on_bus_jpg(tmp_path: Path) -> None:
    site = _site(_bus_video(tmp_path))
    choice = choose_detector(site, site.cameras)  # what the engine does: one model for all cameras
    assert choice.backend.class_names[5] == "bus"
    shop, shop_events = _run(site, "shop", choice)
    park, park_events = _run(site, "parking", choice)

    shop_names = {str(n) for r in shop for n in r.detections.names()}
    park_names = {str(n) for r in park for n in r.detections.names()}
    assert shop_names == {"person"}
    assert park_names and park_names <= {"bus", "car", "truck"} and "bus" in park_names
    # the parking camera's confidence (0.3) is its own, not the people camera's 0.4
    assert min(float(r.detections.confidence.min()) for r in park if len(r.detections)) >= 0.3
    starts = [e.payload["class"] for e in park_events if e.type == "track_start"]
    assert "bus" in starts and all(c in {"bus", "car", "truck"} for c in starts)
    assert {e.payload["class"] for e in shop_events if e.type == "track_start"} == {"person"}
    people = max(len(r.detections) for r in shop)
    assert people >= 3, people  # four people in bus.jpg, two of them cut by the border


def test_a_class_the_loaded_detector_does_not_know_is_one_clear_error(tmp_path: Path) -> None:
    from app.engine.pipeline import camera_class_ids

    site = _site(_bus_video(tmp_path, frames=1))
    choice = choose_detector(site, site.cameras)
    with pytest.raises(
        UserError, match=r"unknown class 'forklift' for the detector \(valid: person, bicycle"
    ):
        camera_class_ids(choice.backend, ["forklift"])
    assert camera_class_ids(choice.backend, ["truck", "person"]).tolist() == [7, 0]
    assert np.array_equal(camera_class_ids(choice.backend, None), [0])
