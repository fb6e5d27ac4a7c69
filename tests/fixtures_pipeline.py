"""Helpers for pipeline tests: a sink that keeps events, and short clips of real video."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import cv2

from app.store.records import EventRecord

ROOT = Path(__file__).resolve().parents[1]


class ListSink:
    """A :class:`app.engine.pipeline.RecordSink` keeping the events (tracks, heatmaps dropped)."""

    def __init__(self) -> None:
        self.events: list[EventRecord] = []

    def put_event(self, run_id: int, event: EventRecord) -> None:
        self.events.append(event)

    def put_track(self, run_id: int, track: object) -> None:
        pass

    def put_heatmap(self, run_id: int, heatmap: object) -> None:
        pass

    def put_background(self, run_id: int, background: object) -> None:
        pass


def vtest_clip(path: Path, frames: int = 30) -> Path:
    """The first ``frames`` frames of the demo video as an MJPG file (10 fps)."""
    cap = cv2.VideoCapture(str(ROOT / "resources" / "demo" / "vtest.avi"))
    ok, img = cap.read()
    assert ok, "cannot read the demo video"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (img.shape[1], img.shape[0]))
    for _ in range(frames):
        w.write(img)
        ok, img = cap.read()
        assert ok
    w.release()
    cap.release()
    return path


def wait_until(cond: Callable[[], object], timeout: float, step: float = 0.1) -> bool:
    """Poll ``cond`` until it is true or ``timeout`` seconds passed; whether it became true."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return False
