"""The behaviour module: posture intervals, reaches into shelves and staff–customer consultations.

It reads the keypoints the pipeline's pose stage attached to the tracked people and runs three
pure analytics (:mod:`analytics.posture`, :mod:`analytics.reach`, :mod:`analytics.contact`),
turning their results into store records:

``pose`` / ``posture``
    one person's posture interval (ts = start, ts_end = end; payload ``posture`` — standing,
    walking, sitting or bending — ``duration``, ``role``).
``shelf`` / ``reach``
    a hand in a shelf zone (zone = the shelf; ts = start, ts_end = end; payload ``hand``,
    ``duration``, ``role``, ``shelf`` name) with two photos taken when the reach was confirmed:
    the plain crop (``crop``) and the same with the skeleton and the shelf outline drawn
    (``overlay``).
``contact`` / ``consultation``
    a member of staff close to a customer (track = the customer; ts = start, ts_end = end;
    payload ``staff_track``, ``customer_track``, ``duration``, ``min_distance`` in box heights)
    with a photo of both.

Roles (staff/customer) come from the caller as ``roles`` (tracker id → role); without them no
one is staff and there are no consultations.
"""

from __future__ import annotations

import numpy as np

from analytics.contact import ContactDetector, ContactEvent
from analytics.geometry import to_pixels
from analytics.posture import PostureInterval, PostureThresholds, PostureTracker
from analytics.reach import ReachDetector, ReachEvent
from analytics.types import PERSON_CLASS, Detections, Frame, expand_boxes
from app.config import ZoneType
from app.engine.modules import CameraContext, Module, Record, box_crop, encode_crop
from app.engine.overlay import draw_polygons, draw_skeletons
from app.modules.behaviour.events import CONSULTATION, POSTURE, SHELF_REACH
from app.store.records import EventRecord, PhotoRecord


