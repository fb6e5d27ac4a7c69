"""The GPU selection path of the ONNX models on a machine without a GPU: asked for, cannot start, told.

The CUDA edition's real run of this path (onnxruntime-gpu, no NVIDIA driver) is
``installer/check-cuda-bundle.sh``; here the same code runs on the CPU build of onnxruntime.
"""

from __future__ import annotations

import onnxruntime as ort
import pytest

from models import runtime
from models.catalog import WEIGHTS

NANODET = WEIGHTS / "nanodet" / "nanodet.onnx"


def test_tensorrt_is_skipped_when_its_libraries_do_not_load(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    monkeypatch.setattr(ort, "get_available_providers", lambda: list(listed))
    monkeypatch.setattr(runtime, "_tensorrt_loadable", lambda: False)
    providers, why = runtime.ort_providers("auto")
    assert providers == [("CUDAExecutionProvider", {"device_id": 0}), "CPUExecutionProvider"] and why == "CUDA on GPU 0"
    monkeypatch.setattr(runtime, "_tensorrt_loadable", lambda: True)
    assert runtime.ort_providers("auto")[0][0][0] == "TensorrtExecutionProvider"


def test_a_cuda_session_that_cannot_start_runs_on_the_cpu_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider list a CUDA machine would get, on onnxruntime that cannot run it: the real model
    loads on the CPU, and the reason names the provider asked for and what stopped it."""
    preloaded: list[bool] = []
    monkeypatch.setattr(
        runtime, "ort_providers",
        lambda device: ([("CUDAExecutionProvider", {"device_id": 0}), "CPUExecutionProvider"], "CUDA on GPU 0"),
    )  # fmt: skip
    monkeypatch.setattr(runtime, "_preload_cuda", lambda: preloaded.append(True))
    session = runtime.ort_session(NANODET, 1, what="NanoDet model", device="auto")
    assert session.get_providers() == ["CPUExecutionProvider"] and preloaded == [True]
    reason = session.storesight_reason
    assert reason.startswith("CPU: CUDA on GPU 0 did not start (") and reason.endswith("CPUExecutionProvider in use)")
    if "CUDAExecutionProvider" not in ort.get_available_providers():  # the CPU build: no provider library
        assert "this onnxruntime has no CUDA provider library" in reason
    out = session.run(None, {session.get_inputs()[0].name: _zeros(session)})
    assert out and out[0].size > 0  # it really runs


def _zeros(session: ort.InferenceSession):  # type: ignore[no-untyped-def]
    import numpy as np

    shape = [d if isinstance(d, int) else 1 for d in session.get_inputs()[0].shape]
    return np.zeros(shape, np.float32)


def test_the_loader_message_is_kept_when_a_bundle_wraps_it(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """PyInstaller's ctypes re-raises a failed load with its own text; the loader's is the cause."""
    import ctypes

    capi = tmp_path / "onnxruntime" / "capi"
    capi.mkdir(parents=True)
    (capi / "libonnxruntime_providers_cuda.so").write_bytes(b"\x7fELF")
    (tmp_path / "onnxruntime" / "__init__.py").write_text("")
    monkeypatch.setattr(ort, "__file__", str(tmp_path / "onnxruntime" / "__init__.py"))

    def frozen_cdll(name: str, *a: object, **k: object) -> None:
        try:
            raise OSError("libcuda.so.1: cannot open shared object file: No such file or directory")
        except OSError as base:
            raise OSError(f"Failed to load dynlib/dll {name!r}. Most likely this dynlib/dll was not found") from base

    monkeypatch.setattr(ctypes, "CDLL", frozen_cdll)
    assert runtime._cuda_provider_error() == (
        "libcuda.so.1: cannot open shared object file: No such file or directory (no NVIDIA driver)"
    )
