"""The "Export report" dialog: a period, cameras and people → an Excel workbook and/or CSV files.

The report is built and written on a worker thread (:func:`app.gui.qt_util.run_async`), so the
window stays responsive; the result (or the one-line reason it failed) is shown in the dialog.
The same builder as ``storesight report`` makes it, so the numbers are those of the dashboard
and of ``storesight stats``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from app.gui.period_picker import PeriodPicker
from app.gui.qt_util import form_rows, run_async, vbox
from app.reports.safe import safe_filename
from app.store.db import Store

ROLES = (
    ("customer", "Customers (everyone not marked as staff)"),
    ("staff", "Staff only"),
    ("all", "Everyone"),
)
SEPARATORS = ((";", "; — Excel with a comma decimal (Russian, German…)"), (",", ", — English Excel"))


class ReportDialog(QDialog):
    """Export a report for a period.

    Args:
        store: the database.
        cameras: ``(config id, name)`` of the cameras to offer (all ticked).
        site: the site's name (default file names).
        tz: the site's time zone (the period's days), None for the computer's.
        folder: where the files go by default.
        span: first and last day with data ("All data" in the period picker).
        parent: the parent window.

    Signals:
        exported: the list of files written.

    Example:
        >>> dlg = ReportDialog(store, [("entrance", "Entrance")], site="Demo", tz=None,
        ...                    folder=Path("reports"))              # doctest: +SKIP
        >>> dlg.exec()                                              # doctest: +SKIP
    """

    exported = Signal(list)

    def __init__(
        self,
        store: Store,
        cameras: Sequence[tuple[str, str]],
        *,
        site: str,
        tz: dt.tzinfo | None,
        folder: Path,
        span: tuple[dt.date, dt.date] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export report")
        self.store = store
        self.site = site
        self.tz = tz
        self.folder = Path(folder)
        self.busy = False
        self.written: list[Path] = []

        self.period = PeriodPicker()
        if span is not None:
            self.period.set_data_span(span)
            self.period.set_range(max(span[0], span[1] - dt.timedelta(days=6)), span[1])
        self.camera_list = QListWidget()
        for cam_id, label in cameras:
            item = QListWidgetItem(f"{label} ({cam_id})" if label and label != cam_id else cam_id)
            item.setData(Qt.ItemDataRole.UserRole, cam_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.camera_list.addItem(item)
        self.camera_list.setMaximumHeight(110)
        self.role = QComboBox()
        for key, text in ROLES:
            self.role.addItem(text, key)
        self.compare = QCheckBox("Compare with the previous period of the same length")
        self.compare.setChecked(True)

        self.xlsx_on = QCheckBox("Excel workbook (.xlsx) with charts")
        self.xlsx_on.setChecked(True)
        self.xlsx_path = QLineEdit()
        self.xlsx_browse = QPushButton("Browse…")
        self.csv_on = QCheckBox("CSV files, one per sheet")
        self.csv_dir = QLineEdit()
        self.csv_browse = QPushButton("Browse…")
        self.sep = QComboBox()
        for key, text in SEPARATORS:
            self.sep.addItem(text, key)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)

        form = form_rows(
            ("Period", self.period), ("Cameras", self.camera_list), ("People", self.role), ("", self.compare),
            (self.xlsx_on, _row(self.xlsx_path, self.xlsx_browse)), (self.csv_on, _row(self.csv_dir, self.csv_browse)),
            ("CSV separator", self.sep),
        )  # fmt: skip
        vbox(form, self.status, self.buttons, parent=self)

        self.period.changed.connect(self._default_names)
        self.xlsx_on.toggled.connect(self._enable)
        self.csv_on.toggled.connect(self._enable)
        self.xlsx_browse.clicked.connect(self._pick_xlsx)
        self.csv_browse.clicked.connect(self._pick_csv)
        self.export_button.clicked.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        self._default_names()
        self._enable()
        self.resize(640, 0)

    # --- state --------------------------------------------------------------------------------

    def chosen_cameras(self) -> list[str]:
        """Config ids of the ticked cameras."""
        out = []
        for i in range(self.camera_list.count()):
            item = self.camera_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def _default_names(self) -> None:
        base = safe_filename(f"StoreSight {self.site} {self.period.text().replace(' – ', ' to ')}")
        self.xlsx_path.setText(str(self.folder / f"{base}.xlsx"))
        self.csv_dir.setText(str(self.folder / f"{base} csv"))

    def _enable(self) -> None:
        self.xlsx_path.setEnabled(self.xlsx_on.isChecked())
        self.xlsx_browse.setEnabled(self.xlsx_on.isChecked())
        self.csv_dir.setEnabled(self.csv_on.isChecked())
        self.csv_browse.setEnabled(self.csv_on.isChecked())
        self.sep.setEnabled(self.csv_on.isChecked())
        self.export_button.setEnabled(not self.busy and (self.xlsx_on.isChecked() or self.csv_on.isChecked()))

    def _pick_xlsx(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Save report", self.xlsx_path.text(), "Excel (*.xlsx)")
        if chosen:
            self.xlsx_path.setText(chosen)

    def _pick_csv(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the CSV files", self.csv_dir.text())
        if chosen:
            self.csv_dir.setText(chosen)

    # --- export -------------------------------------------------------------------------------

    def export(self) -> bool:
        """Start building and writing the report; returns False (with the reason shown) if it cannot start."""
        cams = self.chosen_cameras()
        if not cams:
            self.status.setText("Tick at least one camera.")
            return False
        xlsx = Path(self.xlsx_path.text().strip()).expanduser() if self.xlsx_on.isChecked() else None
        csv_dir = Path(self.csv_dir.text().strip()).expanduser() if self.csv_on.isChecked() else None
        if (xlsx is not None and not xlsx.name) or (csv_dir is not None and not csv_dir.name):
            self.status.setText("Give a file name for the workbook and a folder for the CSV files.")
            return False
        since, until = self.period.bounds(self.tz)
        role = str(self.role.currentData())
        compare = self.compare.isChecked()
        sep = str(self.sep.currentData())
        all_cams = len(cams) == self.camera_list.count()
        store, tz = self.store, self.tz

        def work() -> tuple[list[Path], float]:
            from app.reports.builder import build_report
            from app.reports.csvfiles import write_csv
            from app.reports.excel import write_xlsx

            # a UserError (unwritable file, workbook open in Excel) comes back as one line
            report = build_report(store, since, until, None if all_cams else cams, role=role,  # type: ignore[arg-type]
                                  tz=tz, compare=compare)  # fmt: skip
            files = [write_xlsx(report, xlsx)] if xlsx is not None else []
            if csv_dir is not None:
                files += write_csv(report, csv_dir, sep=sep)
            return files, report.seconds

        self.busy = True
        self._enable()
        self.status.setText(f"Building the report for {self.period.text()}…")
        run_async(work, self._done, self._failed)
        return True

    def _done(self, result: tuple[list[Path], float]) -> None:
        files, seconds = result
        self.busy = False
        self._enable()
        self.written = files
        where = files[0] if len(files) == 1 else f"{len(files)} files in {files[-1].parent}"
        self.status.setText(f"Report written: {where} (built in {seconds:.1f} s).")
        self.exported.emit(files)

    def _failed(self, message: str) -> None:
        self.busy = False
        self._enable()
        self.status.setText(f"Not exported: {message}")


def _row(*widgets: QWidget) -> QWidget:
    w = QWidget()
    lay = QHBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    for x in widgets:
        lay.addWidget(x)
    return w
