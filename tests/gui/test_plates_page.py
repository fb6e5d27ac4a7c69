"""The Plates page: reads from the database, look-alike search, photos and a vehicle's visits."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from PySide6.QtCore import Qt

from app.config import SiteConfig
from app.gui.plates_page import PlatesPage
from app.store.db import open_store
from app.store.records import EventRecord, PhotoRecord
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from models.plates.synth import TRAIN_FONTS, find_fonts, render_plate

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]

SITE = {"site": {"name": "Parking"}, "cameras": [{"id": "gate", "source": "gate.mp4"}]}


def _read(
    ts: float, text: str, direction: str, photo: bytes | None = None, listed: str | None = None
) -> EventRecord:
    photos = (PhotoRecord(photo, "plate"),) if photo else ()
    payload = {"text": text, "confidence": 0.93, "direction": direction, "uncertain": False, "listed": listed}
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
        w.put_event(run, _read(t0 + 7200, "Е777КХ199", "in", listed="watch"))
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
    page.search.clear()
    page.list_filter.setCurrentIndex(page.list_filter.findData("watch"))
    assert page.table.rowCount() == 1 and page.table.item(0, 5).text() == "watch"
    assert page.count_label.text() == "1 read of 3"
    page.list_filter.setCurrentIndex(page.list_filter.findData("none"))
    assert [page.table.item(i, 2).text() for i in range(page.table.rowCount())] == ["А123ВС77", "А123ВС77"]
    page.list_filter.setCurrentIndex(page.list_filter.findData("deny"))
    assert page.table.rowCount() == 0
    store.close()


def test_small_plates_are_warned_about_and_uncertain_reads_are_marked_not_counted(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    ids = sync_site(store, SiteConfig.model_validate(SITE))
    t0 = 1_790_000_000.0
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(ids["gate"], "gate.mp4")
        for i in range(6):  # the gate camera's plates are ~70 px wide
            rec = _read(t0 + 60 * i, f"А{100 + i}ВС77", "in")
            rec.payload["plate_px"] = 68.0 + i
            w.put_event(run, rec)
        unsure = _read(t0 + 600, "В555ХМ77", "in")
        unsure.payload.update(uncertain=True, confidence=0.41, plate_px=66.0)
        w.put_event(run, unsure)
        w.flush()
    page = PlatesPage(store, tmp_path)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=60000):
        page.refresh()
    assert page.size_warning.isVisible()
    assert page.size_warning.text() == (
        "Plates on camera gate are 70 px wide (median of the last 7 reads); reads are reliable from "
        "~130 px — zoom in or move the camera."
    )
    assert page.table.item(0, 2).text() == "В555ХМ77  (uncertain)"  # stored and shown, marked
    page.table.selectRow(0)
    assert "uncertain read, not counted as a visit" in page.visits.text()
    page.table.selectRow(1)
    assert "1 visit (1 in, 0 out)" in page.visits.text()
    store.close()


def test_plate_lists_are_edited_and_saved_to_the_site_yaml(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Add (Latin look-alikes typed), refuse an impossible plate, move, remove: the YAML follows."""
    from ruamel.yaml import YAML

    from app.gui.site_document import SiteDocument

    path = tmp_path / "site.yaml"
    path.write_text(
        "# my parking\nversion: 1\nsite:\n  name: Parking\ncameras:\n"
        "  - id: lobby\n    source: lobby.mp4\n"
        "  - id: gate  # the barrier\n    source: gate.mp4\n    modules:\n      plates:\n        enabled: true\n",
        encoding="utf-8",
    )
    doc = SiteDocument.open(path)
    page = PlatesPage(None, tmp_path, doc)
    qtbot.addWidget(page)
    page.show()
    lists = page.lists
    assert lists is not None and lists.camera.currentData() == "gate"  # plates-enabled camera first

    def saved() -> dict:  # type: ignore[type-arg]
        return YAML(typ="safe").load(path.read_text(encoding="utf-8"))["cameras"][1]["modules"]["plates"]

    lists.plate.setText("a 123 bc 77")
    lists.which.setCurrentText("deny")
    lists.note.setText("drove off without paying")
    qtbot.mouseClick(lists.add_button, Qt.MouseButton.LeftButton)
    assert saved()["deny"] == ["А123ВС77"] and saved()["notes"] == {"А123ВС77": "drove off without paying"}
    assert "# the barrier" in path.read_text(encoding="utf-8")  # the user's comments survive
    assert lists.entries() == [("А123ВС77", "deny", "drove off without paying")]

    before = path.read_text(encoding="utf-8")
    for bad in ("A123BC00", "Q123QQ77", "hello"):  # unknown region, not a plate letter, nonsense
        lists.plate.setText(bad)
        lists.add()
        assert "is not a Russian licence plate" in lists.message.text() and bad in lists.message.text()
        assert path.read_text(encoding="utf-8") == before  # nothing written
        assert lists.plate.text() == bad  # kept for correcting

    lists.plate.setText("E777KX199")
    lists.which.setCurrentText("watch")
    lists.add()
    lists.plate.setText("А123ВС77")  # move it from deny to allow, without a note
    lists.which.setCurrentText("allow")
    lists.add()
    got = saved()
    assert got["deny"] == [] and got["watch"] == ["Е777КХ199"] and got["allow"] == ["А123ВС77"]
    assert got.get("notes", {}) == {}
    assert doc.camera("gate").modules.plates.list_of("Е777КХ199") == "watch"

    lists.table.selectRow([r[0] for r in lists.entries()].index("Е777КХ199"))
    qtbot.mouseClick(lists.remove_button, Qt.MouseButton.LeftButton)
    assert saved()["watch"] == [] and lists.table.rowCount() == 1
    reloaded = SiteDocument.open(path).camera("gate").modules.plates
    assert reloaded.allow == ["А123ВС77"] and reloaded.deny == reloaded.watch == []
