"""Staff / customer data: labelling tracks, uniform examples, training crops (GUI panel and CLI).

* :func:`uncertain_tracks` — people the role stage was least sure about, first: what a labelling
  panel shows (with each track's crops);
* :func:`set_label` / :func:`clear_label` — the user's verdict on a track. It becomes the track's
  role (confidence 1, and its employee for staff), so every statistic follows it at once, and it
  is ground truth for :func:`training_set`;
* :func:`add_uniform_example` / :func:`uniform_examples` / :func:`remove_uniform_example` — pictures
  of staff in uniform (for everyone, or one employee) that teach the uniform's colours;
* :func:`training_set` — crops of the labelled tracks (and the uniform pictures, as staff) for
  ``storesight roles train``.

A track is addressed by its row id (``TrackRow.id``); :func:`find_track` turns a camera and the
tracker id shown on screen into one.

Example:
    >>> from app.store.db import open_store
    >>> store = open_store("sqlite://")
    >>> uncertain_tracks(store), uniform_examples(store)
    ([], [])
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import delete, select

from analytics.roles import CUSTOMER, STAFF, crop_features
from analytics.types import PERSON
from app.errors import UserError
from app.modules.roles.events import ROLE_DECISION
from app.store.db import Store
from app.store.photos import read_image
from app.store.queries import PhotoRow
from app.store.query import epoch, where_camera
from app.store.schema import (
    AnalysisRun,
    Camera,
    Employee,
    Event,
    EventPhoto,
    RoleLabel,
    Track,
    UniformExample,
)

log = logging.getLogger(__name__)

EXIT_BAD_ARGS = 2
LABELS = (STAFF, CUSTOMER)
#: Event modules whose photos show the track's person alone.
_CROP_MODULES = ("tracks", "roles", "footfall")


@dataclass(frozen=True, slots=True)
class TrackRow:
    """A person's track with its role, the evidence and its photos (for the labelling panel).

    Attributes:
        id: the track's row id (what :func:`set_label` takes).
        camera: camera config id.
        run_id: the analysis run.
        tracker_id: the id shown on screen during that run.
        first_ts: first seen (epoch seconds).
        last_ts: last seen.
        frames: frames it was detected in.
        role: ``staff``, ``customer`` or ``unknown`` (the label, once labelled).
        confidence: probability of ``role`` as decided (0 for unknown, 1 once labelled).
        p_staff: the role stage's probability of staff, None without a decision event.
        evidence: the role stage's evidence (the decision event's payload), empty without one.
        label: the user's label, None if not labelled.
        employee_id: the linked employee, if any.
        photos: crops of the person (track start, along the track), oldest first.
    """

    id: int
    camera: str
    run_id: int
    tracker_id: int
    first_ts: float
    last_ts: float
    frames: int
    role: str
    confidence: float
    p_staff: float | None
    evidence: dict[str, Any]
    label: str | None
    employee_id: int | None
    photos: tuple[PhotoRow, ...] = field(default_factory=tuple)

    @property
    def duration(self) -> float:
        """Seconds from first to last seen."""
        return self.last_ts - self.first_ts

    @property
    def uncertainty(self) -> float:
        """1 = no idea (or no decision stored), 0 = sure (or labelled): ``1 − |2·p_staff − 1|``."""
        if self.label is not None:
            return 0.0
        p = 0.5 if self.p_staff is None else self.p_staff
        return 1.0 - abs(2.0 * p - 1.0)


def _track_rows(store: Store, q: Any, *, with_photos: bool = True) -> list[TrackRow]:
    with store.session() as s:
        rows = s.execute(q).all()
        if not rows:
            return []
        ids = [t.id for t, *_ in rows]
        decisions: dict[int, dict[str, Any]] = {}
        photos: dict[int, list[PhotoRow]] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            dq = select(Event.track_id, Event.payload).where(
                Event.track_id.in_(chunk),
                Event.module == ROLE_DECISION.module,
                Event.type == ROLE_DECISION.type,
            )
            for tid, payload in s.execute(dq.order_by(Event.id)):
                decisions[tid] = payload or {}
            if with_photos:
                pq = (
                    select(Event.track_id, EventPhoto)
                    .join(Event, EventPhoto.event_id == Event.id)
                    .where(
                        Event.track_id.in_(chunk), Event.module.in_(_CROP_MODULES), EventPhoto.kind == "crop"
                    )
                    .order_by(Event.ts, EventPhoto.id)
                )
                for tid, p in s.execute(pq):
                    photos.setdefault(tid, []).append(
                        PhotoRow(p.kind, p.path, p.bytes, p.sha256, p.width, p.height, p.box)
                    )
    out = []
    for t, cam, label in rows:
        ev = decisions.get(t.id, {})
        p = ev.get("p_staff")
        out.append(
            TrackRow(t.id, cam, t.run_id, t.tracker_id, t.first_ts, t.last_ts, t.frames, t.role,
                     float(t.role_confidence), None if p is None else float(p), ev, label, t.employee_id,
                     tuple(photos.get(t.id, ())))
        )  # fmt: skip
    return out


def _tracks_query(camera: int | str | None, since: Any, until: Any) -> Any:
    q = (
        select(Track, Camera.config_id, RoleLabel.role)
        .join(Camera, Track.camera_id == Camera.id)
        .outerjoin(RoleLabel, RoleLabel.track_id == Track.id)
        .where(Track.class_id == PERSON)
    )
    q = where_camera(q, camera)
    if since is not None:
        q = q.where(Track.last_ts >= epoch(since))
    if until is not None:
        q = q.where(Track.first_ts < epoch(until))
    return q


def uncertain_tracks(
    store: Store,
    *,
    camera: int | str | None = None,
    since: float | dt.datetime | None = None,
    until: float | dt.datetime | None = None,
    limit: int | None = 50,
    include_labelled: bool = False,
    min_frames: int = 1,
) -> list[TrackRow]:
    """People to label, the most uncertain first (then the longest: more crops, more say in the stats).

    Args:
        store: the database.
        camera: only this camera (row id or config id).
        since: only tracks seen at or after this time.
        until: only tracks that began before this time.
        limit: at most this many (None: all).
        include_labelled: also tracks the user already labelled (they come last).
        min_frames: leave out shorter tracks.
    """
    q = _tracks_query(camera, since, until).where(Track.frames >= min_frames)
    if not include_labelled:
        q = q.where(RoleLabel.id.is_(None))
    rows = _track_rows(store, q, with_photos=False)
    rows.sort(key=lambda r: (-r.uncertainty, -r.frames, r.first_ts, r.id))
    if limit is not None:
        rows = rows[:limit]
    keep = {r.id for r in rows}
    with_photos = {
        r.id: r for r in _track_rows(store, _tracks_query(None, None, None).where(Track.id.in_(keep)))
    }
    return [with_photos[r.id] for r in rows if r.id in with_photos]


def track(store: Store, track_id: int) -> TrackRow:
    """One track by row id, with its photos.

    Raises:
        UserError: no such track (exit code 2).
    """
    rows = _track_rows(store, _tracks_query(None, None, None).where(Track.id == track_id))
    if not rows:
        raise UserError(f"no person track with id {track_id}", EXIT_BAD_ARGS)
    return rows[0]


def find_track(store: Store, camera: str, tracker_id: int, *, run_id: int | None = None) -> int:
    """The row id of the track a camera's tracker called ``tracker_id`` (in its latest run by default).

    Raises:
        UserError: no such track (exit code 2).
    """
    q = (
        select(Track.id)
        .join(Camera, Track.camera_id == Camera.id)
        .join(AnalysisRun, Track.run_id == AnalysisRun.id)
        .where(Camera.config_id == camera, Track.tracker_id == tracker_id)
    )
    if run_id is not None:
        q = q.where(Track.run_id == run_id)
    with store.session() as s:
        row = s.execute(q.order_by(AnalysisRun.id.desc()).limit(1)).scalar()
    if row is None:
        where = f" in run {run_id}" if run_id is not None else ""
        raise UserError(f"no track {tracker_id} of camera {camera!r}{where}", EXIT_BAD_ARGS)
    return int(row)


def parse_track_ref(store: Store, text: str) -> int:
    """``CAMERA:TRACKER_ID`` (latest run), ``CAMERA:TRACKER_ID@RUN`` or a row id ``#123`` → track row id.

    Raises:
        UserError: not of that form, or no such track (exit code 2).
    """
    t = text.strip()
    if t.startswith("#") and t[1:].isdigit():
        return track(store, int(t[1:])).id
    cam, sep, rest = t.rpartition(":")
    tid, _, run = rest.partition("@")
    if not sep or not cam or not tid.lstrip("-").isdigit() or (run and not run.isdigit()):
        raise UserError(
            f"track {text!r}: use CAMERA:TRACKER_ID, CAMERA:TRACKER_ID@RUN or #ROW_ID", EXIT_BAD_ARGS
        )
    return find_track(store, cam, int(tid), run_id=int(run) if run else None)


def set_label(store: Store, track_id: int, role: str, *, employee_id: int | None = None) -> None:
    """Label a track ``staff`` or ``customer`` (and, for staff, optionally who it is).

    The track's role becomes the label with confidence 1; a staff label with an employee links the
    track to that employee (a customer label unlinks it).

    Raises:
        UserError: an unknown role, no such track or employee, or an employee on a customer (exit 2).
    """
    if role not in LABELS:
        raise UserError(f"role must be staff or customer, not {role!r}", EXIT_BAD_ARGS)
    if employee_id is not None and role != STAFF:
        raise UserError("only staff can be linked to an employee", EXIT_BAD_ARGS)
    with store.session(write=True) as s:
        t = s.get(Track, track_id)
        if t is None:
            raise UserError(f"no track with id {track_id}", EXIT_BAD_ARGS)
        if employee_id is not None and s.get(Employee, employee_id) is None:
            raise UserError(f"no employee with id {employee_id}", EXIT_BAD_ARGS)
        lab = s.scalars(select(RoleLabel).where(RoleLabel.track_id == track_id)).first()
        if lab is None:
            lab = RoleLabel(track_id=track_id, role=role, employee_id=employee_id, source="user")
            s.add(lab)
        else:
            lab.role, lab.employee_id, lab.created_at = role, employee_id, dt.datetime.now(dt.UTC)
        t.role, t.role_confidence = role, 1.0
        if role == CUSTOMER:
            t.employee_id = None
        elif employee_id is not None:
            t.employee_id = employee_id


def clear_label(store: Store, track_id: int) -> None:
    """Forget the user's label; the track gets back the role the role stage decided (if stored)."""
    with store.session(write=True) as s:
        s.execute(delete(RoleLabel).where(RoleLabel.track_id == track_id))
        t = s.get(Track, track_id)
        if t is None:
            return
        payload = s.scalars(
            select(Event.payload).where(
                Event.track_id == track_id,
                Event.module == ROLE_DECISION.module,
                Event.type == ROLE_DECISION.type,
            )
        ).first()
        if payload:
            t.role = str(payload.get("role", "unknown"))
            t.role_confidence = float(payload.get("confidence", 0.0))
            t.employee_id = payload.get("employee_id")
        else:
            t.role, t.role_confidence = "unknown", 0.0


