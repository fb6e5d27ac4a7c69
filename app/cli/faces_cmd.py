"""``storesight faces identify|enrol|list|erase|consent|audit`` and ``storesight bench --faces``.

``faces identify IMAGE…`` prints one line per face: the picture, the face's box, the employee's
name (or ``unknown``) and the distance to the nearest enrolled face; ``--json`` one JSON object
per line. A picture that cannot be read is reported on stderr and the exit code is 3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.cli.options import add_pictures_action
from app.errors import UserError

EXIT_BAD_ARGS = 2
EXIT_UNREADABLE = 3


def _db_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", help="database URL, e.g. sqlite:///data/storesight.db (default: the data folder's)"
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        help="data folder (face key, face pictures; default: the database file's folder)",
    )


def _backend_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        choices=["auto", "deepface", "dlib"],
        default="auto",
        help="face backend: auto = deepface when installed with its weights in ~/.deepface, else dlib",
    )
    p.add_argument(
        "--model", choices=["ArcFace", "Facenet512"], default="ArcFace", help="deepface embedding model"
    )
    p.add_argument(
        "--detector", choices=["hog", "mmod"], default="hog", help="dlib face detector (default hog)"
    )


def add_parser(
    sub: argparse._SubParsersAction, add_common: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Register ``storesight faces``."""
    p = sub.add_parser("faces", help="faces: enrol employees, identify faces on pictures, erase face data")
    fs = p.add_subparsers(dest="faces_command", metavar="ACTION")
    i = add_pictures_action(
        fs,
        "identify",
        help="identify the faces on pictures (one line per face)",
        json_help="one JSON object per line",
    )
    i.add_argument(
        "--threshold",
        type=float,
        help="distance at or below which a face is the employee (default: the backend's)",
    )
    _db_options(i)
    _backend_options(i)
    add_common(i)
    e = fs.add_parser("enrol", help="enrol an employee's face from pictures (needs their recorded consent)")
    e.add_argument(
        "--employee", required=True, metavar="ID", help="employee id, personnel code or exact name"
    )
    e.add_argument(
        "images", nargs="*", type=Path, metavar="IMAGE", help="pictures showing the employee's face"
    )
    e.add_argument(
        "--track",
        metavar="CAMERA:ID[@RUN]",
        help="enrol from a tracked person instead (CAMERA:TRACKER_ID in the latest run, @RUN for another, "
        "or #ROW_ID): frames of the run's video file, else the track's unblurred crops; links the track",
    )
    e.add_argument(
        "--consent",
        metavar="BASIS",
        help="record the employee's consent now, on this basis (e.g. 'signed form 2026-12-01')",
    )
    e.add_argument(
        "--no-crops", action="store_true", help="keep no face picture, only the encrypted embedding"
    )
    _db_options(e)
    _backend_options(e)
    add_common(e)
    ls = fs.add_parser("list", help="employees with face data: embeddings, consent")
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    _db_options(ls)
    add_common(ls)
    er = fs.add_parser("erase", help="erase a person's face data everywhere (embeddings, pictures, links)")
    who = er.add_mutually_exclusive_group(required=True)
    who.add_argument("--employee", metavar="ID", help="employee id, personnel code or exact name")
    who.add_argument("--visitor", type=int, metavar="ID", help="returning visitor id")
    _db_options(er)
    add_common(er)
    c = fs.add_parser(
        "consent", help="record an employee's consent to face identification, or its withdrawal"
    )
    c.add_argument(
        "--employee", required=True, metavar="ID", help="employee id, personnel code or exact name"
    )
    g = c.add_mutually_exclusive_group(required=True)
    g.add_argument("--given", metavar="BASIS", help="consent given, on this basis")
    g.add_argument(
        "--withdraw", action="store_true", help="consent withdrawn: the employee's face data is erased"
    )
    _db_options(c)
    add_common(c)
    pr = fs.add_parser(
        "prune", help="erase face data past its retention (face events, non-consenting employees, visitors)"
    )
    pr.add_argument("--days", type=int, default=30, help="keep face events this many days (default 30)")
    pr.add_argument(
        "--visitor-days",
        type=int,
        default=30,
        help="keep returning visitors this many days after their last visit",
    )
    _db_options(pr)
    add_common(pr)
    a = fs.add_parser("audit", help="the face data audit log (enrolments, erasures, consent), newest first")
    a.add_argument("--limit", type=int, default=50, help="lines (default 50)")
    _db_options(a)
    add_common(a)


