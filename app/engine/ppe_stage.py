"""PPE as a stage after tracking: helmet and vest of the people inside PPE zones, voted per track.

On a due frame every tracked person whose anchor (feet) is inside a zone of type ``ppe`` and who is
at least ``min_person_px`` tall goes through the PPE backend (:mod:`models.ppe.backend`; the
built-in one places its regions from the pose stage's keypoints). Per track, each item's
probabilities are voted over ``window`` seconds (:class:`analytics.ppe.ItemVote`); per track and
zone a :class:`analytics.ppe.ViolationClock` raises a violation after ``after`` seconds without a
required item. Events:

* ``ppe``/``alert`` when a violation starts (popup, notifications through the outbox) with the
  person's crop, head and torso regions outlined; ``ppe``/``alert_end`` when it is over;
* ``ppe``/``violation``, the violation as an interval (start → end) with the same photo;
* ``ppe``/``check``, one per person's stay in a PPE zone: the items seen and whether they wore
  every required one (the zone's compliance rate counts these).

The frame's probabilities go into ``dets.data["ppe_helmet"]`` / ``["ppe_vest"]`` (NaN: not
checked or unknown).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from analytics.geometry import points_in_polygon, to_pixels
from analytics.ppe import ITEMS, NO, UNKNOWN, YES, ItemVote, ViolationClock
from analytics.types import PERSON_CLASS, Detections, Frame
from app.config import CameraConfig, SiteConfig, ZoneType
from app.engine.stages import Cadence, Stage, run_as_configured
from app.errors import UserError
from app.events import AlertBook
from app.modules.ppe.events import PPE_CHECK, PPE_VIOLATION
from app.modules.ppe.settings import PpeSettings
from app.store.records import EventRecord, PhotoRecord

log = logging.getLogger(__name__)

HEAD_BGR = (0, 200, 255)
TORSO_BGR = (255, 160, 0)


@dataclass(slots=True)
class _Stay:
    """One track inside one PPE zone."""

    zone: str
    required: tuple[str, ...]
    first_ts: float
    last_ts: float
    clock: ViolationClock
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {i: {YES: 0, NO: 0} for i in ITEMS})
    violation: bool = False
    observations: int = 0
    photo: tuple[bytes, tuple[float, float, float, float]] | None = None
    states: dict[str, tuple[str, float]] = field(default_factory=dict)


def outlined_crop(image: np.ndarray, box: np.ndarray, head: np.ndarray, torso: np.ndarray,
                  expand: float = 0.15) -> tuple[bytes, tuple[float, float, float, float]]:  # fmt: skip
    """JPEG of the person's box (grown by ``expand``) with the head and torso regions outlined."""
    H, W = image.shape[:2]
    w, h = box[2] - box[0], box[3] - box[1]
    x1, y1 = max(0, int(box[0] - expand * w)), max(0, int(box[1] - expand * h))
    x2, y2 = min(W, int(box[2] + expand * w) + 1), min(H, int(box[3] + expand * h) + 1)
    crop = image[y1:y2, x1:x2].copy()
    k = max(1.0, 240.0 / max(crop.shape[0], 1))  # small people: enlarge so the outlines can be seen
    if k > 1:
        crop = cv2.resize(crop, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
    for r, c in ((head, HEAD_BGR), (torso, TORSO_BGR)):
        p1 = (int((r[0] - x1) * k), int((r[1] - y1) * k))
        p2 = (int((r[2] - x1) * k), int((r[3] - y1) * k))
        cv2.rectangle(crop, p1, p2, c, 2)
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 88])
    return (buf.tobytes() if ok else b""), (float(x1), float(y1), float(x2), float(y2))


def _stay_state(counts: dict[str, int]) -> str:
    if counts[YES] == 0 and counts[NO] == 0:
        return UNKNOWN
    return YES if counts[YES] >= counts[NO] else NO


