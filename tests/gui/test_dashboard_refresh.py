"""The dashboard refreshes itself while the analysis runs: new rows appear, only while it is on screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QTabWidget, QWidget

from app.config import SiteConfig
from app.gui.dashboard import AUTO_REFRESH_MS, DashboardPage
from app.store.db import Store
from app.store.records import EventRecord
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from tests.fixtures_stats import SITE, T0, build_store

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]

DAY = 86400.0
TICK_MS = 100  # the interval the tests use instead of AUTO_REFRESH_MS


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = build_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    yield s
    s.close()


def _walk_in(store: Store, data_dir: Path, *times: float) -> None:
    """Customers crossing the entrance line in, as a running camera stores them."""
    cams = sync_site(store, SiteConfig.model_validate(SITE))
    with StoreWriter(store, data_dir) as w:
        run = w.start_run(cams["door"], "live")
        for t in times:
            w.put_event(
                run,
                EventRecord("door", t, "footfall", "in", zone_id="entrance", payload={"role": "customer"}),
            )
        w.flush()


def _page(qtbot, store: Store) -> DashboardPage:  # type: ignore[no-untyped-def]
    page = DashboardPage(store)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.set_store(store)
        page.refresh()
    return page


def test_refreshes_itself_with_new_rows_only_while_visible(qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, store)
    assert page.cards["in"].value.text() == "4" and page.period.dates() == (
        dt.date(2026, 11, 14),
        dt.date(2026, 11, 20),
    )
    assert AUTO_REFRESH_MS >= 10_000 and not page.auto_timer.isActive()  # off until the analysis runs
    loads: list[int] = []
    page.loaded.connect(lambda: loads.append(1))

    page.set_auto_refresh(True, TICK_MS)
    # a customer two days later: the "7 days" period moves on to the newest data and counts them
    _walk_in(store, tmp_path, T0 + 2 * DAY)
    qtbot.waitUntil(lambda: page.cards["in"].value.text() == "5", timeout=30000)
    assert page.period.dates() == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert page.period.quick_key == "7" and "2026-11-16 – 2026-11-22" in page.note.text()

    # another tab is in front: no refresh, however many ticks pass
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "Live")
    tabs.addTab(page, "Dashboard")
    tabs.show()
    tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not page.isVisible() and not page.loading, timeout=30000)
    _walk_in(store, tmp_path, T0 + 2 * DAY + 60)
    loads.clear()
    qtbot.wait(8 * TICK_MS)
    assert loads == [] and page.cards["in"].value.text() == "5"

    tabs.setCurrentIndex(1)  # back on screen: the next tick brings the new row
    qtbot.waitUntil(lambda: page.cards["in"].value.text() == "6", timeout=30000)

    page.set_auto_refresh(False)  # the analysis stopped
    qtbot.waitUntil(lambda: not page.loading, timeout=30000)
    _walk_in(store, tmp_path, T0 + 2 * DAY + 120)
    loads.clear()
    qtbot.wait(5 * TICK_MS)
    assert loads == [] and page.cards["in"].value.text() == "6"


def test_today_moves_with_the_clock_and_fixed_days_stay(qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, store)
    now = [T0 + 12 * 3600 + 59 * 60]  # 2026-11-20 23:59 in Berlin
    page.period.clock = lambda: now[0]
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.period.buttons["today"].click()
    assert page.period.dates() == (dt.date(2026, 11, 20),) * 2 and page.cards["in"].value.text() == "4"

    page.set_auto_refresh(True, TICK_MS)
    now[0] += 120  # past midnight: "Today" is the 21st, with nobody yet
    qtbot.waitUntil(lambda: page.period.dates() == (dt.date(2026, 11, 21),) * 2, timeout=30000)
    qtbot.waitUntil(lambda: page.cards["in"].value.text() == "0", timeout=30000)
    _walk_in(store, tmp_path, now[0] - 30)
    qtbot.waitUntil(lambda: page.cards["in"].value.text() == "1", timeout=30000)

    # days picked by hand do not move
    page.set_auto_refresh(False)
    qtbot.waitUntil(lambda: not page.loading, timeout=30000)
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.period.first.setDate(page.period.first.date().addDays(-1))
    assert page.period.quick_key is None and page.cards["in"].value.text() == "5"
    loads: list[int] = []
    page.loaded.connect(lambda: loads.append(1))
    page.set_auto_refresh(True, TICK_MS)
    now[0] += DAY
    qtbot.waitUntil(lambda: len(loads) >= 2, timeout=30000)  # it went on refreshing...
    page.set_auto_refresh(False)
    qtbot.waitUntil(lambda: not page.loading, timeout=30000)
    assert page.period.dates() == (dt.date(2026, 11, 20), dt.date(2026, 11, 21))  # ...on the same days


def test_a_result_for_filters_changed_meanwhile_is_dropped(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, store)
    loads: list[str] = []
    page.loaded.connect(lambda: loads.append(page.data.role if page.data else ""))
    page.refresh()  # the worker reads the customers' numbers...
    assert page.loading
    page.role_box.setCurrentIndex(page.role_box.findData("staff"))  # ...while the filter changes
    qtbot.waitUntil(lambda: bool(loads), timeout=30000)
    qtbot.waitUntil(lambda: not page.loading, timeout=30000)
    assert loads == ["staff"]  # the customers' result never reached the screen
    assert page.cards["in"].value.text() == "1"  # the staff member who came in


def test_the_main_window_turns_it_on_while_the_analysis_runs(qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.gui.app import build_window, resolve_setup

    setup = resolve_setup(None, f"sqlite:///{tmp_path / 's.db'}")
    win = build_window(setup)
    qtbot.addWidget(win)
    win.show()
    assert not win.dashboard.auto_timer.isActive()
    win.controller.started.emit("NanoDet")  # what the controller says once the engine runs
    assert win.dashboard.auto_timer.isActive() and win.dashboard.auto_timer.interval() == AUTO_REFRESH_MS
    win.controller.stopped.emit()
    assert not win.dashboard.auto_timer.isActive()
    win.close()
    setup.store.close()
