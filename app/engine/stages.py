"""Per-frame stages after tracking: one small protocol for pose, roles and what comes next.

A :class:`Stage` sees every analysed frame's tracked detections and *adds to them*: arrays in
``dets.data`` (keypoints, role, plate text, face id, PPE flags…) and frame-level values in
``dets.metadata`` (the role stage's map of every open track). It may also return records for
the store (the role stage's decisions). Modules then read what the stages added; nothing is
threaded through their signatures.

Each stage has a :class:`Cadence` (every K-th analysed frame, only some classes, only near some
zone types), its own timing line in ``storesight bench`` (its ``name``), and can run off the
camera's analysis thread (:class:`OffThreadStage`): the camera keeps its frame rate and the
stage's results arrive later, joined to the detections by track id (the newest result of each
track, no older than ``max_age`` seconds).

Example:
    >>> class Tall(Stage):
    ...     name = "tall"
    ...     def process(self, frame, dets):
    ...         dets.set("tall", (dets.xyxy[:, 3] - dets.xyxy[:, 1]) > 100)
    ...         return []
    >>> frame = Frame("cam", 0, 0.0, np.zeros((200, 200, 3), np.uint8))
    >>> dets = Detections([[0, 0, 10, 150], [0, 0, 10, 20]], [0.9, 0.9], [0, 0], [1, 2])
    >>> Tall().process(frame, dets), dets.data["tall"].tolist()
    ([], [True, False])
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from analytics.geometry import to_pixels
from analytics.reach import distance_to_polygon
from analytics.types import Detections, Frame

if TYPE_CHECKING:
    from app.config import CameraConfig
    from app.engine.modules import Record

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Cadence:
    """When a stage looks at whom.

    Attributes:
        every: run on every K-th analysed frame (1: every frame).
        classes: only detections of these class names (empty: all).
        zone_types: only detections near a zone of these types (empty: everywhere).
        zone_margin: "near" = anchor or box centre within this share of the box height of the zone.

    Example:
        >>> c = Cadence(every=3, classes=("person",))
        >>> [c.due(n) for n in range(4)]
        [True, False, False, True]
        >>> d = Detections([[0, 0, 1, 1], [0, 0, 2, 2]], [0.9, 0.9], [0, 2])
        >>> c.select(d).tolist()
        [True, False]
    """

    every: int = 1
    classes: tuple[str, ...] = ()
    zone_types: tuple[str, ...] = ()
    zone_margin: float = 0.15

    def due(self, n: int) -> bool:
        """Whether the ``n``-th analysed frame (0-based) is one the stage runs on."""
        return self.every <= 1 or n % self.every == 0

    def select(self, dets: Detections, zones_px: Sequence[np.ndarray] | None = None) -> np.ndarray:
        """Boolean mask of the detections the stage should look at.

        Args:
            dets: the frame's detections.
            zones_px: the camera's zones of ``zone_types`` in pixels (see :meth:`zones_in_pixels`).
        """
        keep = np.ones(len(dets), bool)
        if self.classes and len(dets):
            names = dets.names()
            keep &= np.isin(names.astype(str), np.asarray(self.classes, dtype=str))
        if self.zone_types and len(dets):
            near = np.zeros(len(dets), bool)
            h = np.maximum(dets.xyxy[:, 3] - dets.xyxy[:, 1], 1.0)
            pts = np.concatenate([dets.anchors(), dets.centers()])
            for poly in zones_px or ():
                d = distance_to_polygon(pts, poly).reshape(2, -1).min(axis=0)
                near |= d <= self.zone_margin * h
            keep &= near
        return keep

    def zones_in_pixels(self, camera: CameraConfig, width: int, height: int) -> list[np.ndarray]:
        """The camera's polygon zones of this cadence's ``zone_types``, in pixels."""
        wanted = set(self.zone_types)
        return [
            to_pixels(z.points, width, height)
            for z in camera.zones
            if not z.type.is_line and z.type.value in wanted
        ]


class Stage(ABC):
    """A per-frame step after tracking (pose, roles; plates, faces, PPE next).

    Subclasses set ``name`` (its timing line) and implement :meth:`process`, which adds arrays to
    ``dets`` (``dets.set(key, values)``) or values to ``dets.metadata`` and returns records for
    the store (usually none). ``cadence.every`` is applied by the pipeline; ``classes`` and
    ``zone_types`` by the stage (:meth:`Cadence.select`), which knows what "not looked at" means
    for its arrays. :meth:`close` flushes open state at the end of the source.
    """

    name: ClassVar[str] = ""
    #: Arrays this stage adds to ``dets.data`` (what an off-thread run joins back by track id).
    adds: ClassVar[tuple[str, ...]] = ()
    #: Keys this stage puts in ``dets.metadata`` (an off-thread run copies its newest values).
    carries: ClassVar[tuple[str, ...]] = ()
    cadence: Cadence = Cadence()

    @abstractmethod
    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Add this stage's data to one analysed frame's tracked detections; records for the store."""

    def close(self, ts: float) -> list[Record]:
        """End of stream at time ``ts``: records of whatever is open."""
        return []

    def replace_camera(self, camera: CameraConfig) -> None:
        """Use the camera's new config (zones) from the next frame on; the default ignores it."""
        return None


