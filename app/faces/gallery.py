"""Employees' faces in the database: consent, enrolment, the gallery, identification, erasure, audit.

Everything that writes face data goes through here, so the rules hold everywhere (CLI, GUI, stage):

* no enrolment without a recorded consent (:func:`record_consent`); a withdrawn consent erases the
  employee's face data;
* embeddings are sealed with :class:`app.faces.crypto.FaceCipher` and never leave this module
  except as a :class:`Gallery` in memory;
* every enrolment, erasure, consent change and retention run writes one :class:`FaceAudit` line
  (who, when, what — never the biometric data itself).

Example:
    >>> from app.store.db import open_store
    >>> from app.store.employees import add_employee
    >>> import tempfile
    >>> store, data = open_store("sqlite://"), tempfile.mkdtemp()
    >>> emp = add_employee(store, "Anna")
    >>> record_consent(store, emp.id, True, basis="signed form")
    >>> consent_of(store, emp.id).given
    True
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import delete, func, select, update

from analytics.faces import GalleryMatch, nearest
from app.errors import UserError
from app.faces.crypto import FaceCipher
from app.store.db import Store
from app.store.schema import (
    Employee,
    Event,
    EventPhoto,
    FaceAudit,
    FaceConsent,
    FaceEmbedding,
    FaceVisitor,
    RoleLabel,
    Track,
    UniformExample,
)

log = logging.getLogger(__name__)

EXIT_BAD_ARGS = 2
#: Event modules whose payload may name an employee or a visitor (cleared on erasure).
LINKED_MODULES = ("faces", "roles")


def _actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name (a service account without one)
        return os.environ.get("USER", "") or "?"


def audit(store: Store, action: str, subject: str, detail: str = "") -> None:
    """Add one line to the face audit log (no biometric data in ``detail``)."""
    with store.session(write=True) as s:
        s.add(FaceAudit(action=action, subject=subject, detail=detail, actor=_actor()))


@dataclass(frozen=True, slots=True)
class Consent:
    """An employee's current consent state (the newest register row)."""

    given: bool
    basis: str
    recorded_at: dt.datetime | None


def consent_of(store: Store, employee_id: int) -> Consent:
    """The employee's newest consent row (not given when there is none)."""
    with store.session() as s:
        row = s.scalars(
            select(FaceConsent)
            .where(FaceConsent.employee_id == employee_id)
            .order_by(FaceConsent.id.desc())
            .limit(1)
        ).first()
    return Consent(False, "", None) if row is None else Consent(row.given, row.basis, row.recorded_at)


def record_consent(store: Store, employee_id: int, given: bool, *, basis: str = "", note: str = "") -> None:
    """Add a consent (or withdrawal) to the register, with an audit line.

    Raises:
        UserError: no such employee, or consent given without a basis.
    """
    _employee(store, employee_id)
    if given and not basis.strip():
        raise UserError("consent: say on what basis (e.g. 'signed consent form 2026-12-01')", EXIT_BAD_ARGS)
    with store.session(write=True) as s:
        s.add(FaceConsent(employee_id=employee_id, given=given, basis=basis.strip()[:200], note=note))
    audit(store, "consent" if given else "consent_withdrawn", f"employee:{employee_id}", basis.strip()[:200])


def _employee(store: Store, employee_id: int) -> Employee:
    with store.session() as s:
        emp = s.get(Employee, employee_id)
        if emp is None:
            raise UserError(
                f"no employee with id {employee_id} (see storesight employees list)", EXIT_BAD_ARGS
            )
        s.expunge(emp)
        return emp


@dataclass(frozen=True, slots=True)
class EnrolResult:
    """What an enrolment stored: one embedding per usable picture, and why others were skipped."""

    employee_id: int
    stored: int
    skipped: list[str]


def _write_jpeg(path: Path, img: np.ndarray) -> None:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise UserError(f"cannot encode a face picture for {path}", 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buf.tobytes())
    os.replace(tmp, path)


