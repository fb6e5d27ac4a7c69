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
