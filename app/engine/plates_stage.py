"""Licence plates as a stage after tracking: read each vehicle's plate, vote over its passage.

For each tracked vehicle (the module's classes) on a due frame the vehicle crop goes through
:class:`models.plates.reader.PlateReader` (locate → rectify from four corners → OCR with the
plate grammar). The frame's reads go into ``dets.data["plate_text"]`` / ``["plate_conf"]``;
each track's reads are kept until the track has not been seen for ``lost_after`` seconds (or
the source ends), then :func:`analytics.plates.vote` gives one text per passage, stored as a
``plates``/``read`` event with the vehicle and plate photos.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from analytics.plates import FrameRead, PassageRead, plate_hash, to_latin, vote
from analytics.types import Detections, Frame
from app.config import CameraConfig, PlatesModule, SiteConfig
from app.engine.stages import Cadence, Stage
from app.errors import UserError
from app.paths import model_dir
from app.store.records import EventRecord, PhotoRecord

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Passage:
    first_ts: float
    last_ts: float
    first_box: np.ndarray
    last_box: np.ndarray
    reads: list[FrameRead] = field(default_factory=list)
    photos: list[tuple[bytes, bytes, tuple[float, float, float, float]] | None] = field(default_factory=list)
    char_conf: list[tuple[float, ...]] = field(default_factory=list)


def _jpeg(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 88])
    return buf.tobytes() if ok else b""


def direction(first_box: np.ndarray, last_box: np.ndarray) -> str:
    """``approaching`` (the box grew), ``leaving`` (shrank) or ``passing`` (about the same size)."""
    a0 = max((first_box[2] - first_box[0]) * (first_box[3] - first_box[1]), 1.0)
    a1 = (last_box[2] - last_box[0]) * (last_box[3] - last_box[1])
    r = a1 / a0
    return "approaching" if r > 1.2 else "leaving" if r < 1 / 1.2 else "passing"


class PlateStage(Stage):
    """Reads plates of tracked vehicles; one ``plates``/``read`` event per vehicle passage.

    Args:
        camera_id: the camera's id (for the events).
        cfg: the camera's ``modules.plates``.
        reader: a loaded :class:`models.plates.reader.PlateReader`.
        lost_after: seconds without a sighting after which a passage is over.
    """

    name = "plates"
    adds = ("plate_text", "plate_conf")

    def __init__(self, camera_id: str, cfg: PlatesModule, reader, *, lost_after: float = 3.0) -> None:
        self.camera_id = camera_id
        self.cfg = cfg
        self.reader = reader
        self.lost_after = lost_after
        self.cadence = Cadence(every=cfg.every, classes=tuple(cfg.classes))
        self._open: dict[int, _Passage] = {}
        self.reason = reader.choice.reason

    def process(self, frame: Frame, dets: Detections) -> list[EventRecord]:
        """Read the due vehicles' plates; close passages of vehicles gone for ``lost_after`` seconds."""
        n = len(dets)
        texts = np.full(n, "", dtype=object)
        confs = np.zeros(n, np.float32)
        sel = self.cadence.select(dets) & (dets.tracker_id >= 0) if n else np.zeros(0, bool)
        h, w = frame.image.shape[:2]
        for i in np.flatnonzero(sel):
            box = dets.xyxy[i]
            if box[2] - box[0] < self.cfg.min_vehicle_px:
                continue
            x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
            x2, y2 = min(w, int(box[2]) + 1), min(h, int(box[3]) + 1)
            crop = frame.image[y1:y2, x1:x2]
            if crop.size == 0:
                continue
            r = self.reader.read(crop)
            tid = int(dets.tracker_id[i])
            p = self._open.get(tid)
            if p is None:
                p = self._open[tid] = _Passage(frame.ts, frame.ts, box.copy(), box.copy())
            p.last_ts, p.last_box = frame.ts, box.copy()
            if not r.text.text:
                continue
            texts[i], confs[i] = r.text.text, r.text.confidence
            p.reads.append(FrameRead(frame.ts, r.text.text, r.text.confidence, r.sharpness, r.found))
            p.char_conf.append(r.text.char_conf)
            p.photos.append((_jpeg(crop), _jpeg(r.plate), (float(x1), float(y1), float(x2), float(y2))))
        if n:
            dets.set("plate_text", texts)
            dets.set("plate_conf", confs)
        seen = {int(t) for t in dets.tracker_id[sel]} if n else set()
        gone = [t for t, p in self._open.items() if t not in seen and frame.ts - p.last_ts > self.lost_after]
        return [r for t in gone if (r := self._finish(t)) is not None]

    def close(self, ts: float) -> list[EventRecord]:
        """End of the source: every open passage gets its vote."""
        return [r for t in list(self._open) if (r := self._finish(t)) is not None]

    def replace_camera(self, camera: CameraConfig) -> None:
        """New thresholds apply from the next frame; open passages go on."""
        self.cfg = camera.modules.plates
        self.cadence = Cadence(every=self.cfg.every, classes=tuple(self.cfg.classes))

    def _finish(self, tid: int) -> EventRecord | None:
        p = self._open.pop(tid)
        result: PassageRead | None = vote(p.reads)
        if result is None:
            return None
        best = p.reads[result.best_index]
        text = result.text
        payload = {
            "text": plate_hash(text, self.cfg.hash_key) if self.cfg.hash_plates else text,
            "text_latin": None if self.cfg.hash_plates else to_latin(text),
            "hashed": self.cfg.hash_plates,
            "confidence": round(result.confidence, 4),
            "uncertain": result.confidence < self.cfg.min_confidence or not best.valid,
            "votes": result.votes,
            "reads": result.reads,
            "char_confidence": [round(c, 4) for c in p.char_conf[result.best_index]],
            "direction": direction(p.first_box, p.last_box),
            "first_ts": p.first_ts,
            "last_ts": p.last_ts,
        }
        photos: tuple[PhotoRecord, ...] = ()
        ph = p.photos[result.best_index]
        if ph is not None and not self.cfg.hash_plates:
            vehicle, plate, box = ph
            photos = (PhotoRecord(vehicle, "crop", box), PhotoRecord(plate, "plate"))
        return EventRecord(
            self.camera_id, best.ts, "plates", "read", tid, None, payload, photos, ts_end=p.last_ts
        )


def make_plate_stage(site: SiteConfig, camera: CameraConfig, *, lost_after: float = 3.0) -> PlateStage | None:
    """The plate stage of a camera, or None when its plates module is off.

    Raises:
        UserError: the plate models cannot be loaded.
    """
    cfg = camera.modules.plates
    if not cfg.enabled:
        return None
    from models.plates.reader import PlateReader

    try:
        folder = site.detector.model_dir
        models = Path(folder).expanduser() if folder else model_dir(site.storage.data_dir)
        reader = PlateReader(cfg.locator, models, cfg.precision)
    except (FileNotFoundError, RuntimeError) as e:
        raise UserError(f"plates: {e}") from None
    log.info("camera %s plates: %s", camera.id, reader.choice.reason)
    return PlateStage(camera.id, cfg, reader, lost_after=lost_after)