@dataclass(frozen=True, slots=True)
class LabelRow:
    """A user's label: track row id, camera, tracker id, role, employee."""

    track_id: int
    camera: str
    tracker_id: int
    role: str
    employee_id: int | None
    created_at: dt.datetime


def labels(store: Store) -> list[LabelRow]:
    """Every label, newest first."""
    q = (
        select(RoleLabel, Track.tracker_id, Camera.config_id)
        .join(Track, RoleLabel.track_id == Track.id)
        .join(Camera, Track.camera_id == Camera.id)
        .order_by(RoleLabel.created_at.desc(), RoleLabel.id.desc())
    )
    with store.session() as s:
        return [LabelRow(lab.track_id, cam, tid, lab.role, lab.employee_id, lab.created_at)
                for lab, tid, cam in s.execute(q)]  # fmt: skip


# --- uniform examples ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UniformRow:
    """A stored uniform example: the picture (relative to the data folder) and its torso colours."""

    id: int
    employee_id: int | None
    path: str
    features: list[float]
    source: str
    created_at: dt.datetime


def add_uniform_example(
    store: Store,
    data_dir: str | Path,
    image: np.ndarray,
    *,
    employee_id: int | None = None,
    source: str = "",
) -> UniformRow:
    """Store a picture of staff in uniform (a BGR crop of a whole person).

    The picture goes to ``<data_dir>/uniforms/<uuid>.jpg``; its torso colours to the database.

    Raises:
        UserError: an empty picture, no such employee, or the folder cannot be written.
    """
    if image is None or image.size == 0 or image.ndim != 3:
        raise UserError("the uniform example is not a colour picture", EXIT_BAD_ARGS)
    feats = crop_features(image)
    if not feats.any():
        raise UserError("the uniform example is too small", EXIT_BAD_ARGS)
    rel = f"uniforms/{uuid.uuid4().hex}.jpg"
    dest = Path(data_dir) / rel
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.write_bytes(buf.tobytes() if ok else b"")
        tmp.replace(dest)
    except OSError as e:
        raise UserError(f"cannot write the uniform example to {dest.parent}: {e.strerror or e}") from None
    with store.session(write=True) as s:
        if employee_id is not None and s.get(Employee, employee_id) is None:
            dest.unlink(missing_ok=True)
            raise UserError(f"no employee with id {employee_id}", EXIT_BAD_ARGS)
        row = UniformExample(employee_id=employee_id, path=rel, features=[round(float(v), 5) for v in feats],
                             source=source)  # fmt: skip
        s.add(row)
        s.flush()
        return UniformRow(row.id, row.employee_id, row.path, list(row.features), row.source, row.created_at)


