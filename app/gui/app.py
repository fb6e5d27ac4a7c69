"""Starting the GUI: which config, database and data folder to use; the Qt application and its style.

Choices, in order:

* **database**: ``--db``, else the config's ``storage.db_url``, else ``storesight.db`` in the data folder;
* **data folder** (crops, backgrounds): the config's ``storage.data_dir``, else the folder of a
  SQLite ``--db`` file (so ``--db storesight-demo/storesight.db`` finds the demo's crops), else the
  per-user data folder;
* **site config**: ``--config``, else ``site.yaml`` in the data folder; if that does not exist yet,
  the cameras and zones stored in the database (so an analysed database opens with its zones), else
  a new empty site — saved to ``site.yaml`` in the data folder on the first change.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from app.config import SiteConfig, load_config
from app.errors import UserError
from app.store.db import Store, open_store, parse_url

log = logging.getLogger(__name__)

SITE_FILE = "site.yaml"
#: Set to 1: the window quits as soon as it is shown and drawn (start-up time benchmark).
QUIT_WHEN_SHOWN_ENV = "STORESIGHT_QUIT_WHEN_SHOWN"


@dataclass(slots=True)
class GuiSetup:
    """What the window opens.

    Attributes:
        config_path: the site config file (may not exist yet).
        config: the site config.
        config_saved: whether ``config`` is what the file holds.
        db_url: the database.
        data_dir: crops and backgrounds.
        store: the opened database (for reading; the engine opens its own).
    """

    config_path: Path
    config: SiteConfig
    config_saved: bool
    db_url: str
    data_dir: Path
    store: Store


def _sqlite_folder(url: str) -> Path | None:
    parsed = parse_url(url)
    db = parsed.database
    if parsed.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith("file:"):
        return Path(db).expanduser().absolute().parent
    return None


def resolve_setup(config: Path | None, db: str | None, *, must_exist: bool = False) -> GuiSetup:
    """Decide the config, database and data folder (see the module docstring) and open the database.

    Args:
        config: ``--config``.
        db: ``--db``.
        must_exist: a SQLite ``--db`` file must exist (screenshots read an existing database).

    Raises:
        UserError: a bad config, database URL or missing database file (one line).
    """
    from app import paths
    from app.gui.data import site_from_store

    if config is None and db is None and (paths.data_dir() / SITE_FILE).is_file():
        config = paths.data_dir() / SITE_FILE  # its storage section (data folder, database) counts
    cfg = load_config(config) if config else None
    db_url = db or (cfg.storage.db_url if cfg else None)
    folder = _sqlite_folder(db) if db else None
    if cfg is not None and cfg.storage.data_dir:
        data_dir = Path(cfg.storage.data_dir).expanduser()
    elif folder is not None:
        data_dir = folder
    else:
        data_dir = paths.data_dir()
    db_url = db_url or paths.default_db_url(data_dir)
    sqlite_dir = _sqlite_folder(db_url)
    if sqlite_dir is not None:
        file = Path(parse_url(db_url).database or "").expanduser()
        if must_exist and not file.is_file():
            raise UserError(f"--db: database file not found: {file}", 2)
        try:
            sqlite_dir.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # open_store names the problem
    store = open_store(db_url)
    saved = True
    if config is not None:
        path = Path(config)
    else:
        path = data_dir / SITE_FILE
        if path.is_file():
            cfg = load_config(path)
        else:
            cfg = site_from_store(store)
            saved = False
    if cfg is None:
        cfg = SiteConfig.model_validate({"site": {"name": "My store"}})
        saved = False
    return GuiSetup(path, cfg, saved, db_url, data_dir, store)


def make_application(argv: list[str] | None = None):  # type: ignore[no-untyped-def]
    """The QApplication with StoreSight's name and a light Fusion style (readable everywhere)."""
    from PySide6.QtGui import QColor, QFont, QPalette
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("StoreSight")
    app.setOrganizationName("StoreSight")
    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor("#eef0f2"))
    pal.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor("#f5f7f9"))
    pal.setColor(QPalette.ColorRole.Highlight, QColor("#2f6fb3"))
    pal.setColor(QPalette.ColorRole.Button, QColor("#f6f7f8"))
    app.setPalette(pal)
    font = QFont(app.font())
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
    app.setFont(font)
    return app


def build_window(  # type: ignore[no-untyped-def]
    setup: GuiSetup,
    *,
    engine_db_url: str | None = None,
    engine_data_dir: Path | None = None,
    detector=None,
    settings=None,
    reopen=None,
):
    """The main window for ``setup``; the live engine may write elsewhere (screenshots use a scratch database).

    ``settings`` (a QSettings) keeps the window's geometry and last tab (default: the user's);
    ``reopen(config, db)`` opens another site or database from the File menu.
    """
    from app.gui.alerts_panel import StoreAlertFeed
    from app.gui.engine_controller import EngineController
    from app.gui.main_window import MainWindow
    from app.gui.site_document import SiteDocument

    doc = SiteDocument(setup.config_path, setup.config, saved=setup.config_saved)
    controller = EngineController(
        engine_db_url or setup.db_url, engine_data_dir or setup.data_dir, detector=detector
    )
    return MainWindow(
        doc,
        setup.store,
        setup.data_dir,
        controller,
        alerts=StoreAlertFeed(setup.store),
        settings=settings,
        reopen=reopen,
    )


