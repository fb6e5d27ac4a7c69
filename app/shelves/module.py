"""The ``shelf`` module: gaps on the camera's shelf zones, their restock time, alerts and a lost-sales estimate.

Events (module ``shelf``):

- ``reference`` — the full reference a zone is measured against: captured automatically from
  the first frame nobody stands in front of the shelf when none was configured or stored, or
  re-captured while running (``storesight shelf reference``, the zone editor); photo. Captured
  references are kept in the data folder (:mod:`app.shelves.references`) and survive restarts.
- ``gap_start`` — a segment has been empty (≥ ``gap_on``) for ``confirm`` seconds; ``ts`` is when
  it began; payload: segment, row, column, fraction, decided (when it was confirmed); photo
  with the segment outlined.
- ``alert`` / ``alert_end`` — the gap stayed open ``alert_after`` seconds (the app's alert popup
  and notifications show it; ``kind`` ``shelf_gap``); ended when refilled.
- ``gap`` — the gap is over (refilled, or the stream ended): ``ts`` start, ``ts_end`` end; payload:
  duration and restock time (seconds, start → refilled), peak fraction, shoppers at the shelf
  during the gap, ``reached`` (of the tracks, those whose wrist went into the empty segment —
  with pose keypoints on the camera; None without them), and — when the zone has a purchase value and conversion — the lost-sales
  estimate with its inputs; photo with the segment outlined, from when the gap was confirmed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from analytics.geometry import to_pixels
from analytics.pose import WRISTS
from analytics.shelf import GapEvent, GapTracker, lost_sales
from analytics.types import Detections, Frame
from app.config import ZoneConfig, ZoneType
from app.engine.modules import CameraContext, Module, Record
from app.errors import UserError
from app.paths import model_dir
from app.shelves import references
from app.shelves.settings import ShelfSettings, ShelfZoneSettings
from app.store.records import EventRecord, PhotoRecord
from models.shelf import ShelfGeometry, create_meter

log = logging.getLogger(__name__)
NAME = "shelf"
#: Keypoint score above which a wrist inside a gap's segment counts as a reach for it.
REACH_CONFIDENCE = 0.3


def outline_photo(
    image: np.ndarray, geo: ShelfGeometry, segments: list[int], *, label: str = "", max_side: int = 960
) -> PhotoRecord | None:
    """The frame with the shelf zone (thin) and the given segments (thick red) outlined, as JPEG."""
    img = image.copy()
    cv2.polylines(img, [geo.corners.astype(np.int32)], True, (255, 255, 160), 1, cv2.LINE_AA)
    for s in segments:
        poly = geo.segment_polygon(s).astype(np.int32)
        cv2.polylines(img, [poly], True, (0, 0, 255), 3, cv2.LINE_AA)
    if label and segments:
        p = geo.segment_polygon(segments[0])[0]
        cv2.putText(img, label, (int(p[0]) + 3, int(p[1]) + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255), 2)
    h, w = img.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale < 1.0:
        img = cv2.resize(img, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return PhotoRecord(buf.tobytes(), kind="frame") if ok else None


def _load(path: str | None, what: str, size: tuple[int, int]) -> np.ndarray | None:
    if not path:
        return None
    img = cv2.imread(str(Path(path).expanduser()), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f"{what} {path} cannot be read as an image")
    if (img.shape[1], img.shape[0]) != size:
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    return img


@dataclass(slots=True)
class _Shelf:
    zone: ZoneConfig
    cfg: ShelfZoneSettings
    meter: object | None = None
    geo: ShelfGeometry | None = None
    tracker: GapTracker | None = None
    photos: dict[int, PhotoRecord] = field(default_factory=dict)
    shoppers: dict[int, set[int]] = field(default_factory=dict)  # open gap's segment → track ids seen
    reached: dict[int, set[int]] = field(default_factory=dict)  # open gap's segment → tracks whose wrist went in
    pose_seen: bool = False  # keypoints came with the detections while a gap was open
    alert_ids: dict[int, tuple[str, float]] = field(default_factory=dict)  # segment → alert id, when raised
    failed: str | None = None
    stamp: float | None = None  # the stored reference file's time (a re-capture changes it)
    empty: np.ndarray | None = None


class ShelfGapModule(Module):
    """Measures every ``shelf`` zone (4 corners) each ``interval`` seconds; see the module description."""

    name = NAME

    def __init__(self, ctx: CameraContext) -> None:
        super().__init__(ctx)
        self.settings: ShelfSettings = ctx.camera.modules.shelf
        self._shelves = [
            _Shelf(z, self.settings.zones.get(z.id, ShelfZoneSettings()))
            for z in ctx.camera.zones
            if z.type == ZoneType.SHELF
        ]
        self._next_ts = -np.inf
        self.backend_reason = ""
        self._model_dir = str(ctx.site.detector.model_dir or model_dir())
        self._data_dir = ctx.data_dir

    def _stored(self, sh: _Shelf, size: tuple[int, int]) -> np.ndarray | None:
        """The reference kept in the data folder (resized to the frame), or None."""
        if self._data_dir is None:
            return None
        sh.stamp = references.stamp(self._data_dir, self.ctx.camera.id, sh.zone.id)
        img = references.load_reference(self._data_dir, self.ctx.camera.id, sh.zone.id)
        if img is not None and (img.shape[1], img.shape[0]) != size:
            log.warning(
                "shelf zone %s: stored reference is %d×%d, the camera %d×%d: resized (capture it again)",
                sh.zone.id, img.shape[1], img.shape[0], *size,
            )  # fmt: skip
            img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
        return img

    def _reference_event(self, sh: _Shelf, frame: Frame, ref: np.ndarray, source: str) -> EventRecord:
        assert sh.geo is not None
        photo = outline_photo(ref, sh.geo, [])
        payload = {"rows": sh.cfg.rows, "columns": sh.cfg.columns, "captured": source == "auto", "source": source}
        return EventRecord(
            frame.camera_id, frame.ts, NAME, "reference", None, sh.zone.id, payload, photos=(photo,) if photo else ()
        )

    def _make_meter(self, sh: _Shelf, ref: np.ndarray) -> None:
        assert sh.geo is not None
        sh.meter, self.backend_reason = create_meter(
            sh.geo, ref, backend=self.settings.backend, model_dir=self._model_dir, empty_example=sh.empty
        )

    def _setup(self, sh: _Shelf, frame: Frame, people: np.ndarray) -> list[Record]:
        corners = to_pixels(sh.zone.points, frame.width, frame.height)
        if len(corners) != 4:
            sh.failed = f"shelf zone {sh.zone.id} needs 4 corners (TL, TR, BR, BL), has {len(corners)}"
            log.warning(sh.failed)
            return []
        geo = ShelfGeometry(corners, rows=sh.cfg.rows, columns=sh.cfg.columns)
        size = (frame.width, frame.height)
        try:
            ref = _load(sh.cfg.reference, "reference", size)
            sh.empty = _load(sh.cfg.empty_example, "empty example", size)
        except FileNotFoundError as e:
            sh.failed = str(e)
            log.warning("shelf zone %s: %s", sh.zone.id, e)
            return []
        sh.geo = geo
        out: list[Record] = []
        if ref is None:
            ref = self._stored(sh, size)
        if ref is None:  # capture: the first frame nobody stands in front of the shelf
            x1, y1 = corners.min(axis=0)
            x2, y2 = corners.max(axis=0)
            if any(b[0] < x2 and b[2] > x1 and b[1] < y2 and b[3] > y1 for b in people):
                sh.geo = None
                return []
            ref = frame.image.copy()
            if self._data_dir is not None:
                try:
                    references.save_reference(
                        self._data_dir, self.ctx.camera.id, sh.zone.id, ref, source="auto", ts=frame.ts
                    )
                    sh.stamp = references.stamp(self._data_dir, self.ctx.camera.id, sh.zone.id)
                except UserError as e:  # measured all the same; captured again after a restart
                    log.warning("shelf zone %s: %s", sh.zone.id, e)
            out.append(self._reference_event(sh, frame, ref, "auto"))
        self._make_meter(sh, ref)
        s = self.settings
        sh.tracker = GapTracker(
            geo.segments, on=s.gap_on, off=min(s.gap_off, s.gap_on - 0.01), confirm=s.confirm, clear=s.clear,
            window=max(s.interval * 3, 30.0), alert_after=s.alert_after,
        )  # fmt: skip
        return out

    def _recaptured(self, sh: _Shelf, frame: Frame) -> list[Record]:
        """Measure against a reference captured again while running (its file changed)."""
        if self._data_dir is None or sh.cfg.reference:
            return []
        now = references.stamp(self._data_dir, self.ctx.camera.id, sh.zone.id)
        if now is None or now == sh.stamp:
            return []
        ref = self._stored(sh, (frame.width, frame.height))
        if ref is None:
            return []
        self._make_meter(sh, ref)
        info = references.reference_info(self._data_dir, self.ctx.camera.id, sh.zone.id)
        log.info("shelf zone %s: measuring against the re-captured reference", sh.zone.id)
        return [self._reference_event(sh, frame, ref, info.source if info and info.source else "recaptured")]

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Measure the shelves when their interval has passed; note shoppers in front of open gaps."""
        people = dets[dets.is_class("person")]
        boxes = people.xyxy
        out: list[Record] = []
        for sh in self._shelves:
            if sh.geo is not None and sh.shoppers:
                x1, y1 = sh.geo.corners.min(axis=0)
                x2, y2 = sh.geo.corners.max(axis=0)
                near = (boxes[:, 0] < x2) & (boxes[:, 2] > x1) & (boxes[:, 1] < y2) & (boxes[:, 3] > y1)
                for seg in sh.shoppers:
                    sh.shoppers[seg].update(int(t) for t in people.tracker_id[near] if t >= 0)
                if people.keypoints is not None and len(people):
                    sh.pose_seen = True
                    self._reaches(sh, people)
        if frame.ts < self._next_ts:
            return out
        self._next_ts = frame.ts + self.settings.interval
        for sh in self._shelves:
            if sh.failed:
                continue
            if sh.meter is None:
                out += self._setup(sh, frame, boxes)
                continue
            out += self._recaptured(sh, frame)
            reading = sh.meter.measure(frame.image, boxes)  # type: ignore[attr-defined]
            assert sh.tracker is not None
            for ev in sh.tracker.update(frame.ts, reading.fraction, reading.valid):
                out += self._event(sh, ev, frame)
        return out

    @staticmethod
    def _reaches(sh: _Shelf, people: Detections) -> None:
        """Tracks with a wrist (pose keypoints) inside a segment that has an open gap: they reached for it."""
        assert sh.geo is not None and people.keypoints is not None
        wrists = people.keypoints[:, list(WRISTS), :]  # (N, 2, 3)
        for seg in sh.shoppers:
            poly = sh.geo.segment_polygon(seg).astype(np.float32)
            for i, tid in enumerate(people.tracker_id):
                if tid < 0:
                    continue
                for x, y, conf in wrists[i]:
                    if conf >= REACH_CONFIDENCE and cv2.pointPolygonTest(poly, (float(x), float(y)), False) >= 0:
                        sh.reached.setdefault(seg, set()).add(int(tid))

    def _event(self, sh: _Shelf, ev: GapEvent, frame: Frame | None) -> list[Record]:
        assert sh.geo is not None
        cam = self.ctx.camera.id
        r, c = divmod(ev.segment, sh.geo.columns)
        where = {"segment": ev.segment, "row": r + 1, "column": c + 1}
        label = f"{sh.zone.name or sh.zone.id} row {r + 1} segment {c + 1}"
        if ev.kind == "start":
            photo = outline_photo(frame.image, sh.geo, [ev.segment], label=f"{ev.fraction:.0%} empty") if (
                frame is not None and self.settings.save_photos
            ) else None
            if photo:
                sh.photos[ev.segment] = photo
            sh.shoppers[ev.segment] = set()
            payload = {**where, "fraction": ev.fraction, "decided": round(ev.ts, 3)}
            return [EventRecord(cam, ev.start, NAME, "gap_start", None, sh.zone.id, payload, (photo,) if photo else ())]
        if ev.kind == "alert":
            alert_id = f"{cam}:{sh.zone.id}:{ev.segment}:{round(ev.start * 1000)}"
            sh.alert_ids[ev.segment] = (alert_id, ev.ts)
            minutes = (ev.ts - ev.start) / 60
            payload = {
                "alert_id": alert_id, "kind": "shelf_gap", **where, "fraction": ev.fraction,
                "message": f"{label}: empty for {minutes:.0f} min", "since": round(ev.start, 3),
            }  # fmt: skip
            photo = sh.photos.get(ev.segment)
            return [EventRecord(cam, ev.ts, NAME, "alert", None, sh.zone.id, payload, (photo,) if photo else ())]
        # end (refilled) or closed at the end of the stream
        out: list[Record] = []
        end = ev.end if ev.end is not None else ev.ts
        shoppers = len(sh.shoppers.pop(ev.segment, set()))
        reached = len(sh.reached.pop(ev.segment, set()))
        payload = {
            **where, "fraction": ev.fraction, "duration": round(end - ev.start, 1),
            "restock_s": round(end - ev.start, 1) if ev.end is not None else None,
            "refilled": ev.end is not None, "shoppers": shoppers,
            "reached": reached if sh.pose_seen else None,
        }  # fmt: skip
        if sh.cfg.basket_value > 0 and sh.cfg.conversion > 0 and end > ev.start:
            est = lost_sales(
                [end - ev.start if i == ev.segment else 0.0 for i in range(sh.geo.segments)],
                shoppers=shoppers, observed_hours=(end - ev.start) / 3600, conversion=sh.cfg.conversion,
                basket_value=sh.cfg.basket_value,
            )  # fmt: skip
            payload["lost_sales"] = {
                "estimate": round(est.lost_value, 2), "purchases": round(est.lost_purchases, 3),
                "gap_hours": round(est.gap_hours, 4), "shoppers_per_hour": round(est.shoppers_per_hour, 2),
                "conversion": est.conversion, "basket_value": est.basket_value, "text": est.sentence(),
            }  # fmt: skip
        photo = sh.photos.pop(ev.segment, None)
        out.append(EventRecord(cam, ev.start, NAME, "gap", None, sh.zone.id, payload, (photo,) if photo else (), end))
        raised = sh.alert_ids.pop(ev.segment, None)
        if raised and ev.end is not None:  # refilled; a gap open at the end of the run stays alerted
            out.append(
                EventRecord(cam, raised[1], NAME, "alert_end", None, sh.zone.id,
                            {"alert_id": raised[0], "kind": "shelf_gap", "duration": round(end - ev.start, 1)},
                            ts_end=end)
            )  # fmt: skip
        return out

    def close(self, ts: float) -> list[Record]:
        """Gaps still open at the end of the stream are recorded as ``gap`` events ending now (not refilled)."""
        out: list[Record] = []
        for sh in self._shelves:
            if sh.tracker is None:
                continue
            for seg, (start, peak) in sh.tracker.open_gaps.items():
                out += self._event(sh, GapEvent("end", seg, ts, start, None, round(peak, 3)), None)
        return out


def build(ctx: CameraContext) -> list[Module]:
    """The shelf module of a camera (the ``shelf`` package's build): on when enabled and it has shelf zones."""
    on = ctx.camera.modules.shelf.enabled and any(z.type == ZoneType.SHELF for z in ctx.camera.zones)
    return [ShelfGapModule(ctx)] if on else []
