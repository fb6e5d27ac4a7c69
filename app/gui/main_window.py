"""The main window: it only wires the pages, the engine controller and the alert popups together."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QWidget,
)

from app.config import CameraConfig
from app.engine.engine import probe_camera
from app.gui.alerts_panel import AlertFeed, AlertsPanel
from app.gui.cameras_page import CamerasPage
from app.gui.dashboard import DashboardPage
from app.gui.engine_controller import EngineController
from app.gui.event_browser import EventBrowser
from app.gui.heatmap_view import HeatmapView
from app.gui.models_page import ModelsPage, site_model_dir, use_for_person_detection
from app.gui.panels import PanelContext, package_panels
from app.gui.period_picker import PeriodPicker, quick_range
from app.gui.rerun import start_asking
from app.gui.settings_page import SettingsPage
from app.gui.site_document import SiteDocument
from app.gui.staff_page import StaffPage
from app.gui.zone_editor import ZoneEditor
from app.store import stats
from app.store.db import Store

log = logging.getLogger(__name__)

#: Opens another site config and/or database in a new window (``config``, ``db``); the app provides it.
Reopen = Callable[[Path | None, str | None], None]

#: Asks what to do with unsaved zone changes: Save, Discard or Cancel.
AskUnsaved = Callable[[QWidget, str], QMessageBox.StandardButton]


def ask_unsaved(parent: QWidget, what: str) -> QMessageBox.StandardButton:
    """The standard "Save changes?" question (Save / Discard / Cancel)."""
    buttons = (
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
    )
    return QMessageBox.question(
        parent,
        "Unsaved zone changes",
        f"The zones of {what} have unsaved changes.\n\nSave them before going on?",
        buttons,
        QMessageBox.StandardButton.Save,
    )


class _PageScroll(QScrollArea):
    """Gives its page the whole view, or the page's minimum size with scroll bars when smaller.

    (``QScrollArea.setWidgetResizable`` grows a page to its size *hint*: the dashboard's charts
    asked for 1143 px of height on a 1080 px screen and scrolled for nothing.)
    """

    def __init__(self, page: QWidget) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(False)
        self.setWidget(page)

    def fit(self) -> None:
        """Size the page to the view (not below its minimum)."""
        page, view = self.widget(), self.viewport().size()
        need = page.minimumSizeHint().expandedTo(page.minimumSize())
        page.resize(max(view.width(), need.width()), max(view.height(), need.height()))

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """Fit the page again."""
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """Fit the page when shown (it may have changed while hidden)."""
        super().showEvent(event)
        self.fit()


class PageTabs(QTabWidget):
    """Tabs whose pages scroll when the window is smaller than a page needs (a 1024×700 screen).

    The pages are wrapped in scroll areas; :meth:`widget`, :meth:`currentWidget`,
    :meth:`setCurrentWidget` and :meth:`indexOf` speak of the pages themselves.
    """

    def add_page(self, page: QWidget, title: str) -> int:
        """Add ``page`` (inside a scroll area that shows bars only when needed)."""
        return self.addTab(_PageScroll(page), title)

    def widget(self, index: int) -> QWidget | None:  # type: ignore[override]
        """The page at ``index`` (not its scroll area)."""
        w = super().widget(index)
        return w.widget() if isinstance(w, QScrollArea) else w

    def currentWidget(self) -> QWidget | None:  # type: ignore[override]
        """The page shown."""
        return self.widget(self.currentIndex())

    def indexOf(self, page: QWidget) -> int:  # type: ignore[override]
        """The index of ``page``."""
        return next((i for i in range(self.count()) if self.widget(i) is page), -1)

    def setCurrentWidget(self, page: QWidget) -> None:  # type: ignore[override]
        """Show ``page``."""
        i = self.indexOf(page)
        if i >= 0:
            self.setCurrentIndex(i)


class MainWindow(QMainWindow):
    """StoreSight's window: Live, Zones, Dashboard, Heatmap, Events, Staff and Settings pages.

    Args:
        document: the open site config.
        store: the database the pages read (None: pages stay empty).
        data_dir: crops and backgrounds of that database.
        controller: starts and stops the live engine.
        alerts: where alerts come from (None: no alerts pane content).
        settings: where the window's geometry and last tab are kept (default: the user's settings).
        reopen: opens another site or database (File menu); None disables those entries.

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
        settings: QSettings | None = None,
        reopen: Reopen | None = None,
    ) -> None:
        super().__init__()
        self.document = document
        self.store = store
        self.data_dir = Path(data_dir)
        self.controller = controller
        self.settings_store = settings if settings is not None else QSettings()
        self.reopen = reopen
        self.ask_unsaved: AskUnsaved = ask_unsaved
        self._tab_index = 0
        self.service = None  # a ServiceAttachment while attached to a running `storesight serve`
        self._closing_checked = False
        self.setWindowTitle(f"StoreSight — {document.config.site.name}")
        self.resize(1440, 900)

        self.cameras = CamerasPage(document, controller.snapshots)
        self.zones = ZoneEditor(document, snapshot=self.camera_picture, data_dir=self.data_dir)
        self.dashboard = DashboardPage(store)
        self.heatmap = HeatmapView(store, self.data_dir)
        self.events = EventBrowser(store, self.data_dir)
        self.staff = StaffPage(store, self.data_dir, document)
        #: the module packages' panels (ModulePackage.panel): package name → page
        found = package_panels(PanelContext(store, self.data_dir, document, live=self._live_frame))
        self.panels: dict[str, QWidget] = {name: page for name, _, page in found}
        for page in self.panels.values():  # a panel that saves camera settings: apply them while running
            if hasattr(page, "cameraSaved"):
                page.cameraSaved.connect(self._panel_camera_saved)
        self.plates = self.panels["plates"]
        self.shelves = self.panels["shelf"]  # the shelf package's panel (app.gui.shelves_page:panel)
        self.models = ModelsPage(
            site_model_dir(document.config),
            lambda e: use_for_person_detection(
                self.document, self.controller, e, lambda site: start_asking(self, self.controller, site)
            ),
        )
        self.settings = SettingsPage(document)
        self.settings.set_in_use(store.safe_url if store is not None else "none", str(self.data_dir))
        self.tabs = PageTabs()
        self.tabs.setDocumentMode(True)
        for page, title in (
            (self.cameras, "Live"),
            (self.zones, "Zones"),
            (self.dashboard, "Dashboard"),
            (self.heatmap, "Heatmap"),
            (self.events, "Events"),
            (self.staff, "Staff"),
            *((page, title) for _, title, page in found),
            (self.models, "Models"),
            (self.settings, "Settings"),
        ):
            self.tabs.add_page(page, title)
        self.setCentralWidget(self.tabs)
        self.alerts = AlertsPanel(alerts, names=self.names)
        self.alerts.data_dir = self.data_dir
        self.alerts_dock = QDockWidget("Alerts", self)
        self.alerts_dock.setObjectName("alertsDock")
        self.alerts_dock.setWidget(self.alerts)
        self.alerts_dock.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.alerts_dock)
        self.resizeDocks([self.alerts_dock], [330], Qt.Orientation.Horizontal)
        self.alerts_dock.hide()
        self._dock_auto = False  # shown by an arriving alert (hidden again when none is open)
        self.zones.release_shortcuts()  # Undo/Redo come from the Edit menu (one owner per key)
        # one period for the Dashboard, Heatmap and Events pages (their own pickers stay hidden)
        self.period = PeriodPicker()
        self.period_bar = QToolBar("Period")
        self.period_bar.setObjectName("periodBar")
        self.period_bar.setMovable(False)
        self.period_bar.addWidget(QLabel("  Period:  "))
        self.period_bar.addWidget(self.period)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.period_bar)
        self.dashboard.period.hide()
        self.heatmap.period.hide()
        self.events.hide_period()
        self._period_pages = (self.dashboard, self.heatmap, self.events, *self._panel_pages("set_period"))
        self._build_menus()

        bar = self.statusBar()
        self.db_label = QLabel(f"Database: {store.safe_url if store else 'none'}")
        self.db_label.setToolTip(f"Data folder: {self.data_dir}")
        self.alerts_button = QPushButton("No open alerts")
        self.alerts_button.setFlat(True)
        self.alerts_button.setToolTip("Show the alerts pane (open alerts and their history)")
        bar.addWidget(self.db_label, 1)
        bar.addPermanentWidget(self.alerts_button)

        self._stale = {self.dashboard, self.heatmap, self.events, self.staff, self.models}
        self._stale |= set(self.panels.values())
        self._wire()
        if store is not None:
            tz = stats.site_timezone(store)
            self.alerts.tz = tz
            self.dashboard.set_store(store)
            self.heatmap.set_store(store, self.data_dir)
            self.events.set_store(store, self.data_dir)
            for page in self._panel_pages("set_store"):
                page.set_store(store, self.data_dir)  # type: ignore[attr-defined]
            self._init_period(store)
        self._restore_settings()
        self.alerts.start()

    def _panel_pages(self, method: str) -> list[QWidget]:
        """The module packages' panels that have ``method`` (``set_store``, ``set_period``)."""
        return [p for p in self.panels.values() if callable(getattr(p, method, None))]

    # --- menus ----------------------------------------------------------------------------

    def _action(self, menu, text: str, slot, *keys) -> QAction:  # type: ignore[no-untyped-def]
        act = QAction(text, self)
        seqs = [QKeySequence(k) for k in keys if k is not None]
        seqs = [q for q in seqs if not q.isEmpty()]
        if seqs:
            act.setShortcuts(seqs)
        act.triggered.connect(lambda _checked=False: slot())
        menu.addAction(act)
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        std = QKeySequence.StandardKey
        file = bar.addMenu("&File")
        self.act_open_site = self._action(file, "&Open site config…", self.open_site, std.Open)
        self.act_open_db = self._action(file, "Open &database…", self.open_database)
        self.act_open_site.setEnabled(self.reopen is not None)
        self.act_open_db.setEnabled(self.reopen is not None)
        file.addSeparator()
        self.act_save = self._action(file, "&Save zones", self.save_zones, std.Save)
        self.act_export = self._action(file, "&Export report…", self.open_report, "Ctrl+E")
        self.act_export.setEnabled(self.store is not None)
        file.addSeparator()
        # Ctrl+Q where the platform has no Quit key of its own (Windows)
        quit_keys = [std.Quit] if not QKeySequence(std.Quit).isEmpty() else ["Ctrl+Q"]
        self.act_quit = self._action(file, "&Quit", self.close, *quit_keys)
        self.act_quit.setMenuRole(QAction.MenuRole.QuitRole)

        edit = bar.addMenu("&Edit")
        self.act_undo = self._action(edit, "&Undo", self.undo, std.Undo)
        redo_keys = [QKeySequence(std.Redo).toString(), "Ctrl+Y", "Ctrl+Shift+Z"]
        self.act_redo = self._action(edit, "&Redo", self.redo, *dict.fromkeys(k for k in redo_keys if k))
        self.zones.canvas.shapesChanged.connect(self._update_edit_actions)

        view = bar.addMenu("&View")
        for i in range(self.tabs.count()):
            title = self.tabs.tabText(i)
            self._action(view, title, lambda i=i: self.tabs.setCurrentIndex(i), f"Ctrl+{i + 1}")
        view.addSeparator()
        self.act_alerts = self.alerts_dock.toggleViewAction()
        self.act_alerts.setText("&Alerts pane")
        self.act_alerts.setShortcut(QKeySequence("Ctrl+Shift+A"))
        view.addAction(self.act_alerts)
        self.act_fullscreen = self._action(view, "&Full screen", self._toggle_full_screen, std.FullScreen)

        helpm = bar.addMenu("&Help")
        self.act_attach = self._action(view, "Attach to a running &service…", self.ask_attach_service)
        self.act_detach = self._action(view, "&Detach from the service", self.detach_service)
        self.act_detach.setEnabled(False)
        self._action(helpm, "Open &logs folder", self.open_logs_folder)
        self._action(helpm, "Open data &folder", lambda: self._open_folder(self.data_dir))
        helpm.addSeparator()
        self.act_about = self._action(helpm, "&About StoreSight", self.about)
        self.act_about.setMenuRole(QAction.MenuRole.AboutRole)
        self._update_edit_actions()

    def _update_edit_actions(self) -> None:
        on_zones = self.tabs.currentWidget() is self.zones
        self.act_undo.setEnabled(on_zones and self.zones.canvas.can_undo())
        self.act_redo.setEnabled(on_zones and self.zones.canvas.can_redo())
        self.act_undo.setText("&Undo zone change" if on_zones else "&Undo")
        self.act_redo.setText("&Redo zone change" if on_zones else "&Redo")
        self.act_save.setEnabled(on_zones and self.zones.camera_id is not None)

    def undo(self) -> None:
        """Undo the last zone change (the Zones page is the one page with an edit history)."""
        if self.tabs.currentWidget() is self.zones:
            self.zones.act_undo.trigger()
        self._update_edit_actions()

    def redo(self) -> None:
        """Redo the last undone zone change."""
        if self.tabs.currentWidget() is self.zones:
            self.zones.act_redo.trigger()
        self._update_edit_actions()

    def save_zones(self) -> bool:
        """Save the zone editor's changes (File ▸ Save zones)."""
        return self.zones.save()

    def _toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def open_site(self) -> None:
        """File ▸ Open site config: another ``site.yaml`` in a new window (this database)."""
        if self.reopen is None or not self.keep_or_drop_zone_changes():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open site config", str(self.document.path.parent), "Site config (*.yaml *.yml)"
        )
        if path:
            self.reopen(Path(path), self.store.url if self.store is not None else None)

    def open_database(self) -> None:
        """File ▸ Open database: another SQLite file in a new window (this site config)."""
        if self.reopen is None or not self.keep_or_drop_zone_changes():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open database", str(self.data_dir), "StoreSight database (*.db *.sqlite);;All files (*)"
        )
        if path:
            config = self.document.path if self.document.path.is_file() else None
            self.reopen(config, f"sqlite:///{Path(path).absolute().as_posix()}")

    def logs_dir(self) -> Path:
        """Where the window's log file is written."""
        return self.data_dir / "logs"

    def open_logs_folder(self) -> None:
        """Help ▸ Open logs folder (created when missing)."""
        folder = self.logs_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            self.notify(f"Cannot create the logs folder {folder}: {e.strerror or e}")
            return
        self._open_folder(folder)

    def _open_folder(self, folder: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.notify(f"No file manager to open {folder} with; the folder is {folder}", 15000)

    def about(self) -> QMessageBox:
        """Help ▸ About: version, database, data folder, licence (non-modal)."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            ver = version("storesight")
        except PackageNotFoundError:
            ver = "development"
        box = QMessageBox(self)
        box.setWindowTitle("About StoreSight")
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(f"<b>StoreSight {ver}</b><br>In-store video analytics on the store's own cameras.")
        box.setInformativeText(
            f"Site config: {self.document.path}<br>"
            f"Database: {self.store.safe_url if self.store else 'none'}<br>"
            f"Data folder: {self.data_dir}<br>Licence: AGPL-3.0"
        )
        box.setModal(False)
        box.show()
        return box

    # --- names, settings ------------------------------------------------------------------

    def names(self, camera_id: str, zone_id: str | None) -> tuple[str, str]:
        """Human names of a camera and a zone from the site config (the ids when unknown)."""
        cam = self.document.camera(camera_id)
        if cam is None:
            return camera_id, zone_id or ""
        zone = next((z for z in cam.zones if z.id == zone_id), None) if zone_id else None
        zone_name = (zone.name or zone.id) if zone is not None else (zone_id or "")
        return cam.label, zone_name

    def _restore_settings(self) -> None:
        st = self.settings_store
        geometry = st.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = st.value("window/state")
        if state is not None:
            self.restoreState(state)
            self.alerts_dock.hide()  # it shows itself when an alert is open
        try:
            tab = int(st.value("window/tab", 0))
        except (TypeError, ValueError):
            tab = 0
        if 0 < tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)
        self._tab_index = self.tabs.currentIndex()
        self.period_bar.setVisible(self.tabs.currentWidget() in self._period_pages)

    def save_settings(self) -> None:
        """Keep the geometry, the docks and the current tab for the next start."""
        st = self.settings_store
        st.setValue("window/geometry", self.saveGeometry())
        st.setValue("window/state", self.saveState())
        st.setValue("window/tab", self.tabs.currentIndex())
        st.sync()

    # --- the shared period ----------------------------------------------------------------

    def is_live_site(self) -> bool:
        """Whether the site has a live camera (RTSP, USB) rather than only video files."""
        return any(c.kind != "file" for c in self.document.config.cameras)

    def _init_period(self, store: Store) -> None:
        """Today for a live site, all the data for an analysed file."""
        tz = stats.site_timezone(store)
        span = stats.data_span(store)
        self.period.tz = tz
        self.period.set_data_span(
            tuple(dt.datetime.fromtimestamp(t, tz).date() for t in span) if span else None  # type: ignore[arg-type]
        )
        key = "today" if self.is_live_site() or span is None else "all"
        self.period.set_range(*quick_range(key, self.period.span, self.period.today()), quick=key)
        self._apply_period(refresh=False)

    def _apply_period(self, *, refresh: bool) -> None:
        """Hand the shared period to the pages; the one shown reads again, the others when shown."""
        first, last = self.period.dates()
        key = self.period.quick_key
        for page in (self.dashboard, self.heatmap):
            page.period.set_data_span(self.period.span)
            page.period.set_range(first, last, quick=key)
        self.events.set_period(*self.period.bounds(self.period.tz))
        for page in self._panel_pages("set_period"):
            page.set_period(*self.period.bounds(self.period.tz))  # type: ignore[attr-defined]
        for page in self._period_pages:
            if refresh and page is self.tabs.currentWidget() and self.store is not None:
                page.refresh()
            else:
                self._stale.add(page)

    def _follow_dashboard_period(self) -> None:
        """A quick period the dashboard moved with the clock (after midnight) shows in the bar too."""
        key = self.period.quick_key
        if key is not None and self.dashboard.period.quick_key == key:
            days = self.dashboard.period.dates()
            if days != self.period.dates():
                self.period.set_range(*days, quick=key)
                self.heatmap.period.set_range(*days, quick=key)
                self.events.set_period(*self.period.bounds(self.period.tz))
                for page in self._panel_pages("set_period"):
                    page.set_period(*self.period.bounds(self.period.tz))  # type: ignore[attr-defined]
                self._stale |= {self.heatmap, self.events, *self._panel_pages("set_period")}

    # --- unsaved changes ------------------------------------------------------------------

    def keep_or_drop_zone_changes(self) -> bool:
        """Ask about unsaved zone changes: True to go on (saved or discarded), False to stay."""
        if not self.zones.dirty:
            return True
        cam = self.document.camera(self.zones.camera_id or "")
        answer = self.ask_unsaved(self, cam.label if cam is not None else "this camera")
        if answer == QMessageBox.StandardButton.Save:
            return self.zones.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.zones.discard_changes()
            return True
        return False

    def _wire(self) -> None:
        c = self.controller
        self.cameras.startRequested.connect(lambda: start_asking(self, c, self.document.config))
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
        self.period.changed.connect(lambda: self._apply_period(refresh=True))
        self.dashboard.loaded.connect(self._follow_dashboard_period)
        self.dashboard.reportRequested.connect(self.open_report)
        self.alerts.countChanged.connect(self._alert_count)
        self.alerts.alertArrived.connect(self._alert_arrived)
        self.alerts_button.clicked.connect(self.show_alerts)
        self.zones.leaving = self.keep_or_drop_zone_changes
        self.document.changed.connect(
            lambda: self.setWindowTitle(f"StoreSight — {self.document.config.site.name}")
        )

    # --- a running service (app/gui/service_link.py) ----------------------------------------

    def attach_service(self, url: str, token: str | None = None) -> bool:
        """Show a running ``storesight serve`` instead of running an engine here; False if one runs here."""
        from app.gui.service_link import ServiceAttachment, ServiceLink

        if self.controller.running or self.controller.busy:
            self.notify("Stop the analysis running in this window before attaching to a service.", 10000)
            return False
        self.detach_service()
        cams = lambda: {c.id: c for c in self.document.config.cameras}  # noqa: E731
        self.service = ServiceAttachment(self, ServiceLink(url, token=token, cameras=cams).start())
        self.act_detach.setEnabled(True)
        return True

    def detach_service(self) -> None:
        """Run the cameras in this window again (the service keeps running)."""
        if getattr(self, "service", None) is not None:
            self.service.detach()
            self.service = None
            self.act_detach.setEnabled(False)

    def ask_attach_service(self) -> None:
        """Ask for the service's address (the token comes from $STORESIGHT_TOKEN)."""
        import os

        from PySide6.QtWidgets import QInputDialog

        url, ok = QInputDialog.getText(self, "Attach to a running service",
                                       "Address of the service (storesight serve --listen):",
                                       text="http://127.0.0.1:8765")  # fmt: skip
        if ok and url.strip():
            self.attach_service(url.strip(), os.environ.get("STORESIGHT_TOKEN") or None)

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
        self._stale |= set(self.panels.values())

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

    def _panel_camera_saved(self, camera: CameraConfig) -> None:
        """A module package's panel saved a camera's settings: the running camera picks them up."""
        if self.controller.update_camera(camera):
            self.notify(f"Settings of {camera.label} saved and applied to the running camera.")

    def _live_frame(self, camera_id: str) -> np.ndarray | None:
        """The running camera's latest frame (the Shelves page's picture), or None."""
        snap = self.controller.snapshot(camera_id)
        return snap.frame.image if snap is not None and snap.frame is not None else None

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
        leaving_zones = self.tabs.widget(self._tab_index) is self.zones and index != self._tab_index
        if leaving_zones and not self.keep_or_drop_zone_changes():
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(self._tab_index)  # Cancel: stay on the zones
            self.tabs.blockSignals(False)
            return
        self._tab_index = index
        self._update_edit_actions()
        page = self.tabs.widget(index)
        self.period_bar.setVisible(page in self._period_pages)
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
        text = self.alerts.summary_text()
        self.alerts_button.setText(f"⚠ {text}" if n else text)
        if n == 0 and self._dock_auto:
            self.alerts_dock.hide()
            self._dock_auto = False

    def _alert_arrived(self) -> None:
        if not self.alerts_dock.isVisible():
            self._dock_auto = True
            self.alerts_dock.show()

    def show_alerts(self) -> None:
        """Show the alerts pane (the status bar's alert button)."""
        self._dock_auto = False
        self.alerts_dock.show()
        self.alerts_dock.raise_()

    def notify(self, text: str, ms: int = 6000) -> None:
        """A message in the status bar."""
        self.statusBar().showMessage(text, ms)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved zones, keep the geometry, stop the analysis (runs stored as finished)."""
        if not self._closing_checked and not self.keep_or_drop_zone_changes():
            event.ignore()
            return
        self._closing_checked = True
        self.save_settings()
        self.alerts.timer.stop()
        self.cameras.grid.stop()
        self.detach_service()
        self.controller.wait_idle()  # a start in progress finishes, then everything stops
        self.controller.stop_blocking()
        super().closeEvent(event)
