"""Enrolling an employee from a tracked person: from the run's video file, or from unblurred crops."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from app.config import SiteConfig
from app.engine.faces_stage import blur_region
from app.errors import UserError
from app.faces.gallery import load_gallery, record_consent
from app.faces.track_enrol import enrol_from_track, track_face_pictures
from app.store.db import open_store
from app.store.employees import add_employee
from app.store.schema import AnalysisRun, Event, EventPhoto, FaceEmbedding, RunStatus, Track
from app.store.sync import sync_site
from tests.fixtures_faces import picture, portrait_video

T0 = 1_750_000_000.0
FPS = 10


def _build(tmp_path: Path, *, blurred_crop: bool) -> tuple[object, Path, int, Path]:
    """A store with one run over a door clip (Obama, then Biden) and Obama's track with one crop."""
    video = portrait_video(tmp_path / "door.avi", names=("obama2", "biden"), seconds=3.0, fps=FPS)
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    site = SiteConfig.model_validate({"site": {"name": "Door"}, "cameras": [{"id": "door", "source": str(video)}]})
    cam = sync_site(store, site)["door"]
    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 5)
    _ok, frame = cap.read()
    cap.release()
    cols = np.flatnonzero((np.abs(frame.astype(int) - 120).sum(axis=2) > 0).any(axis=0))
    box = [float(cols[0]), 20.0, float(cols[-1] + 1), 460.0]
    crop = frame[20:460, int(box[0]) : int(box[2])].copy()
    if blurred_crop:
        blur_region(crop, np.array([0, 0, crop.shape[1], crop.shape[0] * 0.6], np.float32))
    data = tmp_path / "data"
    rel = "crops/door/track1.jpg"
    (data / "crops/door").mkdir(parents=True)
    cv2.imwrite(str(data / rel), crop)
    cx = (box[0] + box[2]) / 2
    with store.session(write=True) as s:
        run = AnalysisRun(camera_id=cam, source_label=str(video), status=RunStatus.COMPLETE.value,
                          first_ts=T0, last_ts=T0 + 8.0)  # fmt: skip
        s.add(run)
        s.flush()
        t = Track(run_id=run.id, camera_id=cam, tracker_id=1, class_id=0, first_ts=T0, last_ts=T0 + 2.9,
                  frames=30, path=[[T0, cx, 460.0], [T0 + 2.9, cx, 460.0]])  # fmt: skip
        s.add(t)
        s.flush()
        ev = Event(ts=T0 + 0.5, camera_id=cam, module="tracks", type="start", track_id=t.id, run_id=run.id,
                   payload={})  # fmt: skip
        s.add(ev)
        s.flush()
        s.add(EventPhoto(event_id=ev.id, path=rel, bytes=(data / rel).stat().st_size, sha256="0", box=box))
        track_id = t.id
    return store, data, track_id, video


def test_enrol_from_the_run_video_despite_blurred_crops(tmp_path: Path, dlib_backend) -> None:
    store, data, track_id, _video = _build(tmp_path, blurred_crop=True)
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
    store, data, track_id, video = _build(tmp_path, blurred_crop=True)
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
    store, data, track_id, video = _build(tmp_path, blurred_crop=False)
    video.unlink()
    found = track_face_pictures(store, data, dlib_backend, track_id)
    assert found.source == "stored crops" and found.looked == 1 and len(found.pictures) == 1
    store.close()


def test_cli_enrol_from_a_track(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.cli_support import run_cli

    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))  # the built-in backend
    store, data, _track_id, video = _build(tmp_path, blurred_crop=True)
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