def add_bench_options(b: argparse.ArgumentParser) -> None:
    """``storesight bench --faces`` options (added to the bench parser)."""
    b.add_argument(
        "--faces",
        nargs="*",
        type=Path,
        metavar="IMAGE",
        help="benchmark face detection, embedding and age/gender (ms per face) on these pictures "
        "(default: the test pictures in tests/data/faces) instead of a video",
    )
    b.add_argument(
        "--faces-backend", choices=["auto", "deepface", "dlib"], default="auto", help="with --faces: backend"
    )
    b.add_argument("--faces-repeat", type=int, default=3, help="with --faces: runs per picture (default 3)")


def _backend(
    args: argparse.Namespace,
    *,
    model: str | None = None,
    detector: str | None = None,
    requested: str | None = None,
):
    from models.faces.base import FacesUnavailable
    from models.faces.registry import create_face_backend

    try:
        return create_face_backend(
            requested or args.backend, model=model or args.model, detector=detector or args.detector
        )
    except FacesUnavailable as e:
        raise UserError(f"faces: {e}", 1) from None


def _open(args: argparse.Namespace, *, create: bool = False):
    from app.cli.stats_cmd import data_folder, open_db
    from app.store.db import open_store

    store = open_store(args.db) if create and args.db else open_db(args.db)
    return store, data_folder(args.db, args.data_dir)


def _read(path: Path):
    from app.engine.roles import read_image

    return read_image(path) if path.is_file() else None


def cmd_faces(args: argparse.Namespace, stop: threading.Event) -> int:
    """Dispatch ``storesight faces ACTION``."""
    action = getattr(args, "faces_command", None)
    fn = {"identify": cmd_identify, "enrol": cmd_enrol, "list": cmd_list, "erase": cmd_erase,
          "consent": cmd_consent, "audit": cmd_audit, "prune": cmd_prune}.get(action or "")  # fmt: skip
    if fn is None:
        raise UserError(
            "storesight faces: give an action: identify, enrol, list, erase, consent, prune or audit",
            EXIT_BAD_ARGS,
        )
    return fn(args, stop)


def cmd_identify(args: argparse.Namespace, stop: threading.Event) -> int:
    """``faces identify``: every face on every picture against the enrolled employees."""
    from app.faces.gallery import load_gallery

    if args.threshold is not None and not 0 < args.threshold < 10:
        raise UserError("--threshold must be between 0 and 10", EXIT_BAD_ARGS)
    store, data_dir = _open(args)
    try:
        choice = _backend(args)
        b = choice.backend
        gallery = load_gallery(store, data_dir, b, threshold=args.threshold)
    finally:
        store.close()
    if args.verbose or not len(gallery):
        print(
            f"faces: {choice.reason}; {len(gallery)} enrolled embedding(s) of {len(gallery.names)} employee(s)",
            file=sys.stderr,
        )
    bad = 0
    for path in args.images:
        if stop.is_set():
            break
        img = _read(path)
        if img is None:
            print(f"storesight: error: {path}: not a readable picture", file=sys.stderr)
            bad += 1
            continue
        faces = b.detect(img)
        if not faces:
            print(json.dumps({"image": str(path), "faces": 0}) if args.json else f"{path}\t-\tno face")
            continue
        matches = gallery.match(b.embed(img, faces))
        for f, m in zip(faces, matches, strict=True):
            box = [round(float(v)) for v in f.box]
            name = gallery.names.get(m.label, "?") if m.matched else "unknown"
            dist = None if m.label is None else round(m.distance, 4)
            if args.json:
                print(json.dumps({"image": str(path), "box": box, "employee": name,
                                  "employee_id": m.label if m.matched else None, "distance": dist,
                                  "threshold": gallery.threshold, "backend": b.name, "model": b.model},
                                 ensure_ascii=False))  # fmt: skip
            else:
                d = "-" if dist is None else f"{dist:.3f}"
                print(f"{path}\t{box[0]},{box[1]},{box[2]},{box[3]}\t{name}\t{d}")
    return EXIT_UNREADABLE if bad else 0


