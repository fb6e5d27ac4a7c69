"""Results of background tasks that arrive after their widget was closed are dropped, not raised."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.gui.qt_util import pending_tasks, run_async

pytestmark = pytest.mark.gui


class _Page(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.box = QVBoxLayout(self)
        self.shown: list[str] = []

    def show_result(self, text: str) -> None:
        self.box.addWidget(QLabel(text))  # touches a child: raises if the page was deleted
        self.shown.append(text)


def _later(gate: threading.Event, value: str):  # type: ignore[no-untyped-def]
    def fn() -> str:
        gate.wait(10)
        return value

    return fn


def test_result_reaches_a_live_widget(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _Page()
    qtbot.addWidget(page)
    gate = threading.Event()
    run_async(_later(gate, "ok"), page.show_result)
    gate.set()
    qtbot.waitUntil(lambda: page.shown == ["ok"], timeout=5000)


def test_result_for_a_deleted_widget_is_dropped(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _Page()
    box = page.box
    gate = threading.Event()
    run_async(_later(gate, "bound"), page.show_result)
    run_async(_later(gate, "closure"), lambda text: box.addWidget(QLabel(text)))
    run_async(_later(gate, "error"), page.show_result, lambda msg: page.show_result(msg))
    page.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(page), timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: pending_tasks() == 0, timeout=5000)  # delivered, nothing raised


def test_other_runtime_errors_still_surface(qtbot) -> None:  # type: ignore[no-untyped-def]
    def boom(_: object) -> None:
        raise RuntimeError("a real bug")

    with qtbot.captureExceptions() as errors:
        run_async(lambda: 1, boom)
        qtbot.waitUntil(lambda: pending_tasks() == 0, timeout=5000)
    assert [str(e[1]) for e in errors] == ["a real bug"]