class PpeStage(Stage):
    """Checks helmets and vests of people in PPE zones; violations, alerts and per-stay checks.

    Args:
        camera: the camera's config (its PPE zones and ``modules.ppe``).
        backend: a loaded :class:`models.ppe.backend.PpeBackend`.
        lost_after: seconds without a sighting (or outside the zone) after which a stay is over.
        reason: a sentence for the user about which model runs and why.
    """

    name = "ppe"
    adds = ("ppe_helmet", "ppe_vest")

    def __init__(self, camera: CameraConfig, backend, *, lost_after: float = 3.0, reason: str = "") -> None:
        self.backend = backend
        self.lost_after = lost_after
        self.reason = reason
        self._stays: dict[tuple[int, str], _Stay] = {}
        self._votes: dict[int, dict[str, ItemVote]] = {}
        self._zones_px: list[tuple[str, tuple[str, ...], np.ndarray]] | None = None
        self._size: tuple[int, int] | None = None
        self.checked = 0
        self.replace_camera(camera)

    def replace_camera(self, camera: CameraConfig) -> None:
        """New zones and thresholds from the next frame on; open stays go on."""
        self.camera = camera
        self.cfg: PpeSettings = camera.modules.ppe
        self.cadence = Cadence(
            every=self.cfg.every, classes=(PERSON_CLASS,), zone_types=(ZoneType.PPE.value,)
        )
        self._alerts = getattr(self, "_alerts", AlertBook("ppe", camera.id))
        self._zones_px, self._size = None, None

    def _zones(self, frame: Frame) -> list[tuple[str, tuple[str, ...], np.ndarray]]:
        if self._zones_px is None or self._size != (frame.width, frame.height):
            self._size = (frame.width, frame.height)
            self._zones_px = [
                (
                    z.id,
                    tuple(z.ppe_items or self.cfg.required),
                    to_pixels(z.points, frame.width, frame.height),
                )
                for z in self.camera.zones
                if z.type == ZoneType.PPE
            ]
        return self._zones_px

    def _vote(self, tid: int) -> dict[str, ItemVote]:
        v = self._votes.get(tid)
        if v is None:
            v = self._votes[tid] = {i: ItemVote(self.cfg.window, self.cfg.min_votes) for i in ITEMS}
        return v

    def process(self, frame: Frame, dets: Detections) -> list[EventRecord]:
        """Check the due people in PPE zones; raise, end and close what is due."""
        n = len(dets)
        records: list[EventRecord] = []
        probs = {i: np.full(n, np.nan, np.float32) for i in ITEMS}
        zones = self._zones(frame)
        seen: set[tuple[int, str]] = set()
        if n and zones:
            people = dets.is_class(PERSON_CLASS) & (dets.tracker_id >= 0)
            tall = (dets.xyxy[:, 3] - dets.xyxy[:, 1]) >= self.cfg.min_person_px
            anchors = dets.anchors()
            inside = {zid: points_in_polygon(anchors, poly) & people for zid, _, poly in zones}
            idx = np.flatnonzero(np.any(list(inside.values()), axis=0) & tall)
            if len(idx):
                kps = dets.keypoints[idx] if dets.keypoints is not None else None
                with self.backend.lock:
                    results = self.backend.check(frame.image, dets.xyxy[idx], kps)
                self.checked += len(idx)
                for j, i in enumerate(idx):
                    tid, r = int(dets.tracker_id[i]), results[j]
                    votes = self._vote(tid)
                    for item in ITEMS:
                        p = getattr(r, item)
                        votes[item].add(frame.ts, p)
                        probs[item][i] = np.nan if p is None else p
                    states = {item: votes[item].state(frame.ts) for item in ITEMS}
                    for zid, required, _ in zones:
                        if not inside[zid][i]:
                            continue
                        seen.add((tid, zid))
                        records.extend(self._observe(frame, dets.xyxy[i], r, tid, zid, required, states))
        for item in ITEMS:
            if n:
                dets.set(f"ppe_{item}", probs[item])
        for key in [
            k for k, s in self._stays.items() if k not in seen and frame.ts - s.last_ts > self.lost_after
        ]:
            records.extend(self._finish(key))
        for tid in [t for t in self._votes if not any(k[0] == t for k in self._stays)]:
            del self._votes[tid]
        return records

    def _observe(self, frame: Frame, box: np.ndarray, r, tid: int, zid: str, required: tuple[str, ...],
                 states: dict[str, tuple[str, float]]) -> list[EventRecord]:  # fmt: skip
        key = (tid, zid)
        s = self._stays.get(key)
        if s is None:
            s = self._stays[key] = _Stay(zid, required, frame.ts, frame.ts,
                                         ViolationClock(required, after=self.cfg.after))  # fmt: skip
        s.last_ts = frame.ts
        s.observations += 1
        s.states = states
        for item, (state, _) in states.items():
            if state in (YES, NO):
                s.counts[item][state] += 1
        step = s.clock.update(frame.ts, {i: st for i, (st, _) in states.items()})
        out: list[EventRecord] = []
        if step.started:
            s.violation = True
            photos: tuple[PhotoRecord, ...] = ()
            if self.cfg.save_photos:
                s.photo = outlined_crop(frame.image, box, r.regions.head, r.regions.torso)
                photos = (PhotoRecord(s.photo[0], "crop", s.photo[1]),)
            missing = list(s.clock.missing)
            conf = min(states[i][1] for i in missing) if missing else 0.0
            out.append(self._alerts.raise_alert(
                key, s.clock.started_at or frame.ts, kind="violation", zone_id=zid, track_id=tid, id_parts=(tid,),
                payload={
                    "message": f"No {' and no '.join(missing)} in PPE zone {zid} on camera {self.camera.id} "
                               f"for {self.cfg.after:g} s",
                    "missing": missing, "required": list(required),
                    "helmet": states["helmet"][0], "vest": states["vest"][0], "confidence": round(conf, 4),
                },
                photos=photos,
            ))  # fmt: skip
        elif step.ended:
            out.extend(self._end_violation(key, s, frame.ts))
        return out

    def _end_violation(self, key: tuple[int, str], s: _Stay, ts: float) -> list[EventRecord]:
        start = self._alerts.raised_at(key)
        if start is None:
            return []
        out: list[EventRecord] = []
        end = self._alerts.end_timed(key, ts)
        if end is not None:
            out.append(end)
        missing = sorted(set(s.clock.missing) or {i for i in s.required if s.counts[i][NO]})
        conf = [s.states[i][1] for i in missing if i in s.states]
        out.append(PPE_VIOLATION.record(
            self.camera.id, start, track_id=key[0], zone_id=s.zone, ts_end=ts,
            payload={"message": f"No {' and no '.join(missing)} for {ts - start:.1f} s in zone {s.zone}",
                     "missing": missing, "required": list(s.required), "duration": round(ts - start, 3),
                     "helmet": _stay_state(s.counts["helmet"]), "vest": _stay_state(s.counts["vest"]),
                     "confidence": round(min(conf), 4) if conf else None},
            photos=(PhotoRecord(s.photo[0], "crop", s.photo[1]),) if s.photo else (),
        ))  # fmt: skip
        return out

    def _finish(self, key: tuple[int, str]) -> list[EventRecord]:
        s = self._stays.pop(key)
        out = self._end_violation(key, s, s.last_ts)
        items = {i: _stay_state(s.counts[i]) for i in ITEMS}
        req = [items[i] for i in s.required]
        compliant = False if s.violation or NO in req else (True if all(x == YES for x in req) else None)
        out.append(PPE_CHECK.record(
            self.camera.id, s.first_ts, track_id=key[0], zone_id=s.zone, ts_end=s.last_ts,
            payload={"message": f"helmet {items['helmet']}, vest {items['vest']}: "
                                + {True: "compliant", False: "NOT compliant", None: "could not tell"}[compliant],
                     "required": list(s.required), "helmet": items["helmet"], "vest": items["vest"],
                     "compliant": compliant, "violation": s.violation,
                     "seconds": round(s.last_ts - s.first_ts, 3), "observations": s.observations},
        ))  # fmt: skip
        return out

    def close(self, ts: float) -> list[EventRecord]:
        """End of the source: every open stay is closed (and its violation ended)."""
        return [r for k in list(self._stays) for r in self._finish(k)]


