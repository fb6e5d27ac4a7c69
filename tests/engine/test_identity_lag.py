"""The pipeline holds tracked frames for ``tracker.identity_lag`` and loses nothing at the end of a run."""

from __future__ import annotations

import threading

import pytest

from app.config import SiteConfig
from app.engine.pipeline import CameraPipeline, FrameResult
from tests.engine.test_role_stage import FPS, ListSink, ListSource, ScriptedDetector, site, walk

N = 40  # frames (4 s at 10 fps)


def run(cfg: SiteConfig, n: int, stride: int) -> tuple[ListSink, list[FrameResult], CameraPipeline]:
    cam = cfg.cameras[0].model_copy(update={"stride": stride})
    script = walk(n)
    sink, results = ListSink(), []
    pipe = CameraPipeline(
        cfg, cam, ListSource([f for f, _ in script]), ScriptedDetector(script), sink, 1,
        nominal_fps=FPS, on_frame=results.append,
    )  # fmt: skip
    assert pipe.run(threading.Event()).status == "complete"
    return sink, results, pipe


@pytest.mark.parametrize("stride", [1, 2])
def test_a_line_crossing_in_the_last_frames_is_still_counted_with_the_lag(stride: int) -> None:
    """The red walker crosses the door line at 3.4 s of a 3.9 s clip (the count is confirmed a few frames
    later): within the last 0.8 s, so those frames are still in the lag buffer when the source ends; the
    flush sends them through the modules before they close."""
    base = site(enabled=False)
    on_cfg = base.model_copy(update={"tracker": base.tracker.model_copy(update={"identity_lag": 0.8})})
    off_cfg = base.model_copy(update={"tracker": base.tracker.model_copy(update={"identity_lag": 0.0})})
    on, on_frames, pipe = run(on_cfg, N, stride)
    off, off_frames, _ = run(off_cfg, N, stride)
    assert pipe.identity.lag == pytest.approx(0.8) and len(pipe.identity) == 0
    crossings = [(e.type, e.track_id, e.ts) for e in on.events if e.module == "footfall"]
    assert crossings == [(e.type, e.track_id, e.ts) for e in off.events if e.module == "footfall"]
    assert len(crossings) == 1 and crossings[0][2] >= walk(1)[0][0].ts + (N - 1) / FPS - 0.8
    assert sorted((e.module, e.type, e.track_id, e.ts) for e in on.events) == sorted(
        (e.module, e.type, e.track_id, e.ts) for e in off.events
    )
    # every frame reaches on_frame once, in order, analysed or not, with the same tracks
    assert [r.frame.index for r in on_frames] == list(range(N)) == [r.frame.index for r in off_frames]
    assert [r.analysed for r in on_frames] == [i % stride == 0 for i in range(N)]
    assert [r.detections.tracker_id.tolist() for r in on_frames] == [
        r.detections.tracker_id.tolist() for r in off_frames
    ]
