"""The employees panel enrols a face from photos (consent asked once), and says plainly when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.gui.employees_panel import EmployeesPanel
from app.store.db import open_store
from app.store.employees import add_employee
from tests.fixtures_faces import FACES

pytestmark = [pytest.mark.gui, pytest.mark.timeout(300)]


def test_enrol_face_from_photos_in_the_employees_panel(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.faces.gallery import consent_of, enrolled

    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))  # no deepface weights: the built-in backend
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    emp = add_employee(store, "Grace Hopper")
    panel = EmployeesPanel(store, tmp_path)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.loaded, timeout=30000):
        panel.refresh()
    assert not panel.face_button.isEnabled()  # nobody selected
    panel.table.selectRow(0)
    assert panel.face_button.isEnabled()
    # a picture without a face: a red note, nothing stored, the consent is recorded all the same
    blank = tmp_path / "wall.png"
    import cv2
    import numpy as np

    cv2.imwrite(str(blank), np.full((200, 200, 3), 128, np.uint8))
    with qtbot.waitSignal(panel.loaded, timeout=60000):
        assert panel.enrol_faces([blank], basis="signed consent form 2026-12-01")
    assert "no face found" in panel.note.text() and "b3261e" in panel.note.styleSheet()
    assert consent_of(store, emp.id).given and enrolled(store)[0].embeddings == 0
    with qtbot.waitSignal(panel.loaded, timeout=60000):
        assert panel.enrol_faces([FACES / "grace_hopper.jpg", tmp_path / "missing.jpg"])
    assert panel.note.text().startswith("Enrolled 1 face(s)") and "1 photo(s) without" in panel.note.text()
    assert enrolled(store)[0].embeddings == 1
    store.close()


def test_enrol_face_from_a_tracked_person_in_the_staff_panel(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Staff page → People: pick a person of a run, choose the employee, enrol (consent asked once)."""
    from sqlalchemy import select

    from app.faces.gallery import consent_of, enrolled
    from app.gui.roles_panel import RolesPanel
    from app.store.schema import Track
    from tests.fixtures_faces import door_track_store

    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    store, data, track_id, _video = door_track_store(tmp_path, blurred_crop=True)
    emp = add_employee(store, "Barack Obama")
    panel = RolesPanel(store, data)
    qtbot.addWidget(panel)
    panel.set_employees([(emp.id, emp.name)])
    with qtbot.waitSignal(panel.loaded, timeout=30000):
        panel.refresh()
    panel.list.setCurrentRow(0)
    assert panel.face_button.isEnabled()
    # no employee chosen: a red note, nothing starts
    panel.employee_box.setCurrentIndex(0)
    assert not panel.enrol_face(basis="signed form") and "Choose the employee" in panel.action_label.text()
    # a consent dialog that is cancelled: nothing stored
    from PySide6.QtWidgets import QInputDialog

    panel.employee_box.setCurrentIndex(panel.employee_box.findData(emp.id))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("", False)))
    assert not panel.enrol_face() and "no consent recorded" in panel.action_label.text()
    assert not consent_of(store, emp.id).given
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("signed form 2026-12-05", True)))
    with qtbot.waitSignal(panel.faceEnrolled, timeout=120000):
        assert panel.enrol_face()
    assert panel.action_label.text().startswith("Enrolled") and "video file door.avi" in panel.action_label.text()
    assert consent_of(store, emp.id).basis == "signed form 2026-12-05"
    assert enrolled(store)[0].embeddings >= 1
    with store.session() as s:
        assert s.scalar(select(Track.employee_id).where(Track.id == track_id)) == emp.id
    store.close()
