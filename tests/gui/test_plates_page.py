"""The Plates page: reads from the database, look-alike search, photos and a vehicle's visits."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from app.config import SiteConfig
from app.gui.plates_page import PlatesPage
from app.store.db import open_store
from app.store.records import EventRecord, PhotoRecord
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from models.plates.synth import TRAIN_FONTS, find_fonts, render_plate

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]

SITE = {"site": {"name": "Parking"}, "cameras": [{"id": "gate", "source": "gate.mp4"}]}


def _read(ts: float, text: str, direction: str, photo: bytes | None = None) -> EventRecord:
    photos = (PhotoRecord(photo, "plate"),) if photo else ()
    payload = {"text": text, "confidence": 0.93, "direction": direction, "uncertain": False, "listed": None}
    return EventRecord("gate", ts, "plates", "read", None, None, payload, photos)


def test_plates_page_search_photos_and_visits(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    ids = sync_site(store, SiteConfig.model_validate(SITE))
    plate = render_plate("А123ВС77", "private", 1, find_fonts(TRAIN_FONTS)[0])
    jpeg = cv2.imencode(".jpg", plate)[1].tobytes()
    t0 = 1_790_000_000.0
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(ids["gate"], "gate.mp4")
        w.put_event(run, _read(t0, "А123ВС77", "in", jpeg))
        w.put_event(run, _read(t0 + 3600, "А123ВС77", "out"))
        w.put_event(run, _read(t0 + 7200, "Е777КХ199", "in"))
        w.flush()
    page = PlatesPage(store, tmp_path)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=60000):
        page.refresh()
    assert page.table.rowCount() == 3
    assert page.table.item(0, 2).text() == "Е777КХ199"  # newest first
    page.search.setText("a123 bc")  # Latin look-alikes, spaces: still the plate
    assert page.table.rowCount() == 2 and page.count_label.text() == "2 reads of 3"
    page.table.selectRow(1)  # the older read, which has the plate photo
    assert page.selected_row() is not None and page.selected_row().ts == t0
    assert not page.plate_photo.pixmap().isNull()
    assert "2 visits" not in page.visits.text()  # one entry: one visit, parked an hour
    assert "1 visit (1 in, 1 out, parked 60 min in all)" in page.visits.text()
    page.search.setText("999")
    assert page.table.rowCount() == 0
    store.close()