def load_vest_examples(folder: str) -> list[np.ndarray]:
    """The pictures of a vest examples folder (unreadable files are skipped with a warning).

    Raises:
        UserError: the folder does not exist.
    """
    p = Path(folder).expanduser()
    if not p.is_dir():
        raise UserError(f"ppe: vest pictures folder {folder} not found")
    out = []
    for f in sorted(p.iterdir()):
        if f.suffix.lower() in (".jpg", ".jpeg", ".png", ".bmp"):
            img = cv2.imread(str(f))
            if img is None:
                log.warning("ppe: cannot read vest picture %s", f)
            else:
                h = img.shape[0]
                out.append(img[int(0.2 * h) : int(0.55 * h)])  # the torso of a person picture
    return out


def make_ppe_backend(site: SiteConfig, cfg: PpeSettings):
    """The PPE backend of a camera's settings (``PpeChoice``: backend and reason).

    Raises:
        UserError: it cannot be loaded (a ``yolo`` backend without a usable model).
    """
    from app.paths import model_dir
    from models.base import BackendUnavailable
    from models.ppe.backend import create_ppe_backend

    folder = site.detector.model_dir
    models = Path(folder).expanduser() if folder else model_dir(site.storage.data_dir)
    examples = load_vest_examples(cfg.vest_examples) if cfg.vest_examples else None
    try:
        return create_ppe_backend(
            cfg.backend, models, weights=cfg.weights or None, class_map=dict(cfg.class_map),
            device=site.detector.device, threads=site.detector.threads, confidence=cfg.confidence,
            vest_examples=examples,
        )  # fmt: skip
    except BackendUnavailable as e:
        raise UserError(f"ppe: {e}") from None


def make_ppe_stage(site: SiteConfig, camera: CameraConfig, *, lost_after: float = 3.0) -> Stage | None:
    """The PPE stage of a camera, or None when its PPE module is off (or it has no PPE zone).

    Raises:
        UserError: the PPE model cannot be loaded.
    """
    cfg = camera.modules.ppe
    if not cfg.enabled:
        return None
    if not any(z.type == ZoneType.PPE for z in camera.zones):
        log.warning("camera %s: the PPE module is on but the camera has no zone of type 'ppe'", camera.id)
    choice = make_ppe_backend(site, cfg)
    log.info("camera %s ppe: %s", camera.id, choice.reason)
    stage = PpeStage(camera, choice.backend, lost_after=lost_after, reason=choice.reason)
    return run_as_configured(stage, cfg, camera, lost_after=lost_after)


def with_pose_for_ppe(camera: CameraConfig) -> CameraConfig:
    """The camera with its pose module on near PPE zones when the PPE module is on and pose is off.

    The built-in PPE classifier places the head and torso from keypoints; without them it falls back
    to the box's proportions, which are poorer on people bending or cut by the frame.
    """
    pose = camera.modules.pose
    if pose.enabled or not camera.modules.ppe.enabled:
        return camera
    pose = pose.model_copy(update={"enabled": True, "zone_types": [ZoneType.PPE]})
    return camera.model_copy(update={"modules": camera.modules.model_copy(update={"pose": pose})})
