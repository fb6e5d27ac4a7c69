"""The shared GUI helpers: one background read at a time, spin boxes, form values, camera choice."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from app.config import SiteConfig
from app.gui.qt_util import (
    ReadsInBackground,
    fill_module_cameras,
    float_spin,
    int_spin,
    pending_tasks,
    set_widget_value,
    widget_value,
)

pytestmark = pytest.mark.gui


class _Page(QWidget, ReadsInBackground):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.shown: list[int] = []
        self.errors: list[str] = []
        self.gate = threading.Event()

    def refresh(self, *, queue: bool = True, fail: bool = False) -> bool:
        self.reads += 1
        n, gate = self.reads, self.gate

        def work() -> int:
            gate.wait(10)
            if fail:
                raise ValueError("broken")
            return n

        return self.read_in_background(work, self.shown.append, self.errors.append, again=self.refresh if queue else None)


def test_a_refresh_while_reading_drops_the_stale_result_and_reads_again(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _Page()
    qtbot.addWidget(page)
    assert page.refresh() and page.loading
    assert not page.refresh()  # remembered, not started
    assert not page.refresh()  # still one more read, not two
    page.gate.set()
    qtbot.waitUntil(lambda: bool(page.shown) and not page.loading and pending_tasks() == 0, timeout=10000)
    assert page.shown == [4]  # read 1 dropped; the again() call was the 4th refresh
    assert page.reads == 4


def test_without_again_a_refresh_while_reading_is_ignored_and_errors_reach_failed(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _Page()
    qtbot.addWidget(page)
    assert page.refresh(queue=False, fail=True)
    assert not page.refresh(queue=False)
    page.gate.set()
    qtbot.waitUntil(lambda: not page.loading and pending_tasks() == 0, timeout=10000)
    assert page.errors == ["broken"] and page.shown == [] and page.reads == 2


def test_spin_boxes_and_form_values_round_trip(qtbot) -> None:  # type: ignore[no-untyped-def]
    days = int_spin(1, 3650, suffix=" days", value=30, tip="how long")
    assert (days.minimum(), days.maximum(), days.value(), days.suffix(), days.toolTip()) == (1, 3650, 30, " days", "how long")
    wait = float_spin(0, 120, decimals=1, special="off", step=0.5)
    assert (wait.decimals(), wait.singleStep(), wait.specialValueText()) == (1, 0.5, "off")
    assert widget_value(wait) is None  # the minimum shown in words means "not set"
    set_widget_value(wait, 2.5)
    assert widget_value(wait) == 2.5
    set_widget_value(wait, None)
    assert wait.value() == 0 and widget_value(wait) is None
    assert widget_value(int_spin(0, 10)) == 0  # no words at the minimum: a number
    combo = QComboBox()
    combo.addItem("A", "a")
    combo.addItem("B", "b")
    set_widget_value(combo, "b")
    assert widget_value(combo) == "b"
    set_widget_value(combo, "zzz")
    assert widget_value(combo) == "a"
    edit, box = QLineEdit(), QCheckBox()
    set_widget_value(edit, "  x ")
    set_widget_value(box, True)
    assert widget_value(edit) == "x" and widget_value(box) is True
    with pytest.raises(TypeError):
        widget_value(QWidget())


def test_module_cameras_come_first_and_the_choice_is_kept(qtbot) -> None:  # type: ignore[no-untyped-def]
    cfg = SiteConfig.model_validate(
        {
            "site": {"name": "s"},
            "cameras": [
                {"id": "door", "source": "a.mp4"},
                {"id": "gate", "source": "b.mp4", "modules": {"plates": {"enabled": True}}},
            ],
        }
    )
    combo = QComboBox()
    assert fill_module_cameras(combo, cfg.cameras, "plates") == 2
    assert [combo.itemText(i) for i in range(2)] == ["gate", "door (plates off)"]
    combo.setCurrentIndex(1)
    fill_module_cameras(combo, cfg.cameras, "plates")
    assert combo.currentData() == "door"
    assert fill_module_cameras(combo, [], "plates") == 0 and combo.currentIndex() == -1


def test_layout_builders_place_and_stretch_the_items(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel

    from app.gui.qt_util import form_rows, hbox, splitter, vbox

    page = QWidget()
    qtbot.addWidget(page)
    a, b, c = QLabel("a"), QLabel("b"), QLabel("c")
    row = hbox(a, (b, 2), 1, c)
    assert [row.stretch(i) for i in range(row.count())] == [0, 2, 1, 0]
    assert row.itemAt(2).spacerItem() is not None and row.itemAt(3).widget() is c
    col = vbox(row, (QLabel("body"), 1), parent=page)
    assert page.layout() is col and col.itemAt(0).layout() is row and col.stretch(1) == 1
    split = splitter(QLabel("l"), QLabel("r"), stretch=(0, 1), sizes=(240, 1000), vertical=True)
    assert split.count() == 2 and split.orientation().name == "Vertical"
    form = form_rows(("Name", QLineEdit()), QLabel("whole row"))
    assert form.rowCount() == 2 and form.itemAt(0, form.ItemRole.LabelRole).widget().text() == "Name"
    assert form.itemAt(1, form.ItemRole.SpanningRole).widget().text() == "whole row"


def test_a_store_page_switches_database_and_data_folder_then_calls_store_changed(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from app.gui.qt_util import StorePage

    class Page(QWidget, StorePage):
        def __init__(self) -> None:
            super().__init__()
            self.store, self.data_dir, self.changes = None, Path("data"), 0

        def store_changed(self) -> None:
            self.changes += 1

    page = Page()
    qtbot.addWidget(page)
    page.set_store(None, str(tmp_path))
    assert page.data_dir == tmp_path and page.changes == 1
    page.set_store(None)  # no folder given: the folder stays
    assert page.data_dir == tmp_path and page.changes == 2
