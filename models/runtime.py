"""CPU threads and ONNX Runtime sessions: one definition for every inference backend.

* ``threads = 0`` ("automatic") means the CPU cores this process may run on
  (:func:`available_cpus`: the process's CPU affinity, which ``taskset`` and cpusets narrow), never ``os.cpu_count()``.
* ONNX Runtime sessions (NanoDet, MoveNet) are built by :func:`ort_session` with that many intra-op
  threads; :func:`ort_threads` reads back what the session holds.
"""

from __future__ import annotations

import contextlib
import functools
import io
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
        if "TensorrtExecutionProvider" in available and not _tensorrt_loadable():
            # onnxruntime-gpu always lists it; without TensorRT's own libraries it cannot start
            available.remove("TensorrtExecutionProvider")
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


def _tensorrt_loadable() -> bool:
    """Whether TensorRT's runtime library (the one ONNX Runtime's TensorRT provider needs) loads."""
    import ctypes

    try:
        ctypes.CDLL("nvinfer_10.dll" if os.name == "nt" else "libnvinfer.so.10")
    except OSError:
        return False
    return True


@functools.cache
def _preload_cuda() -> None:
    """Load the CUDA/cuDNN libraries before ONNX Runtime's CUDA provider needs them (once).

    The nvidia-* libraries are not on the system's library path (they live in the venv's, or the
    bundle's, ``nvidia/`` folders): importing ``torch`` loads the ones PyTorch links (onnxruntime-gpu
    is built for the same CUDA major), then onnxruntime's own ``preload_dlls`` loads the rest
    (cuRAND, cuFFT…) from those folders. Its messages are not shown: what counts is reported by
    :func:`ort_session` (the provider in use and, when the GPU did not start, why).
    """
    try:
        import torch  # noqa: F401
    except Exception:  # no torch, or a broken one: onnxruntime tries by itself
        pass
    try:
        import onnxruntime as ort

        with contextlib.redirect_stdout(io.StringIO()):
            ort.preload_dlls(cuda=True, cudnn=True, directory="")
    except Exception:  # an older onnxruntime, or no nvidia folders: the provider reports it
        pass


def _cuda_provider_error() -> str:
    """Why ONNX Runtime's CUDA provider library does not load here (the loader's message), or ''."""
    import ctypes

    try:
        import onnxruntime as ort
    except ImportError:
        return ""
    capi = Path(ort.__file__).parent / "capi"
    lib = capi / ("onnxruntime_providers_cuda.dll" if os.name == "nt" else "libonnxruntime_providers_cuda.so")
    if not lib.is_file():
        return "this onnxruntime has no CUDA provider library"
    try:
        ctypes.CDLL(str(lib))
    except OSError as e:
        # a bundled program's ctypes (PyInstaller) re-raises with its own text: the loader's is the cause
        msg = str(e.__cause__ if isinstance(e.__cause__, OSError) else e)
        if "libcuda.so" in msg or "nvcuda.dll" in msg:
            return f"{msg} (no NVIDIA driver)"
        return msg
    return ""


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
        gpu = any("CUDAExecutionProvider" in p for p in providers)
        if gpu:
            _preload_cuda()
            ort.set_default_logger_severity(4)  # a GPU that cannot start is told below, in one line
        try:
            session = ort.InferenceSession(str(path), opts, providers=providers)
        finally:
            if gpu:
                ort.set_default_logger_severity(2)  # onnxruntime's default (warnings)
    except Exception as e:  # onnxruntime raises its own exception types (a corrupt or foreign file)
        raise BackendUnavailable(f"cannot load {what} {path.name}: {e}") from None
    used = session.get_providers()
    if used and used[0] == "CPUExecutionProvider" and not reason.startswith("CPU"):
        why = _cuda_provider_error()
        reason = f"CPU: {reason} did not start ({why + '; ' if why else ''}{', '.join(used)} in use)"
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

