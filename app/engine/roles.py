"""The pipeline's role stage: staff, customer or unknown for every tracked person of a camera.

Runs after tracking (and the pose stage, whose keypoints place the torso) and before the modules,
which read the decisions from the detections: ``data["role"]``, ``data["role_confidence"]``,
``data["employee_id"]`` per detection and ``metadata["roles"]`` (a :class:`~analytics.roles.RoleMap`
of every open track, also those not in this frame). Per frame it

* samples each person's torso colours every ``roles.sample_interval`` seconds against the staff
  uniform (examples from the config's ``roles.uniform_dir`` and from the database);
* asks the site's trained classifier (``storesight roles train``) about each person every
  ``roles.classifier_interval`` seconds, all due people in one batch;
* counts time in the camera's ``staff_only`` zones, and in workstation zones assigned to one
  employee (which links a staff track to that employee);
* asks an :class:`EmployeeMatcher` (the face stage's identifications) when one is given.

:class:`analytics.roles.RoleResolver` turns that into a role per track. When a track ends the
stage stores its decision as a ``roles`` / ``decision`` event (ts = first seen, ts_end = last seen;
payload ``role``, ``confidence``, ``employee_id`` and the evidence) with a few crops taken along
the track, which the labelling panel shows and the classifier trains on. The final role also
goes on the track's row (through the ``tracks`` module), which the statistics read.

Example:
    >>> setup = load_role_setup(site, store=store, data_dir=data_dir)  # doctest: +SKIP
    >>> stage = RoleStage(site, camera, setup)  # doctest: +SKIP
    >>> records = stage.process(frame, tracked)  # doctest: +SKIP
    >>> dict(tracked.metadata["roles"]), tracked.data["role"].tolist()  # doctest: +SKIP
    ({3: 'staff', 7: 'customer'}, ['staff', 'customer'])
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from analytics.geometry import to_pixels
from analytics.roles import (
    FEATURES,
    EmployeeMatch,
    RoleMap,
    RoleResolver,
    RoleSettings,
    TrackRole,
    UniformModel,
    crop_features,
)
from analytics.tracks import UNKNOWN_ROLE
from analytics.types import PERSON_CLASS, Detections, Frame, expand_boxes
from app.config import CameraConfig, SiteConfig, ZoneType
from app.engine.modules import Record, encode_crop
from app.engine.stages import Stage
from app.errors import UserError
from app.modules.roles.events import ROLE_DECISION
from app.modules.roles.settings import RolesConfig
from app.store.photos import read_image as read_image  # (re-exported: the GUI and CLI read pictures here)
from app.store.records import EventRecord, PhotoRecord

if TYPE_CHECKING:
    from app.store.db import Store
    from models.roles import RoleClassifier

log = logging.getLogger(__name__)


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
#: Seconds between two crops of a track kept for labelling and training.
CROP_INTERVAL = 3.0


class EmployeeMatcher(Protocol):
    """Identifies employees among a frame's people (the face stage's :class:`~app.engine.faces_stage.FaceDataMatcher`).

    Example:
        >>> class Nobody:
        ...     def match(self, frame, people):
        ...         return {}
    """

    def match(self, frame: Frame, people: Detections) -> Mapping[int, EmployeeMatch]:
        """Tracker id → the employee recognised (only for people it recognised)."""
        ...


@dataclass(frozen=True, slots=True)
class Workstation:
    """A zone assigned to one employee: a staff track there is that employee."""

    camera: str
    zone: str
    employee_id: int


@dataclass(slots=True)
class RoleSetup:
    """What the role stages of a site know beyond the config (loaded once, shared by cameras).

    Attributes:
        uniform: the staff uniform from every example, None without examples.
        classifier: the site's trained classifier, None without one.
        workstations: zones assigned to exactly one employee.
        matcher: an employee identification hook (the face stage's :class:`~app.engine.faces_stage.FaceDataMatcher`).
        faces: the face backend and gallery when a camera identifies faces (:func:`app.engine.faces_stage.load_face_setup`).
        notes: one line per source, for the log and the CLI (``uniform: 5 examples …``).

    Example:
        >>> RoleSetup().describe()
        'no uniform examples, no trained classifier'
    """

    uniform: UniformModel | None = None
    classifier: RoleClassifier | None = None
    workstations: tuple[Workstation, ...] = ()
    matcher: EmployeeMatcher | None = None
    faces: Any = None
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line: what the roles are decided from."""
        parts = [
            f"uniform from {len(self.uniform)} example(s)" if self.uniform else "no uniform examples",
            "a trained classifier" if self.classifier else "no trained classifier",
        ]
        if self.workstations:
            parts.append(f"{len(self.workstations)} assigned workstation(s)")
        return ", ".join(parts)


def site_slug(name: str) -> str:
    """A file name for a site (``"Demo store"`` → ``"demo-store"``).

    Example:
        >>> site_slug("Магазин №1 / Demo")
        'магазин-1-demo'
    """
    slug = re.sub(r"[^\w]+", "-", name.strip().lower()).strip("-_")
    return slug or "site"


def classifier_path(data_dir: str | Path, site_name: str) -> Path:
    """Where a site's trained role classifier lives: ``<data dir>/models/roles/<site>.pt``."""
    return Path(data_dir) / "models" / "roles" / f"{site_slug(site_name)}.pt"


def folder_examples(folder: str | Path) -> list[np.ndarray]:
    """Torso histograms of every picture in a folder of uniform examples.

    Raises:
        UserError: the folder does not exist or holds no readable picture (exit code 2).
    """
    p = Path(folder).expanduser()
    if not p.is_dir():
        raise UserError(f"roles.uniform_dir: folder not found: {p}", 2)
    feats = []
    for f in sorted(p.iterdir()):
        if f.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        img = read_image(f)
        if img is None:
            log.warning("uniform example %s is not a readable picture; skipped", f)
            continue
        feats.append(crop_features(img))
    if not feats:
        raise UserError(f"roles.uniform_dir: no pictures (jpg, png) in {p}", 2)
    return feats


def load_role_setup(
    site: SiteConfig, *, store: Store | None = None, data_dir: str | Path | None = None
) -> RoleSetup:
    """Gather the uniform examples, the trained classifier and the workstations of a site.

    Args:
        site: the site config (``roles.uniform_dir`` already resolved by ``load_config``).
        store: the database (uniform examples and employees' workstations), if any.
        data_dir: the data folder (the trained classifier), default the site's.

    Raises:
        UserError: the uniform folder is missing or empty, or the classifier file is damaged.
    """
    cfg = site.roles
    setup = RoleSetup()
    from app.engine.faces_stage import FaceDataMatcher, load_face_setup

    setup.faces = load_face_setup(site, store=store, data_dir=data_dir)
    if setup.faces is not None:
        setup.matcher = FaceDataMatcher()
        setup.notes.append(f"faces: {setup.faces.reason}")
    if not cfg.enabled:
        setup.notes.append("roles: off")
        return setup
    feats: list[np.ndarray] = []
    owners: list[int | None] = []
    if cfg.uniform_dir:
        folder = folder_examples(cfg.uniform_dir)
        feats += folder
        owners += [None] * len(folder)
        setup.notes.append(f"uniform: {len(folder)} example(s) from {cfg.uniform_dir}")
    if store is not None:
        from app.store.employees import employees
        from app.store.roles import uniform_examples

        stored = [u for u in uniform_examples(store) if len(u.features) == FEATURES]
        feats += [np.asarray(u.features, np.float64) for u in stored]
        owners += [u.employee_id for u in stored]
        if stored:
            setup.notes.append(f"uniform: {len(stored)} example(s) from the database")
        owner_of: dict[tuple[str, str], set[int]] = {}
        for e in employees(store, active_only=True):
            for cam, zone in e.workstations:
                owner_of.setdefault((cam, zone), set()).add(e.id)
        setup.workstations = tuple(
            Workstation(cam, zone, next(iter(ids)))
            for (cam, zone), ids in sorted(owner_of.items())
            if len(ids) == 1
        )
    if feats:
        setup.uniform = UniformModel(feats, owners, threshold=cfg.uniform_threshold)
    if cfg.classifier:
        from app import paths

        path = classifier_path(
            data_dir if data_dir is not None else paths.data_dir(site.storage.data_dir), site.site.name
        )
        if path.is_file():
            from models.roles import RoleClassifier

            try:
                setup.classifier = RoleClassifier.load(path)
            except ValueError as e:
                raise UserError(str(e)) from None
            meta = setup.classifier.meta
            setup.notes.append(
                f"classifier: {path.name} (trained {meta.get('trained_at', '?')} on {meta.get('samples', '?')} crops)"
            )
    return setup


def role_settings(cfg: RolesConfig, lost_after: float) -> RoleSettings:
    """The resolver's settings from the site config."""
    p = cfg.decide_confidence
    return RoleSettings(
        sample_interval=cfg.sample_interval,
        uniform_weight=cfg.uniform_weight,
        classifier_weight=cfg.classifier_weight,
        zone_seconds=cfg.staff_zone_seconds,
        decide_logit=math.log(p / (1.0 - p)),
        forget_after=max(5.0, lost_after + 2.0),
    )


@dataclass(slots=True)
class _Seen:
    frames: int = 0
    last_classified: float = -math.inf
    crop_every: float = CROP_INTERVAL
    crops: list[tuple[float, PhotoRecord]] = field(default_factory=list)


class RoleStage(Stage):
    """Decides every tracked person's role on one camera (a pipeline :class:`Stage`).

    Args:
        site: the site config (``roles``).
        camera: the camera (its ``staff_only`` zones, ``tracks.min_frames``, box expansion).
        setup: uniform, classifier, workstations (:func:`load_role_setup`); None: the config's
            uniform folder only.
        lost_after: seconds unseen after which a track is over (the tracker's buffer).

    Example:
        >>> stage = RoleStage(site, camera, setup)  # doctest: +SKIP
        >>> records = stage.process(frame, tracked)  # doctest: +SKIP
    """

    name = "roles"
    adds = ("role", "role_confidence", "employee_id")
    carries = ("roles",)

    def __init__(
        self,
        site: SiteConfig,
        camera: CameraConfig,
        setup: RoleSetup | None = None,
        *,
        lost_after: float = 3.0,
    ) -> None:
        self.cfg = site.roles
        self.setup = setup if setup is not None else load_role_setup(site)
        self.camera = camera
        self.expand = site.effective(camera).box_expand or 0.0
        self.min_frames = camera.modules.tracks.min_frames
        self.resolver = RoleResolver(role_settings(self.cfg, lost_after), uniform=self.setup.uniform)
        self._size: tuple[int, int] | None = None
        self._seen: dict[int, _Seen] = {}
        self._n = 0  # analysed frames so far (``roles.every``: evidence on every N-th)
        self._last: RoleMap | None = None

    @property
    def active(self) -> bool:
        """Whether any cue can say something on this camera."""
        cam_zones = any(z.type is ZoneType.STAFF_ONLY for z in self.camera.zones)
        return bool(self.setup.uniform or self.setup.classifier or self.setup.matcher or cam_zones)

    def replace_camera(self, camera: CameraConfig) -> None:
        """Use the camera's new zones from the next frame on; the evidence gathered so far is kept."""
        self.camera = camera
        self._size = None

    def _build(self, width: int, height: int) -> None:
        cam = self.camera
        staff = {z.id: to_pixels(z.points, width, height) for z in cam.zones if z.type is ZoneType.STAFF_ONLY}
        zones = {z.id: z for z in cam.zones if not z.type.is_line}
        work = {
            w.zone: (to_pixels(zones[w.zone].points, width, height), w.employee_id)
            for w in self.setup.workstations
            if w.camera == cam.id and w.zone in zones
        }
        self.resolver.set_zones(staff, work)
        self._size = (width, height)

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Add one frame's evidence and the roles to ``dets``; return the ended tracks' events.

        With ``roles.every`` = N only every N-th frame adds evidence; the frames in between get the
        roles decided so far.
        """
        due = self._n % max(1, self.cfg.every) == 0
        self._n += 1
        if not due and self._last is not None:
            attach_roles(dets, self._last)
            return []
        if self._size != (frame.width, frame.height):
            self._build(frame.width, frame.height)
        ts = frame.ts
        people = dets[(dets.is_class(PERSON_CLASS)) & (dets.tracker_id >= 0)] if len(dets) else dets
        boxes = expand_boxes(people.xyxy, self.expand, frame.width, frame.height) if len(people) else None
        scores = self._classify(frame, people, boxes) if boxes is not None else {}
        matches = self.setup.matcher.match(frame, people) if self.setup.matcher and len(people) else None
        update = self.resolver.update(people, ts, image=frame.image, classifier=scores, matches=matches)
        if boxes is not None:
            self._keep_crops(frame, people, boxes)
        records: list[Record] = [
            r for tr in update.ended if (r := self._decision(frame.camera_id, tr)) is not None
        ]
        attach_roles(dets, update.roles)
        self._last = update.roles
        return records

    def close(self, ts: float) -> list[Record]:
        """The decisions of every open track (end of the video or shutdown)."""
        cam = self.camera.id
        return [r for tr in self.resolver.flush() if (r := self._decision(cam, tr)) is not None]

    # --- cues and crops -------------------------------------------------------------------

    def _classify(self, frame: Frame, people: Detections, boxes: np.ndarray) -> dict[int, float]:
        clf = self.setup.classifier
        if clf is None:
            return {}
        due: list[int] = []
        for i, tid in enumerate(people.tracker_id.tolist()):
            seen = self._seen.setdefault(tid, _Seen())
            if frame.ts - seen.last_classified >= self.cfg.classifier_interval:
                due.append(i)
                seen.last_classified = frame.ts
        if not due:
            return {}
        crops = [_cut(frame.image, boxes[i]) for i in due]
        p = clf.predict(crops)
        return {int(people.tracker_id[i]): float(v) for i, v in zip(due, p.tolist(), strict=True)}

    def _keep_crops(self, frame: Frame, people: Detections, boxes: np.ndarray) -> None:
        """Keep crops spread over the whole track, for the person labelling it.

        One every few seconds; when full, every other one is dropped and the interval doubles, so a
        long track (or one the tracker switched between two people) shows its whole length.
        """
        want = self.cfg.crops_per_track
        for i, tid in enumerate(people.tracker_id.tolist()):
            seen = self._seen.setdefault(tid, _Seen())
            seen.frames += 1
            if not want or seen.frames < self.min_frames:
                continue
            last = seen.crops[-1][0] if seen.crops else -math.inf
            if frame.ts - last < seen.crop_every:
                continue
            if len(seen.crops) >= want:
                seen.crops = seen.crops[::2]
                seen.crop_every *= 2
                if frame.ts - seen.crops[-1][0] < seen.crop_every:
                    continue
            crop = encode_crop(frame.image, boxes[i])
            if crop is not None:
                seen.crops.append((frame.ts, crop))

    def _decision(self, camera_id: str, tr: TrackRole) -> EventRecord | None:
        """The decision event of an ended track, or of a closed segment of a track that goes on.

        A segment closes when the track's appearance changed abruptly (an ID switch); its event
        carries the crops taken during it.
        """
        current = self.resolver.get(tr.track_id)
        goes_on = current is not None and current.segment != tr.segment
        seen = self._seen.get(tr.track_id) if goes_on else self._seen.pop(tr.track_id, None)
        if seen is None or seen.frames < self.min_frames:
            return None  # noise: the tracks module does not store it either
        crops = [c for t, c in seen.crops if t <= tr.last_ts + 1e-6]
        if goes_on:
            seen.crops = [(t, c) for t, c in seen.crops if t > tr.last_ts + 1e-6]
        payload: dict[str, Any] = {
            "role": tr.role,
            "confidence": round(tr.confidence, 3),
            "employee_id": tr.employee_id,
            "decided_after": None if tr.decided_ts is None else round(tr.decided_ts - tr.first_ts, 3),
            "segment": tr.segment,
            "torso_colours": None if tr.colours is None else [round(float(v), 4) for v in tr.colours],
            **tr.evidence.as_dict(),
        }
        return ROLE_DECISION.record(
            camera_id,
            tr.first_ts,
            track_id=tr.track_id,
            payload=payload,
            photos=tuple(crops),
            ts_end=tr.last_ts,
        )


def attach_roles(dets: Detections, roles: RoleMap) -> None:
    """Put a role map on detections: ``metadata["roles"]`` and per-detection role arrays.

    Example:
        >>> d = Detections([[0, 0, 1, 1], [0, 0, 2, 2]], [0.9, 0.9], [0, 0], [3, 4])
        >>> attach_roles(d, RoleMap({}))
        >>> d.data["role"].tolist(), d.data["role_confidence"].tolist()
        (['unknown', 'unknown'], [0.0, 0.0])
    """
    n = len(dets)
    role = np.full(n, UNKNOWN_ROLE, dtype=object)
    confidence = np.zeros(n, np.float32)
    employee = np.full(n, None, dtype=object)
    for i, tid in enumerate(dets.tracker_id.tolist()):
        decision = roles.decision(tid)
        if decision is not None:
            role[i], confidence[i], employee[i] = decision.role, decision.confidence, decision.employee_id
    dets.set("role", role)
    dets.set("role_confidence", confidence)
    dets.set("employee_id", employee)
    dets.metadata["roles"] = roles


def _cut(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    x1, y1, x2, y2 = (round(float(v)) for v in box)
    return image[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)]


def make_role_stage(
    site: SiteConfig, camera: CameraConfig, setup: RoleSetup | None = None, *, lost_after: float = 3.0
) -> RoleStage | None:
    """The camera's role stage, or None when roles are off in the config."""
    if not site.roles.enabled:
        return None
    return RoleStage(site, camera, setup, lost_after=lost_after)
