"""The head office's store switcher in the window: the Store list and the All stores table (pytest-qt, offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.chain import parse_stores
from app.gui.app import build_window, resolve_setup
from app.gui.stores_panel import install_store_switcher
from app.store import metrics
from app.store.db import open_store
from tests.fixtures_demo import DemoRun

pytestmark = [pytest.mark.gui, pytest.mark.timeout(300)]


def test_store_list_switches_and_all_stores_shows_the_catalogue_numbers(
    qtbot,
    demo_db: DemoRun,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    copy = demo_db.copy_to(tmp_path / "b")
    refs = parse_stores({"stores": [
        {"id": "a", "name": "Berlin", "db": demo_db.url},
        {"id": "b", "name": "Hamburg", "db": copy.url, "service": "http://127.0.0.1:9"},
        {"id": "c", "name": "Munich", "db": f"sqlite:///{tmp_path / 'gone.db'}"},
    ]}, "stores.yaml")  # fmt: skip
    win = build_window(resolve_setup(None, copy.url))
    qtbot.addWidget(win)
    asked: list[str] = []
    box = install_store_switcher(win, refs, refs[1], lambda ref: asked.append(ref.id))
    win.show()
    assert [box.itemText(i) for i in range(box.count())] == ["Berlin", "Hamburg", "Munich"]
    assert box.currentText() == "Hamburg"
    box.activated.emit(0)  # the user picks Berlin
    assert asked == ["a"]
    box.activated.emit(1)  # the store shown: nothing to do
    assert asked == ["a"]

    dlg = win.show_all_stores()
    qtbot.waitUntil(lambda: dlg.loaded, timeout=120000)
    since, until = win.period.bounds(win.period.tz)
    store = open_store(demo_db.url, read_only_ok=True)
    try:
        expect = metrics.key_numbers(store, since, until)
    finally:
        store.close()
    from app.cli.stats_cmd import fmt_metric

    assert expect["footfall_in"] > 0  # the window's period (from the data) holds the demo's numbers
    t = dlg.table
    assert t.rowCount() == 4 and t.item(0, 0).text() == "Berlin" and t.item(3, 0).text() == "All stores (2)"
    assert t.item(0, 1).text() == fmt_metric("footfall_in", expect["footfall_in"])
    assert t.item(3, 1).text() == fmt_metric("footfall_in", 2 * expect["footfall_in"])
    assert "not read: database file not found" in t.item(2, 1).text()
    assert "could not be read" in dlg.status.text()
    t.cellDoubleClicked.emit(2, 0)  # double-click Munich: the window is asked to open it
    assert asked == ["a", "c"]
    dlg.grab().save(str(tmp_path.parent / "all-stores.png"))
