"""The main window: it only wires the pages, the engine controller and the alert popups together."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton, QTabWidget, QWidget

from app.config import CameraConfig
from app.engine.engine import probe_camera
from app.gui.alerts_panel import AlertFeed, AlertsPanel
from app.gui.cameras_page import CamerasPage
from app.gui.dashboard import DashboardPage
from app.gui.engine_controller import EngineController
from app.gui.event_browser import EventBrowser
from app.gui.heatmap_view import HeatmapView
from app.gui.settings_page import SettingsPage
from app.gui.site_document import SiteDocument
from app.gui.staff_page import StaffPage
from app.gui.zone_editor import ZoneEditor
from app.store import stats
from app.store.db import Store

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """StoreSight's window: Live, Zones, Dashboard, Heatmap, Events, Staff and Settings pages.

    Args:
        document: the open site config.
        store: the database the pages read (None: pages stay empty).
        data_dir: crops and backgrounds of that database.
        controller: starts and stops the live engine.
        alerts: where alert popups come from (None: no popups).

    Example:
        >>> win = MainWindow(doc, store, Path("data"), EngineController(url, Path("data")))  # doctest: +SKIP
        >>> win.show()                                                                        # doctest: +SKIP
    """

    def __init__(
        self,
        document: SiteDocument,
        store: Store | None,
        data_dir: Path,
        controller: EngineController,
        *,
        alerts: AlertFeed | None = None,
    ) -> None:
        super().__init__()
        self.document = document
        self.store = store
        self.data_dir = Path(data_dir)
        self.controller = controller
        self.setWindowTitle(f"StoreSight — {document.config.site.name}")
        self.resize(1440, 900)

        self.cameras = CamerasPage(document, controller.snapshots)
        self.zones = ZoneEditor(document, snapshot=self.camera_picture)
        self.dashboard = DashboardPage(store)
        self.heatmap = HeatmapView(store, self.data_dir)
        self.events = EventBrowser(store, self.data_dir)
        self.staff = StaffPage(store, self.data_dir, document)
        self.settings = SettingsPage(document)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for page, title in (
            (self.cameras, "Live"),
            (self.zones, "Zones"),
            (self.dashboard, "Dashboard"),
            (self.heatmap, "Heatmap"),
            (self.events, "Events"),
            (self.staff, "Staff"),
            (self.settings, "Settings"),
        ):
            self.tabs.addTab(page, title)
        self.setCentralWidget(self.tabs)
        self.alerts = AlertsPanel(alerts, self)

        bar = self.statusBar()
        self.db_label = QLabel(f"Database: {store.safe_url if store else 'none'}")
        self.db_label.setToolTip(f"Data folder: {self.data_dir}")
        self.alerts_button = QPushButton("No open alerts")
        self.alerts_button.setFlat(True)
        bar.addWidget(self.db_label, 1)
        bar.addPermanentWidget(self.alerts_button)

        self._stale = {self.dashboard, self.heatmap, self.events, self.staff}
        self._wire()
        if store is not None:
            tz = stats.site_timezone(store)
            self.alerts.tz = tz
            self.dashboard.set_store(store)
            self.heatmap.set_store(store, self.data_dir)
            self.events.set_store(store, self.data_dir)
        self.alerts.start()

    def _wire(self) -> None:
        c = self.controller
        self.cameras.startRequested.connect(lambda: c.start(self.document.config))
        self.cameras.stopRequested.connect(c.stop)
        self.cameras.camerasEdited.connect(self._cameras_edited)
        c.busyChanged.connect(self._engine_busy)
        c.started.connect(self._engine_started)
        c.stopped.connect(self._engine_stopped)
        c.failed.connect(self._engine_failed)
        c.started.connect(lambda _backend: self.dashboard.set_auto_refresh(True))  # new rows keep coming
        c.stopped.connect(lambda: self.dashboard.set_auto_refresh(False))
        c.applied.connect(self._engine_applied)
        self.zones.saved.connect(self._zones_saved)
        self.settings.saved.connect(lambda: self.notify("Settings saved."))
        self.tabs.currentChanged.connect(self._tab_changed)
        self.dashboard.reportRequested.connect(self.open_report)
        self.alerts.countChanged.connect(self._alert_count)
        self.alerts_button.clicked.connect(self.alerts.reveal)
        self.document.changed.connect(
            lambda: self.setWindowTitle(f"StoreSight — {self.document.config.site.name}")
        )

    # --- the engine -----------------------------------------------------------------------

    def _engine_busy(self, busy: bool) -> None:
        if busy:
            if self.controller.applying:
                what = "applying the changed cameras"
            elif self.controller.running:
                what = "stopping"
            else:
                what = "starting (loading the detector, opening cameras)"
            self.cameras.set_running(self.controller.running, f"Analysis is {what}…", busy=True)

    def _engine_started(self, backend: str) -> None:
        choice = self.controller.detector
        name = choice.backend.description.split(" (")[0] if choice else "detector"
        n = len(self.controller.snapshots())
        self.cameras.set_running(
            True, f"Analysing {n} camera{'s' * (n != 1)} live · detector: {name}", details=backend
        )
        self.settings.set_running_backend(backend)
        self.notify("Analysis started.")

    def _engine_applied(self, text: str) -> None:
        n = len(self.controller.snapshots())
        self.cameras.set_running(True, f"Analysing {n} camera{'s' * (n != 1)} live", details=text)
        self.notify(text, 10000)

    def _engine_stopped(self) -> None:
        self.cameras.set_running(False, "Analysis stopped.")
        self.settings.set_running_backend("")
        self._stale |= {self.dashboard, self.heatmap, self.events, self.staff}

    def _engine_failed(self, message: str) -> None:
        self.cameras.set_running(False, f"Could not start: {message}")
        self.notify(f"Could not start the analysis: {message}", 15000)

    def _cameras_edited(self) -> None:
        if self.controller.running:
            self.controller.apply_site(self.document.config)

    def _zones_saved(self, camera: CameraConfig) -> None:
        if self.controller.update_camera(camera):
            self.notify(f"Zones of {camera.label} saved and applied to the running camera.")
        else:
            self.notify(f"Zones of {camera.label} saved; they are used when the analysis starts.")
        self._stale |= {self.dashboard, self.heatmap, self.events}

    def camera_picture(self, camera: CameraConfig) -> tuple[np.ndarray | None, str]:
        """A picture of a camera for the zone editor (worker thread).

        The running camera's latest frame, else the stored background (the view without people),
        else one frame read from the camera itself.
        """
        snap = self.controller.snapshot(camera.id)
        if snap is not None and snap.frame is not None:
            return snap.frame.image, "live picture"
        if self.store is not None:
            try:
                bg = stats.background_for(self.store, camera.id)
            except Exception:  # an old or foreign database: fall through to the camera
                bg = None
            if bg is not None:
                import cv2

                img = cv2.imread(str(self.data_dir / bg.path))
                if img is not None:
                    return img, "stored background (the view without people)"
        probe = probe_camera(camera)
        return probe.image, ("picture from the camera" if probe.ok else probe.message)

    # --- pages ----------------------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        if page in self._stale or self.controller.running:
            self._stale.discard(page)
            refresh = getattr(page, "refresh", None)
            if refresh is not None and self.store is not None:
                refresh()

    def open_report(self) -> QWidget | None:
        """The "Export report" dialog (non-modal), for the dashboard's cameras and this site."""
        if self.store is None:
            return None
        try:
            from app.gui.report_dialog import ReportDialog
        except ImportError as e:  # reports not installed in this build
            self.notify(f"Reports are not available: {e}")
            return None
        tz = stats.site_timezone(self.store)
        span = stats.data_span(self.store)
        days = tuple(dt.datetime.fromtimestamp(t, tz).date() for t in span) if span else None
        cams = [(c.config_id, c.label) for c in stats.cameras(self.store)]
        dlg = ReportDialog(
            self.store,
            cams,
            site=self.document.config.site.name,
            tz=tz,
            folder=self.data_dir / "reports",
            span=days,  # type: ignore[arg-type]
            parent=self,
        )
        dlg.show()
        return dlg

    def _alert_count(self, n: int) -> None:
        self.alerts_button.setText(f"⚠ {n} open alert{'s' * (n != 1)}" if n else "No open alerts")

    def notify(self, text: str, ms: int = 6000) -> None:
        """A message in the status bar."""
        self.statusBar().showMessage(text, ms)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the alert popups in their corner."""
        super().resizeEvent(event)
        self.alerts.place()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the analysis (runs are stored as finished) before closing."""
        self.alerts.timer.stop()
        self.cameras.grid.stop()
        self.controller.wait_idle()  # a start in progress finishes, then everything stops
        self.controller.stop_blocking()
        super().closeEvent(event)
