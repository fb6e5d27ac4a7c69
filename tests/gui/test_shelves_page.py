"""The Shelves page, the left-item alert card and shelf/objects events in the event browser (offscreen Qt).

The database holds what the real shelf module wrote while measuring rendered shelf pictures (one
gap refilled, one still open) and the objects module's records of a bag left behind
(tests/fixtures_shelves.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.gui.alerts_panel import AlertsPanel, StoreAlertFeed
from app.gui.event_browser import EventBrowser
from app.gui.event_model import details
from app.gui.shelves_page import ShelvesPage, draw_state, load_shelves
from app.store import metrics
from app.store.db import open_store
from tests.fixtures_shelves import END, T0, build_shelf_store, shelf_site

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def shelf_db(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("shelfgui")
    store = build_shelf_store(f"sqlite:///{d / 's.db'}", d)
    return store, d


def test_page_shows_the_shelf_its_gaps_and_the_catalogue_numbers(qtbot, shelf_db) -> None:  # type: ignore[no-untyped-def]
    store, data = shelf_db
    page = ShelvesPage(store, data)
    qtbot.addWidget(page)
    page.resize(1400, 860)
    page.show()
    page.set_period(T0 - 3600, T0 + 86400)
    with qtbot.waitSignal(page.loaded, timeout=60000):
        page.refresh()
    assert [page.shelf_box.itemText(i) for i in range(page.shelf_box.count())] == ["Cereals · Aisle 3"]
    want = metrics.shelf_numbers(store, T0 - 3600, T0 + 86400).iloc[0]
    assert page.values["shelf_gaps"].text() == str(want.shelf_gaps) == "1"
    assert page.values["shelf_open_now"].text() == "1"
    assert page.values["shelf_lost_sales"].text() == f"≈ {want.shelf_lost_sales:,.2f}"
    assert "your conversion 10%" in page.estimate.text() and "4.50" in page.estimate.text()
    # open gap first, then the refilled one
    status = [page.table.item(r, 9).text() for r in range(page.table.rowCount())]
    assert [page.table.item(r, 7).text() for r in range(2)] == ["–", "1"]  # one shopper reached into the gap
    assert status == ["open: still empty", "refilled"]
    assert [page.table.item(r, 1).text() + "/" + page.table.item(r, 2).text() for r in range(2)] == ["2/3", "1/2"]
    # the picture: the stored full reference with the open gap (row 2, segment 3) filled red
    assert page.picture.pixmap() is not None and not page.picture.pixmap().isNull()
    assert "photo of the newest open gap" in page.caption.text() and "row 2 segment 3" in page.caption.text()
    # selecting the refilled gap shows its photo
    page.table.selectRow(1)
    assert "gap outlined" in page.caption.text()


def test_open_gaps_are_drawn_red_with_their_age(shelf_db) -> None:  # type: ignore[no-untyped-def]
    store, data = shelf_db
    (view,) = load_shelves(store, T0 - 3600, T0 + 86400, data)
    assert (view.rows, view.columns) == (3, 4) and view.reference is not None
    base = np.full((576, 768, 3), 128, np.uint8)
    out = draw_state(base, view, None, now=T0 + END)
    from models.shelf import ShelfGeometry

    geo = ShelfGeometry(np.float32(view.points) * [768, 576], rows=3, columns=4)
    import cv2

    def inside(seg: int) -> np.ndarray:
        m = np.zeros((576, 768), np.uint8)
        cv2.fillPoly(m, [geo.segment_polygon(seg).astype(np.int32)], 1)
        return np.median(out[cv2.erode(m, np.ones((7, 7), np.uint8)) > 0], axis=0)

    b, g, r = inside(6)  # the open gap
    assert r > b + 40 and r > g + 40  # red
    assert np.array_equal(inside(0), base[0, 0])  # a full segment: untouched
    # a period that ends before the first gap began: nothing; one that ends while it is open: open then
    (early,) = load_shelves(store, T0 - 3600, T0 + 50, data)
    assert early.open == [] and early.gaps == []
    (mid,) = load_shelves(store, T0 - 3600, T0 + 200, data)
    assert [g.segment for g in mid.open] == [1] and mid.gaps == []


def test_empty_database_explains_how_to_set_up_a_shelf(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = ShelvesPage(open_store(f"sqlite:///{tmp_path / 'e.db'}"), tmp_path)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=60000):
        page.refresh()
    assert page.shelf_box.count() == 0 and "No shelf zones yet" in page.picture.text()


def test_config_zones_show_before_any_analysis(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.shelves.sim import make_scene

    site = shelf_site(make_scene(11))
    (view,) = load_shelves(open_store(f"sqlite:///{tmp_path / 'e.db'}"), None, None, tmp_path, site)
    assert (view.label, view.rows, view.columns, view.numbers, view.reference) == ("Cereals · Aisle 3", 3, 4, None, None)


def test_left_item_alert_pops_up_with_the_item_and_its_photos(qtbot, shelf_db) -> None:  # type: ignore[no-untyped-def]
    store, data = shelf_db
    names = {("aisle", None): ("Aisle 3", ""), ("aisle", "cereal"): ("Aisle 3", "Cereals")}
    panel = AlertsPanel(StoreAlertFeed(store, max_age_hours=None), names=lambda c, z: names[(c, z)])
    panel.data_dir = data
    qtbot.addWidget(panel)
    panel.resize(340, 800)
    panel.show()
    arrived: list[bool] = []
    panel.alertArrived.connect(lambda: arrived.append(True))
    with qtbot.waitSignal(panel.countChanged, timeout=60000):
        panel.poll()
    cards = panel.cards()
    # the shelf alert ended when the segment was refilled: only the bag is open
    assert [c.title.text() for c in cards] == ["<b>Item left behind</b>"] and arrived
    card = cards[0]
    assert "backpack left behind for 75 s" in card.message.text().lower()
    assert "person it came with" in card.todo.text()
    assert len(card.thumbs) == 2 and all(not t.pixmap().isNull() for t in card.thumbs)  # the item and the frame
    shelf = [a for a in panel.history if a.module == "shelf"]
    assert len(shelf) == 1 and shelf[0].status == "resolved"
    assert shelf[0].ts_end is not None and 100 < shelf[0].ts_end - shelf[0].ts < 150  # refilled 2 min after


def test_event_browser_lists_shelf_and_objects_events_with_photos(qtbot, shelf_db) -> None:  # type: ignore[no-untyped-def]
    store, data = shelf_db
    browser = EventBrowser(store, data)
    qtbot.addWidget(browser)
    browser.resize(1400, 800)
    browser.show()
    browser.set_period(T0 - 60, T0 + 86400)
    browser.refresh()
    qtbot.waitUntil(lambda: not browser.loading and browser.model.rowCount() > 0, timeout=60000)
    evs = browser.model.events()
    kinds = {(e.module, e.type) for e in evs}
    assert {("shelf", "gap"), ("shelf", "gap_start"), ("shelf", "reference"), ("objects", "left")} <= kinds
    gap = next(i for i, e in enumerate(evs) if (e.module, e.type) == ("shelf", "gap"))
    text = details(evs[gap])
    assert "row 1 segment 2" in text and "restocked after" in text and "lost sales ≈" in text
    assert browser.model.thumbnail(gap) is not None
    left = next(i for i, e in enumerate(evs) if (e.module, e.type) == ("objects", "left"))
    assert "backpack, still 75 s, owner track 7" in details(evs[left])
    dlg = browser.open_event(left)
    assert dlg is not None
    qtbot.waitUntil(lambda: dlg.frame is not None, timeout=30000)
    assert dlg.frame.image is not None  # the stored frame with the item outlined
    dlg.close()
