"""The ``objects`` module: items left behind (a bag that stays after its owner went) and items gone missing.

Events (module ``objects``):

- ``left`` — an object (a still region that differs from the people-free background, or a
  detector bag box that has not moved) has stayed ``left_after`` seconds and the person it
  came with has been away ``owner_gone`` seconds; ``ts`` when decided; payload: label, since,
  owner's track id and when they were last seen near it; photos: the object's crop, the
  owner's crop (the last one taken while they were near), the frame with the object outlined.
- ``missing`` — something taken away from a ``watch`` zone, gone for ``missing_after`` seconds.
- ``alert`` (``kind`` ``object_left`` / ``object_missing``) beside each, for the alert popup and
  notifications.

Ignore areas (settings) report nothing. The background starts from the first frame and
follows slow light changes (see :mod:`models.static_objects`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from analytics.geometry import to_pixels
from analytics.left_items import LeftItemMonitor, ObjectEvent
from analytics.types import Detections, Frame, expand_boxes
from app.config import ZoneType
from app.engine.modules import CameraContext, Module, Record, encode_crop
from app.objects.settings import ObjectsSettings
from app.store.records import EventRecord, PhotoRecord
from models.static_objects import StaticForeground

NAME = "objects"


@dataclass(slots=True)
class _Crop:
    ts: float
    photo: PhotoRecord


class ObjectsModule(Module):
    """Left and missing items of one camera (see the module description)."""

    name = NAME

    def __init__(self, ctx: CameraContext) -> None:
        super().__init__(ctx)
        self.settings: ObjectsSettings = ctx.camera.modules.objects
        self._fg = StaticForeground(threshold=self.settings.threshold, static_after=4.0)
        self._monitor: LeftItemMonitor | None = None
        self._crops: dict[int, _Crop] = {}
        self.events: list[ObjectEvent] = []  # every decision, for evaluations

    def _make_monitor(self, w: int, h: int) -> LeftItemMonitor:
        s = self.settings
        watch = {z.id: to_pixels(z.points, w, h) for z in self.ctx.camera.zones if z.type == ZoneType.WATCH}
        return LeftItemMonitor(
            still_for=s.left_after,
            owner_gone_for=s.owner_gone,
            min_area=s.min_size * w * h,
            max_area=0.1 * w * h,
            watch_zones=watch,
            ignore=[to_pixels(p, w, h) for p in s.ignore],
        )

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Update the still-object finder and the monitor; return left/missing events."""
        if self._monitor is None:
            self._monitor = self._make_monitor(frame.width, frame.height)
        names = dets.names()
        is_person = names == "person"
        people = dets[is_person]
        bag_mask = np.isin(names, self.settings.bag_classes)
        blobs = self._fg.update(frame.image, people.xyxy, frame.ts)
        tracked = [(int(t), b) for t, b in zip(people.tracker_id, people.xyxy, strict=True) if t >= 0]
        bags = [(str(n), b) for n, b in zip(names[bag_mask], dets.xyxy[bag_mask], strict=True)]
        if self.settings.save_photos:
            self._remember_people(frame, people)
        out: list[Record] = []
        for ev in self._monitor.update(frame.ts, blobs=blobs, people=tracked, bags=bags):
            self.events.append(ev)
            out += self._records(ev, frame)
        return out

    def _remember_people(self, frame: Frame, people: Detections) -> None:
        """Keep a recent crop of every tracked person (every 2 s), so an owner who left still has one."""
        expand = self.ctx.detection.box_expand or 0.0
        boxes = None
        for i, tid in enumerate(people.tracker_id.tolist()):
            if tid < 0:
                continue
            old = self._crops.get(tid)
            if old is not None and frame.ts - old.ts < 2.0:
                continue
            if boxes is None:
                boxes = expand_boxes(people.xyxy, expand, frame.width, frame.height)
            crop = encode_crop(frame.image, boxes[i])
            if crop is not None:
                self._crops[tid] = _Crop(frame.ts, crop)
        stale = [t for t, c in self._crops.items() if frame.ts - c.ts > 600]
        for t in stale:
            del self._crops[t]

    def _records(self, ev: ObjectEvent, frame: Frame) -> list[Record]:
        cam = self.ctx.camera.id
        photos: list[PhotoRecord] = []
        if self.settings.save_photos:
            box = expand_boxes(np.float32([ev.box]), 0.5, frame.width, frame.height)[0]
            crop = encode_crop(frame.image, box)
            if crop:
                photos.append(crop)
            owner = self._crops.get(ev.owner_track) if ev.owner_track is not None else None
            if owner:
                photos.append(owner.photo)
            img = frame.image.copy()
            x1, y1, x2, y2 = (int(v) for v in ev.box)
            cv2.rectangle(img, (x1, y1), (x2, y2), (0, 0, 255), 2)
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
            if ok:
                photos.append(PhotoRecord(buf.tobytes(), kind="frame", box=(x1, y1, x2, y2)))
        payload = {
            "label": ev.label,
            "object_id": ev.object_id,
            "since": round(ev.since, 3),
            "still_s": round(ev.ts - ev.since, 1),
            "box": [round(v, 1) for v in ev.box],
            "owner_track": ev.owner_track,
            "owner_last_seen": None if ev.owner_last_seen is None else round(ev.owner_last_seen, 3),
        }
        rec = EventRecord(cam, ev.ts, NAME, ev.kind, ev.owner_track, ev.zone, payload, tuple(photos))
        what = "left behind" if ev.kind == "left" else f"missing from {ev.zone}"
        alert = {
            "alert_id": f"{cam}:objects:{ev.kind}:{ev.object_id}:{round(ev.ts * 1000)}",
            "kind": f"object_{ev.kind}",
            "message": f"{ev.label} {what} for {ev.ts - ev.since:.0f} s",
            **payload,
        }
        return [rec, EventRecord(cam, ev.ts, NAME, "alert", ev.owner_track, ev.zone, alert, tuple(photos[:2]))]  # the object and its owner


def build(ctx: CameraContext) -> list[Module]:
    """The objects module of a camera (the ``objects`` package's build)."""
    return [ObjectsModule(ctx)] if ctx.camera.modules.objects.enabled else []