def face_crop(image: np.ndarray, box: np.ndarray, pad: float = 0.25, max_side: int = 200) -> np.ndarray:
    """The face's box expanded by ``pad`` on each side, clipped, at most ``max_side`` pixels."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = (float(v) for v in box)
    px, py = (x2 - x1) * pad, (y2 - y1) * pad
    a, b = max(0, int(x1 - px)), max(0, int(y1 - py))
    c, d = min(w, int(x2 + px) + 1), min(h, int(y2 + py) + 1)
    crop = image[b:d, a:c]
    s = max_side / max(crop.shape[:2]) if crop.size else 1.0
    if s < 1:
        crop = cv2.resize(
            crop,
            (max(1, round(crop.shape[1] * s)), max(1, round(crop.shape[0] * s))),
            interpolation=cv2.INTER_AREA,
        )
    return crop


def enrol(
    store: Store,
    data_dir: str | Path,
    backend: Any,
    employee_id: int,
    pictures: Sequence[tuple[str, np.ndarray]],
    *,
    keep_crops: bool = True,
    source: str = "photo",
) -> EnrolResult:
    """Store one embedding per picture (its largest face) for an employee who has consented.

    Args:
        store: the database.
        data_dir: the data folder (the key and the face crops).
        backend: a :class:`models.faces.base.FaceBackend`.
        employee_id: whose pictures.
        pictures: (name, BGR image) pairs; the name is kept as the source (no path).
        keep_crops: keep the face picture under ``faces/employees/<id>/`` (shown in the GUI; erased with the rest).
        source: ``photo`` or ``track``.

    Raises:
        UserError: no such employee, no consent recorded, or no picture had a face.
    """
    emp = _employee(store, employee_id)
    if not consent_of(store, employee_id).given:
        raise UserError(
            f"employee {employee_id} ({emp.name}) has no recorded consent to face identification: record it "
            f"first (storesight faces enrol … --consent 'signed form <date>')",
            EXIT_BAD_ARGS,
        )
    cipher = FaceCipher.for_data_dir(data_dir)
    rows, skipped = [], []
    folder = Path(data_dir) / "faces" / "employees" / str(employee_id)
    for name, img in pictures:
        faces = backend.detect(img)
        if not faces:
            skipped.append(f"{name}: no face found")
            continue
        if len(faces) > 1:
            log.warning("%s: %d faces, enrolling the largest", name, len(faces))
        vec = backend.embed(img, faces[:1])[0]
        crop_rel = None
        if keep_crops:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
            rel = Path("faces") / "employees" / str(employee_id) / f"{stamp}.jpg"
            _write_jpeg(Path(data_dir) / rel, face_crop(img, faces[0].box))
            crop_rel = rel.as_posix()
        rows.append(FaceEmbedding(employee_id=employee_id, model=backend.model, vector=cipher.seal(vec),
                                  source=f"{source}:{Path(name).name}"[:200], crop_path=crop_rel))  # fmt: skip
    if not rows:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise UserError(f"no face found on any picture ({'; '.join(skipped)})", EXIT_BAD_ARGS)
    with store.session(write=True) as s:
        s.add_all(rows)
    audit(
        store,
        "enrol",
        f"employee:{employee_id}",
        f"{len(rows)} embedding(s), model {backend.model}, {source}",
    )
    return EnrolResult(employee_id, len(rows), skipped)


@dataclass(slots=True)
class Gallery:
    """The enrolled employees' embeddings of one model, decrypted in memory.

    Attributes:
        vectors: (M, D) float32.
        labels: M employee ids.
        names: employee id → name.
        metric: the backend's distance.
        threshold: distance at or below which a face is the employee.
    """

    vectors: np.ndarray
    labels: list[int]
    names: dict[int, str]
    metric: str
    threshold: float
    margin: float = 0.0

    def __len__(self) -> int:
        return len(self.labels)

    def match(self, embeddings: np.ndarray) -> list[GalleryMatch]:
        """Nearest employee per embedding (``matched`` when within the threshold)."""
        return nearest(embeddings, self.vectors, self.labels, self.metric, self.threshold, margin=self.margin)


def load_gallery(
    store: Store, data_dir: str | Path, backend: Any, *, threshold: float | None = None, margin: float = 0.0
) -> Gallery:
    """Embeddings of active employees with consent, made by ``backend``'s model."""
    cipher = FaceCipher.for_data_dir(data_dir)
    with store.session() as s:
        rows = s.execute(
            select(FaceEmbedding.employee_id, FaceEmbedding.vector, Employee.name)
            .join(Employee, Employee.id == FaceEmbedding.employee_id)
            .where(FaceEmbedding.model == backend.model, Employee.active.is_(True))
            .order_by(FaceEmbedding.id)
        ).all()
    vecs, labels, names = [], [], {}
    consent: dict[int, bool] = {}
    for emp_id, blob, name in rows:
        if emp_id not in consent:
            consent[emp_id] = consent_of(store, emp_id).given
        if not consent[emp_id]:
            continue
        vecs.append(cipher.open(blob))
        labels.append(int(emp_id))
        names[int(emp_id)] = name
    arr = np.asarray(vecs, np.float32).reshape(len(vecs), backend.dim if not vecs else len(vecs[0]))
    thr = backend.threshold if threshold is None else threshold
    return Gallery(arr, labels, names, backend.metric, thr, margin)


