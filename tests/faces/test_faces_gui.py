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


def test_dashboard_shows_returning_visitors_and_demographics(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Cards and charts from the catalogue's face numbers; hidden on a site without the faces module."""
    from app.gui.dashboard import DashboardPage
    from tests.fixtures_faces import face_metrics_store

    store = face_metrics_store(tmp_path)
    page = DashboardPage(store)
    qtbot.addWidget(page)
    page.resize(1400, 1000)
    page.show()
    page.set_store(store)  # the period moves to the newest data
    with qtbot.waitSignal(page.loaded, timeout=60000):
        page.refresh()
    assert page.cards["returning"].isVisible() and page.cards["women"].isVisible()
    assert page.cards["returning"].value.text() == "50 %"
    assert page.cards["returning"].note.text() == "1 of 2 recognised visitors"
    assert page.cards["women"].value.text() == "60 % women"
    assert page.cards["women"].note.text() == "5 people · most 25-34"
    assert all(w.isVisible() for w in page.face_charts)

    def bars(w):  # type: ignore[no-untyped-def]
        return [i for i in w.getPlotItem().items if type(i).__name__ == "BarGraphItem"]

    [women, men] = bars(page.departments)
    assert list(women.opts["height"]) == [0, 2, 2] and list(men.opts["height"]) == [1, 0, 1]  # floor, Shoes, Toys
    [ages] = bars(page.ages)
    assert sum(ages.opts["height"]) == 5
    new, back = bars(page.visitors)
    assert sum(new.opts["height"]) == 1 and sum(back.opts["height"]) == 1
    store.close()
    # a database without face events: no face cards, no face charts
    from app.store.db import open_store

    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    page.set_store(other)
    with qtbot.waitSignal(page.loaded, timeout=60000):
        page.refresh()
    assert not page.cards["returning"].isVisible() and not page.cards["women"].isVisible()
    assert not any(w.isVisible() for w in page.face_charts)
    other.close()


def test_faces_tab_edits_settings_erases_and_shows_the_audit(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The faces package's panel: settings saved to the YAML (bad ones refused), withdraw + erase, retention."""
    from ruamel.yaml import YAML

    from app.faces.gallery import enrolled, record_consent
    from app.gui.faces_page import FacesPage
    from app.gui.panels import PanelContext, package_panels
    from app.gui.site_document import SiteDocument

    path = tmp_path / "site.yaml"
    path.write_text(
        "version: 1\nsite:\n  name: Face shop  # ours\ncameras:\n  - id: floor\n    source: floor.mp4\n"
        "  - id: door\n    source: door.mp4\n    modules:\n      faces:\n        enabled: true\n",
        encoding="utf-8",
    )
    doc = SiteDocument.open(path)
    # the window builds the tab from the package's panel=
    found = {name: (title, page) for name, title, page in package_panels(PanelContext(None, tmp_path, doc))}
    assert found["faces"][0] == "Faces" and isinstance(found["faces"][1], FacesPage)

    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    emp = add_employee(store, "Grace Hopper")
    record_consent(store, emp.id, True, basis="signed form")
    import cv2

    from app.faces.gallery import enrol
    from models.faces.dlib_backend import DlibFaceBackend

    enrol(store, tmp_path, DlibFaceBackend("hog", attributes=False), emp.id,
          [("gh.jpg", cv2.imread(str(FACES / "grace_hopper.jpg")))])  # fmt: skip
    page = FacesPage(store, tmp_path, doc)
    qtbot.addWidget(page)
    page.show()
    form = page.settings
    assert form is not None and form.camera.currentData() == "door"  # faces-enabled camera first

    def saved() -> dict:  # type: ignore[type-arg]
        return YAML(typ="safe").load(path.read_text(encoding="utf-8"))["cameras"][1]["modules"]["faces"]

    # anonymous mode: blur, threshold and visitors are not choices any more
    form.mode.setCurrentIndex(form.mode.findData("anonymous"))
    assert not form.blur.isEnabled() and not form.visitors.isEnabled()
    form.mode.setCurrentIndex(form.mode.findData("identify"))
    assert form.blur.isEnabled()
    # returning visitors without a legal basis: refused, nothing written
    before = path.read_text(encoding="utf-8")
    form.visitors.setChecked(True)
    assert form.visitors_basis.isEnabled()
    assert not form.save()
    assert "visitors_basis" in form.message.text() and "b3261e" in form.message.styleSheet()
    assert path.read_text(encoding="utf-8") == before
    form.visitors_basis.setText("loyalty programme consent")
    form.blur.setCurrentIndex(form.blur.findData("all"))
    form.threshold.setValue(0.45)
    form.retention_days.setValue(14)
    form.demographics.setChecked(True)
    assert form.save(), form.message.text()
    got = saved()
    assert got["visitors"] and got["visitors_basis"] == "loyalty programme consent" and got["blur"] == "all"
    assert got["threshold"] == 0.45 and got["retention_days"] == 14 and got["demographics"]
    assert "# ours" in path.read_text(encoding="utf-8")
    assert doc.camera("door").modules.faces.blur == "all"

    # the enrolled employee: withdraw and erase
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.refresh()
    assert page.table.rowCount() == 1 and page.table.item(0, 1).text() == "1"
    assert page.table.item(0, 2).text() == "given" and page.table.item(0, 3).text() == "signed form"
    assert not page.erase_button.isEnabled()
    page.table.selectRow(0)
    assert page.erase_button.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=30000):
        assert page.erase_selected(confirm=False)
    assert "Erased Grace Hopper's face data" in page.note.text()
    assert enrolled(store)[0].embeddings == 0 and page.table.item(0, 2).text() == "withdrawn"
    actions = [page.audit.item(i, 1).text() for i in range(page.audit.rowCount())]
    assert "erase" in actions and "enrol" in actions
    with qtbot.waitSignal(page.loaded, timeout=30000):
        assert page.apply_retention()
    assert page.note.text().startswith("Retention (14 days for face events, 30 for visitors)")
    store.close()
