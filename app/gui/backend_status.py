"""Which detector backends can run on this computer, and why not (for the settings page; no Qt).

Whether a GPU is usable is asked of PyTorch in a child process (seconds): call
:func:`backend_status` off the GUI thread.

Example:
    >>> [s.key for s in backend_status(site)]     # doctest: +SKIP
    ['yolo', 'nanodet']
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from app.config import SiteConfig


@dataclass(frozen=True, slots=True)
class BackendStatus:
    """One detector backend.

    Attributes:
        key: ``yolo`` or ``nanodet`` (the config's ``detector.backend`` values).
        name: what it is, for people.
        available: whether it can run here.
        detail: why not, or what it would use (weights, device).
    """

    key: str
    name: str
    available: bool
    detail: str


def _model_dir(site: SiteConfig) -> Path:
    from app.paths import model_dir

    d = site.detector.model_dir
    return Path(d).expanduser() if d else model_dir(site.storage.data_dir)


_GPU_PROBE = "import torch\nprint(torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"


def gpu_status(timeout: float = 60.0) -> str:
    """Whether PyTorch sees a CUDA GPU, asked in a separate process.

    Importing PyTorch (and CUDA) inside the window's process costs a second or more and a lot of
    memory, and doing it on a worker thread while other threads run is not safe; a short-lived
    child process answers instead.
    """
    try:
        out = subprocess.run(
            [sys.executable, "-c", _GPU_PROBE], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"GPU check failed: {e.__class__.__name__}"
    if out.returncode != 0:
        lines = (out.stderr or "").strip().splitlines()
        return f"GPU check failed: {lines[-1] if lines else out.returncode}"
    name = out.stdout.strip()
    return f"GPU: {name}" if name else "no CUDA GPU: runs on CPU"


def backend_status(site: SiteConfig, *, check_gpu: bool = True) -> list[BackendStatus]:
    """The state of every detector backend for this site's settings.

    Args:
        site: the site config (model folder, YOLO weights name).
        check_gpu: import PyTorch to tell whether a CUDA GPU is usable (slow the first time).
    """
    out = []
    folder = _model_dir(site)
    weights = folder / site.detector.yolo_model
    has_ul = importlib.util.find_spec("ultralytics") is not None
    has_torch = importlib.util.find_spec("torch") is not None
    device = gpu_status() if has_torch and check_gpu else ""
    if not has_ul or not has_torch:
        out.append(
            BackendStatus("yolo", "Ultralytics YOLO", False, "Ultralytics / PyTorch are not installed")
        )
    elif importlib.util.find_spec("torchvision") is None:  # the CPU bundle: torch for the tracker only
        out.append(
            BackendStatus(
                "yolo", "Ultralytics YOLO", False, "torchvision is not installed (the CPU edition): use the CUDA edition"
            )
        )
    elif weights.is_file():
        out.append(
            BackendStatus(
                "yolo", "Ultralytics YOLO", True, f"{weights.name} in {folder}; {device}".strip("; ")
            )
        )
    elif site.detector.allow_download:
        out.append(
            BackendStatus("yolo", "Ultralytics YOLO", True, f"{weights.name} will be downloaded; {device}")
        )
    else:
        out.append(
            BackendStatus(
                "yolo", "Ultralytics YOLO", False, f"put {weights.name} into {folder} (or allow download)"
            )
        )
    from models.nanodet import DEFAULT_MODEL_PATH

    has_ort = importlib.util.find_spec("onnxruntime") is not None
    if not has_ort:
        out.append(BackendStatus("nanodet", "Built-in NanoDet (CPU)", False, "onnxruntime is not installed"))
    elif not DEFAULT_MODEL_PATH.is_file():
        out.append(
            BackendStatus(
                "nanodet", "Built-in NanoDet (CPU)", False, f"model file missing: {DEFAULT_MODEL_PATH}"
            )
        )
    else:
        out.append(
            BackendStatus(
                "nanodet", "Built-in NanoDet (CPU)", True, f"{DEFAULT_MODEL_PATH.name}, ONNX Runtime on CPU"
            )
        )
    return out