def _blank(template: np.ndarray, n: int) -> np.ndarray:
    """``n`` rows of "no value" shaped like ``template``'s rows (0, "", False, None)."""
    if template.dtype == object:
        return np.full((n, *template.shape[1:]), None, dtype=object)
    return np.zeros((n, *template.shape[1:]), dtype=template.dtype)


class OffThreadStage(Stage):
    """Runs a heavy stage on its own thread so the camera keeps its frame rate.

    Each analysed frame is handed over (the newest waiting one replaces an older one: a live
    camera never queues behind a slow model); the inner stage's arrays (its ``adds``) come back
    per track id with the frame's timestamp and are joined into later frames' detections: a track
    gets its newest result if it is at most ``max_age`` seconds old, a blank row otherwise (and
    ``data[key + "_ts"]`` says when each value was made, NaN for blanks). Records the inner stage
    returns are passed on with the next frame.

    Args:
        inner: the stage to run.
        max_age: seconds a result stays valid for its track.

    Example:
        >>> stage = OffThreadStage(PlateStage(...), max_age=2.0)  # doctest: +SKIP
    """

    def __init__(self, inner: Stage, *, max_age: float = 2.0) -> None:
        self.inner = inner
        self.name = inner.name  # type: ignore[misc]  # the timing line is the inner stage's
        self.adds = inner.adds  # type: ignore[misc]
        self.carries = inner.carries  # type: ignore[misc]
        self._carried: dict[str, Any] = {}
        self.cadence = inner.cadence
        self.max_age = max_age
        self._cond = threading.Condition()
        self._pending: tuple[Frame, Detections] | None = None
        self._results: dict[int, tuple[float, dict[str, Any]]] = {}
        self._templates: dict[str, np.ndarray] = {}
        self._records: deque[Record] = deque()
        self._stop = False
        self._busy = False
        self.skipped = 0
        self.errors = 0
        self._thread = threading.Thread(target=self._loop, name=f"stage-{inner.name}", daemon=True)
        self._thread.start()

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Hand this frame to the worker; join the newest results into ``dets``."""
        copy = dets[np.arange(len(dets))]
        copy.metadata = dict(dets.metadata)
        with self._cond:
            if self._pending is not None:
                self.skipped += 1
            self._pending = (frame, copy)
            self._cond.notify_all()
            results = dict(self._results)
            records = list(self._records)
            self._records.clear()
        self._join(dets, frame.ts, results)
        return records

    def join_latest(self, dets: Detections, ts: float) -> None:
        """Join the newest results into ``dets`` without handing a frame over (a frame the stage skips)."""
        with self._cond:
            results = dict(self._results)
        self._join(dets, ts, results)

    def _join(self, dets: Detections, ts: float, results: dict[int, tuple[float, dict[str, Any]]]) -> None:
        n = len(dets)
        with self._cond:
            dets.metadata.update(self._carried)
        for key in self.adds:
            template = self._templates.get(key)
            if template is None:
                continue
            out = _blank(template, n)
            made = np.full(n, np.nan)
            for i, tid in enumerate(dets.tracker_id.tolist()):
                got = results.get(tid)
                if got is not None and ts - got[0] <= self.max_age and key in got[1]:
                    out[i] = got[1][key]
                    made[i] = got[0]
            dets.set(key, out)
            dets.set(f"{key}_ts", made)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stop:
                    self._cond.wait(0.2)
                if self._pending is None:
                    return
                frame, dets = self._pending
                self._pending = None
                self._busy = True
            try:
                records = self.inner.process(frame, dets)
            except Exception:  # a failing frame is logged and counted, the next one runs
                log.exception("camera %s stage %s failed on a frame", frame.camera_id, self.name)
                self.errors += 1
                records = []
            rows: dict[int, tuple[float, dict[str, Any]]] = {}
            for key in self.adds:
                arr = dets.data.get(key)
                if arr is None:
                    continue
                self._templates.setdefault(key, arr[:0])
                for i, tid in enumerate(dets.tracker_id.tolist()):
                    if tid >= 0:
                        rows.setdefault(tid, (frame.ts, {}))[1][key] = arr[i]
            carried = {k: dets.metadata[k] for k in self.carries if k in dets.metadata}
            with self._cond:
                self._carried.update(carried)
                self._results.update(rows)
                for tid in [t for t, (made, _) in self._results.items() if frame.ts - made > self.max_age]:
                    del self._results[tid]
                self._records.extend(records)
                self._busy = False
                self._cond.notify_all()

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until the frame handed over last has been processed."""
        with self._cond:
            self._cond.wait_for(lambda: self._pending is None and not self._busy, timeout)

    def close(self, ts: float) -> list[Record]:
        """Finish the last frame, stop the worker and close the inner stage."""
        self.drain()
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=30)
        with self._cond:
            records = list(self._records)
            self._records.clear()
        return [*records, *self.inner.close(ts)]

    def replace_camera(self, camera: CameraConfig) -> None:
        """Pass the new camera config on to the inner stage (its cadence may have changed)."""
        self.inner.replace_camera(camera)
        self.cadence = self.inner.cadence


