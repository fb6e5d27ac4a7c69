"""The live multi-camera engine behind the GUI: one pipeline per camera, one detector, one writer.

:class:`Engine` runs every enabled camera of a site at once:

* one :class:`~app.engine.pipeline.CameraPipeline` per camera, in its own analysis thread (plus
  the pipeline's own decode thread), each with its own run in the store;
* one detector backend shared by all cameras, calls serialised by one lock;
* one :class:`~app.store.writer.StoreWriter` that owns every database write;
* one :class:`~app.engine.site_feed.SiteFeed` shared by the pipelines (store entries seen by the
  entrance camera feed the checkout camera's queue forecast);
* a per-camera :class:`CameraSnapshot` (latest frame, its tracked detections, the source's
  :class:`~app.engine.sources.CameraState`, analysis frame rate) that the GUI polls from its own
  thread — the GUI never decodes or infers;
* :meth:`Engine.update_camera` applies new zones or thresholds to a running camera without a
  restart: the analysis thread syncs the zones into the store and rebuilds the camera's modules
  between two frames;
* :meth:`Engine.apply_site` takes an edited camera list while running: new cameras start,
  removed or disabled ones stop (their runs end complete), a camera whose source, frame rate,
  stride or resolution changed restarts alone (a new run), and zone-only changes go through
  :meth:`Engine.update_camera` — the other cameras never stop.

Video files are played like live cameras (:class:`~app.engine.playback.PlaybackSource`): in real
time, stamped with the wall clock, looping by default, so the grid looks and behaves as it will
with real cameras. Shutdown sets each camera's stop event and joins them in reverse order of
start, then closes the writer and the store. At start, runs of this site's cameras left
``running`` by a crash are marked incomplete. Data older than ``storage.retention_days`` is
deleted at start and then daily by a :class:`~app.engine.housekeeping.RetentionWorker` thread.

Example:
    >>> engine = Engine(site, db_url="sqlite:///store.db", data_dir=Path("data"))  # doctest: +SKIP
    >>> engine.start()                                                             # doctest: +SKIP
    >>> engine.snapshot("entrance").state.status                                   # doctest: +SKIP
    <CameraStatus.LIVE: 'live'>
    >>> engine.stop()                                                              # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analytics.types import Detections, Frame
from app.config import CameraConfig, SiteConfig
from app.engine.batching import BatchingDetector
from app.engine.housekeeping import DAY, RetentionWorker
from app.engine.pipeline import CameraPipeline, FrameResult, RunSummary
from app.engine.playback import PlaybackSource
from app.engine.roles import load_role_setup
from app.engine.runner import check_writable_dir, choose_detector, source_label
from app.engine.site_feed import SiteFeed
from app.engine.sources import CameraState, CameraStatus, Source, make_source
from app.errors import SourceError, UserError
from app.store.db import Store, open_store
from app.store.maintenance import mark_stale_runs
from app.store.runs import delete_runs, previous_runs
from app.store.schema import RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter, WriterStats
from models.base import BackendUnavailable, DetectorBackend
from models.pose import PoseBackend
from models.registry import BackendChoice

log = logging.getLogger(__name__)

#: Seconds of history behind the analysis frame rate shown per camera.
FPS_WINDOW = 3.0


@dataclass(frozen=True, slots=True)
class CameraSnapshot:
    """What one camera shows right now; immutable, safe to hand to the GUI thread.

    Attributes:
        camera_id: the camera's config id.
        label: its name (or id).
        state: the source's health (live, reconnecting with the reason, failed, ended…).
        frame: the newest processed frame, or None before the first.
        detections: tracked detections of the newest *analysed* frame (kept on frames between
            detector runs, so overlays do not flicker with ``stride`` > 1).
        detections_ts: timestamp of the frame those detections belong to.
        analysis_fps: frames processed per second over the last few seconds.
        backend: the detector that runs (one line).
        running: whether the camera's analysis thread is alive.
        run_id: the camera's run in the store.
        result: the run's status once it ended (``complete``/``incomplete``/``failed``), else "".
        reason: why it ended that way (empty while running).
        camera: the camera config in use (zones included).
        seq: increases with every processed frame (to skip repainting unchanged tiles).
        roles: role per tracker id (``customer``/``staff``/``unknown``) from the pipeline's role
            stage for the detections shown; empty when roles are off (people are drawn as unknown).
        faults: the camera's stages and modules that raised (one line; empty when none did).
        latency_p95: 95th percentile of the last analysed frames' latency, seconds: from the frame's
            timestamp (the wall clock when it was captured or due, for live cameras and real-time
            playback) to its events handed to the writer. 0.0 before any.
        frames: frames processed by this camera's current run.
        gated: of those, frames the detector skipped because nothing moved (motion gating).
    """

    camera_id: str
    label: str
    state: CameraState
    frame: Frame | None
    detections: Detections
    detections_ts: float | None
    analysis_fps: float
    backend: str
    running: bool
    run_id: int | None
    result: str
    reason: str
    camera: CameraConfig
    seq: int
    roles: Mapping[int, str] = field(default_factory=dict)
    faults: str = ""
    latency_p95: float = 0.0
    frames: int = 0
    gated: int = 0

    @property
    def status_text(self) -> str:
        """One line for the tile header: ``live · 9.8 fps``, ``reconnecting: …``, ``failed: …``.

        A stage or module that raised is added: ``live · 9.8 fps · plates disabled after 5 errors (…)``.
        """
        text = self._status()
        return f"{text} · {self.faults}" if self.faults else text

    def _status(self) -> str:
        st = self.state
        if self.result and self.result != RunStatus.COMPLETE.value and self.reason:
            return f"{self.result}: {self.reason}"
        if st.status == CameraStatus.LIVE:
            return f"live · {self.analysis_fps:.1f} fps"
        if st.status in (CameraStatus.RECONNECTING, CameraStatus.FAILED) and st.reason:
            return f"{st.status.value}: {st.reason}"
        return st.status.value


@dataclass(slots=True)
class _Worker:
    """One camera's analysis thread and the state the GUI reads."""

    camera: CameraConfig
    source: Source
    run_id: int
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    pipe: CameraPipeline | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    frame: Frame | None = None
    detections: Detections = field(default_factory=Detections.empty)
    detections_ts: float | None = None
    seq: int = 0
    times: deque[float] = field(default_factory=lambda: deque(maxlen=300))
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=300))
    pending: tuple[CameraConfig, SiteConfig] | None = None
    summary: RunSummary | None = None
    roles: dict[int, str] = field(default_factory=dict)
    faults: str = ""
    result: str = ""
    reason: str = ""