def gallery_stamp(store: Store) -> tuple[Any, ...]:
    """What the gallery depends on, in a few numbers (changes when anyone is enrolled, erased or consents)."""
    with store.session() as s:
        emb = s.execute(
            select(func.count(), func.max(FaceEmbedding.id)).where(FaceEmbedding.employee_id.is_not(None))
        ).one()
        con = s.execute(select(func.count(), func.max(FaceConsent.id))).one()
        act = s.scalar(select(func.count()).select_from(Employee).where(Employee.active.is_(True)))
    return (*emb, *con, act)


@dataclass(frozen=True, slots=True)
class EnrolledRow:
    """One employee in ``faces list``."""

    employee_id: int
    name: str
    embeddings: int
    models: str
    consent: Consent
    last_enrolled: dt.datetime | None


def enrolled(store: Store) -> list[EnrolledRow]:
    """Employees with face embeddings or a consent row, by id."""
    with store.session() as s:
        counts = {
            e: (n, models, last)
            for e, n, models, last in s.execute(
                select(
                    FaceEmbedding.employee_id,
                    func.count(),
                    func.min(FaceEmbedding.model),
                    func.max(FaceEmbedding.created_at),
                )
                .where(FaceEmbedding.employee_id.is_not(None))
                .group_by(FaceEmbedding.employee_id)
            ).all()
        }
        with_consent = set(s.scalars(select(FaceConsent.employee_id).distinct()).all())
        emps = s.execute(select(Employee.id, Employee.name).order_by(Employee.id)).all()
    out = []
    for emp_id, name in emps:
        if emp_id not in counts and emp_id not in with_consent:
            continue
        n, models, last = counts.get(emp_id, (0, "", None))
        out.append(EnrolledRow(emp_id, name, n, models or "", consent_of(store, emp_id), last))
    return out


def _remove_file(data_dir: Path, rel: str | None) -> bool:
    if not rel:
        return False
    p = (data_dir / rel) if not Path(rel).is_absolute() else Path(rel)
    try:
        p.unlink()
        return True
    except FileNotFoundError:
        return False


def _delete_events(s: Any, ids: list[int]) -> list[str]:
    """Delete events and their photo rows in session ``s``; the photo files' paths to remove after commit."""
    if not ids:
        return []
    files = [p for (p,) in s.execute(select(EventPhoto.path).where(EventPhoto.event_id.in_(ids))).all()]
    s.execute(delete(EventPhoto).where(EventPhoto.event_id.in_(ids)))
    s.execute(delete(Event).where(Event.id.in_(ids)))
    return files


def _payload_names(payload: dict[str, Any] | None, key: str, value: int) -> bool:
    if not payload:
        return False
    v = payload.get(key)
    return v == value or (isinstance(v, str) and v == str(value))


def erase_employee(store: Store, data_dir: str | Path, employee_id: int) -> dict[str, int]:
    """Remove every piece of an employee's face data and every link the cameras made to them.

    Deletes their embeddings and face crops, their enrolment folder, their employee photo, their
    uniform example pictures, the ``faces`` events about them (with the event photos, files too);
    clears ``employee_id`` on their tracks, labels and in ``roles`` decisions' payloads. The
    employee row (name, schedule) stays: HR data is not face data. One audit line says what went.

    Raises:
        UserError: no such employee.
    """
    emp = _employee(store, employee_id)
    data = Path(data_dir)
    counts = {"embeddings": 0, "files": 0, "events": 0, "tracks": 0, "uniform_examples": 0, "labels": 0}
    files: list[str] = []
    with store.session(write=True) as s:
        embs = s.scalars(select(FaceEmbedding).where(FaceEmbedding.employee_id == employee_id)).all()
        counts["embeddings"] = len(embs)
        files += [e.crop_path for e in embs if e.crop_path]
        s.execute(delete(FaceEmbedding).where(FaceEmbedding.employee_id == employee_id))
        ux = s.scalars(select(UniformExample).where(UniformExample.employee_id == employee_id)).all()
        counts["uniform_examples"] = len(ux)
        files += [u.path for u in ux]
        s.execute(delete(UniformExample).where(UniformExample.employee_id == employee_id))
        counts["tracks"] = (
            s.execute(update(Track).where(Track.employee_id == employee_id).values(employee_id=None)).rowcount
            or 0
        )
        counts["labels"] = (
            s.execute(
                update(RoleLabel).where(RoleLabel.employee_id == employee_id).values(employee_id=None)
            ).rowcount
            or 0
        )
        row = s.get(Employee, employee_id)
        if row is not None and row.photo_path:
            files.append(row.photo_path)
            row.photo_path = None
        gone = []
        for ev in s.scalars(select(Event).where(Event.module.in_(LINKED_MODULES))).all():
            if not _payload_names(ev.payload, "employee_id", employee_id):
                continue
            if ev.module == "faces":
                gone.append(ev.id)
            else:
                ev.payload = {**ev.payload, "employee_id": None}
        files += _delete_events(s, gone)
        counts["events"] = len(gone)
    counts["files"] = sum(_remove_file(data, f) for f in files)
    folder = data / "faces" / "employees" / str(employee_id)
    if folder.is_dir():
        counts["files"] += sum(1 for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder, ignore_errors=True)
    detail = ", ".join(f"{v} {k}" for k, v in counts.items())
    audit(store, "erase", f"employee:{employee_id}", f"{emp.name}: {detail}")
    return counts


