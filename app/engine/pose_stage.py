"""The pipeline's pose stage: keypoints for tracked people, at a cost the camera can afford.

Runs after tracking. Per frame it decides who gets a fresh estimate:

* with ``modules.pose.zone_types`` set (e.g. ``[shelf]``), only people near a zone of those types;
* with ``modules.pose.every = K``, each person every K-th analysed frame, people taking turns
  (track id modulo K), so the cost is spread evenly; in between, a person's last keypoints move
  and scale with their box.

Keypoints that come with the detections (a YOLO-pose *detector*: one pass gives boxes and
keypoints) are used as they are, without a second model. Every person's keypoints are then
smoothed over time (:class:`analytics.pose.KeypointSmoother`) and attached to the detections as
``keypoints (N, 17, 3)``; people who got none have all scores 0.

Example:
    >>> stage = make_pose_stage(site, camera, detector)  # doctest: +SKIP
    >>> stage.process(frame, tracked)  # doctest: +SKIP
    []
    >>> tracked.keypoints.shape  # doctest: +SKIP
    (5, 17, 3)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from analytics.geometry import to_pixels
from analytics.pose import KeypointSmoother
from analytics.types import PERSON_CLASS, Detections, Frame
from app.config import CameraConfig, SiteConfig
from app.engine.stages import Cadence, Stage
from app.errors import UserError
from app.modules.pose.settings import PoseStageSettings
from models.base import BackendUnavailable, DetectorBackend
from models.pose import PoseBackend, PoseSettings, create_pose_backend

if TYPE_CHECKING:
    from app.engine.modules import Record

log = logging.getLogger(__name__)

#: Keypoints of a person nobody estimated.
_NONE = np.zeros((17, 3), np.float32)


@dataclass(slots=True)
class _Last:
    keypoints: np.ndarray  # (17, 3) raw keypoints of the last estimate
    box: np.ndarray  # (4,) the box they were estimated in
    frame: int  # the stage's frame counter then
    ts: float


def follow_box(keypoints: np.ndarray, old_box: np.ndarray, new_box: np.ndarray) -> np.ndarray:
    """Move and scale keypoints estimated in ``old_box`` to where the person's box is now.

    Relative to the box's top-centre, in units of its height (as the smoother does).

    Example:
        >>> kp = np.array([[10.0, 20.0, 0.9]], np.float32)
        >>> follow_box(kp, np.array([0, 0, 20, 40]), np.array([100, 0, 140, 80])).tolist()
        [[120.0, 40.0, 0.8999999761581421]]
    """
    ox = (old_box[0] + old_box[2]) / 2.0
    oh = max(float(old_box[3] - old_box[1]), 1.0)
    nx = (new_box[0] + new_box[2]) / 2.0
    nh = max(float(new_box[3] - new_box[1]), 1.0)
    out = keypoints.astype(np.float32, copy=True)
    k = nh / oh
    out[:, 0] = nx + (keypoints[:, 0] - ox) * k
    out[:, 1] = new_box[1] + (keypoints[:, 1] - old_box[1]) * k
    return out


class PoseStage(Stage):
    """Attaches smoothed keypoints to one camera's tracked people (``dets.keypoints``).

    Its cadence is per person (people take turns, see the module's text), so the pipeline runs it
    on every analysed frame; ``cadence`` says which classes and zone types it looks at.

    Args:
        backend: the pose model (None: keypoints must come with the detections).
        settings: the camera's pose module settings.
        zones: (zone type, 0–1 polygon) of the camera's polygon zones (for ``zone_types``).
        reason: a sentence for the user about which model runs and why.
        forget_after: seconds after which an unseen track's last estimate is dropped.
    """

    def __init__(
        self,
        backend: PoseBackend | None,
        settings: PoseStageSettings,
        zones: list[tuple[str, list[tuple[float, float]]]],
        *,
        reason: str = "",
        forget_after: float = 5.0,
    ) -> None:
        self.backend = backend
        self.settings = settings
        self.reason = reason
        wanted = {t.value for t in settings.zone_types}
        self.cadence = Cadence(
            classes=(PERSON_CLASS,), zone_types=tuple(sorted(wanted)), zone_margin=settings.zone_margin
        )
        self._zones_rel = [pts for t, pts in zones if t in wanted]
        self._zones_px: list[np.ndarray] | None = None
        self._size: tuple[int, int] | None = None
        self.smoother = KeypointSmoother(
            tau=settings.smoothing, min_score=settings.min_score, forget_after=forget_after
        )
        self.forget_after = forget_after
        self._last: dict[int, _Last] = {}
        self._n = 0
        #: people estimated by the model so far (the cost actually paid)
        self.estimated = 0

    def _wanted(self, frame: Frame, dets: Detections) -> np.ndarray:
        """Which detections the model should look at: people, near a zone of the wanted types."""
        if self._size != (frame.width, frame.height):
            self._size = (frame.width, frame.height)
            self._zones_px = [to_pixels(p, frame.width, frame.height) for p in self._zones_rel]
        return self.cadence.select(dets, self._zones_px)

    name = "pose"
    adds = ("keypoints",)

    def process(self, frame: Frame, dets: Detections) -> list[Record]:
        """Estimate (where due), smooth and attach keypoints: ``dets.keypoints`` (N, 17, 3) is set.

        Args:
            frame: the analysed frame.
            dets: its tracked detections.

        Returns:
            No records.
        """
        self._n += 1
        n = len(dets)
        if n == 0:
            self._forget(frame.ts)
            return []
        people = dets.is_class(PERSON_CLASS)
        if dets.keypoints is not None and dets.keypoints.shape[1:] == (17, 3):
            raw = np.where(people[:, None, None], dets.keypoints, 0.0).astype(np.float32)
        else:
            raw = self._estimate(frame, dets)
        dets.keypoints = raw
        dets.keypoints = self.smoother.update(dets, frame.ts)
        self._forget(frame.ts)
        return []

    def _estimate(self, frame: Frame, dets: Detections) -> np.ndarray:
        raw = np.zeros((len(dets), 17, 3), np.float32)
        if self.backend is None:
            return raw
        wanted = self._wanted(frame, dets)
        every = self.settings.every
        due: list[int] = []
        for i, tid in enumerate(dets.tracker_id.tolist()):
            if not wanted[i]:
                continue
            last = self._last.get(tid) if tid >= 0 else None
            if last is None or every <= 1 or (self._n + tid) % every == 0 or self._n - last.frame >= every:
                due.append(i)
            else:
                raw[i] = follow_box(last.keypoints, last.box, dets.xyxy[i])
        if due:
            boxes = dets.xyxy[due]
            with self.backend.lock:
                kps = self.backend.estimate(frame.image, boxes)
            self.estimated += len(due)
            for j, i in enumerate(due):
                raw[i] = kps[j]
                tid = int(dets.tracker_id[i])
                if tid >= 0:
                    self._last[tid] = _Last(kps[j].copy(), dets.xyxy[i].copy(), self._n, frame.ts)
        return raw

    def _forget(self, ts: float) -> None:
        for tid in [t for t, s in self._last.items() if ts - s.ts > self.forget_after]:
            del self._last[tid]


def pose_settings(site: SiteConfig) -> PoseSettings:
    """The pose backend's settings from the site config (model folder and device of the detector)."""
    from app.paths import model_dir

    d = site.detector
    return PoseSettings(
        threads=site.pose.threads or d.threads,  # 0: the cores available to this process
        model_dir=d.model_dir or str(model_dir()),
        yolo_model=site.pose.yolo_model,
        device=d.device,
    )


def make_pose_stage(
    site: SiteConfig,
    camera: CameraConfig,
    detector: DetectorBackend | None = None,
    *,
    backend: PoseBackend | None = None,
) -> PoseStage | None:
    """The pose stage of a camera, or None when its pose module is off.

    Args:
        site: the site config (``pose`` section: which backend).
        camera: the camera (``modules.pose``, zones).
        detector: the camera's detector; one that gives keypoints itself needs no pose model.
        backend: a pose backend to share (e.g. between cameras); None loads one.

    Raises:
        UserError: no pose backend can be loaded.
    """
    m = camera.modules.pose
    if not m.enabled:
        return None
    zones = [(z.type.value, list(z.points)) for z in camera.zones if not z.type.is_line]
    if backend is None and getattr(detector, "keypoints", False):
        return PoseStage(None, m, zones, reason=f"keypoints from the detector ({detector.description})")
    if backend is None:
        try:
            choice = create_pose_backend(
                site.pose.backend, pose_settings(site), allow_download=site.detector.allow_download
            )
        except BackendUnavailable as e:
            raise UserError(f"pose: {e}") from None
        backend, reason = choice.backend, choice.reason
    else:
        reason = f"using {backend.description}"
    log.info("camera %s pose: %s", camera.id, reason)
    return PoseStage(backend, m, zones, reason=reason)
