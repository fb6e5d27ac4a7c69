"""Starts and stops the live :class:`~app.engine.engine.Engine` for the GUI, off the GUI thread.

Loading the detector and opening cameras take seconds; joining camera threads at stop too. The
controller does both on a worker thread and reports back through signals, so the window never
freezes. The grid reads :meth:`EngineController.snapshots` (a quick locked read).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.config import CameraConfig, SiteConfig
from app.engine.engine import CameraSnapshot, Engine
from app.gui.qt_util import run_async
from models.registry import BackendChoice
from models.runtime import available_cpus

log = logging.getLogger(__name__)


def gui_site(site: SiteConfig) -> SiteConfig:
    """The site as the window runs it: with automatic CPU threads, the detector leaves one core free.

    Inference on every core starves the GUI thread of a small box (2 cores: the window would
    stutter while cameras play); a configured thread count is kept as it is.
    """
    if site.detector.threads:
        return site
    threads = max(1, available_cpus() - 1)
    return site.model_copy(update={"detector": site.detector.model_copy(update={"threads": threads})})


class EngineController(QObject):
    """Owns at most one running engine.

    Signals:
        started(str): the engine runs; the detector and why it was chosen.
        stopped(): the engine stopped.
        failed(str): it could not start (one line).
        busyChanged(bool): starting or stopping is in progress.
        applied(str): an edited camera list reached the running engine; what changed, or why not.

    Args:
        db_url: the database the engine writes to.
        data_dir: crops and backgrounds.
        detector: a loaded detector to reuse (tests, benchmarks); default: load the configured one.

    Example:
        >>> ctl = EngineController("sqlite:///s.db", Path("data"))   # doctest: +SKIP
        >>> ctl.start(doc.config)                                   # doctest: +SKIP
    """

    started = Signal(str)
    stopped = Signal()
    failed = Signal(str)
    busyChanged = Signal(bool)
    applied = Signal(str)

    def __init__(self, db_url: str, data_dir: Path, *, detector: BackendChoice | None = None) -> None:
        super().__init__()
        self.db_url = db_url
        self.data_dir = Path(data_dir)
        self.detector = detector
        self.engine: Engine | None = None
        self.busy = False
        self.applying = False
        self._queued: SiteConfig | None = None

    @property
    def running(self) -> bool:
        """Whether an engine is running."""
        return self.engine is not None and self.engine.running

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busyChanged.emit(busy)

    def start(self, site: SiteConfig, existing: dict[str, str] | None = None) -> None:
        """Start analysing every enabled camera of ``site`` (asynchronously).

        Args:
            site: the site; its enabled cameras are analysed.
            existing: camera id → ``replace`` to delete its earlier runs of the same file first
                (see :mod:`app.gui.rerun`, which asks).
        """
        if self.busy or self.running:
            return
        if not any(c.enabled for c in site.cameras):
            self.failed.emit("no camera to analyse: add one (or enable one) on the Live page")
            return
        engine = Engine(
            gui_site(site), db_url=self.db_url, data_dir=self.data_dir, detector=self.detector, existing=existing
        )
        self._set_busy(True)

        def done(_: object) -> None:
            self.engine = engine
            self.detector = engine.detector  # the next start reuses the loaded model
            self._set_busy(False)
            self.started.emit(engine.backend)

        def fail(message: str) -> None:
            self._set_busy(False)
            self.failed.emit(message)

        run_async(engine.start, done, fail)

    def stop(self) -> None:
        """Stop the engine (asynchronously); :attr:`stopped` follows."""
        engine = self.engine
        if engine is None or self.busy:
            return
        self._set_busy(True)

        def done(_: object) -> None:
            self.engine = None
            self._set_busy(False)
            self.stopped.emit()

        def fail(message: str) -> None:
            log.error("engine stop: %s", message)
            done(None)

        run_async(engine.stop, done, fail)

    def apply_site(self, site: SiteConfig) -> None:
        """Give the running engine an edited camera list (asynchronously); :attr:`applied` follows.

        New cameras start, removed ones stop, a camera whose source changed restarts; the others
        keep running. Does nothing when no engine runs (the next start uses the new list).
        """
        engine = self.engine
        if engine is not None and self.applying:  # one at a time: the newest edit follows this one
            self._queued = site
            return
        if engine is None or self.busy:
            return
        self.applying = True
        self._set_busy(True)

        def done(change: object) -> None:
            self.applying = False
            self._set_busy(False)
            self.applied.emit(f"Cameras changed: {change.describe()}.")  # type: ignore[attr-defined]
            self._apply_queued()

        def fail(message: str) -> None:
            self.applying = False
            self._set_busy(False)
            self.applied.emit(f"Cameras changed, but not all could be applied: {message}")
            self._apply_queued()

        run_async(lambda: engine.apply_site(gui_site(site)), done, fail)

    def _apply_queued(self) -> None:
        site, self._queued = self._queued, None
        if site is not None:
            self.apply_site(site)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Process events until a start or stop in progress is over (closing the window); False on timeout."""
        import time

        from PySide6.QtCore import QCoreApplication

        end = time.monotonic() + timeout
        while self.busy and time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.02)
        return not self.busy

    def stop_blocking(self) -> None:
        """Stop now on this thread (closing the window); :attr:`stopped` follows if it was running."""
        if self.engine is not None:
            self.engine.stop()
            self.engine = None
            self.stopped.emit()

    def snapshots(self) -> dict[str, CameraSnapshot]:
        """Every running camera's latest state (empty when not running)."""
        engine = self.engine
        return engine.snapshots() if engine is not None else {}

    def snapshot(self, camera_id: str) -> CameraSnapshot | None:
        """One camera's latest state, or None."""
        engine = self.engine
        return engine.snapshot(camera_id) if engine is not None else None

    def update_camera(self, camera: CameraConfig) -> bool:
        """Apply a camera's new zones to the running engine; False when it does not run that camera."""
        engine = self.engine
        return engine.update_camera(camera) if engine is not None else False
