"""The dashboard on a database made by ``storesight demo``: its numbers are the database's."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from app.gui.dashboard import DashboardPage
from app.store import metrics
from app.store.db import open_store

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.timeout(600)]


def _count(con: sqlite3.Connection, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])


def test_dashboard_shows_the_demo_numbers_and_filters_by_role(qtbot, demo_db) -> None:  # type: ignore[no-untyped-def]
    store = open_store(demo_db.url)
    page = DashboardPage(store)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    page.set_store(store)
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.refresh()

    con = sqlite3.connect(demo_db.folder / "storesight.db")
    entrance = "select count(*) from events e join zones z on z.id = e.zone_id where z.type = 'entrance_line'"
    ins = _count(con, entrance + " and e.module = 'footfall' and e.type = 'in'")
    outs = _count(con, entrance + " and e.module = 'footfall' and e.type = 'out'")
    visits = _count(con, "select count(*) from events where module = 'visits' and type = 'visit'")
    stays = _count(con, "select count(*) from events where module = 'zones' and type = 'dwell'")
    assert ins >= 5 and visits >= 3  # the demo has people crossing and visiting

    assert page.cards["in"].value.text() == str(ins)
    assert page.cards["out"].value.text() == str(outs)
    assert page.cards["visits"].value.text() == str(visits)
    people = metrics.people_seen(store, role=page.role_box.currentData())  # the catalogue's number
    tracks = _count(con, "select count(*) from tracks where class_id = 0 and role != 'staff'")
    assert people >= tracks > 0  # one per customer track, more where a track was split into role segments
    assert page.cards["visits"].note.text() == f"of {people} people seen"
    assert f"median of {stays} stays" == page.cards["dwell"].note.text()
    assert "nothing recorded" not in page.note.text()
    # the charts hold the same numbers
    hourly = page.data.hourly
    assert int(hourly["in"].sum()) == ins and int(page.data.daily["out"].sum()) == outs
    bars = [i for i in page.hourly.getPlotItem().items if type(i).__name__ == "BarGraphItem"]
    assert len(bars) == 2 and sum(bars[0].opts["height"]) == ins
    occupancy_curves = [i for i in page.occupancy.getPlotItem().items if type(i).__name__ == "PlotDataItem"]
    assert len(occupancy_curves) >= 2  # the two departments
    assert max(s.peak for s in page.data.occupancy) >= 1

    # nobody is staff in the demo: the staff view is empty, everyone = customers
    page.role_box.setCurrentIndex(page.role_box.findData("staff"))
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.role_box.activated.emit(page.role_box.currentIndex())
    assert page.cards["in"].value.text() == "0" and "nothing recorded" in page.note.text()
    page.role_box.setCurrentIndex(page.role_box.findData("all"))
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.role_box.activated.emit(page.role_box.currentIndex())
    assert page.cards["in"].value.text() == str(ins)

    # a period without data
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.period.set_range(dt.date(2020, 1, 1), dt.date(2020, 1, 7), emit=True)
    assert page.data is not None and not page.data.has_data
    store.close()