class BehaviourModule(Module):
    """Posture, reaching into shelves and consultations of one camera's people.

    Example:
        >>> mod = BehaviourModule(ctx)  # doctest: +SKIP
        >>> records = mod.process(frame, tracked)  # doctest: +SKIP
        >>> mod.postures()  # doctest: +SKIP
        {3: 'standing', 7: 'bending'}
    """

    name = "behaviour"

    def __init__(self, ctx: CameraContext) -> None:
        super().__init__(ctx)
        cam = ctx.camera
        self.cfg = cam.modules.behaviour
        self.min_score = cam.modules.pose.min_score
        p = self.cfg.posture
        self.posture: PostureTracker | None = None
        if p.enabled:
            self.posture = PostureTracker(
                thresholds=PostureThresholds(
                    bend_tilt=p.bend_tilt,
                    crouch_leg_ratio=p.crouch_leg_ratio,
                    sit_leg_ratio=p.sit_leg_ratio,
                    walk_speed=p.walk_speed,
                ),
                min_seconds=p.min_seconds,
                lost_timeout=max(ctx.lost_after, 1.0),
                min_score=self.min_score,
            )
        c = self.cfg.contact
        self.contact = (
            ContactDetector(
                distance=c.distance, min_seconds=c.min_seconds, gap=c.gap, min_score=self.min_score
            )
            if c.enabled
            else None
        )
        self.shelves = [z for z in cam.zones if z.type is ZoneType.SHELF]
        self.zone_names = {z.id: z.label for z in cam.zones}
        self.reach: ReachDetector | None = None
        self._shelf_px: dict[str, np.ndarray] = {}
        self._size: tuple[int, int] | None = None
        self._photos: dict[tuple[str, int, object], tuple[PhotoRecord, ...]] = {}

    def _build(self, width: int, height: int) -> None:
        self._size = (width, height)
        self._shelf_px = {z.id: to_pixels(z.points, width, height) for z in self.shelves}
        r = self.cfg.reach
        if r.enabled and self.shelves:
            self.reach = ReachDetector(
                list(self._shelf_px.items()),
                min_seconds=r.min_seconds,
                gap=r.gap,
                near=r.near,
                min_extension=r.min_extension,
                min_score=self.min_score,
            )

    def postures(self) -> dict[int, str]:
        """Tracker id → current posture, for overlays."""
        return {} if self.posture is None else self.posture.postures()

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Update posture, reaches and contacts with one frame's tracked people."""
        if self._size != (frame.width, frame.height):
            self._build(frame.width, frame.height)
        people = dets[dets.is_class(PERSON_CLASS)] if len(dets) else dets
        out: list[Record] = []
        ts = frame.ts
        if self.posture is not None:
            out.extend(self._posture_records(frame.camera_id, self.posture.update(people, ts)))
        if self.reach is not None:
            out.extend(self._reach_records(frame, people, self.reach.update(people, ts)))
        if self.contact is not None:
            out.extend(self._contact_records(frame, self.contact.update(people, ts)))
        return out

    # --- records -------------------------------------------------------------------------

    def _posture_records(self, camera_id: str, intervals: list[PostureInterval]) -> list[Record]:
        min_len = self.cfg.posture.min_interval
        return [
            POSTURE.record(
                camera_id,
                iv.start_ts,
                track_id=iv.track_id,
                payload={"posture": iv.posture.value, "duration": round(iv.duration, 3), "role": iv.role},
                ts_end=iv.end_ts,
            )
            for iv in intervals
            if iv.duration >= min_len
        ]

    def _reach_photos(self, frame: Frame, people: Detections, ev: ReachEvent) -> tuple[PhotoRecord, ...]:
        idx = np.flatnonzero(people.tracker_id == ev.track_id)
        if not len(idx):
            return ()
        i = int(idx[0])
        box = people.xyxy[i].astype(np.float64).copy()
        box[0], box[1] = min(box[0], ev.wrist[0]), min(box[1], ev.wrist[1])
        box[2], box[3] = max(box[2], ev.wrist[0]), max(box[3], ev.wrist[1])
        crop_box = expand_boxes(
            box[None], max(self.ctx.detection.box_expand or 0.0, 0.15), frame.width, frame.height
        )[0]
        photos: list[PhotoRecord] = []
        plain = encode_crop(frame.image, crop_box)
        if plain is not None:
            photos.append(plain)
        drawn = draw_polygons(frame.image, [self._shelf_px[ev.zone_id]])
        if people.keypoints is not None:
            draw_skeletons(drawn, people.keypoints[i : i + 1], min_score=self.min_score, copy=False)
        over = encode_crop(drawn, crop_box)
        if over is not None:
            photos.append(PhotoRecord(jpeg=over.jpeg, kind="overlay", box=over.box))
        return tuple(photos)

    def _reach_records(self, frame: Frame, people: Detections, events: list[ReachEvent]) -> list[Record]:
        out: list[Record] = []
        for ev in events:
            key = ("reach", ev.track_id, ev.zone_id)
            if ev.kind == "start":
                if self.cfg.reach.save_crops:
                    self._photos[key] = self._reach_photos(frame, people, ev)
                continue
            out.append(self._reach_event(frame.camera_id, ev, self._photos.pop(key, ())))
        return out

    def _reach_event(self, camera_id: str, ev: ReachEvent, photos: tuple[PhotoRecord, ...]) -> EventRecord:
        return SHELF_REACH.record(
            camera_id,
            ev.start_ts,
            track_id=ev.track_id,
            zone_id=ev.zone_id,
            payload={
                "hand": ev.hand,
                "duration": round(ev.duration, 3),
                "role": ev.role,
                "shelf": self.zone_names.get(ev.zone_id, ev.zone_id),
            },
            photos=photos,
            ts_end=ev.ts,
        )

    def _contact_records(self, frame: Frame, events: list[ContactEvent]) -> list[Record]:
        out: list[Record] = []
        for ev in events:
            key = ("contact", ev.customer_id, ev.staff_id)
            if ev.kind == "start":
                if self.cfg.contact.save_crops:
                    self._photos[key] = box_crop(frame, np.array(ev.box), 0.1)
                continue
            out.append(self._contact_event(frame.camera_id, ev, self._photos.pop(key, ())))
        return out

    @staticmethod
    def _contact_event(camera_id: str, ev: ContactEvent, photos: tuple[PhotoRecord, ...]) -> EventRecord:
        return CONSULTATION.record(
            camera_id,
            ev.start_ts,
            track_id=ev.customer_id,
            payload={
                "staff_track": ev.staff_id,
                "customer_track": ev.customer_id,
                "duration": round(ev.duration, 3),
                "min_distance": ev.min_distance,
                "role": "customer",
            },
            photos=photos,
            ts_end=ev.ts,
        )

    def close(self, ts: float) -> list[Record]:
        """Close open postures, reaches and contacts at their last moments."""
        cam = self.ctx.camera.id
        out: list[Record] = []
        if self.posture is not None:
            out.extend(self._posture_records(cam, self.posture.flush(ts)))
        if self.reach is not None:
            for ev in self.reach.flush(ts):
                out.append(
                    self._reach_event(cam, ev, self._photos.pop(("reach", ev.track_id, ev.zone_id), ()))
                )
        if self.contact is not None:
            for ev in self.contact.flush(ts):
                key = ("contact", ev.customer_id, ev.staff_id)
                out.append(self._contact_event(cam, ev, self._photos.pop(key, ())))
        self._photos.clear()
        return out


def build(ctx: CameraContext) -> list[Module]:
    """The behaviour module of a camera (its package's build).

    Posture and reaches need pose keypoints; consultations need roles.
    """
    m = ctx.camera.modules
    return (
        [BehaviourModule(ctx)]
        if m.behaviour.enabled and (m.pose.enabled or m.behaviour.contact.enabled)
        else []
    )
