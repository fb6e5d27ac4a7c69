"""The "Export report" dialog on the demo database: period, cameras, files written off the GUI thread."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt

from app.gui.qt_util import pending_tasks
from app.gui.report_dialog import ReportDialog
from app.store.db import open_store

pytestmark = [pytest.mark.gui, pytest.mark.timeout(300)]

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def dialog(qtbot, demo_db, tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_db.url)
    dlg = ReportDialog(
        store, [("walkway", "Walkway camera")], site="Demo store", tz=dt.UTC, folder=tmp_path / "reports",
        span=(DAY, DAY),
    )  # fmt: skip
    qtbot.addWidget(dlg)
    dlg.show()
    yield dlg
    qtbot.waitUntil(lambda: pending_tasks() == 0, timeout=60_000)
    store.close()


def test_export_writes_workbook_and_csv(qtbot, dialog: ReportDialog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert dialog.period.text() == "2026-11-20"
    assert dialog.xlsx_path.text() == str(tmp_path / "reports" / "StoreSight Demo store 2026-11-20.xlsx")
    dialog.csv_on.setChecked(True)
    dialog.sep.setCurrentIndex(1)  # ","
    with qtbot.waitSignal(dialog.exported, timeout=120_000) as sig:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        assert not dialog.export_button.isEnabled()  # busy: the work runs on a worker thread
    files = sig.args[0]
    xlsx = tmp_path / "reports" / "StoreSight Demo store 2026-11-20.xlsx"
    assert files[0] == xlsx.resolve() or files[0] == xlsx
    wb = openpyxl.load_workbook(xlsx)
    assert (
        len(files) == 1 + len(wb.sheetnames) >= 11 and dialog.export_button.isEnabled()
    )  # + a CSV per sheet
    assert f"Report written: {len(files)} files in" in dialog.status.text()
    assert wb["Summary"]["B3"].value.startswith("2026-11-20 00:00 – 2026-11-21 00:00")
    assert wb["Footfall by hour"]["B1"].value == "Entrance: in" and wb["Footfall by hour"]["B2"].value > 0
    header = (
        (tmp_path / "reports" / "StoreSight Demo store 2026-11-20 csv" / "visits.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()[0]
    )
    assert header.startswith("Camera,Visits,")


def test_nothing_ticked_or_unwritable_is_one_line(qtbot, dialog: ReportDialog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog.camera_list.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert dialog.export() is False and dialog.status.text() == "Tick at least one camera."
    dialog.camera_list.item(0).setCheckState(Qt.CheckState.Checked)
    (tmp_path / "taken").mkdir()
    dialog.xlsx_path.setText(str(tmp_path / "taken"))
    assert dialog.export() is True
    qtbot.waitUntil(lambda: not dialog.busy, timeout=120_000)
    assert dialog.status.text().startswith("Not exported: ") and "is a folder" in dialog.status.text()
    dialog.xlsx_on.setChecked(False)
    assert not dialog.export_button.isEnabled()  # neither format chosen
