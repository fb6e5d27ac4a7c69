"""CPU threads and ONNX Runtime sessions: one definition for every inference backend.

* ``threads = 0`` ("automatic") means the CPU cores this process may run on
  (:func:`available_cpus`: the process's CPU affinity, which ``taskset`` and cpusets narrow), never ``os.cpu_count()``.
* ONNX Runtime sessions (NanoDet, MoveNet) are built by :func:`ort_session` with that many intra-op
  threads; :func:`ort_threads` reads back what the session holds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from models.base import BackendUnavailable


def available_cpus() -> int:
    """CPU cores this process may run on (its affinity mask), at least 1.

    Example:
        >>> available_cpus() >= 1
        True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_threads(requested: int) -> int:
    """The thread count a backend uses: ``requested``, or every available core for 0 (automatic).

    Example:
        >>> resolve_threads(3)
        3
        >>> resolve_threads(0) == available_cpus()
        True
    """
    return requested if requested > 0 else available_cpus()


def ort_providers(device: str = "cpu", available: list[str] | None = None) -> tuple[list[str], str]:
    """ONNX Runtime execution providers for ``device`` and a sentence saying why.

    ``auto`` takes TensorRT, then CUDA, when this onnxruntime build has them (``onnxruntime-gpu``
    on a machine with an NVIDIA driver), else the CPU; ``cuda``/``cuda:N`` insists on CUDA and says
    plainly when it is not there (the CPU runs instead); ``cpu`` is the CPU.

    Args:
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        available: the providers to choose from (default: ``onnxruntime.get_available_providers()``).

    Example:
        >>> ort_providers("auto", ["CPUExecutionProvider"])[0]
        ['CPUExecutionProvider']
        >>> ort_providers("cuda:1", ["CUDAExecutionProvider", "CPUExecutionProvider"])[0]
        [('CUDAExecutionProvider', {'device_id': 1}), 'CPUExecutionProvider']
    """
    if available is None:
        import onnxruntime as ort

        available = list(ort.get_available_providers())
    dev = (device or "auto").lower()
    if dev == "cpu":
        return ["CPUExecutionProvider"], "CPU (device: cpu)"
    gpu_id = int(dev.split(":", 1)[1]) if dev.startswith("cuda:") else 0
    opts = {"device_id": gpu_id}
    if dev == "auto" and "TensorrtExecutionProvider" in available:
        return (
            [("TensorrtExecutionProvider", {**opts, "trt_fp16_enable": True}), ("CUDAExecutionProvider", opts),
             "CPUExecutionProvider"],
            "TensorRT FP16 on GPU 0 (onnxruntime has TensorrtExecutionProvider)",
        )  # fmt: skip
    if "CUDAExecutionProvider" in available:
        return [("CUDAExecutionProvider", opts), "CPUExecutionProvider"], f"CUDA on GPU {gpu_id}"
    if dev == "auto":
        return ["CPUExecutionProvider"], "CPU (this onnxruntime has no CUDA/TensorRT provider)"
    return (
        ["CPUExecutionProvider"],
        f"CPU: device {device} asked for, but this onnxruntime has no CUDAExecutionProvider "
        "(install onnxruntime-gpu and an NVIDIA driver)",
    )


def _preload_cuda() -> None:
    """Load the CUDA/cuDNN libraries through PyTorch before ONNX Runtime's CUDA provider needs them.

    onnxruntime-gpu links against the same CUDA major as the PyTorch build it ships with, and finds
    those libraries already loaded when ``torch`` was imported first (its documented way; in the
    bundled program the nvidia libraries live under PyTorch's folders, not on the library path).
    Without PyTorch nothing happens and ONNX Runtime looks on its own.
    """
    try:
        import torch  # noqa: F401
    except Exception:  # no torch, or a broken one: onnxruntime tries by itself
        pass


def ort_session(path: Path, threads: int, *, what: str, device: str = "cpu") -> Any:
    """An ONNX Runtime session with ``threads`` intra-op threads (0 = automatic).

    On the CPU by default; ``device`` (``auto``/``cuda``…) picks a GPU provider when the build has
    one (:func:`ort_providers`; the reason is kept in the session's ``storesight_reason``
    attribute).

    Nodes run one after another (one inter-op thread); idle workers sleep instead of spin-waiting
    between frames: about the same latency, a third less CPU time per frame, left to decoding,
    tracking and the GUI.

    Args:
        path: the ``.onnx`` file.
        threads: intra-op threads; 0 = :func:`available_cpus`.
        what: the model's name in error messages (e.g. ``"NanoDet model"``).
        device: ``cpu`` (default), ``auto``, ``cuda`` or ``cuda:N`` (:func:`ort_providers`).

    Raises:
        BackendUnavailable: onnxruntime is missing or the file does not load.
    """
    try:
        import onnxruntime as ort
    except ImportError as e:
        raise BackendUnavailable(f"{what} needs onnxruntime, which is not installed ({e})") from None
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.intra_op_num_threads = resolve_threads(threads)
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    try:
        providers, reason = ort_providers(device)
        if any("CUDAExecutionProvider" in p for p in providers):
            _preload_cuda()
        session = ort.InferenceSession(str(path), opts, providers=providers)
    except Exception as e:  # onnxruntime raises its own exception types (a corrupt or foreign file)
        raise BackendUnavailable(f"cannot load {what} {path.name}: {e}") from None
    used = session.get_providers()
    if used and used[0] == "CPUExecutionProvider" and not reason.startswith("CPU"):
        reason = f"CPU: {reason} did not start ({', '.join(used)} in use)"
    session.storesight_reason = reason
    return session


def ort_threads(session: Any) -> int:
    """Intra-op threads of an ONNX Runtime session, read back from the session itself."""
    return int(session.get_session_options().intra_op_num_threads)


def ort_runtime(session: Any) -> str:
    """One line for the user: ``ONNX Runtime 1.x, N threads`` (read back from the session)."""
    import onnxruntime as ort

    n = ort_threads(session)
    return f"ONNX Runtime {ort.__version__}, {n} thread{'s' * (n != 1)}"

