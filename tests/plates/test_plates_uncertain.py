"""Uncertain reads in the plate stage (list alerts, stored passages) and the plate-width measure, on scripted reads.

The stage gets a reader that returns hand-built :class:`models.plates.reader.PlateRead` values, so
each case controls exactly what every frame read (text, confidence, plate corners).
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from analytics.plates import (
    RELIABLE_PLATE_PX,
    UNCERTAIN_BELOW,
    PlateText,
    plate_format,
    plate_width_warning,
    width_warnings,
)
from analytics.types import Detections, Frame
from app.engine.plates_stage import PlateStage
from app.modules.plates.settings import PlatesSettings
from models.plates.reader import PlateRead

DENY = "А123ВС77"


class ScriptedReader:
    """Returns the given reads in order, one per call (a plate ``width`` px wide in the picture)."""

    class choice:  # mimics PlateReader.choice (an attribute with .reason)
        reason = "scripted reads"

    def __init__(self, reads: list[tuple[str, float]], width: float = 150.0) -> None:
        self.reads = list(reads)
        self.width = width

    def read(self, image: np.ndarray) -> PlateRead:
        text, conf = self.reads.pop(0)
        n = len(text)
        pt = PlateText(text, conf, (conf ** (1 / n),) * n, plate_format(text))
        w = self.width
        corners = np.float32([[10, 10], [10 + w, 10], [10 + w, 10 + w / 4.6], [10, 10 + w / 4.6]])
        return PlateRead(pt, corners, 1, np.full((24, 110, 3), 200, np.uint8), 300.0)


def _drive(stage: PlateStage, frames: int, track: int = 1, t0: float = 100.0) -> list:
    image = np.zeros((240, 320, 3), np.uint8)
    out = []
    for i in range(frames):
        dets = Detections([[20.0, 20.0, 300.0, 220.0]], [0.9], [2], [track])
        out += stage.process(Frame("gate", i, t0 + 0.2 * i, image), dets)
    return out


@pytest.mark.parametrize(
    ("reads", "alert", "uncertain"),
    [
        # Two confident reads of exactly the listed plate: an alert, not marked.
        ([(DENY, 0.95), (DENY, 0.95)], True, False),
        # Two uncertain reads of exactly the listed plate: still an alert (exact match), marked uncertain.
        ([(DENY, 0.6), (DENY, 0.6)], True, True),
        # One uncertain read of it among reads of a look-alike plate: no alert.
        ([(DENY, 0.6), ("А123ВС71", 0.5), ("А123ВС71", 0.5)], False, None),
        # Reads that each differ from the listed plate by a character, whose per-position vote
        # composes exactly the listed plate: never an alert (no read matched it exactly).
        ([("А123ВС71", 0.5), ("А123ОС77", 0.5), ("А723ВС77", 0.5)], False, None),
    ],
)
def test_deny_alerts_need_exact_reads_and_say_when_uncertain(reads, alert, uncertain):
    stage = PlateStage("gate", PlatesSettings(enabled=True, deny=[DENY], settle_after=0), ScriptedReader(reads))
    raised = _drive(stage, len(reads))
    assert [e.type for e in raised] == (["alert"] if alert else [])
    if alert:
        assert raised[0].payload["uncertain"] is uncertain
        assert ("uncertain read: check the photo" in raised[0].payload["message"]) is uncertain
    (read, *_end) = stage.close(200.0)
    # Every passage is stored, uncertain ones marked, never dropped.
    assert read.type == "read" and read.payload["text"]
    if not alert:
        assert read.payload["uncertain"]


def test_passage_uncertain_uses_the_one_definition_and_the_cameras_own_threshold():
    assert PlatesSettings().min_confidence == UNCERTAIN_BELOW
    for cfg, expected in ((PlatesSettings(enabled=True), True), (PlatesSettings(enabled=True, min_confidence=0.5), False)):
        stage = PlateStage("gate", cfg, ScriptedReader([(DENY, 0.8)] * 3))
        _drive(stage, 3)
        (read,) = stage.close(200.0)
        assert read.payload["confidence"] == pytest.approx(0.8) and read.payload["uncertain"] is expected


def test_plate_width_warning_on_hand_built_widths():
    assert plate_width_warning("gate", [70.0] * 4) is None  # too few passages to say
    msg = plate_width_warning("gate", [70.0, 68.0, 75.0, 72.0, 200.0])
    assert msg == (
        f"plates on camera gate are 72 px wide (median of the last 5 reads); reads are reliable from "
        f"~{RELIABLE_PLATE_PX} px — zoom in or move the camera"
    )
    assert plate_width_warning("gate", [RELIABLE_PLATE_PX] * 5) is None
    assert plate_width_warning("gate", [0.0] * 10) is None  # unknown widths say nothing
    # Stored reads, newest first, per camera; reads without a width (older versions) are skipped.
    reads = [("gate", 80.0)] * 5 + [("yard", None)] * 3 + [("yard", 180.0)] * 5
    assert width_warnings(reads) == [plate_width_warning("gate", [80.0] * 5)]


def test_stage_measures_plate_width_per_passage_and_warns_once(caplog):
    reader = ScriptedReader([(DENY, 0.95)] * 40, width=70.0)
    stage = PlateStage("gate", PlatesSettings(enabled=True, settle_after=0), reader)
    assert stage.plate_px is None and stage.width_warning() is None
    with caplog.at_level(logging.WARNING, logger="app.engine.plates_stage"):
        for k in range(8):
            _drive(stage, 4, track=k + 1, t0=100.0 + 10 * k)
            (read,) = stage.close(100.0 + 10 * k + 5)
            assert read.payload["plate_px"] == pytest.approx(70.0)
    assert stage.plate_px == pytest.approx(70.0)
    assert stage.width_warning() == plate_width_warning("gate", [70.0] * 8)
    warned = [r.getMessage() for r in caplog.records if "px wide" in r.getMessage()]
    assert warned == [plate_width_warning("gate", [70.0] * 5)]  # once, when it became known


def test_parking_sheet_counts_confident_reads_and_says_how_many_uncertain_it_left_out(tmp_path):
    from app.config import SiteConfig
    from app.reports.parking_sheets import parking
    from app.reports.sheets import Scope
    from app.store.db import open_store
    from app.store.records import EventRecord
    from app.store.sync import sync_site
    from app.store.writer import StoreWriter

    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    ids = sync_site(store, SiteConfig.model_validate({"site": {"name": "P"}, "cameras": [{"id": "gate", "source": "g.mp4"}]}))

    def put(ts: float, text: str, uncertain: bool) -> None:
        with StoreWriter(store, tmp_path) as w:
            run = w.start_run(ids["gate"], "g.mp4")
            payload = {"text": text, "confidence": 0.5 if uncertain else 0.95, "uncertain": uncertain, "direction": "in"}
            w.put_event(run, EventRecord("gate", ts, "plates", "read", None, None, payload, ()))
            w.flush()

    put(1_790_000_000.0, "В555ХМ77", True)
    sheet = parking(Scope.make(store, 0.0, 4e9))
    assert sheet is not None and sheet.df.empty
    assert sheet.empty_note == "No confident plate reads in this period (1 uncertain: see storesight plates log)."
    put(1_790_000_100.0, DENY, False)
    sheet = parking(Scope.make(store, 0.0, 4e9))
    assert sheet is not None and sheet.df["plate"].tolist() == [DENY]
    store.close()