def erase_visitor(
    store: Store, data_dir: str | Path, visitor_id: int, *, reason: str = "erase"
) -> dict[str, int]:
    """Remove a returning visitor: the pseudonymous id, its embeddings and the ``faces`` events naming it.

    Raises:
        UserError: no such visitor.
    """
    data = Path(data_dir)
    counts = {"embeddings": 0, "files": 0, "events": 0}
    files: list[str] = []
    with store.session(write=True) as s:
        if s.get(FaceVisitor, visitor_id) is None:
            raise UserError(f"no returning visitor with id {visitor_id}", EXIT_BAD_ARGS)
        counts["embeddings"] = (
            s.execute(delete(FaceEmbedding).where(FaceEmbedding.visitor_id == visitor_id)).rowcount or 0
        )
        gone = [ev.id for ev in s.scalars(select(Event).where(Event.module == "faces")).all()
                if _payload_names(ev.payload, "visitor_id", visitor_id)]  # fmt: skip
        files += _delete_events(s, gone)
        counts["events"] = len(gone)
        s.execute(delete(FaceVisitor).where(FaceVisitor.id == visitor_id))
    counts["files"] = sum(_remove_file(data, f) for f in files)
    audit(store, reason, f"visitor:{visitor_id}", ", ".join(f"{v} {k}" for k, v in counts.items()))
    return counts


def audit_lines(store: Store, limit: int = 50) -> list[FaceAudit]:
    """The newest audit lines, newest first."""
    with store.session() as s:
        rows = s.scalars(select(FaceAudit).order_by(FaceAudit.id.desc()).limit(limit)).all()
        for r in rows:
            s.expunge(r)
    return list(rows)


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What one retention run erased."""

    events: int
    files: int
    employees: int
    visitors: int

    def describe(self) -> str:
        """One line for people."""
        return (f"{self.events} face event(s) with {self.files} file(s), face data of {self.employees} "
                f"employee(s) without consent or inactive, {self.visitors} returning visitor(s)")  # fmt: skip


def apply_retention(
    store: Store, data_dir: str | Path, *, event_days: int, visitor_days: int = 30, now: float | None = None
) -> RetentionResult:
    """Erase face data past its time: per data kind.

    * ``faces`` events (identifications, unknown-face alerts) and their photos: after ``event_days``;
    * employees' embeddings and face pictures: as soon as the employee is inactive or has no consent;
    * returning visitors: ``visitor_days`` after their last visit.

    Writes one audit line when anything was erased.
    """
    import time

    now = time.time() if now is None else now
    data = Path(data_dir)
    cut = now - event_days * 86400.0
    with store.session(write=True) as s:
        gone = list(s.scalars(select(Event.id).where(Event.module == "faces", Event.ts < cut)).all())
        files = _delete_events(s, gone)
        with_faces = set(
            s.scalars(
                select(FaceEmbedding.employee_id).where(FaceEmbedding.employee_id.is_not(None)).distinct()
            ).all()
        )
        inactive = set(s.scalars(select(Employee.id).where(Employee.active.is_(False))).all())
        old_visitors = list(
            s.scalars(select(FaceVisitor.id).where(FaceVisitor.last_ts < now - visitor_days * 86400.0)).all()
        )
    n_files = sum(_remove_file(data, f) for f in files)
    employees = [e for e in sorted(with_faces) if e in inactive or not consent_of(store, e).given]
    for e in employees:
        erase_employee(store, data, e)
    for v in old_visitors:
        erase_visitor(store, data, v, reason="retention")
    res = RetentionResult(len(gone), n_files, len(employees), len(old_visitors))
    if gone or employees or old_visitors:
        audit(store, "retention", "faces", f"{res.describe()}; events kept {event_days} day(s)")
    return res