def uniform_examples(store: Store, *, employee_id: int | None = None) -> list[UniformRow]:
    """Stored uniform examples (all, or one employee's), oldest first."""
    q = select(UniformExample).order_by(UniformExample.id)
    if employee_id is not None:
        q = q.where(UniformExample.employee_id == employee_id)
    with store.session() as s:
        return [UniformRow(u.id, u.employee_id, u.path, list(u.features or []), u.source, u.created_at)
                for u in s.scalars(q)]  # fmt: skip


def remove_uniform_example(store: Store, example_id: int, data_dir: str | Path | None = None) -> None:
    """Delete a uniform example (and its picture, when the data folder is given).

    Raises:
        UserError: no such example (exit code 2).
    """
    with store.session(write=True) as s:
        u = s.get(UniformExample, example_id)
        if u is None:
            raise UserError(f"no uniform example with id {example_id}", EXIT_BAD_ARGS)
        path = u.path
        s.delete(u)
    if data_dir is not None:
        (Path(data_dir) / path).unlink(missing_ok=True)


def track_crops(store: Store, data_dir: str | Path, track_id: int, *, limit: int = 8) -> list[np.ndarray]:
    """The stored crops of one track as BGR pictures (for adding it as a uniform example)."""
    out = []
    for p in track(store, track_id).photos[:limit]:
        img = read_image(Path(data_dir) / p.path)
        if img is not None:
            out.append(img)
    return out