def _employee(store: Any, key: str) -> Any:
    from app.store.employees import find_employee

    return find_employee(store, key)


def cmd_enrol(args: argparse.Namespace, stop: threading.Event) -> int:
    """``faces enrol --employee ID IMAGE…``."""
    from app.faces.gallery import consent_of, enrol, record_consent

    if bool(args.images) == bool(args.track):
        raise UserError("faces enrol: give either pictures or --track CAMERA:ID, not both (nor neither)",
                        EXIT_BAD_ARGS)  # fmt: skip
    pictures, bad = [], []
    for path in args.images:
        img = _read(path)
        if img is None:
            bad.append(str(path))
        else:
            pictures.append((str(path), img))
    if bad:
        raise UserError(f"not a readable picture: {', '.join(bad)}", EXIT_UNREADABLE)
    store, data_dir = _open(args)
    try:
        emp = _employee(store, args.employee)
        if args.consent:
            record_consent(store, emp.id, True, basis=args.consent)
        elif not consent_of(store, emp.id).given:
            raise UserError(
                f"employee {emp.id} ({emp.name}) has no recorded consent to face identification: add "
                "--consent 'BASIS' (e.g. 'signed form 2026-12-01') once it is given", EXIT_BAD_ARGS)  # fmt: skip
        choice = _backend(args)
        if args.track:
            from app.faces.track_enrol import enrol_from_track
            from app.store.roles import parse_track_ref

            track_id = parse_track_ref(store, args.track)
            res, found = enrol_from_track(store, data_dir, choice.backend, emp.id, track_id,
                                          keep_crops=not args.no_crops)  # fmt: skip
            print(f"track #{track_id}: {len(found.pictures)} face picture(s) chosen of {found.looked} from the "
                  f"{found.source}; the track is now linked to {emp.name}")  # fmt: skip
        else:
            res = enrol(store, data_dir, choice.backend, emp.id, pictures, keep_crops=not args.no_crops)
    finally:
        store.close()
    for s in res.skipped:
        print(f"skipped {s}", file=sys.stderr)
    print(f"enrolled {emp.name} (id {emp.id}): {res.stored} face(s) with {choice.backend.model}")
    return 0


def cmd_list(args: argparse.Namespace, stop: threading.Event) -> int:
    """``faces list``: one line per employee with face data or a consent row."""
    from app.faces.gallery import enrolled

    store, _ = _open(args)
    try:
        rows = enrolled(store)
    finally:
        store.close()
    if not rows and not args.json:
        print("no employee has face data or a consent record")
    for r in rows:
        consent = "given" if r.consent.given else ("withdrawn" if r.consent.recorded_at else "none")
        last = r.last_enrolled.strftime("%Y-%m-%d %H:%M") if r.last_enrolled else "-"
        if args.json:
            print(json.dumps({"employee_id": r.employee_id, "name": r.name, "embeddings": r.embeddings,
                              "model": r.models, "consent": consent, "basis": r.consent.basis,
                              "last_enrolled": last}, ensure_ascii=False))  # fmt: skip
        else:
            print(
                f"{r.employee_id}\t{r.name}\t{r.embeddings} face(s)\t{r.models or '-'}\tconsent {consent}\t{last}"
            )
    return 0


