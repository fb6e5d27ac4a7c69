"""Licence plates as a stage after tracking: read each vehicle's plate, vote over its passage.

For each tracked vehicle (the module's classes) on a due frame the vehicle crop goes through
:class:`models.plates.reader.PlateReader` (locate → rectify from four corners → OCR with the
plate grammar). The frame's reads go into ``dets.data["plate_text"]`` / ``["plate_conf"]``;
each track's reads are kept until the track has not been seen for ``lost_after`` seconds (or
the source ends), then :func:`analytics.plates.vote` gives one text per passage, stored as a
``plates``/``read`` event with the vehicle and plate photos.

Lists: a plate on the camera's deny or watch list raises a ``plates``/``alert`` (kind ``deny`` /
``watch``, with the list note) as soon as the track's vote is that plate and two of its reads are
exactly it (while the vehicle is still in view), ended when the passage ends; an alert raised while
the vote is uncertain (:func:`analytics.plates.is_uncertain`) says so (``uncertain``, "check the
photo"); reads that only resemble a listed plate never raise one. Reads of listed plates carry
``listed`` = ``deny``/``watch``/``allow``. With ``hash_plates`` the text is
stored as a keyed hash (lists are compared by hash too) and no photos are kept.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from analytics.geometry import LineZone
from analytics.lines import LineCounter, LineCrossing
from analytics.plates import (
    PLATE_WIDTH_WINDOW,
    FrameRead,
    PassageRead,
    is_uncertain,
    normalize,
    plate_hash,
    plate_width_warning,
    to_latin,
    vote,
)
from analytics.types import Detections, Frame
from app.config import CameraConfig, SiteConfig
from app.engine.stages import Cadence, OffThreadStage, Stage, run_as_configured
from app.errors import UserError
from app.events import AlertBook
from app.modules.plates.events import PLATES_READ
from app.modules.plates.settings import PlatesSettings
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
    plate_widths: list[float] = field(default_factory=list)
    found_widths: list[float] = field(default_factory=list)  # of the reads that found a plate
    crossings: list[LineCrossing] = field(default_factory=list)
    settled: tuple[str, float] | None = None


def _jpeg(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 88])
    return buf.tobytes() if ok else b""


def direction(first_box: np.ndarray, last_box: np.ndarray, plate_widths: list[float] | None = None) -> str:
    """``approaching`` (the vehicle grew in view), ``leaving`` (shrank) or ``passing`` (about the same size).

    The plate's width across the passage's reads decides when there are at least two (a vehicle box
    clipped by the frame's edge stops growing long before the vehicle stops coming closer); else the
    vehicle box's area.
    """
    if plate_widths is not None and len(plate_widths) >= 2:
        k = max(1, len(plate_widths) // 4)
        r = float(np.median(plate_widths[-k:])) / max(float(np.median(plate_widths[:k])), 1e-6)
        r *= r  # an area ratio, like the box's
    else:
        a0 = max((first_box[2] - first_box[0]) * (first_box[3] - first_box[1]), 1.0)
        r = (last_box[2] - last_box[0]) * (last_box[3] - last_box[1]) / a0
    return "approaching" if r > 1.2 else "leaving" if r < 1 / 1.2 else "passing"


class PlateStage(Stage):
    """Reads plates of tracked vehicles; one ``plates``/``read`` event per vehicle passage.

    Args:
        camera_id: the camera's id (for the events).
        cfg: the camera's ``modules.plates``.
        reader: a loaded :class:`models.plates.reader.PlateReader`.
        lost_after: seconds without a sighting after which a passage is over.
        camera: the camera's config: a vehicle crossing one of its lines (an entrance line at the
            barrier) makes its passage an entry ("in") or an exit ("out").
    """

    name = "plates"
    adds = ("plate_text", "plate_conf")

    def __init__(
        self,
        camera_id: str,
        cfg: PlatesSettings,
        reader,
        *,
        lost_after: float = 3.0,
        camera: CameraConfig | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.cfg = cfg
        self.reader = reader
        self.lost_after = lost_after
        self.cadence = Cadence(every=cfg.every, classes=tuple(cfg.classes))
        self._open: dict[int, _Passage] = {}
        self.reason = reader.choice.reason
        self._alerts = AlertBook("plates", camera_id)
        self._lists()
        self._camera = camera
        self._lines: list[LineCounter] | None = None  # made on the first frame (its size)
        self._widths: deque[float] = deque(maxlen=PLATE_WIDTH_WINDOW)  # plate px, one per recent passage
        self._warned = False

    @property
    def plate_px(self) -> float | None:
        """The camera's plate width: median px over its recent passages' plates (None before any)."""
        return float(np.median(self._widths)) if self._widths else None

    def width_warning(self) -> str | None:
        """The installer's warning when this camera's plates are too small to read reliably (else None)."""
        return plate_width_warning(self.camera_id, list(self._widths))

    def _lists(self) -> None:
        self._deny = {normalize(t) for t in self.cfg.deny if normalize(t)}
        self._watch = {normalize(t) for t in self.cfg.watch if normalize(t)}
        self._allow = {normalize(t) for t in self.cfg.allow if normalize(t)}

    def listed(self, text: str) -> str | None:
        """``deny``, ``watch``, ``allow`` or None for a canonical plate text (the first list it is on)."""
        for name, plates in (("deny", self._deny), ("watch", self._watch), ("allow", self._allow)):
            if text in plates:
                return name
        return None

    def process(self, frame: Frame, dets: Detections) -> list[EventRecord]:
        """Read the due vehicles' plates; close passages of vehicles gone for ``lost_after`` seconds."""
        n = len(dets)
        records: list[EventRecord] = []
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
            tid = int(dets.tracker_id[i])
            p = self._open.get(tid)
            if p is None:
                p = self._open[tid] = _Passage(frame.ts, frame.ts, box.copy(), box.copy())
            p.last_ts, p.last_box = frame.ts, box.copy()
            if p.settled is not None:  # read enough times alike: the plate is known, save the CPU
                texts[i], confs[i] = p.settled
                continue
            r = self.reader.read(crop)
            if not r.text.text:
                continue
            texts[i], confs[i] = r.text.text, r.text.confidence
            p.reads.append(FrameRead(frame.ts, r.text.text, r.text.confidence, r.sharpness, r.found))
            p.char_conf.append(r.text.char_conf)
            if r.corners is not None:
                c = r.corners
                p.plate_widths.append(float(np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2)
                if r.found:
                    p.found_widths.append(p.plate_widths[-1])
            p.photos.append((_jpeg(crop), _jpeg(r.plate), (float(x1), float(y1), float(x2), float(y2))))
            if self.cfg.settle_after and r.found:
                v = vote(p.reads)
                if v is not None and v.votes >= self.cfg.settle_after and v.votes >= 0.75 * v.reads:
                    p.settled = (v.text, v.confidence)
            if (self._deny or self._watch) and not self._alerts.is_raised(tid):
                alert = self._maybe_alert(tid, p, frame.ts)
                if alert is not None:
                    records.append(alert)
        if n:
            dets.set("plate_text", texts)
            dets.set("plate_conf", confs)
        seen = {int(t) for t in dets.tracker_id[sel]} if n else set()
        if n and self._camera is not None:
            for crossing in self._cross(dets[np.flatnonzero(sel)], frame.ts, w, h):
                p = self._open.get(crossing.track_id)
                if p is not None:
                    p.crossings.append(crossing)
        gone = [t for t, p in self._open.items() if t not in seen and frame.ts - p.last_ts > self.lost_after]
        for t in gone:
            records.extend(self._finish(t))
        return records

    def _cross(self, vehicles: Detections, ts: float, w: int, h: int) -> list[LineCrossing]:
        if self._lines is None:
            cam = self._camera
            assert cam is not None
            self._lines = [
                LineCounter.from_zone(
                    LineZone(z.id, z.points[0], z.points[1]),
                    width=w,
                    height=h,
                    min_distance=8.0,
                    min_frames=1,
                )
                for z in cam.zones
                if z.type.is_line
            ]
        return [c for lc in self._lines for c in lc.update(vehicles, ts)]

    def close(self, ts: float) -> list[EventRecord]:
        """End of the source: every open passage gets its vote."""
        return [r for t in list(self._open) for r in self._finish(t)]

    def _maybe_alert(self, tid: int, p: _Passage, ts: float) -> EventRecord | None:
        v = vote(p.reads)
        kind = self.listed(v.text) if v is not None and v.votes >= 2 else None
        if v is None or kind not in ("deny", "watch"):
            return None
        best = p.reads[v.best_index]
        photos = self._photos(p, v.best_index)
        shown = plate_hash(v.text, self.cfg.hash_key) if self.cfg.hash_plates else v.text
        # Two reads of exactly the listed plate raise it even when the vote is still uncertain (a
        # listed vehicle must not slip through on a small plate), but the alert then says so.
        uncertain = is_uncertain(v.confidence, best.valid, self.cfg.min_confidence)
        return self._alerts.raise_alert(
            tid,
            best.ts,
            kind=kind,
            track_id=tid,
            id_parts=(tid,),
            payload={
                "text": shown,
                "message": f"{kind.capitalize()}-listed vehicle {shown} on camera {self.camera_id}"
                + (f": {note}" if (note := self.cfg.notes.get(v.text)) else "")
                + (" (uncertain read: check the photo)" if uncertain else ""),
                "confidence": round(v.confidence, 4),
                "uncertain": uncertain,
                "votes": v.votes,
            },
            photos=photos,
        )

    def _photos(self, p: _Passage, index: int) -> tuple[PhotoRecord, ...]:
        ph = p.photos[index]
        if ph is None or self.cfg.hash_plates:
            return ()
        vehicle, plate, box = ph
        return (PhotoRecord(vehicle, "crop", box), PhotoRecord(plate, "plate"))

    def replace_camera(self, camera: CameraConfig) -> None:
        """New thresholds apply from the next frame; open passages go on."""
        self.cfg = camera.modules.plates
        self.cadence = Cadence(every=self.cfg.every, classes=tuple(self.cfg.classes))
        self._lists()
        self._camera, self._lines = camera, None

    def _finish(self, tid: int) -> list[EventRecord]:
        p = self._open.pop(tid)
        out: list[EventRecord] = []
        result: PassageRead | None = vote(p.reads)
        plate_px = float(np.median(p.found_widths)) if p.found_widths else None
        if plate_px is not None:
            self._widths.append(plate_px)
            warning = self.width_warning()
            if warning and not self._warned:
                log.warning("%s", warning)
            self._warned = warning is not None
        if result is not None:
            best = p.reads[result.best_index]
            text = result.text
            payload = {
                "text": plate_hash(text, self.cfg.hash_key) if self.cfg.hash_plates else text,
                "text_latin": None if self.cfg.hash_plates else to_latin(text),
                "hashed": self.cfg.hash_plates,
                "confidence": round(result.confidence, 4),
                "uncertain": is_uncertain(result.confidence, best.valid, self.cfg.min_confidence),
                "votes": result.votes,
                "reads": result.reads,
                "char_confidence": [round(c, 4) for c in p.char_conf[result.best_index]],
                "direction": p.crossings[-1].direction
                if p.crossings
                else direction(p.first_box, p.last_box, p.plate_widths),
                "lines": [{"line": c.line_id, "direction": c.direction, "ts": c.ts} for c in p.crossings],
                "first_ts": p.first_ts,
                "last_ts": p.last_ts,
                "listed": self.listed(text),
                "plate_px": None if plate_px is None else round(plate_px, 1),
            }
            out.append(
                PLATES_READ.record(
                    self.camera_id,
                    best.ts,
                    track_id=tid,
                    payload=payload,
                    photos=self._photos(p, result.best_index),
                    ts_end=p.last_ts,
                )
            )
        end = self._alerts.end_alert(tid, p.last_ts, payload={"duration": round(p.last_ts - p.first_ts, 3)})
        if end is not None:
            out.append(end)
        return out


def plates_off_thread(camera: CameraConfig) -> bool:
    """Whether the camera's plate stage runs on its own thread (``modules.plates.off_thread``).

    ``auto`` is off-thread for live sources (RTSP, USB): the camera keeps its frame rate while a
    read runs. A video file is read inline: it has no frame rate to keep, and every due frame is
    read, so a file gives the same reads on every run.
    """
    return camera.modules.plates.runs_off_thread(camera.kind)  # type: ignore[no-any-return]


def make_plate_stage(site: SiteConfig, camera: CameraConfig, *, lost_after: float = 3.0) -> Stage | None:
    """The plate stage of a camera (wrapped in :class:`OffThreadStage` when it runs off-thread), or None.

    None when its plates module is off.

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
    stage = run_as_configured(
        PlateStage(camera.id, cfg, reader, lost_after=lost_after, camera=camera),
        cfg,
        camera,
        lost_after=lost_after,
    )
    own = " (own thread)" if isinstance(stage, OffThreadStage) else ""
    log.info("camera %s plates: %s%s", camera.id, reader.choice.reason, own)
    return stage
