"""Faces as a stage after tracking: identify employees on person tracks, blur everyone else's face.

Two parts, one camera stage (:class:`FaceStage`, runs on every analysed frame, before the role
stage and before anything cuts a crop):

* **identification** (:class:`FaceIdentifier`, mode ``identify``; on every ``every``-th frame, off
  the camera's thread by default): for each person track, the head part of its box is searched for
  a face; a face wide enough (``min_face_px``) and frontal enough (``min_frontal``) is a *shot*.
  Only a track's ``shots_per_track`` best shots (size × frontality × focus) are embedded, and a
  track that gave no usable face in ``tries_per_track`` looks is left alone. Shots are matched
  with the enrolled employees (:class:`app.faces.gallery.Gallery`); two shots agreeing on one
  employee (or one well within the threshold) identify the track: ``dets.data["face_employee_id"]``,
  ``["face_distance"]``, ``["face_status"]`` (``employee`` / ``unknown`` / ``""``), one
  ``faces``/``identified`` event, and the role stage's :class:`FaceDataMatcher` links the track
  (its role, the timesheet). A track whose clear shots match nobody is ``unknown``: in a
  ``staff_only`` zone that raises a ``faces``/``alert``. With ``demographics`` and a backend that
  has the models, each track's age band and gender are voted over its shots (``faces``/``demographics``).
* **blurring** (every frame, on the camera's thread, in place): the head region of every person not
  identified as an employee (``blur: non_employees``, the default), of everyone (``all``, and always
  in ``anonymous`` mode) or of nobody. Everything after the stage — crops of every module, event
  photos, exports, the live view — sees the blurred frame. The head region comes from the pose
  keypoints when there are some, else the top of the person's box: no face detector has to find
  the face for it to be hidden.

Anonymous mode runs no face model at all: nothing about a face is computed or stored.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from analytics.faces import age_band, face_quality, frontal_score, sharpness, vote
from analytics.roles import EmployeeMatch
from analytics.types import PERSON_CLASS, Detections, Frame
from app.config import CameraConfig, SiteConfig, ZoneType
from app.engine.modules import Record, encode_crop
from app.engine.stages import Cadence, OffThreadStage, Stage, run_as_configured
from app.events import AlertBook
from app.modules.faces.events import FACES_DEMOGRAPHICS, FACES_IDENTIFIED, FACES_VISITOR
from app.modules.faces.settings import FacesSettings

log = logging.getLogger(__name__)

#: Seconds between two checks for changed enrolments during an analysis.
RELOAD_SECONDS = 60.0
#: Share of a person box's height searched for the face (from its top).
HEAD_SHARE = 0.45
#: Share of a whole-body box's height blurred when there are no keypoints (the head and some margin).
BLUR_SHARE = 0.22
#: Boxes at least this many times taller than wide are whole bodies (share BLUR_SHARE); shorter ones
#: are close views (a door camera's head and shoulders) whose face reaches lower: up to CLOSE_SHARE.
#: Measured on the test portraits with NanoDet boxes: the face's bottom at 0.21–0.55 of the box for
#: height/width 2.1–1.1.
TALL_RATIO = 2.2
CLOSE_SHARE = 0.65
#: On frames between analysed ones the last head regions are enlarged by this share of their size per side.
SKIP_MARGIN = 0.2
#: Blocks across a blurred head (fewer = coarser): at 6, eyes, nose and mouth share a block or two.
BLUR_BLOCKS = 6
#: COCO keypoints of the head (nose, eyes, ears).
HEAD_KEYPOINTS = (0, 1, 2, 3, 4)


@dataclass(slots=True)
class FaceSetup:
    """The face backend and the employees' gallery, loaded once and shared by a site's cameras.

    Attributes:
        backend: a :class:`models.faces.base.FaceBackend`.
        gallery: the enrolled employees' embeddings (:func:`app.faces.gallery.load_gallery`).
        reason: which backend runs and why (for the log and the run summary).
        lock: serialises the backend between cameras (dlib's models are not re-entrant).
        visitors: the returning visitors (:class:`app.faces.visitors.VisitorBook`), None when off.
        store, data_dir, threshold: where the gallery is reloaded from (:meth:`refresh`); None: never.
    """

    backend: Any
    gallery: Any
    reason: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    visitors: Any = None  # app.faces.visitors.VisitorBook when a camera recognises returning visitors
    store: Any = None
    data_dir: Any = None
    threshold: float | None = None
    every: float = RELOAD_SECONDS
    _stamp: tuple[Any, ...] | None = None
    _checked: float = -math.inf

    def refresh(self, now: float) -> bool:
        """Reload the gallery when enrolments or consents changed (checked every ``every`` seconds).

        So an employee enrolled (or erased, or withdrawing consent) while the cameras run is
        recognised (or forgotten) within a minute, without a restart. Returns whether it reloaded.
        """
        if self.store is None or self.data_dir is None or now - self._checked < self.every:
            return False
        self._checked = now
        from app.faces.gallery import gallery_stamp, load_gallery

        stamp = gallery_stamp(self.store)
        if self._stamp is None:
            self._stamp = stamp
            return False
        if stamp == self._stamp:
            return False
        gallery = load_gallery(self.store, self.data_dir, self.backend, threshold=self.threshold)
        with self.lock:
            self.gallery, self._stamp = gallery, stamp
        log.info("faces: gallery reloaded, %d employee(s) enrolled", len(gallery.names))
        return True


def load_face_setup(site: SiteConfig, *, store: Any = None, data_dir: Any = None) -> FaceSetup | None:
    """The backend and gallery when a camera identifies faces, else None (no model is loaded).

    Raises:
        app.errors.UserError: the backend cannot be loaded (package or weights missing).
    """
    cams = [c for c in site.cameras if c.modules.faces.enabled and c.modules.faces.mode == "identify"]
    if not cams:
        return None
    from app.errors import UserError
    from app.faces.gallery import Gallery, load_gallery
    from models.faces.base import FacesUnavailable
    from models.faces.registry import create_face_backend

    cfg = cams[0].modules.faces
    try:
        choice = create_face_backend(cfg.backend)
    except FacesUnavailable as e:
        raise UserError(f"faces: {e}", 2) from None
    b = choice.backend
    if store is not None and data_dir is not None:
        from app.faces.gallery import apply_retention

        days = min(c.modules.faces.retention_days for c in site.cameras if c.modules.faces.enabled)
        vcams = [c.modules.faces for c in cams if c.modules.faces.visitors]
        vdays = min((v.visitor_days for v in vcams), default=30)
        done = apply_retention(store, data_dir, event_days=days, visitor_days=vdays)
        if done.events or done.employees or done.visitors:
            log.info("faces retention: erased %s", done.describe())
        gallery = load_gallery(store, data_dir, b, threshold=cfg.threshold)
    else:
        gallery = Gallery(np.zeros((0, b.dim), np.float32), [], {}, b.metric, cfg.threshold or b.threshold)
    log.info("faces: %s; %d employee(s) enrolled", choice.reason, len(gallery.names))
    setup = FaceSetup(b, gallery, choice.reason, store=store, data_dir=data_dir, threshold=cfg.threshold)
    if store is not None:
        setup.refresh(time.time())  # remembers the database's state now
    vcams = [c.modules.faces for c in cams if c.modules.faces.visitors]
    if vcams and store is not None and data_dir is not None:
        from app.faces.visitors import VisitorBook

        setup.visitors = VisitorBook(store, data_dir, b, gap=min(v.visit_gap_minutes for v in vcams) * 60.0)
        log.info("faces: returning visitors on (%s); %d known", vcams[0].visitors_basis, len(setup.visitors))
    return setup


class FaceDataMatcher:
    """The role stage's employee hook: reads what the face stage put on the detections.

    Stateless, so one instance serves every camera (a camera without the face stage has no
    ``face_employee_id`` and gets no matches).

    Example:
        >>> d = Detections([[0, 0, 1, 1]], [0.9], [0], [5])
        >>> d.set("face_employee_id", np.array([3], dtype=object)); d.set("face_score", np.array([0.8]))
        >>> FaceDataMatcher().match(None, d)
        {5: EmployeeMatch(employee_id=3, score=0.8)}
    """

    def match(self, frame: Frame | None, people: Detections) -> Mapping[int, EmployeeMatch]:
        """Tracker id → the employee the face stage identified."""
        emp = people.data.get("face_employee_id")
        score = people.data.get("face_score")
        if emp is None or score is None:
            return {}
        out = {}
        for i, tid in enumerate(people.tracker_id.tolist()):
            e = emp[i]
            if e is not None and tid >= 0:
                out[int(tid)] = EmployeeMatch(int(e), float(score[i]))
        return out


@dataclass(slots=True)
class _Shot:
    ts: float
    quality: float
    embedding: np.ndarray
    label: Any
    distance: float
    matched: bool
    crop: Any  # PhotoRecord of the face
    age: float | None = None
    gender: str | None = None


@dataclass(slots=True)
class _TrackFaces:
    first_ts: float
    last_ts: float
    tries: int = 0
    shots: list[_Shot] = field(default_factory=list)
    employee: int | None = None
    distance: float = math.inf
    status: str = ""
    reported: bool = False


def head_box(box: np.ndarray, keypoints: np.ndarray | None, width: int, height: int) -> np.ndarray:
    """The region to blur for one person: around the head keypoints, else the top of the box.

    Without keypoints a whole body's top :data:`BLUR_SHARE`; a close view's (a wider box) more, up
    to :data:`CLOSE_SHARE` of a box as wide as high.

    Example:
        >>> head_box(np.array([100, 100, 160, 300.0]), None, 640, 480).tolist()
        [100.0, 100.0, 160.0, 144.0]
        >>> head_box(np.array([100, 100, 300, 300.0]), None, 640, 480).tolist()   # head and shoulders
        [100.0, 100.0, 300.0, 230.0]
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    if keypoints is not None and len(keypoints) > max(HEAD_KEYPOINTS):
        pts = np.asarray(keypoints, np.float64)[list(HEAD_KEYPOINTS)]
        ok = pts[:, 2] > 0.3 if pts.shape[1] > 2 else np.ones(len(pts), bool)
        if ok.sum() >= 2:
            p = pts[ok, :2]
            cx, cy = p[:, 0].mean(), p[:, 1].mean()
            half = max(float(np.ptp(p[:, 0])), (x2 - x1) * 0.25, 6.0)
            return np.array([max(0.0, cx - half), max(0.0, cy - 1.4 * half), min(float(width), cx + half),
                             min(float(height), cy + 1.2 * half)])  # fmt: skip
    ratio = (y2 - y1) / max(x2 - x1, 1e-6)
    share = float(np.clip(BLUR_SHARE + (TALL_RATIO - ratio) * 0.45, BLUR_SHARE, CLOSE_SHARE))
    return np.array([x1, y1, x2, min(y2, y1 + share * (y2 - y1))])


def blur_region(image: np.ndarray, box: np.ndarray) -> None:
    """Pixelate and blur one region of a BGR frame in place (unreadable, but clearly a head)."""
    h, w = image.shape[:2]
    x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
    x2, y2 = min(w, math.ceil(box[2])), min(h, math.ceil(box[3]))
    if x2 - x1 < 2 or y2 - y1 < 2:
        return
    roi = image[y1:y2, x1:x2]
    block = max(2.0, (x2 - x1) / BLUR_BLOCKS)  # a head is BLUR_BLOCKS blocks wide, whatever its size
    small = cv2.resize(
        roi,
        (max(1, round((x2 - x1) / block)), max(1, round((y2 - y1) / block))),
        interpolation=cv2.INTER_AREA,
    )
    big = cv2.resize(small, (x2 - x1, y2 - y1), interpolation=cv2.INTER_LINEAR)
    image[y1:y2, x1:x2] = cv2.GaussianBlur(big, (0, 0), block / 2)


class FaceIdentifier(Stage):
    """Finds, embeds and matches faces of person tracks (the heavy half of :class:`FaceStage`).

    Args:
        camera: the camera's config (its ``staff_only`` zones, ``modules.faces``).
        setup: the shared backend and gallery.
        lost_after: seconds unseen after which a track is over.
    """

    name = "faces"
    adds = ("face_employee_id", "face_distance", "face_score", "face_status")

    def __init__(self, camera: CameraConfig, setup: FaceSetup, *, lost_after: float = 3.0) -> None:
        self.camera = camera
        self.cfg: FacesSettings = camera.modules.faces
        self.setup = setup
        self.lost_after = lost_after
        self._tracks: dict[int, _TrackFaces] = {}
        self._alerts = AlertBook("faces", camera.id)
        self._people = Cadence(classes=(PERSON_CLASS,))
        self._staff = Cadence(
            classes=(PERSON_CLASS,), zone_types=(ZoneType.STAFF_ONLY.value,), zone_margin=0.0
        )
        self._staff_px: list[np.ndarray] | None = None
        self.attributes = bool(self.cfg.demographics and setup.backend.has_attributes)
        if self.cfg.demographics and not self.attributes:
            log.warning(
                "camera %s faces: demographics need a backend with age/gender models; off",
                camera.id,
            )

    def replace_camera(self, camera: CameraConfig) -> None:
        """New zones and thresholds from the next frame on; the tracks' shots are kept."""
        self.camera, self.cfg, self._staff_px = camera, camera.modules.faces, None

    def _look(self, frame: Frame, box: np.ndarray, tf: _TrackFaces) -> _Shot | None:
        """Search the head part of one person box for a usable face; embed it if it is among the best."""
        h, w = frame.image.shape[:2]
        x1, y1, x2, y2 = box
        bw = x2 - x1
        cx1, cy1 = max(0, int(x1 - 0.1 * bw)), max(0, int(y1 - 0.05 * (y2 - y1)))
        # a whole body: the head is in its top part; a close view (upper body, a door camera): anywhere
        share = HEAD_SHARE if (y2 - y1) > 1.8 * bw else 1.0
        cx2, cy2 = min(w, int(x2 + 0.1 * bw) + 1), min(h, int(y1 + share * (y2 - y1)) + 1)
        crop = frame.image[cy1:cy2, cx1:cx2]
        if crop.shape[0] < self.cfg.min_face_px or crop.shape[1] < self.cfg.min_face_px:
            return None
        b = self.setup.backend
        with self.setup.lock:
            faces = b.detect(crop)
        faces = [f for f in faces if f.width >= self.cfg.min_face_px]
        if not faces:
            return None
        f = faces[0]
        frontal = frontal_score(f.landmarks)
        if frontal < self.cfg.min_frontal:
            return None
        fx1, fy1, fx2, fy2 = (int(v) for v in f.box)
        gray = (
            cv2.cvtColor(crop[fy1:fy2, fx1:fx2], cv2.COLOR_BGR2GRAY)
            if fx2 > fx1 and fy2 > fy1
            else np.zeros((0, 0))
        )
        q = face_quality(f.width, frontal, sharpness(gray), min_px=self.cfg.min_face_px)
        keep = self.cfg.shots_per_track
        if len(tf.shots) >= keep and q <= min(s.quality for s in tf.shots):
            return None  # not better than the shots we have: no embedding
        with self.setup.lock:
            emb = b.embed(crop, [f])
            attrs = b.attributes(crop, [f]) if self.attributes else None
        m = self.setup.gallery.match(emb)[0]
        full = np.array([fx1 + cx1, fy1 + cy1, fx2 + cx1, fy2 + cy1], np.float32)
        photo = encode_crop(frame.image, full, max_side=160)
        shot = _Shot(frame.ts, q, emb[0], m.label, m.distance, m.matched, photo)
        if attrs:
            shot.age, shot.gender = attrs[0].age, attrs[0].gender
        return shot

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Look for faces on the due tracks; identify, alert, and report ended tracks."""
        n = len(dets)
        records: list[Record] = []
        self.setup.refresh(time.time())
        sel = self._people.select(dets) & (dets.tracker_id >= 0) if n else np.zeros(0, bool)
        seen: set[int] = set()
        for i in np.flatnonzero(sel):
            tid = int(dets.tracker_id[i])
            seen.add(tid)
            tf = self._tracks.get(tid)
            if tf is None:
                tf = self._tracks[tid] = _TrackFaces(frame.ts, frame.ts)
            tf.last_ts = frame.ts
            if tf.status != "employee" and tf.tries < self.cfg.tries_per_track:
                tf.tries += 1
                shot = self._look(frame, dets.xyxy[i], tf)
                if shot is not None:
                    tf.shots = sorted([*tf.shots, shot], key=lambda s: -s.quality)[: self.cfg.shots_per_track]
                    rec = self._decide(frame.camera_id, tid, tf)
                    if rec is not None:
                        records.append(rec)
        if n:
            self.annotate(dets)
            records.extend(self._staff_alerts(frame, dets))
        for tid in [
            t for t, tf in self._tracks.items() if t not in seen and frame.ts - tf.last_ts > self.lost_after
        ]:
            records.extend(self._finish(tid, frame.ts))
        return records

    def annotate(self, dets: Detections) -> None:
        """Put what is known of each track's face on the detections (also on frames not looked at)."""
        n = len(dets)
        emp = np.full(n, None, dtype=object)
        dist = np.full(n, np.nan)
        score = np.zeros(n)
        status = np.full(n, "", dtype=object)
        thr = max(self.setup.gallery.threshold, 1e-6)
        for i, tid in enumerate(dets.tracker_id.tolist()):
            tf = self._tracks.get(int(tid))
            if tf is None:
                continue
            if tf.status == "employee":
                emp[i], dist[i] = tf.employee, tf.distance
                # 0.6 at the threshold (the role resolver's "identified"), 1 for identical faces
                score[i] = 0.6 + 0.4 * max(0.0, 1.0 - tf.distance / thr)
            status[i] = tf.status
        dets.set("face_employee_id", emp)
        dets.set("face_distance", dist)
        dets.set("face_score", score)
        dets.set("face_status", status)

    def _decide(self, camera_id: str, tid: int, tf: _TrackFaces) -> Record | None:
        """Identify the track when its shots agree; mark it unknown when clear shots match nobody."""
        thr = self.setup.gallery.threshold
        matched = [s for s in tf.shots if s.matched]
        if matched:
            label, _ = vote([s.label for s in matched])
            mine = [s for s in matched if s.label == label]
            best = min(mine, key=lambda s: s.distance)
            if len(mine) >= 2 or best.distance <= 0.8 * thr:
                tf.employee, tf.distance, tf.status = int(label), best.distance, "employee"
                if not tf.reported:
                    tf.reported = True
                    names = self.setup.gallery.names
                    return FACES_IDENTIFIED.record(
                        camera_id, best.ts, track_id=tid,
                        payload={"employee_id": int(label), "employee": names.get(int(label), ""),
                                 "distance": round(best.distance, 4), "threshold": thr, "shots": len(tf.shots),
                                 "model": self.setup.backend.model, "first_ts": tf.first_ts},
                        photos=(best.crop,) if best.crop is not None else (),
                    )  # fmt: skip
                return None
        if len(tf.shots) >= min(2, self.cfg.shots_per_track) and not matched:
            tf.status = "unknown"
        return None

    def _staff_alerts(self, frame: Frame, dets: Detections) -> list[Record]:
        if not self.cfg.unknown_alert:
            return []
        if self._staff_px is None:
            self._staff_px = self._staff.zones_in_pixels(self.camera, frame.width, frame.height)
        if not self._staff_px:
            return []
        inside = self._staff.select(dets, self._staff_px) & (dets.tracker_id >= 0)
        out: list[Record] = []
        here = set()
        for i in np.flatnonzero(inside):
            tid = int(dets.tracker_id[i])
            tf = self._tracks.get(tid)
            if tf is None or tf.status != "unknown":
                continue
            here.add(tid)
            if not self._alerts.is_raised(tid):
                best = max(tf.shots, key=lambda s: s.quality)
                out.append(self._alerts.raise_alert(
                    tid, frame.ts, kind="unknown_face", track_id=tid, id_parts=(tid,),
                    payload={"message": f"Unknown face in a staff-only zone on camera {self.camera.id}",
                             "distance": None if math.isinf(best.distance) else round(best.distance, 4),
                             "shots": len(tf.shots)},
                    # a stranger's face is kept only where the camera blurs nobody (blur: none)
                    photos=(best.crop,) if best.crop is not None and self.cfg.blur == "none" else (),
                ))  # fmt: skip
        for tid in [t for t, tf in self._tracks.items() if self._alerts.is_raised(t) and t not in here]:
            end = self._alerts.end_timed(tid, frame.ts)
            if end is not None:
                out.append(end)
        return out

    def _finish(self, tid: int, ts: float) -> list[Record]:
        tf = self._tracks.pop(tid)
        out: list[Record] = []
        end = self._alerts.end_timed(tid, tf.last_ts)
        if end is not None:
            out.append(end)
        book = self.setup.visitors
        if book is not None and self.cfg.visitors and tf.shots and tf.status != "employee":
            best = max(tf.shots, key=lambda s: s.quality)
            v = book.observe(best.embedding, tf.first_ts, tf.last_ts)
            out.append(
                FACES_VISITOR.record(
                    self.camera.id, tf.first_ts, track_id=tid, ts_end=tf.last_ts,
                    payload={"visitor_id": v.visitor_id, "new_visitor": v.new_visitor, "new_visit": v.new_visit,
                             "visits": v.visits, "first_seen": v.first_ts,
                             "days_since_last": None if v.days_since_last is None else round(v.days_since_last, 3),
                             "distance": None if v.distance is None else round(v.distance, 4)},
                )
            )  # fmt: skip
        if self.attributes and tf.shots and tf.status != "employee":
            w = [s.quality for s in tf.shots]
            band, band_share = vote([age_band(s.age) for s in tf.shots], w)
            gender, g_share = vote([s.gender for s in tf.shots], w)
            if band is not None or gender is not None:
                out.append(FACES_DEMOGRAPHICS.record(
                    self.camera.id, tf.first_ts, track_id=tid, ts_end=tf.last_ts,
                    payload={"age_band": band, "age_share": band_share, "gender": gender, "gender_share": g_share,
                             "faces": len(tf.shots), "model": self.setup.backend.model},
                ))  # fmt: skip
        return out

    def close(self, ts: float) -> list[Record]:
        """End of the source: end alerts, report every open track."""
        return [r for t in list(self._tracks) for r in self._finish(t, ts)]


class FaceStage(Stage):
    """The camera's face stage: hands due frames to the identifier, blurs heads on every frame.

    Args:
        camera: the camera's config (``modules.faces``).
        identifier: the identifier (maybe wrapped in :class:`OffThreadStage`); None in anonymous mode.
    """

    name = "faces"
    adds = FaceIdentifier.adds

    def __init__(self, camera: CameraConfig, identifier: Stage | None) -> None:
        self.camera = camera
        self.cfg: FacesSettings = camera.modules.faces
        self.identifier = identifier
        self.cadence = Cadence(every=1)
        self._n = 0
        #: The head regions blurred on the last analysed frame (re-blurred on frames between).
        self._heads: list[np.ndarray] = []

    @property
    def blur(self) -> str:
        """Whose heads are blurred: ``all``, ``non_employees`` or ``none``."""
        return "all" if self.cfg.mode == "anonymous" else self.cfg.blur

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Identify (on due frames), then blur the heads the settings say, in place."""
        records: list[Record] = []
        if self.identifier is not None:
            if self._n % max(1, self.cfg.every) == 0:
                clean = Frame(frame.camera_id, frame.index, frame.ts, frame.image.copy())
                records = self.identifier.process(clean, dets)
            elif isinstance(self.identifier, OffThreadStage):
                self.identifier.join_latest(dets, frame.ts)
            elif isinstance(self.identifier, FaceIdentifier) and len(dets):
                self.identifier.annotate(dets)
        self._n += 1
        heads: list[np.ndarray] = []
        if self.blur != "none" and len(dets):
            people = np.flatnonzero(dets.is_class(PERSON_CLASS))
            status = dets.data.get("face_status")
            kps = dets.keypoints
            for i in people:
                if self.blur == "non_employees" and status is not None and status[i] == "employee":
                    continue
                heads.append(head_box(dets.xyxy[i], None if kps is None else kps[i], frame.width, frame.height))
                blur_region(frame.image, heads[-1])
        self._heads = heads
        return records

    def on_skipped_frame(self, frame: Frame) -> None:
        """A frame the pipeline does not analyse (stride, frame-rate cap): blur where heads last were.

        Such frames are still shown in the live view and may be recorded, so the heads blurred on the
        last analysed frame are blurred here too, each region enlarged by :data:`SKIP_MARGIN` of its
        size on every side (people move a little between analysed frames).
        """
        h, w = frame.image.shape[:2]
        for b in self._heads:
            dx, dy = SKIP_MARGIN * (b[2] - b[0]), SKIP_MARGIN * (b[3] - b[1])
            grown = np.array([max(0.0, b[0] - dx), max(0.0, b[1] - dy), min(w, b[2] + dx), min(h, b[3] + dy)],
                             np.float32)  # fmt: skip
            blur_region(frame.image, grown)

    def close(self, ts: float) -> list[Record]:
        """Close the identifier."""
        return self.identifier.close(ts) if self.identifier is not None else []

    def replace_camera(self, camera: CameraConfig) -> None:
        """New settings from the next frame on."""
        self.camera, self.cfg = camera, camera.modules.faces
        if self.identifier is not None:
            self.identifier.replace_camera(camera)


def make_face_stage(
    site: SiteConfig, camera: CameraConfig, setup: FaceSetup | None, *, lost_after: float = 3.0
) -> FaceStage | None:
    """The camera's face stage, or None when its faces module is off."""
    cfg = camera.modules.faces
    if not cfg.enabled:
        return None
    if cfg.mode == "anonymous" or setup is None:
        if cfg.mode == "identify":
            log.warning("camera %s faces: no face backend loaded; blurring only", camera.id)
        return FaceStage(camera, None)
    ident = run_as_configured(
        FaceIdentifier(camera, setup, lost_after=lost_after), cfg, camera, lost_after=lost_after
    )
    return FaceStage(camera, ident)
