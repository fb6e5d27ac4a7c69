"""A parking camera end to end: video → NanoDet cars → tracker → plate stage → database → ``plates log``."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from models.plates.synth import TRAIN_FONTS, camera_clip, find_fonts
from tests.cli_support import run_cli

REAL = Path(__file__).resolve().parents[1] / "data" / "plates" / "licenseplate_motion.jpg"
#: Where the real photo's own (unreadable) plate is; a generated Russian plate goes on top of it.
PLATE_QUAD = np.float32([[230, 247], [358, 247], [358, 275], [230, 275]])


@pytest.mark.slow
def test_parking_clip_gives_one_plate_read_per_passage(tmp_path, capsys):
    car = cv2.imread(str(REAL))
    text = "В752КМ178"
    frames = camera_clip(car, PLATE_QUAD, text, "private", 1, find_fonts(TRAIN_FONTS)[0], 16, seed=1)
    video = tmp_path / "parking.avi"
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (w, h))
    for f in frames:
        out.write(f)
    out.release()
    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        f"""
version: 1
site: {{name: Parking test}}
detector: {{backend: nanodet, confidence: 0.25, classes: [car, truck, bus]}}
tracker: {{type: bytetrack, track_buffer: 2.0}}
cameras:
  - id: parking
    source: {video}
    start_time: "2026-12-05T09:00:00+00:00"
    modules:
      plates: {{enabled: true, locator: haar}}
"""
    )
    db = f"sqlite:///{tmp_path / 'p.db'}"
    code, _, err = run_cli(capsys, "analyze", "parking", "--config", str(cfg), "--db", db, "--no-progress")
    assert code == 0, err
    code, out, err = run_cli(capsys, "plates", "log", "--db", db, "--json")
    assert code == 0, err
    reads = [json.loads(line) for line in out.splitlines()]
    assert len(reads) == 1, reads
    assert reads[0]["text"] == text and reads[0]["camera"] == "parking"
    assert reads[0]["direction"] == "approaching"
    code, out, _ = run_cli(capsys, "plates", "log", "--db", db, "--plate", "b752km")
    assert code == 0 and out.count("\n") == 1 and "В752КМ178" in out
    code, out, _ = run_cli(capsys, "plates", "log", "--db", db, "--plate", "A000AA")
    assert code == 0 and out == ""
    # The report's Parking sheet reads the same events.
    from app.reports.parking_sheets import parking
    from app.reports.sheets import Scope
    from app.store.db import open_store

    store = open_store(db)
    try:
        sheet = parking(Scope.make(store, 0.0, 4e9))
    finally:
        store.close()
    assert sheet is not None and sheet.df["plate"].tolist() == [text]
    assert sheet.df["entries"].tolist() == [1] and sheet.df["visits"].tolist() == [1]
