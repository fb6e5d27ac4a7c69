"""``storesight gui --screenshot DIR --db URL``: every main screen rendered offscreen into PNG files.

For documentation and reviewers: the live grid (the site's cameras analysed for a few seconds
into a scratch database, so the given database is not changed), the zone editor, the dashboard,
the heatmap, the event browser with one event's full picture, the staff page (people to label)
with the employee form, the settings and the camera dialog with a connection test. Works without
a display (``QT_QPA_PLATFORM=offscreen`` is set when no platform is chosen).

With ``--scale 2`` (``QT_SCALE_FACTOR=2``, a 4K monitor at 200 %) the pages of
:data:`HIDPI_PAGES` are rendered at 1920×1080 logical = 3840×2160 physical pixels
(``NAME-hidpi.png``); Qt's scaling must be set before the application exists, so this is its own
``storesight gui --screenshot`` run.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.errors import UserError

#: Window sizes of the screenshots: a full-HD desktop (files ``NAME.png``) and a small laptop
#: screen (``NAME-1024x700.png``) — every page must read well at both.
SIZES = ((1920, 1080), (1024, 700))


def shot_name(name: str, size: tuple[int, int], sizes: tuple[tuple[int, int], ...] = SIZES) -> str:
    """``dashboard`` at the first size, ``dashboard-1024x700`` at the others."""
    return name if size == sizes[0] else f"{name}-{size[0]}x{size[1]}"


#: The window's pages captured at every size ("alerts": two alert cards next to the live grid,
#: when the database has alerts), and the dialogs captured once.
PAGES = ("live", "alerts", "zones", "dashboard", "heatmap", "events", "staff", "plates", "shelves", "models",
         "settings", "faces")
#: The first-run wizard's pages as ``gui --screenshot`` names them, in order
#: (:func:`app.gui.first_run.screenshot_wizard` saves them), captured once each.
WIZARD_SHOTS = (
    "first-run-store",
    "first-run-data",
    "first-run-camera",
    "first-run-line",
    "first-run-analyses",
    "first-run-detector",
)
DIALOGS = ("event-frame", "employee-dialog", "camera-dialog", *WIZARD_SHOTS)


#: The pages also captured on a HiDPI screen (scale 2: 1920×1080 logical, 3840×2160 pixels).
HIDPI_PAGES = ("live", "dashboard")
#: The window size (logical pixels) of the HiDPI shots.
HIDPI_SIZE = (1920, 1080)


def screen_names(sizes: tuple[tuple[int, int], ...] = SIZES, scale: float = 1.0) -> tuple[str, ...]:
    """The files :func:`take_screenshots` writes for these sizes (``NAME.png``) and scale, in order."""
    if scale != 1.0:
        return tuple(f"{p}-hidpi" for p in HIDPI_PAGES)
    return tuple(shot_name(p, s, sizes) for p in PAGES for s in sizes) + DIALOGS


#: Every screen :func:`take_screenshots` writes at the default sizes and at scale 2;
#: ``docs/screenshots`` holds exactly these (tests/test_docs_pictures.py), made by
#: ``scripts/docs_pictures.py``.
SCREENS = screen_names() + screen_names(scale=2.0)


def _wait(app, cond: Callable[[], bool], timeout: float) -> bool:  # type: ignore[no-untyped-def]
    from app.gui.qt_util import pending_tasks

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond() and pending_tasks() == 0:
            for _ in range(5):
                app.processEvents()
            return True
        time.sleep(0.02)
    app.processEvents()
    return False


def take_screenshots(
    out_dir: Path,
    *,
    db: str,
    config: Path | None = None,
    live_seconds: float = 12.0,
    sizes: tuple[tuple[int, int], ...] = SIZES,
    scale: float = 1.0,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Render the main screens into ``out_dir`` and return the files written.

    Args:
        out_dir: where the PNG files go (created).
        db: the database to show (it must exist; it is only read).
        config: the site config (default: as ``storesight gui`` chooses).
        live_seconds: how long the cameras run before the live grid is captured.
        sizes: window sizes in pixels; every page is captured at each (see :func:`shot_name`).
        scale: Qt's scale factor (``QT_SCALE_FACTOR``); other than 1, only :data:`HIDPI_PAGES`
            at :data:`HIDPI_SIZE` logical pixels, as ``NAME-hidpi.png``.
        log: progress messages.

    Raises:
        UserError: bad arguments, a missing database, or a folder that cannot be written.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    if not 0.5 <= scale <= 4.0:
        raise UserError(f"--scale must be between 0.5 and 4 (got {scale:g})", 2)
    hidpi = scale != 1.0
    if hidpi:
        if QApplication.instance() is not None:
            raise UserError("--scale: the Qt application already exists; its scale cannot change", 2)
        os.environ["QT_SCALE_FACTOR"] = f"{scale:g}"
        sizes = (HIDPI_SIZE,)

    from app.gui.app import build_window, make_application, resolve_setup
    from app.gui.camera_dialog import CameraDialog

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"--screenshot: cannot create {out_dir} ({e.strerror or e})", 2) from None
    from app.store.alerts import alerts

    setup = resolve_setup(config, db, must_exist=True)
    app = make_application()
    written: list[Path] = []
    names = screen_names(sizes, scale)

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        assert name in names, name  # (a new screen goes into PAGES / DIALOGS and docs/gui.md)
        path = out_dir / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise UserError(f"--screenshot: cannot write {path}")
        written.append(path)
        log(f"screenshot: {path}")

    def save_sizes(name: str, settle: float = 0.5) -> None:  # type: ignore[no-untyped-def]
        for size in sizes:
            shot = f"{name}-hidpi" if hidpi else shot_name(name, size, sizes)
            if shot not in names:  # (a page not among the HiDPI ones)
                return
            win.resize(*size)
            end = time.monotonic() + settle  # the whole time: pages redraw for a new size after a pause
            _wait(app, lambda e=end: time.monotonic() > e, settle + 5)
            save(win, shot)

    with tempfile.TemporaryDirectory(prefix="storesight-shots-") as tmp:
        win = build_window(
            setup,
            engine_db_url=f"sqlite:///{Path(tmp) / 'live.db'}",
            engine_data_dir=Path(tmp),
            settings=QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat),
        )
        win.alerts.timer.stop()  # the pane shows what the shots need, not the clock's "last hours"
        size = sizes[0]
        try:
            win.resize(*size)
            win.show()
            _wait(app, lambda: True, 1.0)
            cams = [c for c in win.document.config.cameras if c.enabled]

            # 1. live grid
            ctl = win.controller
            if cams:
                # a file analysed before would ask keep / replace / add (a modal box no one answers here):
                # the screenshots add a run, as they always did
                from app.gui.rerun import APPEND, start_asking

                start_asking(win, ctl, win.document.config, asker=lambda *_a, **_k: APPEND)
                _wait(app, lambda: ctl.running or not ctl.busy, 120)
                if ctl.running:
                    start = time.monotonic()
                    _wait(
                        app,
                        lambda: (
                            time.monotonic() - start > live_seconds
                            and all(
                                (s := ctl.snapshot(c.id)) is not None
                                and s.frame is not None
                                and len(s.detections)
                                for c in cams
                            )
                        ),
                        live_seconds + 60,
                    )
                    win.cameras.grid.poll()
                else:
                    log("screenshot: the analysis did not start; the grid shows why")
            _wait(app, lambda: True, 0.5)
            save_sizes("live")

            # two alert cards next to the live grid: the database's latest alerts, shown as open
            recent = [] if hidpi else alerts(setup.store, limit=2)
            if recent:
                win.alerts.show_alerts([dataclasses.replace(a, status="open", ts_end=None) for a in recent])
                _wait(app, lambda: True, 0.5)
                save_sizes("alerts")
                win.alerts.show_alerts([])
                win.alerts_dock.hide()

            # 2. zone editor, with the live picture and one zone selected
            win.tabs.setCurrentWidget(win.zones)
            if cams and not hidpi:
                win.zones.set_camera(cams[0].id, force=True)
                win.zones.load_picture(force=True)
                _wait(app, win.zones.canvas.has_image, 60)
                shapes = win.zones.canvas.shapes()
                pick = next((i for i, s in enumerate(shapes) if s.type == "queue"), len(shapes) - 1)
                win.zones.canvas.select(pick)
            _wait(app, lambda: True, 0.3)
            save_sizes("zones")
            ctl.stop_blocking()

            # 3-5. pages reading the database
            for page, name in (
                (win.dashboard, "dashboard"),
                (win.heatmap, "heatmap"),
                (win.events, "events"),
            ):
                if hidpi and name not in HIDPI_PAGES:
                    continue
                win.tabs.setCurrentWidget(page)
                page.refresh()
                _wait(app, lambda p=page: not p.loading, 60)
                if name == "events" and win.events.model.rowCount():
                    win.events.table.selectRow(0)
                save_sizes(name)

            if hidpi:
                return written

            # the full picture of an event with a photo
            rows = [i for i, e in enumerate(win.events.model.events()) if e.photos and e.module == "footfall"]
            rows = rows or [i for i, e in enumerate(win.events.model.events()) if e.photos]
            if rows:
                dlg = win.events.open_event(rows[0])
                if dlg is not None:
                    _wait(app, lambda: dlg.frame is not None, 30)
                    save(dlg, "event-frame")
                    dlg.close()

            # staff: people to label (most uncertain first) and an empty employee form
            win.tabs.setCurrentWidget(win.staff)
            win.staff.setCurrentWidget(win.staff.roles)
            win.staff.refresh()
            _wait(app, lambda: not win.staff.loading, 60)
            save_sizes("staff")
            emp = win.staff.employees.open_dialog(None)
            if emp is not None:
                _wait(app, lambda: True, 0.3)
                save(emp, "employee-dialog")
                emp.reject()

            # pages that load in the background, each shot once its ``loaded`` signal came:
            # plates (the vehicle passages of parking cameras; the demo's walkway has none: the empty page),
            # faces (the faces package's panel: a camera's privacy settings, enrolled employees, audit log),
            # shelves (each shelf zone now, its gaps and numbers; the demo has none: how to set one up),
            # models (every capability's models in the site's model folder, the built-in detector selected)
            pages = [(win.plates, "plates"), (win.panels.get("faces"), "faces"),
                     (win.shelves, "shelves"), (win.models, "models")]
            for page, name in pages:
                if page is None:
                    continue
                win.tabs.setCurrentWidget(page)
                loaded: list[bool] = []
                page.loaded.connect(lambda done=loaded: done.append(True))  # type: ignore[attr-defined]
                page.refresh()  # type: ignore[attr-defined]
                _wait(app, lambda done=loaded: bool(done), 60)
                if page is win.models:
                    win.models.table.selectRow(0)
                save_sizes(name)

            # 6. settings with the backends checked
            win.tabs.setCurrentWidget(win.settings)
            # the backends check imports torch: slow on a busy box
            _wait(app, lambda: bool(win.settings.statuses), 180)
            save_sizes("settings")

            # 7. the camera dialog after a connection test
            if win.document.config.cameras:
                cam = win.document.config.cameras[0]
                dlg2 = CameraDialog(cam, taken_ids={c.id for c in win.document.config.cameras}, parent=win)
                dlg2.resize(680, 640)
                dlg2.show()
                dlg2.test_connection()
                _wait(app, lambda: dlg2.last_probe is not None, 30)
                save(dlg2, "camera-dialog")
                dlg2.close()

            # 8. the first-run wizard, page by page (a scratch data folder; offline)
            from app.gui.first_run import screenshot_wizard

            cams_all = win.document.config.cameras
            video = cams_all[0].source if cams_all and cams_all[0].kind == "file" else None
            if video and not Path(video).is_absolute():
                video = str(win.document.path.parent / video)
            screenshot_wizard(save, lambda cond, t: _wait(app, cond, t), Path(tmp) / "first-run", video)
        finally:
            win.controller.stop_blocking()
            win.close()
            _wait(app, lambda: True, 0.2)
            setup.store.close()
    return written
