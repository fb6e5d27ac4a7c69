"""Milliseconds per frame of each catalogued model on this machine (``storesight models bench``).

Every model runs on the same real frames (the caller reads them from a video), after one warm-up
call that is not counted. Per-person models (pose, re-ID) run on the people the built-in detector
finds in each frame, so their ms/frame is what a camera of that scene costs. The load average is
kept with each number: two cores shared with other work make these noisy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.base import BackendUnavailable, DetectorSettings
from models.catalog import ModelEntry

#: Runs one frame (with the people boxes found in it).
Runner = Callable[[np.ndarray, np.ndarray], Any]


@dataclass(frozen=True, slots=True)
class Speed:
    """One model's measured speed.

    Attributes:
        model_id: the catalogue id.
        ms: mean milliseconds per frame (None when it could not run: see ``note``).
        p90_ms: 90th percentile.
        frames: frames timed.
        note: what it ran on, or why it did not.
    """

    model_id: str
    ms: float | None
    p90_ms: float | None
    frames: int
    note: str


def runner_for(entry: ModelEntry, threads: int = 0, device: str = "auto") -> tuple[Runner, str]:
    """A function running ``entry`` on one frame, and what it runs on.

    Raises:
        BackendUnavailable: the model cannot run here (the message says why).
    """
    if not entry.available:
        raise BackendUnavailable(entry.note or "not available")
    cap, fmt = entry.capability, entry.fmt
    if entry.id == "nanodet":
        from models.nanodet import NanoDetBackend

        be = NanoDetBackend(DetectorSettings(threads=threads, classes=()))
        return (lambda f, b: be.predict(f)), be.runtime()
    if entry.id == "movenet-lightning":
        from models.pose import MoveNetBackend, PoseSettings

        pose = MoveNetBackend(PoseSettings(threads=threads))
        return (lambda f, b: pose.estimate(f, b)), f"{pose.runtime()}, per person"
    if entry.id == "haar-plates":
        from models.plates.locate import HaarContourLocator

        loc = HaarContourLocator()
        return (lambda f, b: loc.find(f)), "OpenCV, whole frame"
    if entry.id.startswith("plate-ocr-"):
        from models.plates.ocr import PlateOCR

        ocr = PlateOCR(entry.id.removeprefix("plate-ocr-"), threads=threads)
        return (lambda f, b: ocr.read(f[200:260, 300:500])), "ONNX Runtime, one plate picture"
    if entry.id == "ppe-colour":
        from models.ppe.backend import ColourBackend

        ppe = ColourBackend()
        return (lambda f, b: ppe.check(f, b)), "NumPy, per person (boxes' proportions, no keypoints)"
    if entry.id in ("dlib-hog", "dlib-mmod", "dlib-resnet"):
        from models.faces.base import FacesUnavailable
        from models.faces.dlib_backend import DlibFaceBackend

        try:
            faces = DlibFaceBackend("mmod" if entry.id == "dlib-mmod" else "hog")
        except FacesUnavailable as e:
            raise BackendUnavailable(str(e)) from None
        if entry.id == "dlib-resnet":  # detection and the descriptor of every face found
            return (lambda f, b: faces.embed(f, faces.detect(f))), "dlib, detection + 128-D descriptors per frame"
        return (lambda f, b: faces.detect(f)), "dlib, whole frame"
    if entry.id == "body-colours":
        from models.appearance import body_colour_features

        return (lambda f, b: body_colour_features(f, b)), "NumPy/OpenCV, per person"
    if fmt == "roles" and entry.path:
        from models.roles import RoleClassifier

        clf = RoleClassifier.load(entry.path)

        def classify(f: np.ndarray, b: np.ndarray) -> Any:
            crops = [f[max(int(y1), 0) : int(y2), max(int(x1), 0) : int(x2)] for x1, y1, x2, y2 in b]
            crops = [c for c in crops if c.size]
            return clf.predict(crops) if crops else None

        return classify, "PyTorch, the people of each frame in one batch"
    if fmt in ("pytorch", "onnx", "openvino", "tensorrt") and entry.path and entry.kind != "built-in":
        from models.yolo import YoloBackend

        size = int(entry.input_size.split("x")[0]) if entry.input_size[:1].isdigit() else 0
        be = YoloBackend(
            DetectorSettings(model_name=entry.path, threads=threads, classes=(), device=device, input_size=size)
        )
        return (lambda f, b: be.predict(f)), f"{be.runtime()}, {be.imgsz} px"
    raise BackendUnavailable(f"no benchmark for {cap} model {entry.id} here ({entry.note or fmt})")


def measure(
    entries: Sequence[ModelEntry],
    frames: Sequence[np.ndarray],
    people: Sequence[np.ndarray],
    *,
    threads: int = 0,
    device: str = "auto",
    runners: dict[str, Callable[[int, str], tuple[Runner, str]]] | None = None,
    on_result: Callable[[Speed], None] | None = None,
    budget_s: float = 0.0,
) -> list[Speed]:
    """Time every entry on the frames.

    Args:
        entries: models to time.
        frames: BGR frames.
        people: per frame, the person boxes (N, 4) per-person models run on.
        threads: CPU threads per model (0 = the cores this process may use).
        device: ``auto``, ``cpu``, ``cuda``… for Ultralytics models.
        runners: {model id: (threads, device) -> (runner, note)} for models this module does not know
            (a provider's); tried before the built-in ones.
        on_result: called as each model is done.
        budget_s: stop timing a model after this many seconds (at least one frame; 0 = every frame).
    """
    out = []
    load = os.getloadavg()[0]
    for e in entries:
        try:
            custom = (runners or {}).get(e.id)
            run, note = custom(threads, device) if custom else runner_for(e, threads, device)
            run(frames[0], people[0])  # warm-up, not counted
            times: list[float] = []
            for f, b in zip(frames, people, strict=True):
                t0 = time.perf_counter()
                run(f, b)
                times.append((time.perf_counter() - t0) * 1000)
                if budget_s and sum(times) > budget_s * 1000:
                    break
            arr = np.asarray(times)
            cut = f"; {len(times)} of {len(frames)} frames (time budget)" if len(times) < len(frames) else ""
            s = Speed(e.id, float(arr.mean()), float(np.percentile(arr, 90)), len(times),
                      f"{note}; load {load:.1f}{cut}")
        except (BackendUnavailable, FileNotFoundError, RuntimeError, ValueError) as err:
            s = Speed(e.id, None, None, 0, str(err).splitlines()[0][:200])
        out.append(s)
        if on_result is not None:
            on_result(s)
    return out


def read_frames(video: str | Path, count: int, *, step: int = 5) -> list[np.ndarray]:
    """``count`` frames of a video, every ``step``-th (fewer when the video is shorter).

    Raises:
        ValueError: the video cannot be read.
    """
    import cv2

    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise ValueError(f"cannot open the video {video}")
    frames: list[np.ndarray] = []
    i = 0
    try:
        while len(frames) < count:
            ok, f = cap.read()
            if not ok:
                break
            if i % step == 0:
                frames.append(f)
            i += 1
    finally:
        cap.release()
    if not frames:
        raise ValueError(f"no frame could be read from {video}")
    return frames
