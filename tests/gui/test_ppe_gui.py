"""PPE in the window: the dashboard's compliance card and the violations (with photos) in the events.

The records are the PPE stage's own (a scripted backend decides who wears what), written through
the real store writer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import SiteConfig
from app.events import event_words
from app.gui.dashboard import DashboardPage
from app.gui.event_data import find_events
from app.store.db import open_store
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from tests.engine.test_ppe_stage import PpeStage, Scripted, _run, _site

pytestmark = pytest.mark.gui

T0 = 1_795_168_800.0  # 2026-11-20 10:00 UTC


def _ppe_store(url: str, data: Path):
    site: SiteConfig = _site(["helmet", "vest"])
    store = open_store(url)
    cams = sync_site(store, site)
    be = Scripted()
    be.script = {1: (0.1, 0.9), 2: (0.9, 0.9)}  # 1 has no helmet, 2 wears both
    stage = PpeStage(site.cameras[0], be, lost_after=1.0)
    recs = _run(stage, be, {1: 50.0, 2: 120.0}, T0, T0 + 4.0) + _run(stage, be, {}, T0 + 4.0, T0 + 6.0)
    with StoreWriter(store, data) as w:
        run = w.start_run(cams["c"], "c.mp4")
        for r in recs:
            w.put_event(run, r)
        w.finish_run(run, RunStatus.COMPLETE, frames=24, first_ts=T0, last_ts=T0 + 6.0)
        w.flush()
    return store


def test_dashboard_shows_ppe_compliance_and_the_events_list_violations_with_photos(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store = _ppe_store(f"sqlite:///{tmp_path / 'p.db'}", tmp_path)
    page = DashboardPage(store)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    page.set_store(store)
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.refresh()
    card = page.cards["ppe"]
    assert card.isVisible()
    assert card.value.text() == "50 %" and card.note.text() == "2 checked · 1 violation"
    rows = find_events(store, module="ppe", type="violation")
    assert len(rows) == 1 and rows[0].photos  # the violator's crop, head and torso outlined
    assert (
        event_words("ppe", "violation") == "Worked without PPE"
        and event_words("ppe", "alert") == "PPE violation"
    )
    assert (tmp_path / rows[0].photos[0].path).is_file()


def test_the_ppe_card_stays_hidden_without_ppe_data(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path / 'e.db'}")
    page = DashboardPage(store)
    qtbot.addWidget(page)
    page.show()
    page.set_store(store)
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.refresh()
    assert not page.cards["ppe"].isVisible()