def log_to_file(folder: Path) -> Path | None:
    """Also write the log (warnings and up) to ``folder/storesight.log`` (rotated at 1 MB, 3 kept)."""
    from logging.handlers import RotatingFileHandler

    path = folder / "storesight.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError as e:
        log.warning("no log file in %s: %s", folder, e)
        return None
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
        for h in root.handlers:  # the console keeps showing warnings only
            if h is not handler and h.level == logging.NOTSET:
                h.setLevel(logging.WARNING)
    return path


#: Where ``storesight serve`` listens by default: the window attaches to it when it answers there.
LOCAL_SERVICE = "http://127.0.0.1:8765"


def find_service(service: str | None) -> str | None:
    """The service the window should show: ``service`` if given, else the local one if it answers."""
    if service:
        return service
    from app.serve.client import ServiceClient

    return LOCAL_SERVICE if ServiceClient(LOCAL_SERVICE, timeout=0.5).healthy() else None


def run(
    config: Path | None,
    db: str | None,
    *,
    stop: threading.Event | None = None,
    service: str | None = None,
    stores: Path | None = None,
) -> int:
    """Open the window and run until it is closed (or ``stop`` is set, e.g. by Ctrl+C).

    With ``service`` (or a service answering on :data:`LOCAL_SERVICE`) the window shows that
    running service's cameras and alerts instead of analysing itself. With a ``stores`` file (or
    ``$STORESIGHT_STORES``) the window can switch between the chain's stores (:mod:`app.gui.stores_panel`).
    """
    from app.chain import STORES_ENV, load_stores

    stores = stores or (Path(os.environ[STORES_ENV]) if os.environ.get(STORES_ENV) else None)
    refs = load_stores(stores) if stores else []
    if refs and config is None and db is None:  # a head office opens its first store
        config, db = refs[0].config, refs[0].db
        service = service or refs[0].service
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QMessageBox

    from app.errors import UserError
    from app.gui.first_run import needs_first_run

    if needs_first_run(config, db):  # a new installation: the wizard writes site.yaml first
        from app import paths
        from app.gui.first_run import FirstRunWizard

        make_application()
        FirstRunWizard(paths.data_dir() / SITE_FILE).exec()  # cancelled: an empty site, set up by hand
    setup = resolve_setup(config, db)
    app = make_application()
    log_to_file(setup.data_dir / "logs")
    from app.gui.login import login_for

    ok, user = login_for(setup.store)  # more than one account: who is there (app/gui/login.py)
    if not ok:
        setup.store.close()
        return 0
    windows: list = []
    opened = [setup.store]

    def open_window(s: GuiSetup, old=None) -> None:  # type: ignore[no-untyped-def]
        win = build_window(s, reopen=reopen)
        win.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        windows.append(win)
        if old is not None:
            win.restoreGeometry(old.saveGeometry())
        if user is not None:
            from app.gui.login import apply_role

            apply_role(win, user)
        if refs:
            from app.gui.stores_panel import install_store_switcher

            shown = s.store.safe_url if s.store is not None else None
            current = next((r for r in refs if r.safe_db == shown), None)
            install_store_switcher(win, refs, current, lambda ref: reopen(ref.config, ref.db, ref.service))
        win.show()

    def reopen(new_config: Path | None, new_db: str | None, new_service: str | None = None) -> None:
        nonlocal user
        old = windows[-1] if windows else None
        try:
            s = resolve_setup(new_config, new_db)
        except UserError as e:
            if old is not None:
                QMessageBox.warning(old, "Cannot open", str(e))
            return
        ok, who = login_for(s.store)  # another database has its own accounts: who is there, again
        if not ok:
            s.store.close()
            return
        user = who
        opened.append(s.store)
        open_window(s, old)  # shown before the old one closes (the last window closing quits)
        if old is not None and not old.close():
            windows.pop().close()
        elif new_service:
            windows[-1].attach_service(new_service, os.environ.get("STORESIGHT_TOKEN") or None)

    open_window(setup)
    attach = find_service(service)
    if attach:
        windows[-1].attach_service(attach, os.environ.get("STORESIGHT_TOKEN") or None)
    if os.environ.get(QUIT_WHEN_SHOWN_ENV) == "1":  # benchmarks/startup_time.py: time to a drawn window
        QTimer.singleShot(0, app.quit)
    if stop is not None:
        timer = QTimer(app)
        timer.timeout.connect(lambda: windows[-1].close() if stop.is_set() else None)
        timer.start(250)
    code = app.exec()
    for store in opened:
        store.close()
    return int(code)
