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


def ort_session(path: Path, threads: int, *, what: str) -> Any:
    """An ONNX Runtime CPU session with ``threads`` intra-op threads (0 = automatic).

    Nodes run one after another (one inter-op thread); idle workers sleep instead of spin-waiting
    between frames: about the same latency, a third less CPU time per frame, left to decoding,
    tracking and the GUI.

    Args:
        path: the ``.onnx`` file.
        threads: intra-op threads; 0 = :func:`available_cpus`.
        what: the model's name in error messages (e.g. ``"NanoDet model"``).

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
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own exception types (a corrupt or foreign file)
        raise BackendUnavailable(f"cannot load {what} {path.name}: {e}") from None


def ort_threads(session: Any) -> int:
    """Intra-op threads of an ONNX Runtime session, read back from the session itself."""
    return int(session.get_session_options().intra_op_num_threads)


def ort_runtime(session: Any) -> str:
    """One line for the user: ``ONNX Runtime 1.x, N threads`` (read back from the session)."""
    import onnxruntime as ort

    n = ort_threads(session)
    return f"ONNX Runtime {ort.__version__}, {n} thread{'s' * (n != 1)}"

