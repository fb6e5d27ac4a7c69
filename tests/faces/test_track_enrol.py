"""Enrolling an employee from a tracked person: from the run's video file, or from unblurred crops."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.errors import UserError
from app.faces.gallery import load_gallery, record_consent
from app.faces.track_enrol import enrol_from_track, track_face_pictures
from app.store.employees import add_employee
from app.store.schema import FaceEmbedding, Track
from tests.fixtures_faces import door_track_store, picture


def test_enrol_from_the_run_video_despite_blurred_crops(tmp_path: Path, dlib_backend) -> None:
    store, data, track_id, _video = door_track_store(tmp_path, blurred_crop=True)
    emp = add_employee(store, "Barack Obama")
    with pytest.raises(UserError, match="no recorded consent"):
        enrol_from_track(store, data, dlib_backend, emp.id, track_id)
    record_consent(store, emp.id, True, basis="signed form")
    res, found = enrol_from_track(store, data, dlib_backend, emp.id, track_id, shots=3, samples=6)
    assert found.source == "video file door.avi" and res.stored >= 2
    with store.session() as s:
        assert s.get(Track, track_id).employee_id == emp.id
        sources = s.scalars(select(FaceEmbedding.source)).all()
    assert all(src.startswith("track:track") for src in sources)
    # the enrolled faces identify Obama on a different photo, and not Biden
    g = load_gallery(store, data, dlib_backend)
    for name, expect in (("obama", True), ("biden", False)):
        img = picture(name)
        m = g.match(dlib_backend.embed(img, dlib_backend.detect(img)[:1]))[0]
        assert m.matched is expect, (name, m)
    store.close()


def test_blurred_crops_without_the_video_give_a_clear_message(tmp_path: Path, dlib_backend) -> None:
    store, data, track_id, video = door_track_store(tmp_path, blurred_crop=True)
    video.unlink()
    emp = add_employee(store, "Barack Obama")
    record_consent(store, emp.id, True, basis="signed form")
    with pytest.raises(UserError) as err:
        enrol_from_track(store, data, dlib_backend, emp.id, track_id)
    msg = str(err.value)
    assert "stored crops" in msg and "not a video file" in msg and "Enrol from photos" in msg
    with store.session() as s:
        assert s.scalars(select(FaceEmbedding)).all() == []
        assert s.get(Track, track_id).employee_id is None
    store.close()


def test_unblurred_crops_are_used_when_the_video_is_gone(tmp_path: Path, dlib_backend) -> None:
    store, data, track_id, video = door_track_store(tmp_path, blurred_crop=False)
    video.unlink()
    found = track_face_pictures(store, data, dlib_backend, track_id)
    assert found.source == "stored crops" and found.looked == 1 and len(found.pictures) == 1
    store.close()


def test_cli_enrol_from_a_track(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.cli_support import run_cli

    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))  # the built-in backend
    store, data, _track_id, video = door_track_store(tmp_path, blurred_crop=True)
    store.close()
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert run_cli(capsys, "employees", "add", "--db", db, "--name", "Barack Obama")[0] == 0
    base = ("faces", "enrol", "--db", db, "--data-dir", str(data), "--employee", "1")
    code, _out, err = run_cli(capsys, *base, "--track", "door:1")
    assert code == 2 and "no recorded consent" in err
    code, _out, err = run_cli(capsys, *base, "--track", "door:1", str(video))
    assert code == 2 and "not both" in err
    code, out, err = run_cli(capsys, *base, "--consent", "signed form", "--track", "door:1")
    assert code == 0, err
    assert "from the video file door.avi" in out and "linked to Barack Obama" in out
    code, _out, err = run_cli(capsys, *base, "--track", "door:7")
    assert code == 2 and "no track 7" in err and "Traceback" not in err
