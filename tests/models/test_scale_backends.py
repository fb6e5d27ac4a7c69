"""Capacity paths of the detectors: INT8 NanoDet, provider selection, YOLO batches (GPU ones skip here)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from models.base import BackendUnavailable, DetectorSettings
from models.nanodet import INT8_MODEL_PATH, NanoDetBackend
from models.runtime import ort_providers

ROOT = Path(__file__).resolve().parents[2]


def _frames(indices: tuple[int, ...]) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(ROOT / "resources" / "demo" / "vtest.avi"))
    out, i = [], 0
    while len(out) < len(indices):
        ok, img = cap.read()
        assert ok
        if i in indices:
            out.append(img)
        i += 1
    cap.release()
    return out


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda r: (r[:, 2] - r[:, 0]) * (r[:, 3] - r[:, 1])  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


def test_int8_nanodet_finds_the_same_people_as_the_float_one() -> None:
    assert INT8_MODEL_PATH.is_file() and INT8_MODEL_PATH.stat().st_size < 5_000_000
    s = DetectorSettings(confidence=0.35, classes=(0,), threads=1)
    ref = NanoDetBackend(s)
    q = NanoDetBackend(DetectorSettings(confidence=0.35, classes=(0,), threads=1, precision="int8"))
    assert "nanodet-int8.onnx" in q.description and "CPU" in q.description
    found = total = 0
    for img in _frames((450, 550, 650, 750)):  # not among the calibration frames (0-399)
        a, b = ref.predict(img), q.predict(img)
        total += len(a)
        if len(a) and len(b):
            found += int((_iou(a.xyxy, b.xyxy).max(axis=1) >= 0.7).sum())
        assert abs(len(a) - len(b)) <= 1
    assert total >= 15 and found >= total - 2


def test_int8_nanodet_runs_at_416_only() -> None:
    with pytest.raises(BackendUnavailable, match="416"):
        NanoDetBackend(DetectorSettings(threads=1, precision="int8", input_size=320))


def test_provider_choice_says_why() -> None:
    cpu = ["CPUExecutionProvider"]
    assert ort_providers("cpu", cpu) == (cpu, "CPU (device: cpu)")
    prov, why = ort_providers("auto", cpu)
    assert prov == cpu and "no CUDA/TensorRT" in why
    prov, why = ort_providers("cuda", cpu)
    assert prov == cpu and "onnxruntime-gpu" in why
    prov, why = ort_providers("auto", ["TensorrtExecutionProvider", "CUDAExecutionProvider", *cpu])
    assert prov[0][0] == "TensorrtExecutionProvider" and "TensorRT FP16" in why  # type: ignore[index]
    prov, why = ort_providers("cuda:1", ["CUDAExecutionProvider", *cpu])
    assert prov[0] == ("CUDAExecutionProvider", {"device_id": 1}) and why == "CUDA on GPU 1"


def _cuda() -> bool:
    try:
        import onnxruntime as ort

        return "CUDAExecutionProvider" in ort.get_available_providers()
    except ImportError:
        return False


@pytest.mark.skipif(
    not _cuda(), reason="no CUDA here: onnxruntime has no CUDAExecutionProvider (no GPU on this machine)"
)
def test_nanodet_on_cuda_when_there_is_one() -> None:  # pragma: no cover - GPU boxes only
    det = NanoDetBackend(DetectorSettings(threads=1, device="cuda"))
    assert det.provider_reason.startswith("CUDA") and "CUDA" in det.description


@pytest.mark.slow
def test_yolo_batch_gives_what_single_frames_give() -> None:
    """The cameras' batch path (used on a GPU) agrees with one frame at a time, here on the CPU."""
    pytest.importorskip("ultralytics")
    from models.yolo import YoloBackend

    be = YoloBackend(
        DetectorSettings(model_name="yolo11n.yaml", confidence=0.001, classes=(), device="cpu", threads=1)
    )
    assert be.batch_capable is False  # on the CPU: one at a time
    imgs = _frames((100, 300))
    one = [be.predict(i) for i in imgs]
    many = be.predict_batch(imgs)
    assert [len(d) for d in many] == [len(d) for d in one]
    for a, b in zip(one, many, strict=True):
        if len(a):
            assert np.allclose(np.sort(a.confidence), np.sort(b.confidence), atol=1e-3)
