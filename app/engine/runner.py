"""Headless analysis of one source: the glue used by ``analyze``, ``demo`` and ``bench``.

Opens the source (failing fast with a clear message), picks the detector backend, opens
the store, and runs the camera pipeline; the run's status in the database says whether it
is complete, so an interrupted or truncated analysis never looks finished.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.config import CameraConfig, SiteConfig
from app.engine.pipeline import CameraPipeline, FrameResult, RunSummary
from app.engine.roles import load_role_setup
from app.engine.sources import make_source
from app.errors import UserError
from app.store.db import Store, open_store, retry_locked
from app.store.reserve import SpaceReserve
from app.store.runs import delete_runs, previous_runs
from app.store.schema import AnalysisRun, RunStatus, utcnow
from app.store.sync import sync_site
from app.store.writer import StoreWriter, WriterStats
from models.base import BackendUnavailable, DetectorBackend, DetectorSettings
from models.pose import PoseBackend
from models.registry import BackendChoice, create_detector

log = logging.getLogger(__name__)


@dataclass(slots=True)
class AnalysisResult:
    """Outcome of :func:`analyze`.

    Attributes:
        summary: the pipeline's run summary.
        run_id: the run's id in the store.
        db_url: the database written to (no password).
        data_dir: where crops went.
        backend: the detector description and why it was chosen.
        writer_stats: the writer's counters (events/tracks written, batches, latency).
        roles: what staff/customer roles were decided from (one line).
        detector: the detector backend that ran (its runtime, threads, warm-up).
        pose_backend: the pose backend that ran, if any.
    """

    summary: RunSummary
    run_id: int
    db_url: str
    data_dir: Path
    backend: str
    writer_stats: WriterStats
    roles: str = ""
    detector: DetectorBackend | None = None
    pose_backend: PoseBackend | None = None


def detector_settings(site: SiteConfig, cameras: CameraConfig | list[CameraConfig]) -> DetectorSettings:
    """The settings of a detector shared by ``cameras`` (one camera or several).

    The model keeps every class and the lowest confidence any of the cameras asks for (or the
    tracker's low threshold, whichever is lower); each camera's pipeline then keeps its own classes
    and confidence (a people camera and a parking camera share one model and each gets what it asked
    for).
    """
    cams = [cameras] if isinstance(cameras, CameraConfig) else list(cameras)
    d = site.detector
    confidences = [site.effective(c).confidence or 0.35 for c in cams] or [d.confidence or 0.35]
    return DetectorSettings(
        # the tracker's second association takes boxes down to track_low_thresh (see tracking_floor)
        confidence=min(min(confidences), site.tracker.track_low_thresh),
        classes=(),
        iou=d.iou,
        threads=d.threads,  # 0: the backend takes the cores available to this process
        model_dir=d.model_dir,
        model_name=d.yolo_model,
        input_size=d.input_size,
        device=d.device,
        precision=d.precision,
    )


def choose_detector(site: SiteConfig, cameras: CameraConfig | list[CameraConfig]) -> BackendChoice:
    """Load the configured detector backend for ``cameras``, falling back to the built-in one."""
    settings = detector_settings(site, cameras)
    if not settings.model_dir:
        from app.paths import model_dir

        settings = DetectorSettings(**{**_asdict(settings), "model_dir": str(model_dir())})
    try:
        return create_detector(site.detector.backend, settings, allow_download=site.detector.allow_download)
    except BackendUnavailable as e:
        raise UserError(str(e)) from None


def _asdict(s: DetectorSettings) -> dict[str, object]:
    return {k: getattr(s, k) for k in s.__slots__}  # type: ignore[attr-defined]


def check_writable_dir(path: Path) -> Path:
    """Create ``path`` if needed and make sure files can be written there.

    Raises:
        UserError: the folder cannot be created or written.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".storesight-write-test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as e:
        raise UserError(
            f"output folder is not writable: {path} ({e.strerror or e.__class__.__name__})"
        ) from None
    return path


def analyze(
    site: SiteConfig,
    camera: CameraConfig,
    *,
    db_url: str,
    data_dir: Path,
    stop: threading.Event,
    on_frame: Callable[[FrameResult], None] | None = None,
    on_start: Callable[[BackendChoice, object], None] | None = None,
    existing: str = "append",
    failure: Callable[[], str | None] | None = None,
    max_frames: int = 0,
) -> AnalysisResult:
    """Analyse one camera's source to its end (files) or until ``stop`` (live).

    Args:
        site: site config (synced into the store first).
        camera: the camera to analyse.
        db_url: SQLAlchemy URL of the store.
        data_dir: folder for crops (must be writable).
        stop: set it to stop early; the run is then stored as incomplete.
        on_frame: per-frame callback (progress bar, MOT writer).
        on_start: called once with the detector choice and the opened source.
        existing: what to do when the camera already has runs of the same file: ``refuse``
            (a :class:`UserError`, exit code 2), ``replace`` (delete them with their rows and
            files first) or ``append`` (keep both; their numbers add up). Live sources always append.
        failure: asked after the pipeline ends; a line means the run failed for that reason
            (e.g. the ``--mot`` file could not be written).
        max_frames: stop after this many frames of the source (0: all); exactly these are analysed.

    Returns:
        The result; ``result.summary.status`` says whether the run is complete.

    Raises:
        UserError: bad source, no detector, or an unusable database.
    """
    check_writable_dir(data_dir)
    source = make_source(camera, fail_fast=True, identity_lag=site.tracker.identity_lag)
    store: Store | None = None
    try:
        source.open_check()
        choice = choose_detector(site, camera)
        if on_start is not None:
            on_start(choice, source)
        store = open_store(db_url)
        # The camera as analysed (its source may come from the command line) is what the store records.
        others = [c for c in site.cameras if c.id != camera.id]
        site_now = site.model_copy(update={"cameras": [*others, camera]})
        ids = retry_locked(lambda: sync_site(store, site_now), store.url, what="site config")
        _check_previous(store, data_dir, ids[camera.id], camera, existing)
        role_setup = load_role_setup(site, store=store, data_dir=data_dir)
        fatal: list[str] = []

        def on_fatal(reason: str) -> None:
            fatal.append(reason)
            stop.set()

        reserve = SpaceReserve.for_sqlite(store.sqlite_path)
        writer = StoreWriter(store, data_dir, on_fatal=on_fatal)
        writer.start()
        try:
            run_id = writer.start_run(camera.id, source_label(camera), choice.backend.description)
            pipe = CameraPipeline(
                site,
                camera,
                source,
                choice.backend,
                writer,
                run_id,
                on_frame=on_frame,
                max_frames=max_frames,
                nominal_fps=float(getattr(source, "fps", 0.0) or 10.0),
                role_setup=role_setup,
            )
            try:
                summary = pipe.run(stop)
            except BaseException as e:  # a second Ctrl+C / SIGTERM, or a bug: the run must not stay running
                s = pipe.summary
                why = "interrupted" if isinstance(e, KeyboardInterrupt) else f"{type(e).__name__}: {e}"
                _close_run(writer, store, run_id, RunStatus.INCOMPLETE, why, s, reserve)
                raise
            failed_during_run = bool(fatal)  # the writer stopped the analysis (not only its last rows)
            other = failure() if failure is not None else None
            if failed_during_run or other:
                summary.status = RunStatus.FAILED.value
                summary.reason = fatal[0] if fatal else str(other)
            summary.status, summary.reason = _close_run(
                writer, store, run_id, summary.status, summary.reason, summary, reserve
            )
        finally:
            writer.close(timeout=CLOSE_TIMEOUT_S)
            reserve.release()
        stats = writer.stats()
        roles = role_setup.describe() if site.roles.enabled else "off"
        pose = pipe.pose.backend if pipe.pose is not None else None
        return AnalysisResult(
            summary, run_id, store.safe_url, data_dir, choice.reason, stats, roles, choice.backend, pose
        )
    finally:
        source.close()
        if store is not None:
            store.close()  # no connection (or open WAL file) outlives the analysis


#: Seconds the end of an analysis waits for the store writer (it never waits without a limit).
CLOSE_TIMEOUT_S = 60.0


def _close_run(
    writer: StoreWriter,
    store: Store,
    run_id: int,
    status: str,
    reason: str,
    s: RunSummary,
    reserve: SpaceReserve | None = None,
) -> tuple[str, str]:
    """Store the run's end through the writer; when the writer cannot, directly (best effort).

    The rows queued last (the final events, the open heatmap hour, the background) go in the
    writer's last batches. If those cannot be written (the disk filled up at the very end), the run
    is stored ``incomplete`` — everything up to them is sound, they are missing — never
    ``complete``. The space reserve is released first, so this one small UPDATE fits.

    Returns:
        The (status, reason) the run ended with.
    """
    if writer.fatal is None:
        writer.finish_run(run_id, status, reason, s.frames, s.first_ts, s.last_ts)
        try:
            writer.flush(timeout=CLOSE_TIMEOUT_S)
        except TimeoutError:
            log.error("the database did not take the end of run %d within %.0f s", run_id, CLOSE_TIMEOUT_S)
        else:
            if writer.fatal is None:
                return status, reason
        if writer.fatal is not None and status == RunStatus.COMPLETE.value:
            status = RunStatus.INCOMPLETE.value
            reason = f"analysed to the end, but the last rows could not be stored: {writer.fatal}"
    if reserve is not None:
        reserve.release()
    try:  # the writer gave up (disk full…): one small UPDATE may still fit; else the next start closes it
        from sqlalchemy import update

        with store.session(write=True) as sess:
            sess.execute(
                update(AnalysisRun)
                .where(AnalysisRun.id == run_id)
                .values(status=status, reason=reason, frames=s.frames, finished_at=utcnow())
            )
    except Exception as e:
        log.error("run %d could not be marked %s (%s); the next start marks it incomplete", run_id, status, e)
    return status, reason


def _check_previous(
    store: Store, data_dir: Path, camera_row: int, camera: CameraConfig, existing: str
) -> None:
    """Refuse, replace or keep the camera's earlier runs of the same file (see :func:`analyze`)."""
    if camera.kind != "file" or existing == "append":
        return
    runs = previous_runs(store, camera_row, source_label(camera))
    if not runs:
        return
    if any(r.status == RunStatus.RUNNING.value for r in runs):
        busy = next(r for r in runs if r.status == RunStatus.RUNNING.value)
        raise UserError(
            f"{busy.describe()} is analysing this file right now; wait for it or stop it first", 2
        )
    if existing == "replace":
        gone = delete_runs(store, data_dir, [r.id for r in runs])
        ids = ", ".join(str(r.id) for r in runs)
        print(
            f"replaced run {ids}: {gone.events} events and {gone.files} photo files deleted",
            file=sys.stderr,
        )
        return
    listed = "; ".join(r.describe() for r in runs[:3])
    raise UserError(
        f"camera {camera.id} already analysed {Path(camera.source).name} ({listed}); analysing it again "
        "would count everything twice: add --replace-run to delete the old run and its photos first, or "
        "--append to keep both",
        2,
    )


def source_label(camera: CameraConfig) -> str:
    """The camera's source as safe to show (no credentials)."""
    from app.engine.sources import redact_url

    return redact_url(camera.source) if camera.kind == "rtsp" else camera.source
