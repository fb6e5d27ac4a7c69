"""Alert popups read from the database; acknowledging and snoozing are stored there."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.config import SiteConfig
from app.gui.alerts_panel import AlertsPanel, StoreAlertFeed
from app.store import alerts
from app.store.db import open_store
from app.store.records import EventRecord
from app.store.sync import sync_site
from app.store.writer import StoreWriter

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]

SITE = {
    "site": {"name": "Alert shop"},
    "cameras": [
        {
            "id": "tills",
            "source": "tills.mp4",
            "zones": [{"id": "queue", "name": "Queue", "type": "queue", "points": [[0, 0], [1, 0], [1, 1]]}],
        }
    ],
}


def _alert(ts: float, aid: str, message: str) -> EventRecord:
    return EventRecord(
        "tills", ts, "queue", "alert", None, "queue", {"alert_id": aid, "kind": "length", "message": message}
    )


def test_open_alerts_pop_up_and_acknowledgements_are_kept(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    ids = sync_site(store, SiteConfig.model_validate(SITE))
    now = time.time()
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(ids["tills"], "tills.mp4")
        w.put_event(run, _alert(now - 60, "a1", "6 people in the queue: open another checkout"))
        w.put_event(run, _alert(now - 50, "a2", "wait over 5 min"))
        w.put_event(
            run,
            EventRecord(
                "tills", now - 50, "queue", "alert_end", None, "queue", {"alert_id": "a2"}, ts_end=now - 20
            ),
        )
        w.put_event(run, _alert(now - 40, "a3", "queue expected to reach 8 in 10 min"))
        w.put_event(run, _alert(now - 30 * 3600, "old", "yesterday's alert"))
        w.flush()

    window = QWidget()
    window.resize(1200, 800)
    qtbot.addWidget(window)
    panel = AlertsPanel(StoreAlertFeed(store), window)
    counts: list[int] = []
    panel.countChanged.connect(counts.append)
    window.show()
    with qtbot.waitSignal(panel.countChanged, timeout=10000):
        panel.poll()
    # a2 cleared by itself, "old" is older than the popup window: two cards, newest first
    texts = [c.alert.message for c in panel.cards()]
    assert texts == ["queue expected to reach 8 in 10 min", "6 people in the queue: open another checkout"]
    assert panel.isVisible() and panel.x() > 700  # in the top-right corner

    first = panel.cards()[1]
    qtbot.mouseClick(first.ack, Qt.MouseButton.LeftButton)
    assert len(panel.cards()) == 1  # gone at once, stored on a worker thread
    msg = "6 people in the queue: open another checkout"
    qtbot.waitUntil(
        lambda: {a.message: a.status for a in alerts.alerts(store)}[msg] == "acknowledged", timeout=10000
    )
    stored = {a.message: a for a in alerts.alerts(store)}
    assert stored["6 people in the queue: open another checkout"].status == "acknowledged"
    assert stored["6 people in the queue: open another checkout"].acknowledged_by == panel.user

    qtbot.waitUntil(lambda: not panel.busy and not panel._handled, timeout=10000)
    qtbot.wait(100)  # let the rebuilt card be laid out where the click lands
    qtbot.mouseClick(panel.cards()[0].later, Qt.MouseButton.LeftButton)
    later = "queue expected to reach 8 in 10 min"
    qtbot.waitUntil(
        lambda: {a.message: a.status for a in alerts.alerts(store)}[later] == "snoozed", timeout=10000
    )
    qtbot.waitUntil(lambda: not panel.busy and not panel._handled, timeout=10000)
    assert not panel.cards()
    assert not panel.isVisible() and counts[-1] == 0
    store.close()
