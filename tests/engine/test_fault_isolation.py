"""A module or stage that raises is logged, counted, shown and disabled; the camera goes on."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from analytics.types import Detections, Frame
from app.config import SiteConfig
from app.engine.engine import CameraSnapshot
from app.engine.modules import Module, Record
from app.engine.pipeline import CameraPipeline, FrameResult
from app.engine.runner import choose_detector
from app.engine.sources import make_source
from app.engine.stages import Stage
from tests.fixtures_pipeline import ListSink, vtest_clip

pytestmark = pytest.mark.timeout(180)


class Broken(Module):
    """Raises on every frame with people from the 5th analysed frame on."""

    name = "broken"

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self.calls = 0

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        self.calls += 1
        if self.calls >= 5:
            raise ZeroDivisionError("a bug in a plug-in")
        return []


class Flaky(Stage):
    """Fails on every other frame: never disabled (errors are not in a row)."""

    name = "flaky"

    def __init__(self) -> None:
        self.n = 0

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        self.n += 1
        if self.n % 2:
            raise RuntimeError("sometimes")
        dets.set("flaky", [True] * len(dets))
        return []


def test_a_raising_module_is_disabled_and_the_camera_and_other_modules_go_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = SiteConfig.model_validate(
        {
            "site": {"name": "Faults"},
            "detector": {"backend": "nanodet", "threads": 1},
            "roles": {"enabled": False},
            "engine": {"fault_limit": 3},  # the config's limit (default 5)
            "cameras": [{"id": "walk", "source": str(vtest_clip(tmp_path / "c.avi"))}],
        }
    )
    cam = site.cameras[0]
    source = make_source(cam, fail_fast=True)
    source.open_check()
    sink, frames = ListSink(), []
    pipe = CameraPipeline(site, cam, source, choose_detector(site, cam).backend, sink, 1, on_frame=frames.append)
    assert pipe.guard.limit == 3
    broken = Broken(pipe.modules[0].ctx)
    pipe.modules.insert(0, broken)  # before the tracks module: its failure must not stop it
    pipe.stages.append(Flaky())
    with caplog.at_level(logging.ERROR, logger="app.engine.faults"):
        summary = pipe.run(threading.Event())
    source.close()

    assert summary.status == "complete" and summary.frames == 30
    assert broken.calls == 7  # 4 good frames, then 3 errors in a row: disabled
    assert "broken disabled after 3 errors (ZeroDivisionError: a bug in a plug-in)" in summary.faults
    assert "flaky: 15 errors (RuntimeError: sometimes)" in summary.faults
    assert {e.type for e in sink.events} >= {"track_start", "track_end"}  # the tracks module went on
    assert sum("camera walk: broken failed" in r.getMessage() for r in caplog.records) == 3
    assert sum(bool(r.exc_info) for r in caplog.records if "broken" in r.getMessage()) == 2  # first + last
    last: FrameResult = frames[-1]
    assert "broken disabled" in last.faults
    assert (
        "flaky" in last.detections.data and "flaky" not in frames[-2].detections.data
    )  # a failed frame has none
    snap = CameraSnapshot.__new__(CameraSnapshot)
    for k, v in {"faults": last.faults, "result": "", "reason": ""}.items():
        object.__setattr__(snap, k, v)
    object.__setattr__(snap, "state", source.state)
    assert snap.status_text.endswith("· " + last.faults)  # what the camera tile shows
