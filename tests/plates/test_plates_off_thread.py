"""The plate stage off the camera's analysis thread: same reads as inline, joined by track id + time."""

from __future__ import annotations

import time

import numpy as np
import pytest

from analytics.types import Detections, Frame
from app.config import SiteConfig
from app.engine.plates_stage import PlateStage, make_plate_stage, plates_off_thread
from app.engine.stages import OffThreadStage
from app.modules.plates.settings import PlatesSettings
from models.plates.reader import PlateReader
from models.plates.synth import render_clip

pytestmark = pytest.mark.timeout(300)

KEYS = ("text", "confidence", "votes", "reads", "direction", "char_confidence", "listed")


def _drive(stage, clip, *, drain: bool = False, pace: float = 0.0):  # type: ignore[no-untyped-def]
    """Feed the clip (track 7, 0.2 s apart); returns (events, per-frame plate_text, plate_text_ts)."""
    events, texts, made = [], [], []
    for i, s in enumerate(clip):
        dets = Detections([s.car_box], [0.9], [2], [7])
        events += stage.process(Frame("gate", i, 100.0 + 0.2 * i, s.image), dets)
        texts.append(dets.data["plate_text"][0] if "plate_text" in dets.data else "")
        made.append(dets.data["plate_text_ts"][0] if "plate_text_ts" in dets.data else None)
        if drain:
            stage.drain()
        time.sleep(pace)
    events += stage.close(110.0)
    return events, texts, made


def test_off_thread_gives_the_same_plate_reads_as_inline():
    clip = render_clip(np.random.default_rng(2027), 10)
    reader = PlateReader("haar")
    inline, inline_texts, _ = _drive(PlateStage("gate", PlatesSettings(enabled=True), reader), clip)
    (ev,) = inline
    assert ev.payload["text"] == clip[0].text

    # A reader faster than the camera (each frame read before the next one comes): the very same reads.
    wrapped = OffThreadStage(PlateStage("gate", PlatesSettings(enabled=True), reader), max_age=2.0)
    events, texts, made = _drive(wrapped, clip, drain=True)
    assert [(e.module, e.type, e.track_id) for e in events] == [("plates", "read", 7)]
    assert {k: events[0].payload[k] for k in KEYS} == {k: ev.payload[k] for k in KEYS}
    assert events[0].ts == ev.ts and wrapped.skipped == 0 and wrapped.errors == 0
    # Joined by track id: frame i carries the read of frame i-1, stamped with that frame's time.
    assert texts[1:] == inline_texts[:-1]
    assert made[0] is None and made[1:] == pytest.approx([100.0 + 0.2 * i for i in range(len(clip) - 1)])

    # A camera faster than the reader (no waiting): frames are skipped, the passage's plate is the same.
    fast = OffThreadStage(PlateStage("gate", PlatesSettings(enabled=True), reader), max_age=2.0)
    events, _, _ = _drive(fast, clip, pace=0.02)
    (live,) = events
    assert live.payload["text"] == clip[0].text
    assert 1 <= live.payload["reads"] <= ev.payload["reads"]


def test_auto_reads_live_cameras_off_thread_and_files_inline(tmp_path):
    site = SiteConfig.model_validate(
        {
            "site": {"name": "Parking"},
            "storage": {"data_dir": str(tmp_path)},
            "cameras": [
                {
                    "id": "file",
                    "source": str(tmp_path / "gate.mp4"),
                    "modules": {"plates": {"enabled": True}},
                },
                {"id": "live", "source": "rtsp://10.0.0.5/stream", "modules": {"plates": {"enabled": True}}},
                {
                    "id": "forced",
                    "source": str(tmp_path / "gate.mp4"),
                    "modules": {"plates": {"enabled": True, "off_thread": "always"}},
                },
                {
                    "id": "never",
                    "source": "rtsp://10.0.0.5/stream",
                    "modules": {"plates": {"enabled": True, "off_thread": "never"}},
                },
            ],
        }
    )
    got = {c.id: plates_off_thread(c) for c in site.cameras}
    assert got == {"file": False, "live": True, "forced": True, "never": False}
    file_stage = make_plate_stage(site, site.cameras[0], lost_after=3.0)
    live_stage = make_plate_stage(site, site.cameras[1], lost_after=3.0)
    assert isinstance(file_stage, PlateStage)
    assert isinstance(live_stage, OffThreadStage) and isinstance(live_stage.inner, PlateStage)
    assert live_stage.name == "plates" and live_stage.max_age == 3.0
    assert live_stage.close(0.0) == []