def cmd_erase(args: argparse.Namespace, stop: threading.Event) -> int:
    """``faces erase --employee ID | --visitor ID``."""
    from app.faces.gallery import erase_employee, erase_visitor

    store, data_dir = _open(args)
    try:
        if args.employee is not None:
            emp = _employee(store, args.employee)
            counts, who = erase_employee(store, data_dir, emp.id), f"employee {emp.id} ({emp.name})"
        else:
            counts, who = erase_visitor(store, data_dir, args.visitor), f"visitor {args.visitor}"
    finally:
        store.close()
    print(f"erased {who}: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
    return 0


def cmd_consent(args: argparse.Namespace, stop: threading.Event) -> int:
    """``faces consent --employee ID --given BASIS | --withdraw``."""
    from app.faces.gallery import erase_employee, record_consent

    store, data_dir = _open(args)
    try:
        emp = _employee(store, args.employee)
        if args.withdraw:
            record_consent(store, emp.id, False, basis="withdrawn")
            counts = erase_employee(store, data_dir, emp.id)
            print(
                f"consent of {emp.name} withdrawn; erased " + ", ".join(f"{v} {k}" for k, v in counts.items())
            )
        else:
            record_consent(store, emp.id, True, basis=args.given)
            print(f"consent of {emp.name} recorded: {args.given}")
    finally:
        store.close()
    return 0


def cmd_prune(args: argparse.Namespace, stop: threading.Event) -> int:
    """``faces prune``: apply the face data retention now (also done when an analysis starts)."""
    from app.faces.gallery import apply_retention

    if args.days < 1 or args.visitor_days < 1:
        raise UserError("--days and --visitor-days must be at least 1", EXIT_BAD_ARGS)
    store, data_dir = _open(args)
    try:
        res = apply_retention(store, data_dir, event_days=args.days, visitor_days=args.visitor_days)
    finally:
        store.close()
    print(f"erased {res.describe()}")
    return 0


def cmd_audit(args: argparse.Namespace, stop: threading.Event) -> int:
    """``faces audit``: the newest lines of the face audit log."""
    from app.faces.gallery import audit_lines

    store, _ = _open(args)
    try:
        rows = audit_lines(store, max(1, args.limit))
    finally:
        store.close()
    for r in rows:
        print(f"{r.at:%Y-%m-%d %H:%M:%S}\t{r.action}\t{r.subject}\t{r.actor}\t{r.detail}")
    return 0


# --- bench --faces ----------------------------------------------------------------------------


def default_bench_images() -> list[Path]:
    """The real face pictures shipped with the tests (``tests/data/faces``)."""
    folder = Path(__file__).resolve().parents[2] / "tests" / "data" / "faces"
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def cmd_bench_faces(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight bench --faces [IMAGE…]``: ms per face for detection, embedding and age/gender."""
    import numpy as np

    paths = list(args.faces) or default_bench_images()
    if not paths:
        raise UserError("bench --faces: give pictures with faces (no tests/data/faces here)", EXIT_BAD_ARGS)
    pics = []
    for p in paths:
        img = _read(p)
        if img is None:
            raise UserError(f"bench --faces: {p}: not a readable picture", EXIT_UNREADABLE)
        pics.append((p, img))
    choice = _backend(args, requested=args.faces_backend, model="ArcFace", detector="hog")
    b = choice.backend
    b.embed(pics[0][1], b.detect(pics[0][1])[:1])  # warm-up, not counted
    det_ms, emb_ms, attr_ms, sizes = [], [], [], []
    n_faces = 0
    for _ in range(max(1, args.faces_repeat)):
        for _p, img in pics:
            if stop.is_set():
                break
            t0 = time.perf_counter()
            faces = b.detect(img)
            t1 = time.perf_counter()
            det_ms.append((t1 - t0) * 1000)
            if not faces:
                continue
            b.embed(img, faces)
            t2 = time.perf_counter()
            emb_ms.append((t2 - t1) * 1000 / len(faces))
            if b.has_attributes:
                b.attributes(img, faces)
                attr_ms.append((time.perf_counter() - t2) * 1000 / len(faces))
            n_faces += len(faces)
            sizes.append(max(img.shape[:2]))
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3

    def stat(v: list[float]) -> str:
        return "-" if not v else f"{np.median(v):7.1f} ms median, {np.percentile(v, 90):7.1f} ms p90"

    print(f"faces bench: {choice.reason}")
    print(f"pictures: {len(pics)} (longest side median {int(np.median(sizes)) if sizes else 0} px, detection on "
          f"≤ {getattr(b, 'max_side', 0) or 'full'} px), runs: {max(1, args.faces_repeat)}, faces: {n_faces}")  # fmt: skip
    print(f"detect (per picture)      {stat(det_ms)}")
    print(f"align + embed (per face)  {stat(emb_ms)}")
    print(f"age + gender (per face)   {stat(attr_ms) if b.has_attributes else 'no model in this backend'}")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPU(s)")
    return 0
