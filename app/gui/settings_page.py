"""Settings: site, detector backend and thresholds, per-camera stride and frame rate, storage.

Everything is written to the same site config file, validated like the file itself; labels and
tooltips are the config fields' titles and descriptions. Detector changes apply at the next
start of the analysis.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.config import (
    CameraConfig,
    DetectorConfig,
    NotificationsConfig,
    ReportsConfig,
    SiteInfo,
    StorageConfig,
    TelegramConfig,
    config_to_dict,
)
from app.errors import UserError
from app.gui.backend_status import BackendStatus, backend_status
from app.gui.qt_util import field_label, float_spin, int_spin, run_async
from app.gui.site_document import SiteDocument

BACKENDS = (
    ("auto", "Automatic (best available)"),
    ("yolo", "Ultralytics YOLO"),
    ("nanodet", "Built-in NanoDet (CPU)"),
)


#: The cameras table: header (two short lines: never clipped) and tooltip.
CAMERA_COLUMNS = (
    ("Camera", "The camera's name."),
    ("Detect every\nN-th frame", "1 analyses every frame; 2 every second one (half the work)…"),
    ("Max frame\nrate", "Frames per second read from the camera at most (0: as the camera sends)."),
    ("Queue alert\nat", "Alert when this many people wait in a checkout queue of this camera (off: never)."),
    ("Wait alert\nafter", "Alert when a customer has waited this long in the queue (off: never)."),
)


class SettingsPage(QWidget):
    """Edit the site's settings and save them to the config file.

    Signals:
        saved: the settings were written (the main window may suggest restarting the analysis).

    Example:
        >>> page = SettingsPage(doc); page.confidence.setValue(0.5); page.save()   # doctest: +SKIP
        True
    """

    saved = Signal()

    def __init__(self, document: SiteDocument) -> None:
        super().__init__()
        self.document = document
        self.running_backend = ""
        self.statuses: list[BackendStatus] = []
        self._checked_for: tuple[object, ...] | None = None

        # site
        self.site_name = QLineEdit()
        self.region = QLineEdit()
        self.timezone = QLineEdit()
        self.timezone.setPlaceholderText("e.g. Europe/Moscow (empty: this computer's)")
        site = QGroupBox("Site")
        sf = QFormLayout(site)
        sf.addRow(field_label(SiteInfo, "name", self.site_name), self.site_name)
        sf.addRow(field_label(SiteInfo, "region", self.region), self.region)
        sf.addRow(field_label(SiteInfo, "timezone", self.timezone), self.timezone)

        # detector
        self.backend = QComboBox()
        for key, text in BACKENDS:
            self.backend.addItem(text, key)
        self.yolo_model = QLineEdit()
        self.model_dir = QLineEdit()
        self.model_dir.setPlaceholderText("the data folder's models/")
        self.device = QComboBox()
        self.device.setEditable(True)
        self.device.addItems(["auto", "cpu", "cuda", "cuda:0", "cuda:1"])
        self.confidence = float_spin(0.01, 1.0, step=0.05)
        self.classes = QLineEdit()
        self.classes.setPlaceholderText("person")
        self.box_expand = float_spin(0.0, 1.0, step=0.05)
        self.iou = float_spin(0.05, 0.95, step=0.05)
        # detector internals: under "Advanced", out of a manager's way
        self.advanced = QGroupBox("Advanced: detector internals")
        af = QFormLayout(self.advanced)
        self.precision = QComboBox()
        self.precision.addItems(["float", "int8"])
        af.addRow(field_label(DetectorConfig, "precision", self.precision), self.precision)
        af.addRow(field_label(DetectorConfig, "box_expand", self.box_expand), self.box_expand)
        af.addRow(field_label(DetectorConfig, "iou", self.iou), self.iou)
        self.advanced.hide()
        self.show_advanced = QCheckBox("Show advanced settings")
        self.show_advanced.toggled.connect(self.advanced.setVisible)
        det = QGroupBox("Detection")
        df = QFormLayout(det)
        df.addRow(field_label(DetectorConfig, "backend", self.backend), self.backend)
        df.addRow(field_label(DetectorConfig, "yolo_model", self.yolo_model), self.yolo_model)
        df.addRow(field_label(DetectorConfig, "model_dir", self.model_dir), self._with_browse(self.model_dir))
        df.addRow(field_label(DetectorConfig, "device", self.device), self.device)
        df.addRow(field_label(DetectorConfig, "confidence", self.confidence), self.confidence)
        df.addRow(field_label(DetectorConfig, "classes", self.classes), self.classes)
        df.addRow("", self.show_advanced)
        df.addRow(self.advanced)
        self.status_box = QGroupBox("Detector backends on this computer")
        self.status_layout = QVBoxLayout(self.status_box)
        self.status_layout.addWidget(QLabel("checking…"))

        # cameras
        self.cameras = QTableWidget(0, len(CAMERA_COLUMNS))
        self.cameras.setHorizontalHeaderLabels([c for c, _ in CAMERA_COLUMNS])
        for col, (_, tip) in enumerate(CAMERA_COLUMNS):
            self.cameras.horizontalHeaderItem(col).setToolTip(tip)
        self.cameras.verticalHeader().setVisible(False)
        header = self.cameras.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # headers never clipped
        header.setStretchLastSection(False)
        self.cameras.setMinimumHeight(120)
        cams = QGroupBox("Cameras: how often to analyse, when to alert about the queue")
        cl = QVBoxLayout(cams)
        cl.addWidget(self.cameras)

        # storage
        self.data_dir = QLineEdit()
        self.data_dir.setPlaceholderText("per-user data folder")
        self.db_url = QLineEdit()
        self.db_url.setPlaceholderText("SQLite in the data folder")
        self.retention = int_spin(1, 3650, suffix=" days")
        store = QGroupBox("Storage")
        stf = QFormLayout(store)
        stf.addRow(field_label(StorageConfig, "data_dir", self.data_dir), self._with_browse(self.data_dir))
        stf.addRow(field_label(StorageConfig, "db_url", self.db_url), self.db_url)
        stf.addRow(field_label(StorageConfig, "retention_days", self.retention), self.retention)
        self.in_use = QLabel("")
        self.in_use.setWordWrap(True)
        self.in_use.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.in_use.setStyleSheet("color: #3a4048;")
        stf.addRow("In use now", self.in_use)

        # what a manager sets: the daily report and notifications
        self.daily = QCheckBox("Write yesterday's report every day at")
        self.daily.setToolTip(ReportsConfig.model_fields["daily"].description or "")
        self.daily_time = QTimeEdit()
        self.daily_time.setDisplayFormat("HH:mm")
        self.daily_time.setToolTip(ReportsConfig.model_fields["daily_time"].description or "")
        self.daily.toggled.connect(self.daily_time.setEnabled)
        daily_row = QWidget()
        dr = QHBoxLayout(daily_row)
        dr.setContentsMargins(0, 0, 0, 0)
        dr.addWidget(self.daily)
        dr.addWidget(self.daily_time)
        dr.addStretch(1)
        self.notify = QCheckBox("Send notifications while the app runs")
        self.notify.setToolTip(NotificationsConfig.model_fields["enabled"].description or "")
        self.tg_chat = QLineEdit()
        self.tg_chat.setPlaceholderText("e.g. -1001234567890 or @mystore_alerts")
        self.tg_token = QLineEdit()
        self.tg_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.tg_token.setPlaceholderText("the token @BotFather gave the bot")
        self.tg_events = QLineEdit()
        self.tg_events.setPlaceholderText("*.alert")
        manager = QGroupBox("Reports and notifications")
        mf = QFormLayout(manager)
        mf.addRow("Daily report", daily_row)
        mf.addRow("Notifications", self.notify)
        mf.addRow(field_label(TelegramConfig, "chat_id", self.tg_chat), self.tg_chat)
        mf.addRow(field_label(TelegramConfig, "token", self.tg_token), self.tg_token)
        mf.addRow(field_label(TelegramConfig, "events", self.tg_events), self.tg_events)

        self.save_button = QPushButton("Save settings")
        self.revert_button = QPushButton("Discard changes")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.file_label = QLabel("")
        self.file_label.setStyleSheet("color: #5a6068;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.file_label, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        grid = QGridLayout()
        grid.addWidget(site, 0, 0)
        grid.addWidget(store, 1, 0)
        grid.addWidget(manager, 0, 1)
        grid.addWidget(det, 1, 1)
        grid.addWidget(cams, 2, 0, 1, 2)  # the whole width: its columns never need a scroll bar
        grid.addWidget(self.status_box, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(grid, 1)
        lay.addWidget(self.message)
        lay.addLayout(buttons)

        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.load)
        self.document.changed.connect(self.load)
        self.load()

    def _with_browse(self, edit: QLineEdit) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        b = QPushButton("Browse…")
        b.clicked.connect(lambda: self._browse(edit))
        row.addWidget(b)
        return w

    def _browse(self, edit: QLineEdit) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text())
        if path:
            edit.setText(path)

    # --- load / save ----------------------------------------------------------------------

    def load(self) -> None:
        """Show the config's current values."""
        cfg = self.document.config
        self.site_name.setText(cfg.site.name)
        self.region.setText(cfg.site.region)
        self.timezone.setText(cfg.site.timezone or "")
        d = cfg.detector
        self.backend.setCurrentIndex([k for k, _ in BACKENDS].index(d.backend))
        self.yolo_model.setText(d.yolo_model)
        self.model_dir.setText(d.model_dir or "")
        self.device.setCurrentText(d.device)
        self.confidence.setValue(d.confidence if d.confidence is not None else 0.35)
        self.classes.setText(", ".join(d.classes or ["person"]))
        self.box_expand.setValue(d.box_expand if d.box_expand is not None else 0.1)
        self.precision.setCurrentText(d.precision)
        self.iou.setValue(d.iou)
        self.data_dir.setText(cfg.storage.data_dir or "")
        self.db_url.setText(cfg.storage.db_url or "")
        self.retention.setValue(cfg.storage.retention_days)
        self.daily.setChecked(cfg.reports.daily)
        self.daily_time.setTime(QTime(cfg.reports.daily_time.hour, cfg.reports.daily_time.minute))
        self.daily_time.setEnabled(cfg.reports.daily)
        self.notify.setChecked(cfg.notifications.enabled)
        tg = cfg.notifications.telegram
        self.tg_chat.setText(tg.chat_id if tg else "")
        self.tg_token.setText(tg.token.get_secret_value() if tg else "")
        self.tg_events.setText(", ".join(tg.events) if tg else "")
        self.cameras.setRowCount(len(cfg.cameras))
        for r, c in enumerate(cfg.cameras):
            item = QTableWidgetItem(c.label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.cameras.setItem(r, 0, item)
            stride = int_spin(1, 100, value=c.stride, tip=CameraConfig.model_fields["stride"].description or "")
            fps = float_spin(0, 120, decimals=1, special="as the camera sends", value=c.fps or 0)
            self.cameras.setCellWidget(r, 1, stride)
            self.cameras.setCellWidget(r, 2, fps)
            q = c.modules.queue
            fields = type(q).model_fields
            length = int_spin(
                0, 100, special="off", suffix=" people", value=q.alert_length or 0,
                tip=fields["alert_length"].description or "",
            )  # fmt: skip
            wait = float_spin(
                0, 120, decimals=1, special="off", suffix=" min", value=(q.alert_wait or 0) / 60,
                tip=fields["alert_wait"].description or "",
            )  # fmt: skip
            self.cameras.setCellWidget(r, 3, length)
            self.cameras.setCellWidget(r, 4, wait)
        self.file_label.setText(
            f"Saved in {self.document.path}" if self.document.saved else f"New file: {self.document.path}"
        )
        self.message.setText("")
        detector = (
            cfg.detector.model_dir,
            cfg.detector.yolo_model,
            cfg.detector.allow_download,
            cfg.storage.data_dir,
        )
        if detector != self._checked_for:  # what can run only changes with these
            self._checked_for = detector
            self.check_backends()

    def values(self) -> dict[str, Any]:
        """The config as edited (a dict for validation)."""
        data = config_to_dict(self.document.config)
        data["site"].update(
            name=self.site_name.text().strip(),
            region=self.region.text().strip(),
            timezone=self.timezone.text().strip() or None,
        )
        classes = [c.strip() for c in self.classes.text().replace(";", ",").split(",") if c.strip()]
        data["detector"].update(
            backend=self.backend.currentData(),
            yolo_model=self.yolo_model.text().strip() or "yolo11n.pt",
            model_dir=self.model_dir.text().strip() or None,
            device=self.device.currentText().strip() or "auto",
            confidence=round(self.confidence.value(), 3),
            classes=classes or None,
            box_expand=round(self.box_expand.value(), 3),
            iou=round(self.iou.value(), 3),
            precision=self.precision.currentText(),
        )
        data["storage"].update(
            data_dir=self.data_dir.text().strip() or None,
            db_url=self.db_url.text().strip() or None,
            retention_days=self.retention.value(),
        )
        for r, cam in enumerate(data.get("cameras", [])):
            stride = self.cameras.cellWidget(r, 1)
            fps = self.cameras.cellWidget(r, 2)
            if stride is not None and fps is not None:
                cam["stride"] = stride.value()  # type: ignore[attr-defined]
                cam["fps"] = fps.value() or None  # type: ignore[attr-defined]
            length, wait = self.cameras.cellWidget(r, 3), self.cameras.cellWidget(r, 4)
            if length is not None and wait is not None:
                queue = cam.setdefault("modules", {}).setdefault("queue", {})
                queue["alert_length"] = length.value() or None  # type: ignore[attr-defined]
                queue["alert_wait"] = round(wait.value() * 60, 1) or None  # type: ignore[attr-defined]
        data["reports"].update(
            daily=self.daily.isChecked(), daily_time=self.daily_time.time().toString("HH:mm")
        )
        notes = data["notifications"]
        notes["enabled"] = self.notify.isChecked()
        chat, token = self.tg_chat.text().strip(), self.tg_token.text().strip()
        events = [e.strip() for e in self.tg_events.text().replace(";", ",").split(",") if e.strip()]
        if chat or token:
            notes["telegram"] = dict(
                notes.get("telegram") or {}, chat_id=chat, token=token, events=events or ["*.alert"]
            )
        else:
            notes["telegram"] = None
        for section in ("site", "detector", "storage", "notifications"):
            data[section] = {k: v for k, v in data[section].items() if v is not None}
        for cam in data.get("cameras", []):
            if cam.get("fps") is None:
                cam.pop("fps", None)
        return data

    def save(self) -> bool:
        """Validate and write the settings; a problem is shown in one line."""
        try:
            self.document.update(self.values())
        except UserError as e:
            self.message.setText(f"<span style='color:#d03030'>Not saved: {e}</span>")
            return False
        note = " Restart the analysis to use the new detector settings." if self.running_backend else ""
        self.message.setText(f"Saved to {self.document.path}.{note}")
        self.saved.emit()
        return True

    def set_in_use(self, db: str, data_dir: str) -> None:
        """Show the database and data folder this window really uses (``--db`` or the config's)."""
        self.in_use.setText(f"Database: {db}<br>Data folder: {data_dir}")
        self.data_dir.setPlaceholderText(f"empty: {data_dir}")
        self.db_url.setPlaceholderText(f"empty: {db}" if db else "empty: storesight.db in the data folder")

    # --- backends -------------------------------------------------------------------------

    def set_running_backend(self, text: str) -> None:
        """Show which detector the running analysis uses ("" when it does not run)."""
        self.running_backend = text
        self._show_status(self.statuses)

    def check_backends(self) -> None:
        """Check which backends can run (on a worker thread: it imports PyTorch)."""
        site = self.document.config
        run_async(lambda: backend_status(site), self._show_status, lambda m: self._show_status([], m))

    def _show_status(self, statuses: list[BackendStatus], error: str = "") -> None:
        self.statuses = statuses
        while self.status_layout.count():
            item = self.status_layout.takeAt(0)
            w = item.widget()
            if w is not None:
                w.hide()  # deleted later: it may be the sender of the click being handled
                w.deleteLater()
        for s in statuses:
            mark = (
                "<span style='color:#1e8a3e'>✔ ready</span>"
                if s.available
                else "<span style='color:#b06000'>✘ not available</span>"
            )
            label = QLabel(f"<b>{s.name}</b> — {mark}<br><span style='color:#5a6068'>{s.detail}</span>")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.status_layout.addWidget(label)
        if error:
            self.status_layout.addWidget(QLabel(f"Could not check the backends: {error}"))
        running = self.running_backend or "analysis is not running"
        now = QLabel(f"<b>In use now:</b> {running}")
        now.setWordWrap(True)
        self.status_layout.addWidget(now)
        self.status_layout.addStretch(1)