def run_as_configured(stage: Stage, settings: Any, camera: CameraConfig, *, lost_after: float = 3.0) -> Stage:
    """The stage as its settings say: itself, or wrapped in :class:`OffThreadStage`.

    Args:
        stage: the stage, built inline.
        settings: its :class:`~app.modules.stage_settings.StageSettings` (``off_thread``).
        camera: the camera (``auto`` runs off-thread on a live camera only).
        lost_after: seconds a track may be unseen; a result stays valid at least 2 s and this long.

    Example:
        >>> from app.modules.stage_settings import StageSettings
        >>> class Noop(Stage):
        ...     name = "noop"
        ...     def process(self, frame, dets):
        ...         return []
        >>> cam = type("Cam", (), {"kind": "rtsp"})()
        >>> off = run_as_configured(Noop(), StageSettings(off_thread="auto"), cam)
        >>> type(off).__name__, off.name, type(run_as_configured(Noop(), StageSettings(), cam)).__name__
        ('OffThreadStage', 'noop', 'Noop')
        >>> _ = off.close(0.0)
    """
    if not settings.runs_off_thread(camera.kind):
        return stage
    return OffThreadStage(stage, max_age=max(2.0, lost_after))


def inner(stage: Stage) -> Stage:
    """The stage itself, or the one an :class:`OffThreadStage` runs."""
    return stage.inner if isinstance(stage, OffThreadStage) else stage
