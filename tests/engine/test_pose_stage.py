"""The pipeline's pose stage: who gets estimated when (cost control), keypoints from the detector, smoothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from analytics.types import Detections, Frame
from app.config import SiteConfig
from app.engine.pose_stage import PoseStage, follow_box, make_pose_stage
from models.pose import PoseBackend, PoseSettings
from tests.fixtures_pose import standing

W, H = 640, 480


class CountingPose(PoseBackend):
    """A stand-in model: a standing skeleton in each box, and a log of who was estimated."""

    type_key = ""

    def __init__(self) -> None:
        super().__init__(PoseSettings())
        self.calls: list[list[float]] = []

    def estimate(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        self.calls.append([float(b[0]) for b in boxes])
        out = []
        for x1, y1, x2, y2 in boxes:
            kp, _ = standing((x1 + x2) / 2, y2, y2 - y1)
            out.append(kp)
        return np.asarray(out, np.float32).reshape(-1, 17, 3)


def _site(**pose: Any) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "site": {"name": "S"},
            "cameras": [
                {
                    "id": "cam",
                    "source": "a.mp4",
                    "zones": [
                        {"id": "s1", "type": "shelf", "points": [[0, 0], [0.25, 0], [0.25, 1], [0, 1]]}
                    ],
                    "modules": {"pose": {"enabled": True, **pose}},
                }
            ],
        }
    )


def _people(n: int, x0: float = 40.0) -> Detections:
    boxes = [[x0 + 120 * i, 100, x0 + 120 * i + 50, 300] for i in range(n)]
    return Detections(boxes, [0.9] * n, [0] * n, list(range(1, n + 1)))


def _frame(i: int) -> Frame:
    return Frame("cam", i, 1000.0 + i / 10, np.zeros((H, W, 3), np.uint8))


def _stage(backend: PoseBackend, **pose: Any) -> PoseStage:
    site = _site(**pose)
    stage = make_pose_stage(site, site.cameras[0], backend=backend)
    assert stage is not None
    return stage


@pytest.mark.parametrize(
    ("every", "people", "frames", "estimates"),
    [
        (1, 4, 10, 40),  # everyone, every frame
        (2, 4, 10, 4 + 4 * 9 // 2),  # first sight, then half of them per frame
        (5, 4, 10, 4 + 7),  # turns in frames 2-10: ids 1-3 twice, id 4 once (its next turn is frame 11)
        (3, 1, 9, 1 + 3),
    ],
)
def test_every_k_frames_spreads_the_cost(every: int, people: int, frames: int, estimates: int) -> None:
    be = CountingPose()
    stage = _stage(be, every=every)
    for i in range(frames):
        out = _people(people)
        assert stage.process(_frame(i), out) == []
        assert out.keypoints is not None and (out.keypoints[:, :, 2] > 0.5).all()  # everyone has keypoints
    assert stage.estimated == estimates == sum(len(c) for c in be.calls)
    assert max(len(c) for c in be.calls[1:]) <= -(-people // every) + 1  # evenly spread


def test_between_estimates_keypoints_follow_the_box() -> None:
    be = CountingPose()
    stage = _stage(be, every=4, smoothing=0.0)
    stage.process(_frame(0), _people(1))
    moved = _people(1, x0=70.0)
    stage.process(_frame(1), out := moved)
    assert len(be.calls) == 1  # no new estimate
    expected, _ = standing(95, 300, 200)
    assert np.allclose(out.keypoints[0, :, :2], expected[:, :2], atol=1e-3)


def test_only_people_near_wanted_zones() -> None:
    be = CountingPose()
    stage = _stage(be, zone_types=["shelf"], zone_margin=0.2)
    stage.process(_frame(0), out := _people(4))  # x 40-90 is at the shelf (x < 160), 160-210 near it
    assert be.calls == [[40.0, 160.0]]
    seen = out.keypoints[:, :, 2].max(axis=1) > 0
    assert seen.tolist() == [True, True, False, False]


def test_keypoints_from_the_detector_need_no_model() -> None:
    be = CountingPose()
    stage = _stage(be)
    d = _people(2)
    kps = np.stack([standing(65, 300, 200)[0], standing(185, 300, 200)[0]])
    given = Detections(d.xyxy, d.confidence, d.class_id, d.tracker_id, kps)
    stage.process(_frame(0), out := given)
    assert be.calls == [] and np.allclose(out.keypoints, kps)


def test_detector_with_keypoints_loads_no_pose_model() -> None:
    class PoseDetector:
        keypoints = True
        description = "Ultralytics YOLO yolo11n-pose.pt"

    site = _site()
    stage = make_pose_stage(site, site.cameras[0], PoseDetector())  # type: ignore[arg-type]
    assert stage is not None and stage.backend is None
    assert "keypoints from the detector" in stage.reason


def test_pose_module_off_means_no_stage() -> None:
    site = SiteConfig.model_validate({"site": {"name": "S"}, "cameras": [{"id": "c", "source": "a.mp4"}]})
    assert make_pose_stage(site, site.cameras[0], backend=CountingPose()) is None


def test_non_people_get_no_keypoints() -> None:
    be = CountingPose()
    stage = _stage(be)
    d = Detections([[40, 100, 90, 300], [200, 100, 260, 300]], [0.9, 0.9], [0, 2], [1, 2])  # a person, a car
    stage.process(_frame(0), out := d)
    assert be.calls == [[40.0]] and out.keypoints[1, :, 2].max() == 0.0


def test_follow_box_scales_with_the_person() -> None:
    kp, box = standing(100, 300, 200)
    kp2, box2 = standing(400, 500, 100)
    assert np.allclose(follow_box(kp, box, box2)[:, :2], kp2[:, :2], atol=1e-3)
