"""The Models page: the catalogue table, remove/use buttons, using a model for person detection, and a
real training run from the dialog with its progress bar and stop button (worker process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.gui.engine_controller import EngineController
from app.gui.models_page import ModelsPage, TrainDialog, use_for_person_detection
from app.gui.site_document import SiteDocument
from models.catalog import Manifest
from models.nanodet import DEFAULT_MODEL_PATH
from tests.models.test_training import make_dataset

pytestmark = [pytest.mark.gui, pytest.mark.timeout(300)]


def _imported(folder: Path) -> None:
    """An imported detector (the built-in NanoDet's ONNX file under another name) with a manifest."""
    (folder / "people-v2").mkdir(parents=True)
    shutil.copy2(DEFAULT_MODEL_PATH, folder / "people-v2" / "people.onnx")
    Manifest("people-v2", "person_detection", "people.onnx", "onnx", classes=["pedestrian", "cart"],
             class_map={"pedestrian": "person"}, input_size=416, licence="MIT",
             metrics={"mAP50": 0.61, "mAP50-95": 0.33, "per_class": {"pedestrian": {"mAP50-95": 0.33}}}
             ).save(folder / "people-v2")


def test_the_table_lists_every_capability_and_the_buttons_follow_the_selection(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "models"
    _imported(folder)
    used = []
    page = ModelsPage(folder, use_model=lambda e: used.append(e.id) or f"using {e.id}")
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.refresh()
    ids = [page.table.item(r, 1).text() for r in range(page.table.rowCount())]
    assert {"nanodet", "movenet-lightning", "plate-ocr-int8", "haar-plates", "body-colours", "people-v2"} <= set(ids)
    row = ids.index("people-v2")
    assert page.table.item(row, 7).text() == "person, cart"  # mapped classes
    assert page.table.item(row, 9).text() == "mAP50 0.610 · 50-95 0.330"
    assert page.table.item(ids.index("yolo11n.pt"), 3).text() == "missing"
    assert "models ready" in page.status.text()
    page.table.selectRow(row)
    assert page.remove_button.isEnabled() and page.use_button.isEnabled()
    assert "pedestrian → person" in page.detail.text()
    page.table.selectRow(ids.index("plate-ocr-int8"))
    assert not page.remove_button.isEnabled() and not page.use_button.isEnabled()  # built in; not a detector
    page.table.selectRow(row)
    page.use_button.click()
    assert used == ["people-v2"] and page.status.text() == "using people-v2"


def test_the_accuracy_check_scores_the_selected_detector(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import cv2

    from models.speed import read_frames
    from tests.conftest import DEMO_VIDEO

    ds = tmp_path / "set"
    (ds / "images" / "val").mkdir(parents=True)
    (ds / "labels" / "val").mkdir(parents=True)
    cv2.imwrite(str(ds / "images" / "val" / "a.jpg"), read_frames(DEMO_VIDEO, 1)[0])
    (ds / "labels" / "val" / "a.txt").write_text("0 0.5 0.5 0.1 0.2\n")  # a box where nobody stands
    (ds / "data.yaml").write_text(f"path: {ds}\nval: images/val\nnames: [person]\n")
    page = ModelsPage(tmp_path / "models")
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.refresh()
    page.table.selectRow([e.id for e in page.entries].index("nanodet"))
    assert page.check_button.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=120000):  # the check ends with a refresh
        page.check_accuracy(str(ds / "data.yaml"))
    assert page.status.text().endswith("all                   1   0.000     0.000"), page.status.text()


def test_using_a_model_writes_the_site_config(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "models"
    _imported(folder)
    site = tmp_path / "site.yaml"
    site.write_text(f"version: 1\nsite: {{name: Shop}}\ndetector: {{model_dir: {folder}}}\ncameras: []\n")
    doc = SiteDocument.open(site)
    ctl = EngineController(f"sqlite:///{tmp_path / 'e.db'}", tmp_path)
    page = ModelsPage(folder)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.refresh()
    entry = next(e for e in page.entries if e.id == "people-v2")
    msg = use_for_person_detection(doc, ctl, entry)
    assert msg == "Person detection now uses people-v2 (from the next start of the analysis)."
    det = SiteDocument.open(site).config.detector  # written to the file
    assert (det.backend, det.yolo_model, det.model_dir) == ("yolo", "people-v2/people.onnx", str(folder))
    assert ctl.detector is None


def test_the_train_dialog_runs_shows_progress_and_stops(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dlg = TrainDialog(tmp_path / "models")
    qtbot.addWidget(dlg)
    dlg.data.setText(str(tmp_path / "nothing.yaml"))
    assert dlg.start() is False and "Cannot start" in dlg.state.text() and "no such dataset" in dlg.state.text()
    data = make_dataset(tmp_path / "ds", n_train=48, n_val=4)
    dlg.data.setText(str(data))
    dlg.model.setCurrentText("yolo11n.yaml")
    dlg.epochs.setValue(30)
    dlg.imgsz.setValue(64)
    dlg.name.setText("dialog-run")
    dlg.capability.setCurrentIndex(dlg.capability.findData("shelves"))
    assert dlg.start() is True and dlg.running and dlg.stop_button.isEnabled() and not dlg.start_button.isEnabled()
    try:
        qtbot.waitUntil(lambda: dlg.progress.value() > 0, timeout=180000)
        dlg.stop_button.click()
        with qtbot.waitSignal(dlg.finished_run, timeout=180000) as blocker:
            pass
    finally:
        dlg.job.kill()
    result = blocker.args[0]
    assert result["kind"] == "done" and result["stopped"], result
    assert dlg.progress.value() == 1000 and "Registered dialog-run (stopped early)" in dlg.state.text()
    assert dlg.start_button.isEnabled() and not dlg.stop_button.isEnabled()
    assert Manifest.load(tmp_path / "models" / "dialog-run").capability == "shelves"