def _faces_key(camera: CameraConfig) -> tuple[bool, str]:
    """What decides whether (and which) face stage a camera's pipeline is built with."""
    f = camera.modules.faces
    return bool(f.enabled), str(f.mode)


def _source_key(cam: CameraConfig) -> tuple[object, ...]:
    """What a camera's source is opened with: a change of any of it needs a new source (and run)."""
    return (cam.source, cam.username, cam.password, cam.fps, cam.stride, cam.resolution, cam.start_time)


@dataclass(frozen=True)
class SiteChange:
    """What :meth:`Engine.apply_site` did, by camera id."""

    started: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    restarted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the user, e.g. ``"started door; restarted till"`` (``"no change"`` if none)."""
        parts = [
            f"{verb} {', '.join(ids)}"
            for verb, ids in (
                ("started", self.started),
                ("stopped", self.stopped),
                ("restarted", self.restarted),
                ("updated", self.updated),
            )
            if ids
        ]
        return "; ".join(parts) or "no change"


class Engine:
    """Runs every enabled camera of a site live, for the GUI.

    Args:
        site: the site config (file sources already resolved to absolute paths, as
            :func:`app.config.load_config` does).
        db_url: the database URL.
        data_dir: the data folder (crops, backgrounds); created if missing.
        loop_files: video files start again at their end (else their camera ends there).
        realtime_files: play video files at their own pace with wall-clock timestamps (else they
            are analysed as fast as possible with their recorded timestamps, like ``analyze``).
        detector: an already loaded detector (tests, benchmarks); default: the configured one.
        backoff_max: cap of the reconnect delay of live cameras, seconds.
        retention_interval: seconds between two passes of the retention
            (``storage.retention_days``; the first pass runs at start).
        on_frame: called on each camera's analysis thread with its id and every processed frame
            (benchmarks measure latency with it); keep it quick.
        existing: camera id → ``replace`` to delete its earlier runs of the same file first
            (the window's answer when a file is analysed again); others keep them and add a run.

    Example:
        >>> engine = Engine(site, db_url="sqlite:///s.db", data_dir=Path("d"))  # doctest: +SKIP
        >>> engine.start(); time.sleep(5); engine.stop()                       # doctest: +SKIP
    """

    def __init__(
        self,
        site: SiteConfig,
        *,
        db_url: str,
        data_dir: Path,
        loop_files: bool = True,
        realtime_files: bool = True,
        detector: BackendChoice | None = None,
        backoff_max: float = 30.0,
        retention_interval: float = DAY,
        on_frame: Callable[[str, FrameResult], None] | None = None,
        existing: Mapping[str, str] | None = None,
    ) -> None:
        self.site = site
        self.db_url = db_url
        self.data_dir = Path(data_dir)
        self.loop_files = loop_files
        self.realtime_files = realtime_files
        self.backoff_max = backoff_max
        self._choice = detector
        self._detector_lock = threading.Lock()
        self._batcher: BatchingDetector | None = None
        self._sync_lock = threading.Lock()
        self._workers: dict[str, _Worker] = {}
        self._store: Store | None = None
        self._writer: StoreWriter | None = None
        self._started = False
        self.stale_runs = 0
        self._feed: SiteFeed | None = None
        self._role_setup: object | None = None
        self._pose_backend: PoseBackend | None = None
        self._lifecycle = threading.Lock()  # apply_site and stop do not interleave
        self._retention_interval = retention_interval
        self.retention: RetentionWorker | None = None
        self._on_frame_hook = on_frame
        #: camera id → ``replace``: its earlier runs of the same file are deleted before its new run
        #: (the window asked; anything else keeps them and adds a run).
        self.existing = dict(existing or {})

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._started

    @property
    def backend(self) -> str:
        """The detector in use and why it was chosen ("" before :meth:`start`)."""
        return self._choice.reason if self._choice else ""

    @property
    def detector(self) -> BackendChoice | None:
        """The loaded detector and the reason for it (reuse it for the next engine), None before start."""
        return self._choice

    @property
    def feed(self) -> SiteFeed | None:
        """The site's shared signals (store entries), None before :meth:`start`."""
        return self._feed

    def camera_ids(self) -> list[str]:
        """Cameras being analysed, in order of start."""
        return list(self._workers)

    def start(self) -> None:
        """Open the store, load the detector and start every enabled camera.

        Blocking for a few seconds (the detector loads): call it off the GUI thread.

        Raises:
            UserError: unusable database or data folder, or no detector backend.
            RuntimeError: already started.
        """
        if self._started:
            raise RuntimeError("the engine is already running")
        check_writable_dir(self.data_dir)
        cams = [c for c in self.site.cameras if c.enabled]
        store = open_store(self.db_url)
        try:
            ids = sync_site(store, self.site)
            self.stale_runs = mark_stale_runs(store, camera_ids=list(ids.values()))
            if self._choice is None:
                # one model for every camera; each pipeline keeps its camera's classes and confidence
                self._choice = choose_detector(self.site, cams or [CameraConfig(id="none", source="0")])
            # shared by the cameras, like the detector: role examples/classifier and the pose model
            role_setup = load_role_setup(self.site, store=store, data_dir=self.data_dir)
            pose_backend = self._shared_pose_backend(cams, self._choice.backend)
        except BaseException:
            store.close()
            raise
        self._store = store
        self._writer = StoreWriter(store, self.data_dir).start()
        self._started = True
        # One feed for the whole site: a checkout camera's forecast sees the entrance camera's entries.
        self._feed = SiteFeed(self.site)
        self._role_setup, self._pose_backend = role_setup, pose_backend
        try:
            for cam in cams:
                self._start_camera(cam, ids[cam.id])
            # storage.retention_days: at start, then daily, on its own thread (short batches)
            self.retention = RetentionWorker(
                store, self.data_dir, lambda: self.site, interval=self._retention_interval
            ).start()
        except BaseException:
            self.stop()
            raise

    def _start_camera(self, cam: CameraConfig, camera_row: int) -> None:
        """Open one camera's source and start its analysis thread with a new run."""
        assert self._writer is not None and self._choice is not None and self._feed is not None
        backend: DetectorBackend = self._choice.backend
        lock: threading.Lock | None = self._detector_lock
        if backend.batch_capable:  # cameras' frames go in together; the batcher serialises the model
            if self._batcher is None or self._batcher.backend is not backend:
                self._batcher = BatchingDetector(backend)
            backend, lock = self._batcher, None  # type: ignore[assignment]
        source = self._make_source(cam)
        if cam.kind == "file" and self.existing.pop(cam.id, None) == "replace" and self._store is not None:
            old = previous_runs(self._store, camera_row, source_label(cam))
            gone = delete_runs(self._store, self.data_dir, [r.id for r in old])
            log.info(
                "camera %s: replaced run(s) %s (%d events deleted)", cam.id, [r.id for r in old], gone.events
            )
        run_id = self._writer.start_run(camera_row, source_label(cam), backend.description)
        w = _Worker(cam, source, run_id)
        w.pipe = CameraPipeline(
            self.site,
            cam,
            source,
            backend,
            self._writer,
            run_id,
            detector_lock=lock,
            on_frame=lambda res, w=w: self._on_frame(w, res),
            nominal_fps=float(source.fps or 10.0),
            site_feed=self._feed,
            pose_backend=self._pose_backend,
            role_setup=self._role_setup,  # type: ignore[arg-type]
        )
        w.thread = threading.Thread(target=self._run, args=(w,), name=f"camera-{cam.id}", daemon=True)
        self._workers[cam.id] = w
        w.thread.start()
        log.info("camera %s started (run %d)", cam.id, run_id)

    @staticmethod
    def _stop_workers(workers: list[_Worker], timeout: float) -> None:
        """Stop analysis threads: signal all first, then join (each ends its own run)."""
        for w in workers:
            w.stop.set()
            w.source.close()  # unblocks a network read at once
        deadline = time.monotonic() + timeout
        for w in workers:
            if w.thread is not None:
                w.thread.join(max(0.1, deadline - time.monotonic()))
                if w.thread.is_alive():
                    log.warning("camera %s did not stop within %.0f s", w.camera.id, timeout)

    def _shared_pose_backend(self, cams: list[CameraConfig], detector: object) -> PoseBackend | None:
        """One pose model for every camera whose pose module is on (None: none needs one)."""
        if not any(c.modules.pose.enabled for c in cams) or getattr(detector, "keypoints", False):
            return None
        from app.engine.pose_stage import pose_settings
        from models.pose import create_pose_backend

        try:
            choice = create_pose_backend(
                self.site.pose.backend,
                pose_settings(self.site),
                allow_download=self.site.detector.allow_download,
            )
        except BackendUnavailable as e:
            raise UserError(f"pose: {e}") from None
        return choice.backend

    def _make_source(self, cam: CameraConfig) -> Source:
        if cam.kind == "file" and self.realtime_files:
            res = tuple(cam.resolution) if cam.resolution else None
            return PlaybackSource(cam.id, cam.source, loop=self.loop_files, resolution=res, fps=cam.fps)
        return make_source(cam, backoff_max=self.backoff_max, identity_lag=self.site.tracker.identity_lag)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop every camera (reverse order of start), then the writer and the store. Idempotent."""
        if not self._started:
            return
        with self._lifecycle:
            self._stop_workers(list(self._workers.values())[::-1], timeout)
        if self.retention is not None:
            self.retention.stop()
        if self._writer is not None:
            self._writer.close()
        if self._store is not None:
            self._store.close()
        self._started = False
        log.info("engine stopped")

    def __enter__(self) -> Engine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the analysis thread of each camera -----------------------------------------------

    def _run(self, w: _Worker) -> None:
        assert w.pipe is not None and self._writer is not None
        try:
            s = w.pipe.run(w.stop)
        except Exception as e:  # a bug in a module must not take the other cameras down
            log.exception("camera %s: analysis failed", w.camera.id)
            s = w.pipe.summary
            s.status, s.reason = RunStatus.FAILED.value, f"analysis failed: {e.__class__.__name__}: {e}"
        status, reason = s.status, s.reason
        if w.source.live and w.stop.is_set() and status == RunStatus.INCOMPLETE.value and s.frames:
            # A live session has no end of its own: stopping it is how it ends, and everything
            # from its first to its last frame was analysed.
            status, reason = RunStatus.COMPLETE.value, "live session stopped"
        try:
            self._writer.finish_run(
                w.run_id,
                status,
                reason=reason or None,
                frames=s.frames,
                first_ts=s.first_ts,
                last_ts=s.last_ts,
            )
        except RuntimeError:
            log.error("camera %s: the run could not be finished (the writer is closed)", w.camera.id)
        with w.lock:
            w.summary, w.result, w.reason = s, status, reason
        log.info("camera %s ended: %s %s", w.camera.id, status, reason)

    def _on_frame(self, w: _Worker, res: FrameResult) -> None:
        """Analysis thread: publish the frame, then apply a pending config change between frames."""
        now = time.monotonic()
        with w.lock:
            w.frame = res.frame
            if res.analysed:
                w.detections, w.detections_ts = res.detections, res.frame.ts
                w.roles = dict(res.roles)
            w.faults = res.faults
            w.seq += 1
            w.times.append(now)
            if res.analysed:
                w.latencies.append(time.time() - res.frame.ts)
            pending, w.pending = w.pending, None
        if self._on_frame_hook is not None:
            self._on_frame_hook(w.camera.id, res)
        if pending is not None:
            self._apply(w, *pending, ts=res.frame.ts)

    def _apply(self, w: _Worker, camera: CameraConfig, site: SiteConfig, *, ts: float) -> None:
        assert w.pipe is not None and self._store is not None
        try:
            with self._sync_lock:
                sync_site(self._store, site)
        except Exception:  # the database is busy or gone: keep the old zones, try at the next frame
            log.exception("camera %s: new zones could not be stored; keeping the old ones", camera.id)
            with w.lock:
                if w.pending is None:
                    w.pending = (camera, site)
            return
        w.pipe.replace_camera(camera, ts, site=site)
        if self._feed is not None:
            self._feed.set_site(site)
        with w.lock:
            w.camera = camera
        log.info("camera %s: %d zone(s) applied", camera.id, len(camera.zones))

    # --- what the GUI uses ----------------------------------------------------------------

    def update_camera(self, camera: CameraConfig) -> bool:
        """Apply a camera's new zones and thresholds to the running camera, without a restart.

        The change is made on the camera's analysis thread before its next frame: open stays
        and visits are closed at that moment and the modules are rebuilt with the new zones.
        The source keeps running (a changed source, fps or stride needs a restart of the engine).

        Args:
            camera: the camera's new config; its id must be one of the running cameras.

        Returns:
            True if the camera is running and will pick up the change, False otherwise.
        """
        self.site = self.site.model_copy(
            update={"cameras": [camera if c.id == camera.id else c for c in self.site.cameras]}
        )
        w = self._workers.get(camera.id)
        if w is None or w.thread is None or not w.thread.is_alive():
            return False
        with w.lock:
            w.pending = (camera, self.site)
        return True

    def _running_store(self) -> Store:
        """The database of the started engine; RuntimeError when it is not running."""
        if not self._started or self._store is None:
            raise RuntimeError("the engine is not running")
        return self._store

    def apply_site(self, site: SiteConfig, timeout: float = 15.0) -> SiteChange:
        """Run an edited site while running: start, stop, restart or update cameras as needed.

        Blocking (a stopped camera is joined, a new one opens its source): call it off the GUI
        thread. Cameras whose source settings are unchanged keep running; a zone or threshold
        change of one of them goes through :meth:`update_camera` (same run). A change of the
        site's tracker settings restarts every camera (new runs).

        Args:
            site: the whole edited site config (file sources resolved to absolute paths).
            timeout: seconds to wait for each stopped camera's thread.

        Returns:
            What was done to which camera.

        Raises:
            RuntimeError: the engine is not running.
        """
        store = self._running_store()
        with self._lifecycle:
            old = {cid: w.camera for cid, w in self._workers.items()}
            new = {c.id: c for c in site.cameras if c.enabled}
            stopped = [cid for cid in old if cid not in new]
            # the tracker's settings are read when a camera's pipeline is built: a change restarts them all
            retrack = site.tracker != self.site.tracker
            # the face stage (blurring, identification) is built with the pipeline: turning faces on or
            # changing their mode restarts the camera, so blurring starts at once (privacy)
            restarted = [
                cid
                for cid in old
                if cid in new
                and (
                    retrack
                    or _source_key(new[cid]) != _source_key(old[cid])
                    or _faces_key(new[cid]) != _faces_key(old[cid])
                )
            ]
            started = [cid for cid in new if cid not in old]
            updated = [cid for cid in old if cid in new and cid not in restarted and new[cid] != old[cid]]
            going = [self._workers[cid] for cid in [*stopped, *restarted]]
            self._stop_workers(going[::-1], timeout)
            for cid in [*stopped, *restarted]:
                del self._workers[cid]
            self.site = site
            if self._feed is not None:
                self._feed.set_site(site)
            with self._sync_lock:
                ids = sync_site(store, site)
            if (started or restarted) and self._pose_backend is None:
                self._pose_backend = self._shared_pose_backend(
                    [new[c] for c in [*started, *restarted]], self._choice.backend if self._choice else None
                )
            for cid in [*restarted, *started]:
                self._start_camera(new[cid], ids[cid])
            for cid in updated:
                self.update_camera(new[cid])
        change = SiteChange(started=started, stopped=stopped, restarted=restarted, updated=updated)
        log.info("site applied: %s", change.describe())
        return change

    def restart_camera(self, camera_id: str, timeout: float = 15.0) -> bool:
        """Start a camera again with a new run (its thread ended: source failed, analysis failed).

        A running camera is stopped first. The other cameras go on.

        Returns:
            True if the camera was (re)started, False if it is not one of this engine's cameras.

        Raises:
            RuntimeError: the engine is not running.
        """
        store = self._running_store()
        with self._lifecycle:
            w = self._workers.get(camera_id)
            if w is None:
                return False
            self._stop_workers([w], timeout)
            with self._sync_lock:
                ids = sync_site(store, self.site)
            self._start_camera(w.camera, ids[camera_id])  # replaces the ended worker: never missing
        log.info("camera %s restarted", camera_id)
        return True

    def snapshot(self, camera_id: str) -> CameraSnapshot | None:
        """The camera's latest state, or None if it is not running in this engine."""
        w = self._workers.get(camera_id)
        if w is None:
            return None
        now = time.monotonic()
        with w.lock:
            recent = [t for t in w.times if now - t <= FPS_WINDOW]
            span = now - recent[0] if len(recent) > 1 else 0.0
            fps = (len(recent) - 1) / span if span > 0 else 0.0
            lat = float(np.percentile(np.fromiter(w.latencies, float), 95)) if w.latencies else 0.0
            summary = w.pipe.summary if w.pipe is not None else None
            return CameraSnapshot(
                camera_id=w.camera.id,
                label=w.camera.label,
                state=w.source.state,
                frame=w.frame,
                detections=w.detections,
                detections_ts=w.detections_ts,
                analysis_fps=fps,
                backend=self._choice.backend.description if self._choice else "",
                running=w.thread is not None and w.thread.is_alive(),
                run_id=w.run_id,
                result=w.result,
                reason=w.reason,
                camera=w.camera,
                seq=w.seq,
                roles=w.roles,
                faults=w.faults,
                latency_p95=lat,
                frames=summary.frames if summary else 0,
                gated=summary.gated if summary else 0,
            )

    def snapshots(self) -> dict[str, CameraSnapshot]:
        """Every camera's latest state, by camera id."""
        return {cid: s for cid in self._workers if (s := self.snapshot(cid)) is not None}

    def writer_stats(self) -> WriterStats | None:
        """The store writer's counters, or None before :meth:`start`."""
        return self._writer.stats() if self._writer else None


# --- one frame from a camera, for "test connection" and the zone editor -------------------------


@dataclass(frozen=True, slots=True)
class CameraProbe:
    """Result of :func:`probe_camera`.

    Attributes:
        ok: a frame was read.
        message: one line for the user (what was opened, its size and frame rate, or what failed).
        image: the first frame (BGR), or None.
        fps: the source's nominal frame rate (0.0 if unknown).
    """

    ok: bool
    message: str
    image: np.ndarray | None = None
    fps: float = 0.0


def probe_camera(camera: CameraConfig, timeout: float = 10.0) -> CameraProbe:
    """Open a camera once and read one frame ("test connection"); never raises for a bad source.

    Blocking (up to about ``timeout`` seconds for a network camera): call it off the GUI thread.

    Args:
        camera: the camera's config (source, credentials, resolution).
        timeout: seconds to wait for the first frame.
    """
    from app.engine.sources import RtspSource

    if camera.kind == "rtsp":
        res = tuple(camera.resolution) if camera.resolution else None
        src: Source = RtspSource(
            camera.id, camera.source_url(), resolution=res, fail_fast=True, open_timeout=timeout
        )
    else:
        src = make_source(camera.model_copy(update={"fps": None}), fail_fast=True)
    stop = threading.Event()
    try:
        src.open_check()
        result: list[Frame] = []
        error: list[BaseException] = []

        def read() -> None:
            frames = src.frames(stop)
            try:
                result.append(next(frames))
            except BaseException as e:
                error.append(e)
            finally:
                frames.close()

        t = threading.Thread(target=read, name=f"probe-{camera.id}", daemon=True)
        t.start()
        t.join(timeout)
        stop.set()
        if not result:
            why = str(error[0]) if error else f"no picture within {timeout:g} s"
            return CameraProbe(False, f"{src.describe()}: {why}")
        frame = result[0]
        fps = src.fps
        rate = f", {fps:.3g} fps" if fps else ""
        return CameraProbe(True, f"{src.describe()}: {frame.width}x{frame.height}{rate}", frame.image, fps)
    except (SourceError, UserError) as e:
        return CameraProbe(False, str(e))
    finally:
        stop.set()
        src.close()
