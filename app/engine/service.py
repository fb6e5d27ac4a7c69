"""The service module: alerts when a customer waits in a department with no member of staff near.

Runs :class:`analytics.service.UnattendedMonitor` on the camera's zones of the configured types
(``modules.service.zone_types``, departments by default) and stores (module ``service``):

``alert``
    raised when a customer has been alone for ``unattended_seconds`` (ts = now; zone; track = the
    customer; payload ``alert_id``, ``kind`` = ``unattended``, ``message``, ``waited``, ``zone``)
    with a photo of the customer — the GUI popup and the notifications pick it up like any alert
    (:mod:`app.store.alerts`);
``alert_end``
    the alert cleared (ts = when raised, ts_end = when over; same ``alert_id``; ``reason``:
    ``attended``, ``left``, ``lost`` or ``flush``);
``unattended``
    the whole unattended wait (ts = when it began, ts_end = when it was over; payload
    ``waited``, ``alerted_after``, ``reason``) for the reports.

Roles come from the role stage: people nobody classified are never "customers" here, so without
roles there are no alerts.
"""

from __future__ import annotations

import numpy as np

from analytics.geometry import to_pixels
from analytics.service import UnattendedEvent, UnattendedMonitor
from analytics.types import PERSON_CLASS, Detections, Frame
from app.engine.modules import CameraContext, Module, Record
from app.events import AlertBook
from app.modules.service.events import SERVICE_UNATTENDED
from app.store.records import PhotoRecord


def _minutes(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


class ServiceModule(Module):
    """Unattended-customer alerts of one camera.

    Example:
        >>> mod = ServiceModule(ctx)  # doctest: +SKIP
        >>> records = mod.process(frame, tracked)  # doctest: +SKIP
    """

    name = "service"

    def __init__(self, ctx: CameraContext) -> None:
        super().__init__(ctx)
        self.cfg = ctx.camera.modules.service
        types = set(self.cfg.zone_types)
        self.zones = [z for z in ctx.camera.zones if not z.type.is_line and z.type.value in types]
        self.zone_names = {z.id: z.label for z in self.zones}
        self.monitor: UnattendedMonitor | None = None
        self._size: tuple[int, int] | None = None
        self.alerts = AlertBook(self.name, ctx.camera.id)  # one alert per waiting customer (track id)

    def _build(self, width: int, height: int) -> None:
        self.monitor = UnattendedMonitor(
            {z.id: to_pixels(z.points, width, height) for z in self.zones},
            after=self.cfg.unattended_seconds,
            staff_distance=self.cfg.staff_distance,
            min_frames=self.ctx.camera.modules.zones.min_frames,
            lost_timeout=max(self.ctx.lost_after, 1.0),
        )
        self._size = (width, height)

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Watch this frame's customers; return alerts raised and cleared."""
        if not self.zones:
            return []
        if self._size != (frame.width, frame.height):
            self._build(frame.width, frame.height)
        assert self.monitor is not None
        people = dets[dets.is_class(PERSON_CLASS)] if len(dets) else dets
        return self._records(frame, people, self.monitor.update(people, frame.ts))

    def close(self, ts: float) -> list[Record]:
        """Clear the alerts still raised at the end of the video."""
        if self.monitor is None:
            return []
        return self._records(None, Detections.empty(), self.monitor.flush(ts))

    def _records(
        self, frame: Frame | None, people: Detections, events: list[UnattendedEvent]
    ) -> list[Record]:
        cam = self.ctx.camera.id
        out: list[Record] = []
        for ev in events:
            zone = self.zone_names.get(ev.zone_id, ev.zone_id)
            if ev.kind == "start":
                payload = {
                    "message": f"{zone}: a customer has waited {_minutes(ev.waited)} with no staff near",
                    "waited": round(ev.waited, 3),
                    "zone": zone,
                    "role": "customer",
                }
                photos = self._photo(frame, people, ev.track_id) if frame is not None else ()
                out.append(
                    self.alerts.raise_alert(
                        ev.track_id, ev.ts, kind="unattended", zone_id=ev.zone_id, track_id=ev.track_id,
                        id_parts=(ev.track_id,), payload=payload, photos=photos,
                    )
                )  # fmt: skip
                continue
            raised = self.alerts.raised_at(ev.track_id)
            end = self.alerts.end_alert(ev.track_id, ev.ts, payload={"reason": ev.reason, "role": "customer"})
            if end is not None and raised is not None:
                out.append(end)
                fact = {
                    "waited": round(ev.waited, 3),
                    "alerted_after": round(raised - ev.since, 3),
                    "reason": ev.reason,
                    "zone": zone,
                    "role": "customer",
                }
                out.append(
                    SERVICE_UNATTENDED.record(
                        cam, ev.since, track_id=ev.track_id, zone_id=ev.zone_id, payload=fact, ts_end=ev.ts
                    )
                )
        return out

    def _photo(self, frame: Frame, people: Detections, track_id: int) -> tuple[PhotoRecord, ...]:
        if not self.cfg.save_crops:
            return ()
        hit = np.flatnonzero(people.tracker_id == track_id)
        if not hit.size:
            return ()
        return self.crop(frame, people, int(hit[0]))


def build(ctx: CameraContext) -> list[Module]:
    """The unattended-customer module of a camera with zones of its types (its package's build; needs roles)."""
    m = ctx.camera.modules.service
    return (
        [ServiceModule(ctx)]
        if m.enabled and any(z.type.value in m.zone_types for z in ctx.camera.zones)
        else []
    )
