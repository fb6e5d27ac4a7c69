"""The Staff page on a copy of the demo database: labelling people, training, employees."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QDialogButtonBox

from app.config import SiteConfig
from app.gui.qt_util import pending_tasks
from app.gui.site_document import SiteDocument
from app.gui.staff_page import StaffPage
from app.store.db import open_store
from app.store.employees import employees
from app.store.roles import labels, uniform_examples

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.timeout(300)]

SITE = {
    "site": {"name": "Demo store"},
    "cameras": [
        {
            "id": "walkway",
            "source": "vtest.avi",
            "zones": [
                {
                    "id": "till",
                    "name": "Till",
                    "type": "workstation",
                    "points": [[0, 0], [0.3, 0], [0.3, 0.3]],
                },
                {"id": "dept_a", "name": "Dept A", "type": "department", "points": [[0, 0], [1, 0], [1, 1]]},
            ],
        }
    ],
}


@pytest.fixture
def demo_copy(demo_db, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A private copy of the demo folder: the tests write labels, uniform pictures, photos and a model."""
    return demo_db.copy_to(tmp_path / "demo").folder


@pytest.fixture
def page(qtbot, demo_copy: Path):  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{demo_copy / 'storesight.db'}")
    doc = SiteDocument(demo_copy / "site.yaml", SiteConfig.model_validate(SITE), saved=False)
    p = StaffPage(store, demo_copy, doc)
    qtbot.addWidget(p)
    p.resize(1300, 820)
    p.show()
    with qtbot.waitSignal(p.loaded, timeout=30000):
        p.refresh()
    yield p
    qtbot.waitUntil(lambda: pending_tasks() == 0, timeout=60000)
    store.close()


def _idle(qtbot, panel) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not panel.busy and pending_tasks() == 0, timeout=30000)


def test_people_are_listed_most_uncertain_first_and_labels_are_stored(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    roles = page.roles
    rows = roles.rows
    assert len(rows) == roles.list.count() > 10
    unc = [r.uncertainty for r in rows]
    assert unc == sorted(unc, reverse=True)
    # equally uncertain people: the longer tracks (more frames) first
    assert all(a.frames >= b.frames for a, b in itertools.pairwise(rows) if a.uncertainty == b.uncertainty)
    assert roles.current() is rows[0] and roles.crop_labels  # the first person is shown with crops
    assert f"#{rows[0].tracker_id}" in roles.title.text()

    first, second = rows[0], rows[1]
    roles.list.setFocus()
    with qtbot.waitSignal(roles.labelled, timeout=30000) as sig:
        qtbot.keyClick(roles.list, Qt.Key.Key_S)  # the shortcut of "Staff"
    assert sig.args == [first.id, "staff"]
    _idle(qtbot, roles)
    got = {lab.track_id: lab.role for lab in labels(page.roles.store)}
    assert got == {first.id: "staff"}
    assert roles.current().id == second.id  # moved on to the next person
    assert roles.rows[0].label == "staff" and "labelled staff" in roles.list.item(0).text()

    qtbot.mouseClick(roles.skip_button, Qt.MouseButton.LeftButton)
    assert roles.current().id == rows[2].id
    with qtbot.waitSignal(roles.labelled, timeout=30000):
        qtbot.mouseClick(roles.customer_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, roles)
    assert {lab.track_id: lab.role for lab in labels(roles.store)} == {
        first.id: "staff",
        rows[2].id: "customer",
    }
    assert "1 staff, 1 customer" in roles.label_counts.text()

    # back to the first one: clearing forgets the label
    roles.list.setCurrentRow(0)
    assert roles.clear_button.isEnabled()
    with qtbot.waitSignal(roles.labelled, timeout=30000) as sig:
        qtbot.mouseClick(roles.clear_button, Qt.MouseButton.LeftButton)
    assert sig.args == [first.id, ""]
    _idle(qtbot, roles)
    assert [lab.track_id for lab in labels(roles.store)] == [rows[2].id]
    assert roles.rows[0].label is None


def test_training_with_both_roles_saves_a_model_and_with_one_shows_why_not(
    qtbot, page, demo_copy: Path
) -> None:  # type: ignore[no-untyped-def]
    roles = page.roles
    with_crops = [i for i, r in enumerate(roles.rows) if len(r.photos) >= 2]
    staff, customers = with_crops[:2], with_crops[2:5]

    def label(i: int, role: str) -> None:
        roles.list.setCurrentRow(i)
        with qtbot.waitSignal(roles.labelled, timeout=30000):
            roles.label(role)
        _idle(qtbot, roles)

    for i in staff:
        label(i, "staff")
    # one role only: a visible error, no model
    with qtbot.waitSignal(roles.trainFailed, timeout=60000):
        qtbot.mouseClick(roles.train_button, Qt.MouseButton.LeftButton)
    assert "need crops of at least 2 staff and 2 customers" in roles.train_result.text()
    assert roles.train_result.isVisible() and "b3261e" in roles.train_result.styleSheet()
    model = demo_copy / "models" / "roles" / "demo-store.pt"
    assert not model.exists() and roles.train_button.isEnabled()

    for i in customers:
        label(i, "customer")
    assert sorted(lab.role for lab in labels(roles.store)) == ["customer"] * 3 + ["staff"] * 2
    shares: list[float] = []
    roles._progressed.connect(shares.append)
    with qtbot.waitSignal(roles.trained, timeout=120000) as sig:
        assert roles.train(epochs=2)
        assert not roles.train_button.isEnabled()  # the GUI thread is free while it trains
    result = sig.args[0]
    assert result.path == model and model.is_file()
    assert result.report.staff >= 4 and result.report.customers >= 6
    assert str(model) in roles.train_result.text() and "train accuracy" in roles.train_result.text()
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) in (2, 4)  # 2 epochs, 1 or 2 runs
    assert not roles.progress.isVisible() and roles.train_button.isEnabled()

    from models.roles import RoleClassifier

    assert RoleClassifier.load(model).meta["site"] == "Demo store"


