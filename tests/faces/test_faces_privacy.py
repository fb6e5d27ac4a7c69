"""Faces end to end on real pictures: CLI enrol/identify/list, the stage, erasure leaving nothing, anonymous mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from analytics.types import Detections, Frame
from app.config import SiteConfig
from app.engine.faces_stage import FaceDataMatcher, FaceIdentifier, FaceSetup, FaceStage, make_face_stage
from app.faces.gallery import enrol, load_gallery, record_consent
from app.store.db import Store, open_store
from app.store.employees import add_employee
from app.store.records import TrackRecord
from app.store.schema import Employee, Event, EventPhoto, FaceAudit, FaceEmbedding, Track
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from tests.cli_support import one_error_line, run_cli
from tests.fixtures_faces import FACES, person_frame, picture

T0 = 1_780_000_000.0


def _site(**faces: Any) -> SiteConfig:
    return SiteConfig.model_validate({
        "site": {"name": "Face shop", "timezone": "UTC"},
        "cameras": [{"id": "door", "source": "door.mp4", "modules": {"faces": {"enabled": True, "off_thread": False, **faces}},
                     "zones": [{"id": "back", "name": "Back office", "type": "staff_only",
                                "points": [[0, 0], [1, 0], [1, 1], [0, 1]]}]}],
    })  # fmt: skip


def _people(box: np.ndarray, tid: int) -> Detections:
    return Detections(box[None].astype(np.float32), [0.9], [0], [tid])


def test_cli_enrol_needs_consent_then_identifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert run_cli(capsys, "employees", "add", "--db", db, "--name", "Barack Obama")[0] == 0
    code, _, err = run_cli(
        capsys, "faces", "enrol", "--db", db, "--employee", "1", "--backend", "dlib", str(FACES / "obama.jpg")
    )
    assert code == 2 and "consent" in one_error_line(err)
    code, out, _ = run_cli(capsys, "faces", "enrol", "--db", db, "--employee", "Barack Obama", "--backend", "dlib",
                           "--consent", "signed form 2026-12-01", str(FACES / "obama.jpg"))  # fmt: skip
    assert code == 0 and "1 face(s)" in out
    pics = [str(FACES / f"{n}.jpg") for n in ("obama2", "obama3", "biden", "grace_hopper")]
    code, out, _ = run_cli(capsys, "faces", "identify", "--db", db, "--backend", "dlib", *pics)
    assert code == 0
    by_pic = {ln.split("\t")[0]: ln.split("\t") for ln in out.splitlines()}
    assert by_pic[pics[0]][2] == "Barack Obama" and by_pic[pics[1]][2] == "Barack Obama"
    assert by_pic[pics[2]][2] == "unknown" and by_pic[pics[3]][2] == "unknown"
    assert float(by_pic[pics[0]][3]) < 0.5 < float(by_pic[pics[2]][3])
    code, out, err = run_cli(
        capsys,
        "faces",
        "identify",
        "--db",
        db,
        "--backend",
        "dlib",
        "--json",
        pics[0],
        str(tmp_path / "nope.jpg"),
    )
    assert code == 3 and "nope.jpg" in one_error_line(err)
    row = json.loads(out.splitlines()[0])
    assert row["employee"] == "Barack Obama" and row["employee_id"] == 1 and len(row["box"]) == 4
    code, out, _ = run_cli(capsys, "faces", "list", "--db", db)
    assert "Barack Obama" in out and "1 face(s)" in out and "consent given" in out
    # the embedding is stored encrypted: the raw float32 bytes of a 128-D vector are not in the row
    st = open_store(db)
    blob = st.session().__enter__().scalars(select(FaceEmbedding.vector)).one()
    assert blob.startswith(b"SSF1") and len(blob) == 4 + 12 + 128 * 4 + 16
    st.close()


def _stage_records(store: Store, data_dir: Path, backend) -> tuple[list[Any], dict[str, int]]:
    """Enrol Obama and Hopper, run the identifier over frames of three people; return the records and ids."""
    obama = add_employee(store, "Barack Obama").id
    hopper = add_employee(store, "Grace Hopper").id
    for emp, pic in ((obama, "obama"), (hopper, "grace_hopper")):
        record_consent(store, emp, True, basis="signed form")
        enrol(store, data_dir, backend, emp, [(pic, picture(pic))])
    site = _site()
    setup = FaceSetup(backend, load_gallery(store, data_dir, backend))
    ident = FaceIdentifier(site.cameras[0], setup, lost_after=1.0)
    records: list[Any] = []
    for k, (name, tid) in enumerate([("obama2", 1), ("obama3", 1), ("biden", 2), ("biden", 2)]):
        img, box = person_frame(name)
        dets = _people(box, tid)
        records += ident.process(Frame("door", k, T0 + k, img), dets)
        if tid == 2:
            assert dets.data["face_status"][0] in ("", "unknown")
    records += ident.close(T0 + 10)
    return records, {"obama": obama, "hopper": hopper}


def test_stage_identifies_tracks_alerts_unknown_and_feeds_roles(tmp_path: Path, dlib_backend) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    records, ids = _stage_records(store, tmp_path, dlib_backend)
    kinds = [(r.module, r.type, r.track_id) for r in records]
    assert ("faces", "identified", 1) in kinds
    ident = next(r for r in records if r.type == "identified")
    assert ident.payload["employee_id"] == ids["obama"] and ident.payload["distance"] < 0.5 and ident.photos
    # Biden: two clear shots matching nobody in a staff-only zone -> alert, ended with the track
    assert ("faces", "alert", 2) in kinds and ("faces", "alert_end", 2) in kinds
    assert ("faces", "identified", 2) not in kinds
    # the role stage's hook reads the stage's per-detection data
    d = Detections([[0, 0, 1, 1], [0, 0, 2, 2]], [0.9, 0.9], [0, 0], [1, 2])
    d.set("face_employee_id", np.array([ids["obama"], None], dtype=object))
    d.set("face_score", np.array([0.9, 0.0]))
    m = FaceDataMatcher().match(None, d)
    assert list(m) == [1] and m[1].employee_id == ids["obama"]
    store.close()


def _count(store: Store, q: Any) -> int:
    with store.session() as s:
        return int(s.scalar(q) or 0)


def test_erase_employee_leaves_nothing(
    tmp_path: Path, dlib_backend, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    store = open_store(db)
    records, ids = _stage_records(store, tmp_path, dlib_backend)
    obama = ids["obama"]
    cams = sync_site(store, _site())
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["door"], "door.mp4")
        for r in records:
            w.put_event(run, r)
        w.put_track(run, TrackRecord("door", 1, 0, T0, T0 + 3, 4, "staff", 0.9, (), obama))
        w.flush()
    photo = tmp_path / "employees" / "obama.jpg"
    photo.parent.mkdir()
    photo.write_bytes(b"jpeg")
    with store.session(write=True) as s:
        s.get(Employee, obama).photo_path = "employees/obama.jpg"
    ev_photos = [p for (p,) in store.session().__enter__().execute(select(EventPhoto.path)).all()]
    assert ev_photos and all((tmp_path / p).is_file() for p in ev_photos)
    assert list((tmp_path / "faces" / "employees" / str(obama)).glob("*.jpg"))
    store.close()

    code, out, _ = run_cli(capsys, "faces", "erase", "--db", db, "--employee", str(obama))
    assert code == 0 and "1 embeddings" in out and "1 tracks" in out

    store = open_store(db)
    assert (
        _count(
            store, select(func.count()).select_from(FaceEmbedding).where(FaceEmbedding.employee_id == obama)
        )
        == 0
    )
    assert _count(store, select(func.count()).select_from(Track).where(Track.employee_id == obama)) == 0
    with store.session() as s:
        left = [
            e.payload
            for e in s.scalars(select(Event).where(Event.module == "faces", Event.type == "identified"))
        ]
        assert not [p for p in left if p.get("employee_id") == obama]
        assert s.get(Employee, obama).photo_path is None and s.get(Employee, obama).name == "Barack Obama"
        audit = s.scalars(select(FaceAudit).where(FaceAudit.action == "erase")).one()
    assert audit.subject == f"employee:{obama}" and "1 embeddings" in audit.detail
    assert not (tmp_path / "faces" / "employees" / str(obama)).exists() and not photo.exists()
    remaining = {p for (p,) in store.session().__enter__().execute(select(EventPhoto.path)).all()}
    for p in ev_photos:  # identification photos of Obama are gone, files too; others stay
        assert ((tmp_path / p).is_file()) == (p in remaining)
    # Hopper's enrolment is untouched
    assert (
        _count(
            store,
            select(func.count()).select_from(FaceEmbedding).where(FaceEmbedding.employee_id == ids["hopper"]),
        )
        == 1
    )
    store.close()
    code, _, err = run_cli(capsys, "faces", "erase", "--db", db, "--visitor", "99")
    assert code == 2 and "visitor" in one_error_line(err)


def test_anonymous_mode_stores_no_face_data_and_blurs(tmp_path: Path) -> None:
    site = _site(mode="anonymous")
    stage = make_face_stage(site, site.cameras[0], None)
    assert isinstance(stage, FaceStage) and stage.identifier is None and stage.blur == "all"
    img, box = person_frame("obama2")
    before = img.copy()
    dets = _people(box, 1)
    assert stage.process(Frame("door", 0, T0, img), dets) == []
    assert "face_employee_id" not in dets.data  # nothing about the face was computed
    head = slice(0, int(0.22 * box[3])), slice(int(box[0]), int(box[2]))
    body = slice(int(0.5 * box[3]), int(box[3])), slice(int(box[0]), int(box[2]))

    # the head region is blurred (the fine detail is gone), the rest of the frame is untouched
    def detail(a: np.ndarray) -> float:
        g = a.astype(np.float64).mean(axis=2)
        return float(np.abs(np.diff(g, axis=1)).mean())

    assert detail(img[head]) < 0.3 * detail(before[head])
    assert np.array_equal(img[body], before[body]) and np.array_equal(img[:, :100], before[:, :100])
    # and the dlib backend cannot find the face any more
    from models.faces.dlib_backend import DlibFaceBackend

    assert DlibFaceBackend().detect(img[: int(0.45 * box[3])]) == []


def test_frames_between_analysed_ones_are_blurred_too(dlib_backend) -> None:
    """Stride / frame-rate cap: a frame the pipeline does not analyse is blurred where heads last were."""
    site = _site(mode="anonymous")
    stage = make_face_stage(site, site.cameras[0], None)
    assert stage is not None
    img, box = person_frame("obama2")
    stage.process(Frame("door", 0, T0, img), _people(box, 1))
    nxt, _ = person_frame("obama2")
    nxt = np.roll(nxt, 6, axis=1)  # the person moved a few pixels
    top = slice(0, int(0.45 * box[3]))
    assert dlib_backend.detect(nxt[top]) != []  # a raw frame shows the face
    stage.on_skipped_frame(Frame("door", 1, T0 + 0.1, nxt))
    assert dlib_backend.detect(nxt[top]) == []
    # nobody on the last analysed frame: nothing to blur
    stage.process(Frame("door", 2, T0 + 0.2, img), Detections.empty())
    raw, _ = person_frame("obama2")
    same = raw.copy()
    stage.on_skipped_frame(Frame("door", 3, T0 + 0.3, same))
    assert np.array_equal(raw, same)


def test_non_employees_blurred_employees_not(tmp_path: Path, dlib_backend) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    emp = add_employee(store, "Barack Obama").id
    record_consent(store, emp, True, basis="signed form")
    enrol(store, tmp_path, dlib_backend, emp, [("obama", picture("obama"))])
    site = _site(unknown_alert=False)
    setup = FaceSetup(dlib_backend, load_gallery(store, tmp_path, dlib_backend))
    stage = make_face_stage(site, site.cameras[0], setup)
    assert stage is not None and stage.blur == "non_employees"
    results = {}
    for name, tid in (("obama2", 1), ("biden", 2)):
        for k in range(2):
            img, box = person_frame(name)
            before = img.copy()
            stage.process(Frame("door", k, T0 + k, img), dets := _people(box, tid))
        results[name] = (np.array_equal(img, before), dets.data["face_status"][0])
    assert results["obama2"] == (True, "employee")  # identified employee: frame untouched
    assert results["biden"][0] is False  # a customer's face is blurred
    store.close()


def test_retention_and_withdrawn_consent_erase(
    tmp_path: Path, dlib_backend, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.faces.gallery import apply_retention

    db = f"sqlite:///{tmp_path / 's.db'}"
    store = open_store(db)
    records, _ids = _stage_records(store, tmp_path, dlib_backend)
    cams = sync_site(store, _site())
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["door"], "door.mp4")
        for r in records:
            w.put_event(run, r)
        w.flush()
    files = [tmp_path / p for (p,) in store.session().__enter__().execute(select(EventPhoto.path)).all()]
    assert files and all(f.is_file() for f in files)
    # 10 days later nothing is due; 31 days later the face events and their photos go
    assert apply_retention(store, tmp_path, event_days=30, now=T0 + 10 * 86400).events == 0
    res = apply_retention(store, tmp_path, event_days=30, now=T0 + 31 * 86400)
    assert res.events == len(records) and res.files == len(files) and not any(f.exists() for f in files)
    assert _count(store, select(func.count()).select_from(Event).where(Event.module == "faces")) == 0
    store.close()
    # a withdrawn consent erases the employee's face data at once
    code, out, _ = run_cli(capsys, "faces", "consent", "--db", db, "--employee", "Grace Hopper", "--withdraw")
    assert code == 0 and "1 embeddings" in out
    code, out, _ = run_cli(capsys, "faces", "list", "--db", db)
    hopper = next(ln for ln in out.splitlines() if "Grace Hopper" in ln)
    assert "0 face(s)" in hopper and "consent withdrawn" in hopper
    code, out, _ = run_cli(capsys, "faces", "audit", "--db", db)
    actions = [ln.split("\t")[1] for ln in out.splitlines()]
    assert actions[:3] == ["erase", "consent_withdrawn", "retention"] and actions.count("enrol") == 2


def test_identification_webhook_at_chosen_cameras(tmp_path: Path, dlib_backend) -> None:
    from app.notify.message import Rule
    from app.notify.outbox import Feeder, counts

    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    records, _ids = _stage_records(store, tmp_path, dlib_backend)
    cams = sync_site(store, _site())
    door = Rule("webhook:door", ("faces.identified",), frozenset({"door"}))
    elsewhere = Rule("webhook:gate", ("faces.identified",), frozenset({"gate"}))
    feeder = Feeder(store, [door, elsewhere], tz=None)
    feeder.feed(now=T0)  # a channel starts at the newest event
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["door"], "door.mp4")
        for r in records:
            w.put_event(run, r)
        w.flush()
    assert feeder.feed(now=T0 + 1) == 1
    assert counts(store) == {"webhook:door": {"pending": 1}}
    from app.store.schema import NotifyOutbox

    with store.session() as s:
        msg = s.scalars(select(NotifyOutbox.message)).one()
    assert "Barack Obama" in json.dumps(msg, ensure_ascii=False) and msg["photo"]
    store.close()


def test_returning_visitors_pseudonymous_and_erasable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.engine.faces_stage import load_face_setup

    with pytest.raises(ValueError, match="visitors_basis"):
        _site(visitors=True)
    db = f"sqlite:///{tmp_path / 's.db'}"
    store = open_store(db)
    site = _site(
        backend="dlib", visitors=True, visitors_basis="loyalty programme consent", unknown_alert=False
    )
    setup = load_face_setup(site, store=store, data_dir=tmp_path)
    assert setup is not None and setup.visitors is not None and len(setup.visitors) == 0
    ident = FaceIdentifier(site.cameras[0], setup, lost_after=1.0)
    day = 86400.0
    records: list[Any] = []
    for t, name, tid in [(0, "obama2", 1), (1, "obama2", 1), (10, "biden", 2), (11, "biden", 2),
                         (2 * day, "obama3", 3), (2 * day + 1, "obama3", 3)]:  # fmt: skip
        img, box = person_frame(name)
        records += ident.process(Frame("door", int(t), T0 + t, img), _people(box, tid))
    records += ident.close(T0 + 3 * day)
    seen = {r.track_id: r.payload for r in records if r.type == "visitor"}
    assert (
        seen[1]["new_visitor"] and seen[2]["new_visitor"] and seen[1]["visitor_id"] != seen[2]["visitor_id"]
    )
    back = seen[3]
    assert back["visitor_id"] == seen[1]["visitor_id"] and not back["new_visitor"] and back["new_visit"]
    assert back["visits"] == 2 and 1.9 < back["days_since_last"] < 2.1
    assert "name" not in json.dumps(back) and not [r for r in records if r.type == "visitor" and r.photos]
    cams = sync_site(store, site)
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(cams["door"], "door.mp4")
        for r in records:
            w.put_event(run, r)
        w.flush()
    # the report's Faces sheet counts them per hour and department (none here: the camera)
    from app.reports.faces_sheets import faces
    from app.reports.sheets import Scope

    sheet = faces(Scope.make(store, T0 - 3600, T0 + 3 * day))
    assert sheet is not None and sheet.df["visitors"].sum() == 3 and sheet.df["returning"].sum() == 1
    assert set(sheet.df["department"]) == {"door (no department)"} and len(sheet.df) == 2  # two hours
    vid = seen[1]["visitor_id"]
    assert (
        _count(store, select(func.count()).select_from(FaceEmbedding).where(FaceEmbedding.visitor_id == vid))
        == 2
    )
    store.close()
    code, out, _ = run_cli(capsys, "faces", "erase", "--db", db, "--visitor", str(vid))
    assert code == 0 and "2 embeddings" in out and "2 events" in out
    store = open_store(db)
    assert (
        _count(store, select(func.count()).select_from(FaceEmbedding).where(FaceEmbedding.visitor_id == vid))
        == 0
    )
    with store.session() as s:
        left = [e.payload.get("visitor_id") for e in s.scalars(select(Event).where(Event.type == "visitor"))]
    assert left == [seen[2]["visitor_id"]]
    # the other visitor is erased by retention 30 days after the last visit
    from app.faces.gallery import apply_retention

    assert apply_retention(store, tmp_path, event_days=3650, visitor_days=30, now=T0 + 41 * day).visitors == 1
    assert _count(store, select(func.count()).select_from(FaceEmbedding)) == 0
    store.close()


def test_enrolment_during_a_run_is_picked_up(tmp_path: Path, dlib_backend, monkeypatch) -> None:
    from app.engine.faces_stage import load_face_setup

    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    emp = add_employee(store, "Barack Obama").id
    site = _site(backend="dlib", unknown_alert=False)
    setup = load_face_setup(site, store=store, data_dir=tmp_path)
    assert setup is not None and len(setup.gallery) == 0
    setup.every = 0.0  # check on every frame (60 s in the app)
    ident = FaceIdentifier(site.cameras[0], setup, lost_after=1.0)
    img, box = person_frame("obama2")
    ident.process(Frame("door", 0, T0, img), d0 := _people(box, 1))
    assert d0.data["face_employee_id"][0] is None  # nobody enrolled yet
    record_consent(store, emp, True, basis="signed form")
    enrol(store, tmp_path, dlib_backend, emp, [("obama", picture("obama"))])
    recs = ident.process(Frame("door", 1, T0 + 1, img), d1 := _people(box, 2))
    assert d1.data["face_employee_id"][0] == emp and [r.type for r in recs] == ["identified"]
    store.close()
