"""The retail module: footfall on lines, zone dwell, store visits and heatmaps of one camera.

These analytics feed each other within a frame (visits use the line crossings and zone
entries of the same frame), so one module runs them in order and turns their results into
store records. Pixel geometry is built for the first frame's size (zones are 0–1).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from analytics.background import BackgroundSampler
from analytics.geometry import LineZone, PolygonZone
from analytics.heatmap import Heatmap, TimeAccumulator
from analytics.lines import LineCounter, LineCrossing
from analytics.tracks import anchor_points, role_of, roles_in
from analytics.types import PERSON_CLASS, Detections, Frame
from analytics.visits import Visit, VisitTracker
from analytics.zones import ZoneEvent, ZoneTracker
from app.config import ZoneType
from app.engine.modules import CameraContext, Module, Record
from app.modules.retail.events import FOOTFALL, VISIT, ZONE_DWELL, ZONE_ENTER
from app.store.records import BackgroundRecord, HeatmapRecord

HOUR = 3600.0

#: The first background is made once this many frames are sampled (a live camera gets one early) …
BACKGROUND_FIRST = 12
#: … then again after this much video time, and at the end of the run.
BACKGROUND_REFRESH = 6 * HOUR


class RetailModule(Module):
    """Footfall, zones, visits and heatmap for one camera (people only).

    Events it emits (module / type):
        ``footfall`` / ``in`` and ``out``: a line crossing (zone = the line), with a crop.
        ``zones`` / ``enter``: a person entered a zone.
        ``zones`` / ``dwell``: a stay in a zone ended (ts = enter, ts_end = exit, payload duration).
        ``visits`` / ``visit``: a store visit ended (ts = start, ts_end = end, payload zones in order).
    It also emits a :class:`HeatmapRecord` per hour and role, and (with the heatmap on) a
    :class:`BackgroundRecord`: the camera's view without people, the median of frames sampled
    every few seconds with the tracked boxes left out — once enough frames are sampled, every
    :data:`BACKGROUND_REFRESH` seconds of video after that, and at :meth:`close`.
    """

    name = "retail"
    sees_hidden = True

    def __init__(self, ctx: CameraContext) -> None:
        super().__init__(ctx)
        self.cfg = ctx.camera.modules
        self._ready = False
        self.lines: list[LineCounter] = []
        self.zones: ZoneTracker | None = None
        self.visits: VisitTracker | None = None
        self.heat: dict[str, Heatmap] = {}
        self.clock = TimeAccumulator(max_dt=self.cfg.heatmap.max_dt)
        self.hour: float | None = None
        self.background = BackgroundSampler(interval=2.0, max_samples=24, max_side=640, max_interval=150.0)
        self._background_ts: float | None = None  # when the last background was emitted
        self.zone_names = {z.id: z.label for z in ctx.camera.zones}
        self.entrance = next((z.id for z in ctx.camera.zones if z.type is ZoneType.ENTRANCE_LINE), None)

    def _build(self, width: int, height: int) -> None:
        cam = self.ctx.camera
        m = self.cfg
        if m.footfall.enabled:
            for z in cam.zones:
                if z.type.is_line:
                    zone = LineZone(z.id, z.points[0], z.points[1])
                    self.lines.append(
                        LineCounter.from_zone(
                            zone,
                            width=width,
                            height=height,
                            min_distance=m.footfall.min_distance * height,
                            min_frames=m.footfall.min_frames,
                            max_age=max(5.0, self.ctx.lost_after),
                        )
                    )
        polys = [PolygonZone(z.id, z.points) for z in cam.zones if not z.type.is_line]
        if m.zones.enabled and polys:
            self.zones = ZoneTracker.from_zones(
                polys,
                width=width,
                height=height,
                min_frames=m.zones.min_frames,
                min_seconds=m.zones.min_seconds,
                lost_timeout=m.zones.lost_timeout,
            )
        if m.visits.enabled:
            self.visits = VisitTracker(
                entrance_line=self.entrance if m.footfall.enabled else None,
                join_seconds=m.visits.join_seconds,
                join_distance=m.visits.join_distance * height,
                lost_timeout=max(m.zones.lost_timeout, self.ctx.lost_after),
                min_duration=m.visits.min_duration,
            )
        self.size = (width, height)
        self._ready = True

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Run lines → zones → visits → heatmap on one frame's tracked people (roles: the role stage's)."""
        if not self._ready:
            self._build(frame.width, frame.height)
        people = dets[dets.is_class(PERSON_CLASS)] if len(dets) else dets
        ts = frame.ts
        out: list[Record] = []
        crossings: list[LineCrossing] = []
        for lc in self.lines:
            crossings.extend(lc.update(people, ts))
        if crossings:
            out.extend(self._crossing_events(frame, people, crossings))
        zone_events: list[ZoneEvent] = self.zones.update(people, ts) if self.zones else []
        out.extend(self._zone_records(frame.camera_id, zone_events))
        if self.visits is not None:
            visits = self.visits.update(people, ts, crossings=crossings, zone_events=zone_events)
            out.extend(self._visit_records(frame.camera_id, visits))
        if self.cfg.heatmap.enabled:
            out.extend(self._heat(frame, people))
            out.extend(self._sample_background(frame, dets))
        return out

    # --- records -------------------------------------------------------------------------

    def _crossing_events(
        self, frame: Frame, people: Detections, crossings: list[LineCrossing]
    ) -> list[Record]:
        out: list[Record] = []
        index = {int(t): i for i, t in enumerate(people.tracker_id.tolist())}
        for c in crossings:
            i = index.get(c.track_id)
            photos = self.crop(frame, people, i) if self.cfg.footfall.save_crops and i is not None else ()
            out.append(
                FOOTFALL[c.direction].record(
                    frame.camera_id,
                    c.ts,
                    track_id=c.track_id,
                    zone_id=c.line_id,
                    payload={
                        "class": PERSON_CLASS,  # lines count people only
                        "role": c.role,
                        "line": self.zone_names.get(c.line_id),
                    },
                    photos=photos,
                )
            )
        return out

    def _zone_records(self, camera_id: str, events: list[ZoneEvent]) -> list[Record]:
        out: list[Record] = []
        for e in events:
            if e.kind == "enter":
                out.append(
                    ZONE_ENTER.record(
                        camera_id, e.ts, track_id=e.track_id, zone_id=e.zone_id, payload={"role": e.role}
                    )
                )
            elif e.duration is not None:
                out.append(
                    ZONE_DWELL.record(
                        camera_id,
                        e.ts - e.duration,
                        track_id=e.track_id,
                        zone_id=e.zone_id,
                        payload={"role": e.role, "duration": round(e.duration, 3)},
                        ts_end=e.ts,
                    )
                )
        return out

    def _visit_records(self, camera_id: str, visits: list[Visit]) -> list[Record]:
        return [
            VISIT.record(
                camera_id,
                v.start_ts,
                track_id=v.track_ids[0],
                payload={
                    "duration": round(v.duration, 3),
                    "zones": list(v.zones),
                    "tracks": list(v.track_ids),
                    "role": v.role,
                    "end": v.end_reason,
                },
                ts_end=v.end_ts,
            )
            for v in visits
        ]

    def _heat(self, frame: Frame, people: Detections) -> list[Record]:
        out: list[Record] = []
        hour = math.floor(frame.ts / HOUR) * HOUR
        if self.hour is not None and hour != self.hour:
            out.extend(self._flush_heat(frame.camera_id))
        self.hour = hour
        if not len(people):
            return out
        dt = self.clock.dt(people.tracker_id, frame.ts)
        points = anchor_points(people)
        roles = roles_in(people)
        labels = np.array([role_of(roles, t) for t in people.tracker_id.tolist()])
        for role in np.unique(labels).tolist():  # one heatmap per role, so the role filter works
            hm = self.heat.get(role)
            if hm is None:
                w, h = self.size
                hm = self.heat[role] = Heatmap(w, h, cell=self.cfg.heatmap.cell)
            keep = labels == role
            hm.add(points[keep], dt[keep])
        return out

    def _flush_heat(self, camera_id: str) -> list[Record]:
        out: list[Record] = []
        if self.hour is None:
            return out
        for role, hm in self.heat.items():
            if hm.total_seconds > 0:
                out.append(
                    HeatmapRecord(
                        camera_id=camera_id,
                        hour_ts=self.hour,
                        role=role,
                        width=hm.width,
                        height=hm.height,
                        cell=hm.cell,
                        grid=np.ascontiguousarray(hm.grid, dtype=np.float32).tobytes(),
                    )
                )
        self.heat.clear()
        return out

    def _sample_background(self, frame: Frame, dets: Detections) -> list[Record]:
        if not self.background.add(frame.image, dets.xyxy, frame.ts):
            return []
        last = self._background_ts
        if last is None:
            due = self.background.count >= BACKGROUND_FIRST
        else:
            due = frame.ts - last >= BACKGROUND_REFRESH
        return self._make_background(frame.camera_id) if due else []

    def _make_background(self, camera_id: str) -> list[Record]:
        """The current median background as a JPEG record (nothing without samples)."""
        image = self.background.background()
        size = self.background.frame_size
        if image is None or size is None:
            return []
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        if not ok:
            return []
        samples = self.background.samples
        self._background_ts = samples[-1].ts
        return [
            BackgroundRecord(
                camera_id=camera_id,
                ts=samples[-1].ts,
                jpeg=buf.tobytes(),
                width=size[0],
                height=size[1],
                samples=len(samples),
                first_ts=samples[0].ts,
            )
        ]

    def close(self, ts: float) -> list[Record]:
        """Close open zone stays and visits; write the last heatmap hour and the camera's background."""
        out: list[Record] = []
        cam = self.ctx.camera.id
        if self.zones is not None:
            out.extend(self._zone_records(cam, self.zones.flush(ts)))
        if self.visits is not None:
            out.extend(self._visit_records(cam, self.visits.flush(ts)))
        out.extend(self._flush_heat(cam))
        samples = self.background.samples
        if self.cfg.heatmap.enabled and samples and self._background_ts != samples[-1].ts:
            out.extend(self._make_background(cam))  # unless nothing was sampled since the last one
        return out


def build(ctx: CameraContext) -> list[Module]:
    """The retail module of a camera when footfall, zones, visits or heatmap is on (its package's build)."""
    m = ctx.camera.modules
    return (
        [RetailModule(ctx)]
        if (m.footfall.enabled or m.zones.enabled or m.visits.enabled or m.heatmap.enabled)
        else []
    )
