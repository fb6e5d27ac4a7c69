"""detect_fps and motion gating on real frames with the real detector."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.config import SiteConfig
from app.engine.motion import MotionGate
from app.engine.pipeline import CameraPipeline, FrameResult
from app.engine.runner import choose_detector
from app.engine.sources import make_source
from tests.fixtures_pipeline import ListSink, vtest_clip

pytestmark = pytest.mark.timeout(180)


def _run(tmp_path: Path, video: Path, **cam: object) -> tuple[CameraPipeline, list[FrameResult]]:
    site = SiteConfig.model_validate(
        {
            "site": {"name": "Capacity"},
            "detector": {"backend": "nanodet", "threads": 1, "precision": "int8"},
            "roles": {"enabled": False},
            "cameras": [{"id": "c", "source": str(video), **cam}],
        }
    )
    c = site.cameras[0]
    source = make_source(c, fail_fast=True)
    source.open_check()
    frames: list[FrameResult] = []
    pipe = CameraPipeline(
        site, c, source, choose_detector(site, c).backend, ListSink(), 1, on_frame=frames.append
    )
    summary = pipe.run(threading.Event())
    source.close()
    assert summary.status == "complete"
    return pipe, frames


def test_detect_fps_runs_the_detector_by_time_not_by_frame(tmp_path: Path) -> None:
    pipe, frames = _run(tmp_path, vtest_clip(tmp_path / "c.avi", 30), detect_fps=2.5)  # 10 fps video
    analysed = [f.frame.index for f in frames if f.analysed]
    assert analysed == list(range(0, 30, 4))  # every 0.4 s
    assert pipe.summary.analysed == 8 and pipe.timer.stats()["detect"].count == 8


def test_motion_gating_skips_the_detector_on_a_still_picture_and_keeps_the_people(tmp_path: Path) -> None:
    cap = cv2.VideoCapture(str(Path(__file__).resolve().parents[2] / "resources" / "demo" / "vtest.avi"))
    imgs = [cap.read()[1] for _ in range(60)]
    cap.release()
    path = tmp_path / "still.avi"
    w = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (imgs[0].shape[1], imgs[0].shape[0])
    )
    for _ in range(25):  # 2.5 s of one still picture, then 1 s of the video moving
        w.write(imgs[0])
    for img in imgs[30:40]:
        w.write(img)
    w.release()
    pipe, frames = _run(tmp_path, path, motion_gating=True)
    s = pipe.summary
    detect_runs = pipe.timer.stats()["detect"].count
    assert s.analysed == 35 and s.gated + detect_runs == 35
    # still: the first frame and the forced one at 2 s; moving: (nearly) every frame
    assert 19 <= s.gated <= 25 and detect_runs >= 10
    people = [len(f.detections) for f in frames[:25]]
    assert min(people) >= 3  # the last detections stand on skipped frames: the people stay tracked
    assert len({tuple(f.detections.tracker_id.tolist()) for f in frames[1:20]}) == 1


def test_motion_gate_threshold_on_hand_built_frames() -> None:
    gate = MotionGate(area=0.01)
    a = np.full((240, 320, 3), 90, np.uint8)
    assert gate.due(a, 0.0)
    gate.detected(a, 0.0)
    noise = np.clip(a.astype(int) + np.random.default_rng(0).integers(-8, 9, a.shape), 0, 255).astype(
        np.uint8
    )
    assert not gate.due(noise, 0.1)  # sensor noise is not motion
    small = a.copy()
    small[100:104, 100:104] = 255  # 0.02 % of the picture
    assert not gate.due(small, 0.2)
    big = a.copy()
    big[60:180, 100:160] = 255  # a person-sized change
    assert gate.due(big, 0.3) and gate.skipped == 2