# --- training data ---------------------------------------------------------------------------


@dataclass(slots=True)
class TrainingSet:
    """Crops to train the role classifier on.

    Attributes:
        crops: BGR pictures.
        labels: 1 staff, 0 customer.
        groups: the track (``track:<id>``) or uniform picture (``uniform:<id>``) of each crop.
        tracks: labelled tracks used, by role.
        missing: photo files that could not be read.
    """

    crops: list[np.ndarray] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    tracks: dict[str, int] = field(default_factory=lambda: {STAFF: 0, CUSTOMER: 0})
    missing: int = 0

    def add(self, path: Path, label: int, group: str) -> bool:
        """Read the picture at ``path`` as one crop with its label and group; False (counted missing) if unreadable."""
        img = read_image(path)
        if img is None:
            self.missing += 1
            return False
        self.crops.append(img)
        self.labels.append(label)
        self.groups.append(group)
        return True




def training_set(store: Store, data_dir: str | Path, *, with_uniforms: bool = True) -> TrainingSet:
    """Crops of every labelled track (all of its person photos) and, as staff, the uniform pictures."""
    ts = TrainingSet()
    data = Path(data_dir)
    q = select(RoleLabel.track_id, RoleLabel.role)
    with store.session() as s:
        labelled = dict(s.execute(q).all())
    if labelled:
        rows = _track_rows(store, _tracks_query(None, None, None).where(Track.id.in_(list(labelled))))
        for r in rows:
            role = labelled[r.id]
            got = [ts.add(data / p.path, 1 if role == STAFF else 0, f"track:{r.id}") for p in r.photos]
            if any(got):
                ts.tracks[role] += 1
    if with_uniforms:
        for u in uniform_examples(store):
            ts.add(data / u.path, 1, f"uniform:{u.id}")
    if ts.missing:
        log.warning("%d photo(s) of labelled tracks are missing in %s", ts.missing, data)
    return ts