def test_a_person_becomes_a_uniform_example(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    roles = page.roles
    roles.list.setCurrentRow(next(i for i, r in enumerate(roles.rows) if len(r.photos) >= 2))
    with (
        qtbot.waitSignal(page.employees.loaded, timeout=30000),  # the employees tab shows them
        qtbot.waitSignal(roles.uniformAdded, timeout=30000) as sig,
    ):
        qtbot.mouseClick(roles.uniform_button, Qt.MouseButton.LeftButton)
    assert sig.args == [2]
    examples = uniform_examples(roles.store)
    assert len(examples) == 2 and all(u.employee_id is None for u in examples)
    assert all((roles.data_dir / u.path).is_file() for u in examples)
    assert "Added 2 uniform pictures of all staff" in roles.action_label.text()
    assert page.employees.uniform_list.count() == 2

    # removing one deletes the row and the file
    page.employees.uniform_list.item(0).setSelected(True)
    with qtbot.waitSignal(page.employees.loaded, timeout=30000):
        qtbot.mouseClick(page.employees.remove_button, Qt.MouseButton.LeftButton)
    assert [u.id for u in uniform_examples(roles.store)] == [examples[1].id]
    assert not (roles.data_dir / examples[0].path).exists()


def test_adding_an_employee_checks_the_schedule(qtbot, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = page.employees
    page.setCurrentWidget(panel)
    dlg = panel.open_dialog(None)
    qtbot.addWidget(dlg)
    # the workstation zones offered are the site's zones of that type
    items = [dlg.ws_list.item(i).text() for i in range(dlg.ws_list.count())]
    assert items == ["walkway: Till"]

    dlg.name_edit.setText("Anna Berg")
    dlg.code_edit.setText("A-1")
    dlg.schedule_box.setChecked(True)
    dlg.start_edit.setTime(QTime(9, 0))
    dlg.end_edit.setTime(QTime(9, 0))
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and dlg.error_label.isVisible()
    assert "start and end are the same time" in dlg.error_label.text()
    assert employees(panel.store) == []

    dlg.end_edit.setTime(QTime(17, 30))
    for box in dlg.day_boxes:
        box.setChecked(False)
    assert not dlg.save()
    assert "at least one working day" in dlg.error_label.text() and employees(panel.store) == []

    for box in dlg.day_boxes[:5]:
        box.setChecked(True)
    dlg.ws_list.item(0).setCheckState(Qt.CheckState.Checked)
    import cv2
    import numpy as np

    photo = tmp_path / "anna.png"
    cv2.imwrite(str(photo), np.full((60, 40, 3), 120, np.uint8))
    assert dlg.choose_photo(photo)
    with qtbot.waitSignal(panel.loaded, timeout=30000):
        qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert not dlg.isVisible()
    (emp,) = employees(panel.store)
    assert (emp.name, emp.code, emp.active) == ("Anna Berg", "A-1", True)
    assert emp.schedule is not None and emp.schedule.describe() == "09:00–17:30 mon-fri"
    assert emp.workstations == (("walkway", "till"),)
    assert emp.photo_path and (panel.data_dir / emp.photo_path).is_file()
    assert panel.table.rowCount() == 1 and panel.table.item(0, 0).text() == "Anna Berg"
    assert panel.table.item(0, 5).text() == "walkway: Till"
    # the labelling panel can now name her
    assert page.roles.employee_box.findData(emp.id) > 0

    # edit: no longer employed, the code taken by nobody else is kept
    panel.table.selectRow(0)
    dlg2 = panel.open_dialog(panel.selected())
    qtbot.addWidget(dlg2)
    assert dlg2.name_edit.text() == "Anna Berg" and dlg2.ws_list.item(0).checkState() == Qt.CheckState.Checked
    dlg2.name_edit.setText("  ")
    assert not dlg2.save() and "needs a name" in dlg2.error_label.text()
    dlg2.name_edit.setText("Anna Berg-Lind")
    dlg2.active_box.setChecked(False)
    with qtbot.waitSignal(panel.loaded, timeout=30000):
        assert dlg2.save()
    (emp,) = employees(panel.store)
    assert (emp.name, emp.active, emp.code) == ("Anna Berg-Lind", False, "A-1")
    assert page.roles.employee_box.findData(emp.id) < 0  # only employed people are offered


def test_the_evidence_is_told_in_words() -> None:
    from app.gui.roles_panel import evidence_text
    from app.store.roles import TrackRow

    def row(evidence: dict) -> TrackRow:  # type: ignore[type-arg]
        return TrackRow(1, "cam", 1, 7, 0.0, 10.0, 50, "staff", 0.9, 0.9, evidence, None, None)

    ev = {
        "p_staff": 0.9,
        "uniform": {"samples": 8, "similarity": 0.42, "logit": 1.2},
        "classifier": {"samples": 3, "p_staff": 0.81, "logit": 1.0},
        "staff_zone": {"seconds": 4.2, "logit": 6},
        "employee": {"id": None, "score": None, "logit": 0},
    }
    assert evidence_text(row(ev)) == (
        "uniform colours 0.42 over 8 samples · classifier p(staff) 0.81 over 3 runs · 4 s in staff-only zones"
    )
    assert evidence_text(row({})) == "no role decision stored for this person"
    quiet = {"uniform": {"samples": 0}, "classifier": {"samples": 0}, "staff_zone": {"seconds": 0}}
    assert evidence_text(row(quiet)).startswith("no cue said anything")
