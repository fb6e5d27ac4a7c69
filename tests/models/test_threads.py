"""The configured CPU thread count reaches every backend and stays; each backend warms up at load.

YOLO runs a network built from ``yolo11n.yaml`` (random weights: right for threads and set-up,
meaningless for accuracy). Ultralytics sets torch to ``cpu_count - 1`` threads when its predictor
is set up; PyTorch (OpenMP) keeps the count per thread, and a new thread takes the last count set
anywhere: so the checks run predicts in fresh threads, as the engine's camera threads do.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from models.base import DetectorSettings
from models.nanodet import DEFAULT_MODEL_PATH, NanoDetBackend
from models.pose import MoveNetBackend, PoseSettings, YoloPoseBackend
from models.runtime import available_cpus, ort_session, ort_threads, resolve_threads
from models.yolo import YoloBackend

FRAME = np.full((576, 768, 3), 90, np.uint8)


def _threads(n: int) -> str:
    return f"{n} thread" + ("s" if n != 1 else "")


def _in_new_thread(fn):  # type: ignore[no-untyped-def]
    out: list[object] = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def _torch_threads_after_predict(be: YoloBackend) -> tuple[int, int]:
    import torch

    be.predict(FRAME)
    return be.threads_in_use(), torch.get_num_threads()


def test_auto_threads_are_the_cores_this_process_may_use() -> None:
    assert available_cpus() == len(os.sched_getaffinity(0))
    assert resolve_threads(0) == available_cpus() and resolve_threads(5) == 5


@pytest.mark.parametrize("threads", [1, 2])
def test_yolo_keeps_the_configured_torch_threads(threads: int) -> None:
    be = YoloBackend(DetectorSettings(model_name="yolo11n.yaml", device="cpu", threads=threads))
    # Warm-up at load: the predictor is set up, timed, and not by the first real frame.
    assert be.yolo.model.predictor is not None and be.warmup_s > 0
    # A camera thread started after loading, and the loading thread itself, both run on `threads`.
    assert _in_new_thread(lambda: _torch_threads_after_predict(be)) == (threads, threads)
    assert _torch_threads_after_predict(be) == (threads, threads)
    assert be.runtime().endswith(f"on cpu, {_threads(threads)}")


def test_a_second_ultralytics_model_does_not_take_the_detectors_threads() -> None:
    det = YoloBackend(DetectorSettings(model_name="yolo11n.yaml", device="cpu", threads=2))
    pose = YoloPoseBackend(PoseSettings(yolo_model="yolo11n-pose.yaml", device="cpu", threads=2))
    assert pose.warmup_s > 0 and pose._last_image is None  # the warm-up's blank frame is not cached
    assert _in_new_thread(lambda: _torch_threads_after_predict(det)) == (2, 2)
    pose.estimate(FRAME, np.array([[300.0, 100.0, 380.0, 400.0]]))
    assert pose.threads_in_use() == 2


@pytest.mark.parametrize("threads", [1, 2, 0])
def test_onnx_backends_use_the_configured_threads(threads: int) -> None:
    det = NanoDetBackend(DetectorSettings(threads=threads))
    pose = MoveNetBackend(PoseSettings(threads=threads))
    want = threads or available_cpus()
    assert det.threads_in_use() == want and pose.threads_in_use() == want
    assert _threads(want) in det.description and _threads(want) in pose.description
    assert det.warmup_s > 0 and pose.warmup_s > 0


def test_onnx_runtime_starts_the_threads_it_reports(tmp_path: Path) -> None:
    """The OS sees the pool: N intra-op threads are the caller plus N - 1 workers."""

    def os_threads() -> int:
        return len(os.listdir("/proc/self/task"))

    sessions = [ort_session(DEFAULT_MODEL_PATH, 1, what="NanoDet model")]  # first load's one-off threads
    for n in (1, 3):
        before = os_threads()
        sessions.append(ort_session(DEFAULT_MODEL_PATH, n, what="NanoDet model"))
        assert os_threads() - before == n - 1
        assert ort_threads(sessions[-1]) == n


@pytest.fixture(scope="module")
def yolo_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """yolo11n.yaml exported to ONNX (random weights), as a store would export its own model."""
    from ultralytics import YOLO

    folder = tmp_path_factory.mktemp("onnx")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)  # the export lands beside the model: for a yaml, in the working folder
        out = Path(YOLO("yolo11n.yaml").export(format="onnx", imgsz=640, simplify=False, dynamic=False))
    return folder / out


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
def test_an_exported_onnx_yolo_runs_on_the_configured_threads(yolo_onnx: Path, threads: int) -> None:
    be = YoloBackend(DetectorSettings(model_name=str(yolo_onnx), device="cpu", threads=threads))
    assert _in_new_thread(lambda: be.predict(FRAME)) is not None
    assert be.threads_in_use() == threads
    assert be.runtime().startswith("ONNX Runtime") and be.runtime().endswith(_threads(threads))
