"""The face stage in the real pipeline: `storesight analyze` on a door-camera clip links the track to the employee."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.store.db import open_store
from app.store.schema import Event, EventPhoto, Track
from tests.cli_support import run_cli
from tests.fixtures_faces import FACES, portrait_video

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_analyze_identifies_the_employee_and_links_the_track(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))  # the built-in backend
    video = portrait_video(tmp_path / "door.avi")
    out = tmp_path / "out"
    out.mkdir()
    db = f"sqlite:///{out / 'storesight.db'}"
    assert run_cli(capsys, "employees", "add", "--db", db, "--name", "Barack Obama")[0] == 0
    code, _, err = run_cli(capsys, "faces", "enrol", "--db", db, "--employee", "1", "--consent", "signed form",
                           str(FACES / "obama.jpg"))  # fmt: skip
    assert code == 0, err
    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        "site: {name: Door, timezone: UTC}\n"
        "cameras:\n"
        f"  - id: door\n    source: {video}\n"
        "    modules:\n      faces: {enabled: true, every: 2, off_thread: false}\n"
    )
    code, _, err = run_cli(
        capsys, "analyze", "door", "--config", str(cfg), "--out", str(out), "--no-progress"
    )
    assert code == 0, err
    store = open_store(db)
    with store.session() as s:
        tracks = s.execute(select(Track.tracker_id, Track.employee_id, Track.role)).all()
        ident = s.scalars(select(Event).where(Event.module == "faces", Event.type == "identified")).all()
        photos = s.scalars(
            select(EventPhoto.path).where(EventPhoto.event_id.in_([e.id for e in ident]))
        ).all()
    assert [e.payload["employee"] for e in ident] == ["Barack Obama"], tracks
    linked = [t for t in tracks if t.employee_id == 1]
    assert len(linked) == 1 and linked[0].role == "staff"  # the role stage took the face match
    assert all(t.employee_id is None for t in tracks if t is not linked[0])  # Biden: nobody's
    assert photos and (out / photos[0]).is_file()
    store.close()
