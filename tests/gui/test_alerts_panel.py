"""Alert popups read from the database; acknowledging and snoozing are stored there."""

from __future__ import annotations

import re
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
    names = {("tills", None): ("Tills camera", ""), ("tills", "queue"): ("Tills camera", "Checkout queue")}
    panel = AlertsPanel(StoreAlertFeed(store), window, names=lambda c, z: names[(c, z)])
    panel.resize(340, 700)
    counts: list[int] = []
    panel.countChanged.connect(counts.append)
    window.show()
    with qtbot.waitSignal(panel.countChanged, timeout=60000):  # (the worker pool may be busy)
        panel.poll()
    # a2 cleared by itself, "old" is older than the last hours: two cards, newest first
    texts = [c.alert.message for c in panel.cards()]
    assert texts == ["queue expected to reach 8 in 10 min", "6 people in the queue: open another checkout"]
    card = panel.cards()[1]
    # what, where (human names), since when, what to do — never ids
    assert card.title.text() == "<b>Queue too long</b>"
    assert card.where.text() == "Checkout queue · Tills camera"
    assert re.fullmatch(r"since \d\d:\d\d \(\d+ min\)", card.since.text()), card.since.text()
    assert card.todo.text().startswith("➜ Open another checkout")
    # text is never clipped: every label gets the height its wrapped text needs
    qtbot.waitUntil(lambda: card.isVisible())
    for label in (card.title, card.where, card.message, card.todo):
        assert label.height() >= label.heightForWidth(label.width()) - 1, label.text()
    # the history lists the ended alert with its end time
    assert panel.table.rowCount() == 3
    statuses = sorted(panel.table.item(r, 2).text() for r in range(3))
    assert statuses == ["ended by itself", "open", "open"]
    ended = next(r for r in range(3) if panel.table.item(r, 2).text() == "ended by itself")
    assert panel.table.item(ended, 3).text() != "—"
    assert panel.summary.text() == "2 open alerts"

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
    assert not panel.cards() and counts[-1] == 0
    # a snoozed alert is counted as snoozed, not as "no alerts"
    assert panel.summary_text() == "No open alerts · 1 snoozed"
    statuses = sorted(panel.table.item(r, 2).text() for r in range(3))
    assert statuses == [f"acknowledged by {panel.user}" if panel.user else "acknowledged", "ended by itself", "snoozed"]
    store.close()


def test_every_alert_type_has_words_and_an_action() -> None:
    from app.gui.alerts_panel import ALERT_WORDS, alert_words
    from app.store.alerts import AlertRow

    for (module, kind), (what, todo) in ALERT_WORDS.items():
        row = AlertRow(1, 0.0, None, "c", None, module, kind, "", {}, (), "open", None, "", None)
        assert alert_words(row) == (what, todo) and what and todo.endswith(".")
    odd = AlertRow(1, 0.0, None, "c", None, "doorbell", "ring", "", {}, (), "open", None, "", None)
    what, todo = alert_words(odd)
    assert what == "Doorbell alert (ring)" and todo  # (a module the event catalogue does not know)
