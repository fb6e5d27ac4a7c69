"""The event browser on the demo database: filters, photos, the full picture, export."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.gui.event_browser import EventBrowser
from app.gui.event_model import what
from app.gui.heatmap_view import HeatmapView
from app.store.db import open_store

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture
def browser(qtbot, demo_db):  # type: ignore[no-untyped-def]
    store = open_store(demo_db.url)
    b = EventBrowser(store, demo_db.folder)
    qtbot.addWidget(b)
    b.resize(1300, 800)
    b.show()
    b.set_store(store, demo_db.folder)
    with qtbot.waitSignal(b.loaded, timeout=30000):
        b.refresh()
    yield b
    store.close()


def _search(qtbot, b: EventBrowser, **values) -> list:  # type: ignore[no-untyped-def]
    b.set_filter(**values)
    with qtbot.waitSignal(b.loaded, timeout=30000):
        qtbot.mouseClick(b.search_button, Qt.MouseButton.LeftButton)
    return b.model.events()


def test_filters_match_the_database(qtbot, browser, demo_db) -> None:  # type: ignore[no-untyped-def]
    con = sqlite3.connect(demo_db.folder / "storesight.db")
    total = con.execute("select count(*) from events").fetchone()[0]
    snaps = con.execute("select count(*) from events where module = 'queue' and type = 'snapshot'").fetchone()[0]
    # the queue's periodic snapshots are hidden by default (they bury the events about people)
    assert browser.model.rowCount() == total - snaps > 50 and snaps > 0
    assert "queue snapshots hidden" in browser.count_label.text()
    with qtbot.waitSignal(browser.loaded, timeout=30000):
        browser.snapshots.setChecked(True)
    assert browser.model.rowCount() == total
    # kinds are listed most frequent first, in words, with their counts
    first = browser.type_box.itemText(1)
    assert first.endswith(")") and "_" not in first
    # a role column: people's events say customer / staff / not yet known
    roles = {browser.model.role(e) for e in browser.model.events() if e.track_id is not None}
    assert roles and roles <= {"customer", "staff", "not yet known"}

    rows = _search(qtbot, browser, module="footfall")
    assert len(rows) == con.execute("select count(*) from events where module = 'footfall'").fetchone()[0]
    assert {e.module for e in rows} == {"footfall"} and all(e.photos for e in rows)  # crossings carry a photo

    rows = _search(qtbot, browser, module="zones", type="dwell", zone="dept_a")
    n = con.execute(
        "select count(*) from events e join zones z on z.id = e.zone_id "
        "where e.type = 'dwell' and z.config_id = 'dept_a'"
    ).fetchone()[0]
    assert len(rows) == n > 0 and {(e.type, e.zone) for e in rows} == {("dwell", "dept_a")}
    # a stay has no photo of its own: the person's photo from the start of the track stands in
    assert browser.model.thumbnail(0) is not None

    # narrow the time: only events inside it remain
    _search(qtbot, browser, module=None, type=None, zone=None)
    f = browser.filters()
    lo, hi = float(f["since"]), float(f["until"])  # type: ignore[arg-type]
    mid = (lo + hi) / 2
    from app.gui.event_browser import _qdt

    browser.since_edit.setDateTime(_qdt(mid, browser.tz))
    rows = _search(qtbot, browser)
    assert 0 < len(rows) < total and all(e.ts >= mid - 60 for e in rows)


def test_paging_past_the_limit(qtbot, browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import app.gui.event_browser as eb

    monkeypatch.setattr(eb, "LIMIT", 100)
    rows = _search(qtbot, browser, module=None, type=None, zone=None)
    assert len(rows) == 100 and browser.older_button.isEnabled() and not browser.newer_button.isEnabled()
    seen = [e.id for e in rows]
    while browser.older_button.isEnabled():
        with qtbot.waitSignal(browser.loaded, timeout=30000):
            browser.older_button.click()
        seen += [e.id for e in browser.model.events()]
    assert len(seen) == len(set(seen)) > 100  # every event once, none skipped or repeated
    assert browser.count_label.text().startswith("events ")
    with qtbot.waitSignal(browser.loaded, timeout=30000):
        browser.newer_button.click()
    assert browser.newer_button.isEnabled() or len(seen) <= 200


def test_full_picture_and_export_of_the_selection(qtbot, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _search(qtbot, browser, module="footfall", type="in")
    dlg = browser.open_event(0)
    assert dlg is not None
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.frame is not None, timeout=30000)
    assert dlg.frame.image is not None and dlg.frame.image.shape == (576, 768, 3)
    assert "video file" in dlg.frame.note
    dlg.close()


    browser.table.selectRow(0)
    browser.table.selectionModel().select(
        browser.model.index(2, 0),
        browser.table.selectionModel().SelectionFlag.Select
        | browser.table.selectionModel().SelectionFlag.Rows,
    )
    out = tmp_path / "sel.csv"
    assert browser.export(out) == 2
    lines = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["type"] for r in lines] == ["in", "in"]
    for r in lines:
        assert r["photo"] and (tmp_path / r["photo"]).stat().st_size > 500
    assert "Exported 2 events" in browser.count_label.text()

    # an event without a photo of its own (a person leaving the view) still shows the person's box,
    # and the dialog speaks in words, not in internal names
    rows = _search(qtbot, browser, module="tracks", type="track_end")
    dlg = browser.open_event(0)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.frame is not None, timeout=30000)
    assert "track_end" not in dlg.windowTitle() and "tracks" not in dlg.windowTitle()
    assert dlg.windowTitle().startswith(what(rows[0]) + " · Walkway camera · ")
    assert "where the person stood" in dlg.frame.note
    amber = np.all(np.abs(dlg.frame.image.astype(int) - (32, 176, 255)) < 8, axis=-1).sum()
    assert amber > 100, "no box drawn"
    # previous / next walk the list without closing the dialog
    assert not dlg.prev_button.isEnabled() and dlg.next_button.isEnabled()
    dlg.next_button.click()
    assert dlg.current.id == rows[1].id and browser.selected_rows() == [1]
    qtbot.waitUntil(lambda: dlg.frame is not None, timeout=30000)
    dlg.prev_button.click()
    assert dlg.current.id == rows[0].id
    dlg.close()


def test_heatmap_view_draws_and_exports(qtbot, demo_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(demo_db.url)
    view = HeatmapView(store, demo_db.folder)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    view.set_store(store, demo_db.folder)
    with qtbot.waitSignal(view.loaded, timeout=30000):
        view.refresh()
    assert view.image is not None and view.image.shape[1] >= 960 and view.export_button.isEnabled()
    assert "people's time" in view.note.text()
    png = view.export(tmp_path / "heat.png")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    view.kind_box.setCurrentIndex(view.kind_box.findData("paths"))
    with qtbot.waitSignal(view.loaded, timeout=30000):
        view.kind_box.activated.emit(view.kind_box.currentIndex())
    assert view.image is not None and "paths" in view.note.text()
    view.role_box.setCurrentIndex(view.role_box.findData("staff"))
    with qtbot.waitSignal(view.loaded, timeout=30000):
        view.role_box.activated.emit(view.role_box.currentIndex())
    assert view.image is None and not view.export_button.isEnabled()
    store.close()
