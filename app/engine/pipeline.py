"""One camera's pipeline: source → detect every N-th frame → track → identity lag → modules → store.

The identity lag (``tracker.identity_lag``, :mod:`analytics.identity_repair`) holds tracked frames for
a short while and mends short ID switches before the stages, modules and ``on_frame`` see them; every
frame (analysed or not) passes through it in order, and what it still holds at the end of a run is
processed before the modules close.

Decoding runs in its own thread and hands frames over through a bounded buffer: a file
is read completely (the reader waits), a live source keeps only the newest frames (the
oldest is dropped and counted) so analysis never falls behind live video.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from analytics.identity_repair import LagRepair, Released
from analytics.tracks import with_hidden
from analytics.types import Detections, Frame, class_ids_for
from app.config import CameraConfig, SiteConfig
from app.config_types import ZoneType
from app.engine.faces_stage import FaceStage, make_face_stage
from app.engine.faults import FaultGuard
from app.engine.modules import CameraContext, Module, Record, build_modules
from app.engine.motion import MotionGate
from app.engine.plates_stage import make_plate_stage
from app.engine.pose_stage import PoseStage, make_pose_stage
from app.engine.ppe_stage import make_ppe_stage, with_pose_for_ppe
from app.engine.roles import RoleSetup, RoleStage, make_role_stage
from app.engine.site_feed import SiteFeed
from app.engine.sources import Source
from app.engine.stages import OffThreadStage, Stage, inner, run_as_configured
from app.engine.timing import StageStats, StageTimer
from app.errors import SourceError, UserError
from app.store.records import BackgroundRecord, EventRecord, HeatmapRecord, TrackRecord
from models.appearance import body_colour_features
from models.base import DetectorBackend, check_classes
from models.pose import PoseBackend
from models.tracking import Tracker, TrackerSettings

log = logging.getLogger(__name__)


class RecordSink(Protocol):
    """Where the pipeline sends records (the store writer, or a list in tests)."""

    def put_event(self, run_id: int, event: EventRecord) -> None:
        """Queue an event."""

    def put_track(self, run_id: int, track: TrackRecord) -> None:
        """Queue a track upsert."""

    def put_heatmap(self, run_id: int, heatmap: HeatmapRecord) -> None:
        """Queue an hour of heatmap (added to what the store has for that hour)."""


@dataclass(slots=True)
class FrameResult:
    """What the pipeline made of one analysed frame (for progress bars, MOT files, the GUI).

    Attributes:
        frame: the frame.
        detections: tracked detections (empty on frames that were not analysed).
        analysed: whether detection ran on this frame.
        roles: tracker id → ``staff``/``customer``/``unknown`` of the open tracks (the latest
            analysed frame's), empty when roles are off.
        faults: the stages and modules that raised so far, one line ("" when none did).
    """

    frame: Frame
    detections: Detections
    analysed: bool
    roles: Mapping[int, str] = field(default_factory=dict)
    faults: str = ""


@dataclass(slots=True)
class RunSummary:
    """How a pipeline run ended.

    Attributes:
        status: ``complete`` (source ended normally), ``incomplete`` (stopped or truncated),
            ``failed`` (could not run).
        reason: a sentence for the user when not complete.
        frames: frames decoded.
        analysed: frames analysed (tracked, through the modules).
        gated: of those, frames the detector was skipped on because nothing moved (motion gating:
            the last detections stood).
        dropped: live frames dropped because analysis was busy.
        first_ts: timestamp of the first frame.
        last_ts: timestamp of the last frame.
        events: events produced.
        tracks: tracks produced.
        wall_s: wall-clock seconds the run took.
        stages: per-stage timings.
        pose: which pose model gave keypoints and why ("" when the pose module is off).
        faults: the stages and modules that raised, one line ("" when none did).
    """

    status: str = "complete"
    reason: str = ""
    frames: int = 0
    analysed: int = 0
    gated: int = 0
    dropped: int = 0
    first_ts: float | None = None
    last_ts: float | None = None
    events: int = 0
    tracks: int = 0
    wall_s: float = 0.0
    stages: dict[str, StageStats] = field(default_factory=dict)
    pose: str = ""
    faults: str = ""


class _Handoff:
    """Bounded buffer between the decode thread and the analysis thread."""

    def __init__(self, capacity: int, drop_oldest: bool) -> None:
        self._buf: deque[Frame] = deque()
        self._cap = capacity
        self._drop = drop_oldest
        self._cond = threading.Condition()
        self.closed = False
        self.error: BaseException | None = None
        self.dropped = 0

    def put(self, frame: Frame, stop: threading.Event) -> None:
        with self._cond:
            if self._drop:
                if len(self._buf) >= self._cap:
                    self._buf.popleft()
                    self.dropped += 1
            else:
                while len(self._buf) >= self._cap and not stop.is_set():
                    self._cond.wait(0.1)
            self._buf.append(frame)
            self._cond.notify_all()

    def close(self, error: BaseException | None = None) -> None:
        with self._cond:
            self.closed = True
            self.error = error
            self._cond.notify_all()

    def get(self, stop: threading.Event, idle: float | None = None) -> Frame | Literal[False] | None:
        """The next frame; None at the end (closed or stopped); False when none came for ``idle`` seconds."""
        deadline = None if idle is None else time.monotonic() + idle
        with self._cond:
            while not self._buf or stop.is_set():  # stop: frames already decoded are not analysed
                if self.closed or stop.is_set():
                    return None
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                self._cond.wait(0.1)
            frame = self._buf.popleft()
            self._cond.notify_all()
            return frame


def camera_class_ids(detector: DetectorBackend, classes: list[str] | None) -> np.ndarray:
    """The detector's class ids of a camera's class names (``person`` when none are set).

    Raises:
        UserError: a name the loaded detector does not know (one line naming the valid ones).

    Example:
        >>> from models.base import DetectorSettings
        >>> class Shelf(DetectorBackend):
        ...     class_names = ("gap", "product")
        ...     def predict(self, image): ...
        >>> camera_class_ids(Shelf(DetectorSettings()), ["product"]).tolist()
        [1]
        >>> camera_class_ids(Shelf(DetectorSettings()), ["person"])
        Traceback (most recent call last):
        ...
        app.errors.UserError: unknown class 'person' for the detector (valid: gap, product)
    """
    names = classes or ["person"]
    try:
        check_classes(names, detector.class_names)
    except ValueError as e:
        raise UserError(str(e)) from None
    return np.asarray(class_ids_for(names, detector.class_names), dtype=np.int32)


def keep_camera_detections(dets: Detections, class_ids: np.ndarray, confidence: float) -> Detections:
    """A shared detector's detections of one camera: its classes, at or above its confidence."""
    if not len(dets):
        return dets
    return dets[np.isin(dets.class_id, class_ids) & (dets.confidence >= confidence)]


def tracking_floor(site: SiteConfig, confidence: float | None) -> float:
    """The lowest detection score a camera's tracker is given.

    That is the camera's confidence, or the tracker's low threshold when lower: boxes between the
    two only continue people already followed (the tracker's second association).
    """
    return min(confidence or 0.0, site.tracker.track_low_thresh)


def open_zones(camera: CameraConfig | None) -> tuple[tuple[tuple[float, float], ...], ...]:
    """The camera's zones where people stand still or close together by purpose (the tracker's open zones).

    Queues, counters, workstations, staff-only and PPE areas: there the tracker starts new tracks even
    next to others, and a still person who was already standing when the track began (start of the
    analysis, a reconnect) stays a person.
    """
    if camera is None:
        return ()
    kinds = (ZoneType.QUEUE, ZoneType.COUNTER, ZoneType.WORKSTATION, ZoneType.STAFF_ONLY, ZoneType.PPE)
    return tuple(tuple((float(x), float(y)) for x, y in z.points) for z in camera.zones if z.type in kinds)


def people_ids(class_names: tuple[str, ...]) -> tuple[int, ...]:
    """The ids of a detector's ``person`` class (empty when it has none)."""
    return tuple(i for i, n in enumerate(class_names) if n == "person")


def tracker_settings(
    site: SiteConfig,
    confidence: float | None = None,
    camera: CameraConfig | None = None,
    class_names: tuple[str, ...] | None = None,
) -> TrackerSettings:
    """Tracker settings from the site config.

    Args:
        site: the site config.
        confidence: the camera's detection confidence. Detections at or above it are people (first
            association, new tracks); those from ``tracker.track_low_thresh`` up to it only continue
            people already followed (ByteTrack's second association). None: the tracker's own
            thresholds as configured.
        camera: the camera whose queue and counter zones keep new tracks (``open_zones``).
        class_names: the detector's class names: the new-track and static-false-positive rules hold for
            its ``person`` class only (queueing cars overlap, a parked car is static by nature); a
            detector without a ``person`` class (or without names) gets neither rule. None: not known
            (replays of people detections): the rules hold for every class.
    """
    t = site.tracker
    return TrackerSettings(
        type=t.type,
        track_high_thresh=max(t.track_high_thresh, confidence or 0.0),
        track_low_thresh=t.track_low_thresh,
        new_track_thresh=t.new_track_thresh,
        track_buffer=t.track_buffer,
        match_thresh=t.match_thresh,
        fuse_score=t.fuse_score,
        appearance=t.appearance,
        appearance_weight=t.appearance_weight,
        appearance_gate=t.appearance_gate,
        relink_thresh=t.relink_thresh,
        new_clear=t.new_clear,
        static_after=t.static_after,
        open_zones=open_zones(camera),
        people_classes=None if class_names is None else people_ids(class_names),
    )


class CameraPipeline:
    """Runs one camera from its source to the store.

    Args:
        site: the site config.
        camera: this camera's config.
        source: an opened frame source.
        detector: the detector backend (may be shared between cameras; calls are serialised).
        sink: the store writer (or any :class:`RecordSink`).
        run_id: the store's id of this analysis run.
        detector_lock: lock shared by every pipeline using the same detector.
        on_frame: called on the analysis thread with every :class:`FrameResult`.
        nominal_fps: the source's frame rate, for converting the tracker buffer to frames.
        site_feed: the site's shared signals (store entries for the queue forecast); give every
            pipeline of a site the same one. None: a private one (this camera's entrances only).
        pose_backend: a pose backend shared between cameras (its calls are serialised by its own
            lock); None: one is loaded when the camera's pose module is on.
        fault_limit: errors in a row after which a stage or module is disabled for the run;
            None: the config's ``engine.fault_limit``.
        max_frames: stop after this many frames are read (0: no limit); frames the identity lag
            holds then are still analysed, so exactly this many are.
        role_setup: uniform examples, trained classifier and workstations for the role stage
            (:func:`app.engine.roles.load_role_setup`, shared by a site's cameras); None: the
            config's uniform folder and the data folder's classifier.

    Example:
        >>> pipe = CameraPipeline(site, cam, source, detector, writer, run_id)  # doctest: +SKIP
        >>> pipe.run(stop_event).status  # doctest: +SKIP
        'complete'
    """

    def __init__(
        self,
        site: SiteConfig,
        camera: CameraConfig,
        source: Source,
        detector: DetectorBackend,
        sink: RecordSink,
        run_id: int,
        *,
        detector_lock: threading.Lock | None = None,
        on_frame: Callable[[FrameResult], None] | None = None,
        nominal_fps: float = 10.0,
        site_feed: SiteFeed | None = None,
        pose_backend: PoseBackend | None = None,
        role_setup: RoleSetup | None = None,
        fault_limit: int | None = None,
        max_frames: int = 0,
    ) -> None:
        self.site = site
        self.max_frames = max_frames
        self.feed = site_feed if site_feed is not None else SiteFeed(site)
        self.camera = camera
        self.source = source
        self.detector = detector
        self.sink = sink
        self.run_id = run_id
        self.detector_lock = detector_lock or threading.Lock()
        self.on_frame = on_frame
        self.timer = StageTimer()
        det = site.effective(camera)
        self.detection = det
        self.class_ids = camera_class_ids(detector, det.classes)
        rate = (camera.fps or nominal_fps) / camera.stride
        if camera.detect_fps:
            rate = min(camera.detect_fps, camera.fps or nominal_fps)
        self.tracker = Tracker(
            tracker_settings(site, det.confidence, camera, tuple(detector.class_names)), rate=rate
        )
        self._keep_from = tracking_floor(site, det.confidence)
        #: Fixed-lag identity repair (``tracker.identity_lag``): tracked frames wait here, and short ID
        #: switches are mended, before the stages, modules and ``on_frame`` see them (0: pass-through).
        self.identity = LagRepair(site.tracker.identity_lag)
        #: track id -> its class (the hidden tracks' rows)
        self._track_class: dict[int, int] = {}
        ctx = CameraContext(
            site=site, camera=camera, detection=det, lost_after=site.tracker.track_buffer, feed=self.feed,
            data_dir=getattr(sink, "data_dir", None),
        )  # fmt: skip
        self.modules: list[Module] = build_modules(ctx)
        self.summary = RunSummary()
        #: Isolates a stage or module that raises (logged, counted, disabled after errors in a row).
        self.guard = FaultGuard(
            camera.id, limit=fault_limit if fault_limit is not None else site.engine.fault_limit
        )
        self.pose: PoseStage | None = make_pose_stage(
            site, with_pose_for_ppe(camera), detector, backend=pose_backend
        )
        self.summary.pose = self.pose.reason if self.pose is not None else ""
        self.roles: RoleStage | None = make_role_stage(
            site, camera, role_setup, lost_after=site.tracker.track_buffer
        )
        plates = make_plate_stage(site, camera, lost_after=site.tracker.track_buffer)
        faces = make_face_stage(
            site, camera, role_setup.faces if role_setup else None, lost_after=site.tracker.track_buffer
        )
        ppe = make_ppe_stage(site, camera, lost_after=site.tracker.track_buffer)
        #: Per-frame steps after tracking, in order (pose places the torso for roles; faces identify
        #: employees for roles and blur heads before any crop is cut); see stages.py. Each runs on
        #: the camera's thread or its own, as its settings' ``off_thread`` says.
        self.stages: list[Stage] = [
            s
            for s in (self._configured_pose(), faces, self._configured_roles(), plates, ppe)
            if s is not None
        ]
        self._analysed_n = 0
        self._roles: Mapping[int, str] = {}
        #: detect_fps: the next frame time the detector is due (None: the first frame).
        self._next_detect: float | None = None
        self.motion: MotionGate | None = MotionGate() if camera.motion_gating else None
        self._last_raw: Detections | None = None

    def _configured_pose(self) -> Stage | None:
        """The pose stage as ``modules.pose.off_thread`` says (inline or on its own thread)."""
        if self.pose is None:
            return None
        pose_cfg = with_pose_for_ppe(self.camera).modules.pose
        return run_as_configured(self.pose, pose_cfg, self.camera, lost_after=self.site.tracker.track_buffer)

    def _configured_roles(self) -> Stage | None:
        """The role stage as the site's ``roles.off_thread`` says."""
        if self.roles is None:
            return None
        return run_as_configured(
            self.roles, self.site.roles, self.camera, lost_after=self.site.tracker.track_buffer
        )

    def replace_camera(self, camera: CameraConfig, ts: float, site: SiteConfig | None = None) -> None:
        """Use a new config of this camera (zones, thresholds) from the next frame on, without a restart.

        Call it on the analysis thread between frames (e.g. from ``on_frame``). Frames the identity lag
        still holds (tracked before the change) reach the new modules when released. The modules are
        closed at ``ts`` (open zone stays and visits end there and are stored) and rebuilt from
        ``camera``; the ``tracks`` module is kept when its settings did not change (it does not use
        zones), so tracks are not cut in two. The source, the tracker and the run go on.

        Args:
            camera: the camera's new config (same id).
            ts: the time of the last processed frame.
            site: the new site config, if the site's detector defaults changed too.
        """
        if site is not None:
            self.site = site
        old = self.camera
        keep = [m for m in self.modules if m.name == "tracks" and camera.modules.tracks == old.modules.tracks]
        records: list[Record] = []
        for m in self.modules:
            if m not in keep:
                records.extend(m.close(ts))
        self._emit(records)
        det = self.site.effective(camera)
        self.camera, self.detection = camera, det
        self.tracker.set_open_zones(open_zones(camera))
        self.class_ids = camera_class_ids(self.detector, det.classes)
        if camera.motion_gating != (self.motion is not None):
            self.motion, self._last_raw = (MotionGate() if camera.motion_gating else None), None
        if camera.detect_fps != old.detect_fps:
            self._next_detect = None
        ctx = CameraContext(
            site=self.site,
            camera=camera,
            detection=det,
            lost_after=self.site.tracker.track_buffer,
            feed=self.feed,
            data_dir=getattr(self.sink, "data_dir", None),
        )
        for m in keep:
            m.ctx = ctx
        shared = self.pose.backend if self.pose is not None else None
        old_pose = next((s for s in self.stages if isinstance(inner(s), PoseStage)), None)
        if isinstance(old_pose, OffThreadStage):
            self._emit(old_pose.close(ts))
        self.pose = make_pose_stage(self.site, with_pose_for_ppe(camera), self.detector, backend=shared)
        roles = next((s for s in self.stages if isinstance(inner(s), RoleStage)), None)
        if roles is not None:
            roles.replace_camera(camera)
        others = [s for s in self.stages if not isinstance(inner(s), (PoseStage, RoleStage))]
        for st in others:
            st.replace_camera(camera)
        faces = [s for s in others if isinstance(s, FaceStage)]
        others = [s for s in others if not isinstance(s, FaceStage)]
        self.stages = [s for s in (self._configured_pose(), *faces, roles) if s is not None] + others
        self.modules = [*keep, *(m for m in build_modules(ctx) if m.name not in {k.name for k in keep})]

    # --- threads -------------------------------------------------------------------------

    def _decode_loop(self, handoff: _Handoff, stop: threading.Event) -> None:
        err: BaseException | None = None
        try:
            it = self.source.frames(stop)
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    frame = next(it)
                except StopIteration:
                    break
                self.timer.add("decode", time.perf_counter() - t0)
                handoff.put(frame, stop)
        except BaseException as e:  # handed to the analysis thread, which reports it
            err = e
        finally:
            handoff.close(err)

    def _emit(self, records: list[Record]) -> None:
        for r in records:
            if isinstance(r, EventRecord):
                self.sink.put_event(self.run_id, r)
                self.summary.events += 1
                self.feed.observe(r)
            elif isinstance(r, TrackRecord):
                self.sink.put_track(self.run_id, r)
                self.summary.tracks += 1
            elif isinstance(r, BackgroundRecord):
                self.sink.put_background(self.run_id, r)  # type: ignore[attr-defined]  # see RecordSink
            else:
                self.sink.put_heatmap(self.run_id, r)

    def _due(self, frame: Frame) -> bool:
        """Whether this frame is analysed: every ``stride``-th frame, or ``detect_fps`` by timestamp."""
        rate = self.camera.detect_fps
        if not rate:
            return (frame.index % self.camera.stride) == 0
        if self._next_detect is not None and frame.ts < self._next_detect - 0.02:  # 20 ms of jitter
            return False
        step = 1.0 / rate
        nxt = (self._next_detect or frame.ts) + step
        self._next_detect = nxt if nxt > frame.ts else frame.ts + step  # after a gap: from now on
        return True

    def _detect(self, frame: Frame) -> Detections:
        """The detector's output for the frame, or the last one when motion gating says nothing moved."""
        gate = self.motion
        if gate is not None and self._last_raw is not None and not gate.due(frame.image, frame.ts):
            self.summary.gated += 1
            return self._last_raw
        with self.timer.measure("detect"), self.detector_lock:
            dets = self.detector.predict(frame.image)
        if gate is not None:
            if self._last_raw is None:
                gate.due(frame.image, frame.ts)
            gate.detected(frame.image, frame.ts)
            self._last_raw = dets
        return dets

    def _track(self, frame: Frame) -> Detections:
        """Detect and track one frame (the stages and modules see it when the identity lag releases it)."""
        dets = self._detect(frame)
        dets = keep_camera_detections(dets, self.class_ids, self._keep_from)
        with self.timer.measure("track"):
            return self.tracker.update(dets, frame.image)

    def _hold(self, frame: Frame, tracked: Detections | None) -> list[Released]:
        """Push a frame through the identity lag buffer (``tracked`` None: not analysed); what it releases."""
        rep = self.identity
        if tracked is None:
            return rep.push(frame.ts, None, None, (frame, None))
        if rep.lag <= 0:
            return rep.push(frame.ts, tracked.tracker_id, None, (frame, tracked))
        with self.timer.measure("identity"):
            rep.frame_size = frame.width, frame.height  # the stitch's border rule
            looks = body_colour_features(frame.image, tracked.xyxy) if len(tracked) else None
            return rep.push(frame.ts, tracked.tracker_id, tracked.xyxy, (frame, tracked), looks)

    def _release(self, item: Released, notify: bool = True) -> FrameResult:
        """A frame leaving the identity lag buffer goes through the stages and modules, then ``on_frame``.

        ``notify`` False: not ``on_frame``. A frame that was not analysed only runs the stages' skipped-frame hooks (face blurring).
        """
        frame, tracked = item.payload
        if tracked is None:
            dets, analysed = self._skipped(frame), False
        else:
            if item.ids is not None and item.ids is not tracked.tracker_id:
                tracked.tracker_id = item.ids  # mended ids (the boxes stay the tracker's)
            dets, analysed = self._analyse(frame, tracked, item), True
        res = FrameResult(frame, dets, analysed, self._roles, self.guard.status())
        if self.on_frame is not None and notify:
            self.on_frame(res)
        return res

    def _release_all(self, items: list[Released]) -> None:
        """:meth:`_release` each frame in order.

        When ``on_frame`` raises, the rest are still analysed (and stored), then the error is raised.
        """
        error: BaseException | None = None
        for item in items:
            try:
                self._release(item, notify=error is None)
            except BaseException as e:  # re-raised once every frame is analysed
                if error is None:
                    error = e
        if error is not None:
            raise error

    def _analyse(self, frame: Frame, tracked: Detections, item: Released | None = None) -> Detections:
        """The stages and modules on one tracked frame; their records go to the store.

        The stages see the tracker's boxes; the modules that follow positions (``Module.sees_hidden``)
        and the returned detections also carry the tracks the identity lag found hidden in this frame
        (interpolated boxes flagged ``data["hidden"]``).
        """
        records: list[Record] = []
        n = self._analysed_n
        self._analysed_n += 1
        for stage in self.stages:
            if not stage.cadence.due(n):
                if isinstance(stage, OffThreadStage):  # its newest results still join this frame
                    stage.join_latest(tracked, frame.ts)
                continue
            with self.timer.measure(stage.name):
                records.extend(self.guard.run(stage.name, stage.process, frame, tracked))
        self._roles = tracked.metadata.get("roles", {})
        full = self._with_hidden(tracked, item)
        with self.timer.measure("analytics"):
            for m in self.modules:
                records.extend(self.guard.run(m.name, m.process, frame, full if m.sees_hidden else tracked))
        with self.timer.measure("store"):
            self._emit(records)
        return full

    def _with_hidden(self, tracked: Detections, item: Released | None) -> Detections:
        """``tracked`` plus the hidden tracks' interpolated boxes the identity lag released with it."""
        seen = dict(zip(tracked.tracker_id.tolist(), tracked.class_id.tolist(), strict=True))
        if len(self._track_class) > 4096:  # bounded memory: start again from the tracks of this frame
            self._track_class = seen
        else:
            self._track_class.update(seen)
        if item is None or item.fill_ids is None:
            return tracked
        classes = self._track_class
        keep = [r for r, t in enumerate(item.fill_ids.tolist()) if t in classes]
        if not keep:
            return tracked
        ids = item.fill_ids[keep]
        return with_hidden(tracked, ids, item.fill_boxes[keep], np.array([classes[int(t)] for t in ids]))

    def _skipped(self, frame: Frame) -> Detections:
        """A frame not analysed: stages that change the picture (face blurring) still see it."""
        for stage in self.stages:
            hook = getattr(stage, "on_skipped_frame", None)
            if hook is not None:
                self.guard.run(stage.name, hook, frame)
        return Detections.empty()

    def run(self, stop: threading.Event) -> RunSummary:
        """Process the source until it ends or ``stop`` is set.

        Returns:
            The run summary; ``status`` is ``incomplete`` if stopped early or the source
            ended with an error after producing frames (everything produced is kept).
        """
        t_start = time.perf_counter()
        live = bool(getattr(self.source, "live", False))
        handoff = _Handoff(capacity=2 if live else 8, drop_oldest=live)
        reader = threading.Thread(
            target=self._decode_loop, args=(handoff, stop), name=f"decode-{self.camera.id}", daemon=True
        )
        reader.start()
        s = self.summary
        last_ts: float | None = None
        try:
            while True:
                # a stalled source: after the identity lag without frames, the held ones are released
                frame = handoff.get(stop, self.identity.lag if self.identity.lag > 0 else None)
                if frame is False:
                    self._release_all(self.identity.drain())
                    continue
                if frame is None:
                    break
                s.frames += 1
                if s.first_ts is None:
                    s.first_ts = frame.ts
                last_ts = frame.ts
                analysed = self._due(frame)
                s.analysed += int(analysed)
                self._release_all(self._hold(frame, self._track(frame) if analysed else None))
                if self.max_frames and s.frames >= self.max_frames:
                    stop.set()  # no further frame is taken; the held ones are flushed below
                    break
        finally:
            stop_requested = stop.is_set()
            reader.join(timeout=10)
            end_ts = last_ts if last_ts is not None else time.time()
            try:  # the frames the identity lag still holds go through the stages and modules first
                self._release_all(self.identity.flush())
            except Exception:  # on_frame raised: every frame was still analysed, the modules are closed
                log.exception("camera %s: the last held frames could not all be processed", self.camera.id)
            records: list[Record] = []
            for m in self.modules:
                records.extend(self.guard.run(m.name, m.close, end_ts))
            for stage in self.stages:
                records.extend(self.guard.run(stage.name, stage.close, end_ts))
            self._emit(records)
            s.last_ts = last_ts
            s.dropped = handoff.dropped
            s.wall_s = time.perf_counter() - t_start
            s.stages = self.timer.stats()
            s.faults = self.guard.status()
        err = handoff.error
        if err is not None:
            if isinstance(err, SourceError):
                s.status = "incomplete" if s.frames else "failed"
                s.reason = str(err)
            else:
                log.error("decoding failed", exc_info=err)
                s.status = "failed"
                s.reason = f"decoding failed: {err.__class__.__name__}: {err}"
        elif stop_requested:
            s.status = "incomplete"
            s.reason = "stopped before the end of the source"
        return s
