"""Ultralytics YOLO as a tool: read a model's classes, export it, train it — offline.

* :func:`model_info` reads a ``.pt``, an exported ``.onnx`` (Ultralytics writes the class names
  into the ONNX metadata) or an OpenVINO folder (``metadata.yaml``) without running it.
* :func:`export` turns a ``.pt`` into ONNX or OpenVINO (FP32, or INT8 with NNCF and a calibration
  set: the site's own frames), or TensorRT on a GPU machine.
* :func:`train_detect` runs Ultralytics detection training with progress and stop callbacks.

Nothing here downloads: ``YOLO_OFFLINE`` is set, plots are off (Ultralytics fetches a font to draw
them) and the AMP check, which downloads ``yolo11n.pt``, only runs on a GPU (where Ultralytics
skips it with a warning when offline).
"""

from __future__ import annotations

import ast
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.base import BackendUnavailable

os.environ.setdefault("YOLO_OFFLINE", "1")


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What a model file says about itself.

    Attributes:
        fmt: ``pytorch``, ``onnx``, ``openvino`` or ``tensorrt``.
        task: ``detect``, ``pose``, ``segment``… ('' when the file does not say).
        classes: class names in id order (() when the file does not say).
        input_size: the input side it was made for (0 when unknown or dynamic).
    """

    fmt: str
    task: str
    classes: tuple[str, ...]
    input_size: int


def _names(value: Any) -> tuple[str, ...]:
    """Class names from Ultralytics' ``names`` (a dict {id: name}, its repr, or a list)."""
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return ()
    if isinstance(value, dict):
        return tuple(str(value[k]) for k in sorted(value, key=int))
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return ()


def _side(value: Any) -> int:
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return 0
    if isinstance(value, (list, tuple)) and value:
        value = max(int(v) for v in value if isinstance(v, (int, float)) or str(v).isdigit())
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def model_info(path: str | Path) -> ModelInfo:
    """Read a model's format, task, class names and input size without running it.

    Raises:
        ValueError: not a model file this reads (the message says why).
    """
    from models.catalog import weights_format

    p = Path(path)
    if not p.exists():
        raise ValueError(f"{p}: no such file or folder")
    fmt = weights_format(p)
    if fmt == "onnx":
        try:
            import onnxruntime as ort

            sess = ort.InferenceSession(str(p), providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime's own exception types: a corrupt or foreign file
            raise ValueError(f"{p.name}: not a readable ONNX model ({e})") from None
        meta = sess.get_modelmeta().custom_metadata_map
        shape = sess.get_inputs()[0].shape
        side = shape[-1] if len(shape) == 4 and isinstance(shape[-1], int) else _side(meta.get("imgsz"))
        return ModelInfo(fmt, meta.get("task", ""), _names(meta.get("names")), int(side or 0))
    if fmt == "openvino":
        meta_file = p / "metadata.yaml"
        meta: dict[str, Any] = {}
        if meta_file.is_file():
            import yaml

            meta = yaml.safe_load(meta_file.read_text(encoding="utf-8")) or {}
        return ModelInfo(fmt, str(meta.get("task", "")), _names(meta.get("names")), _side(meta.get("imgsz")))
    if fmt == "tensorrt":
        return ModelInfo(fmt, "", (), 0)  # only TensorRT reads it: the classes are given by the user
    try:
        from ultralytics import YOLO

        m = YOLO(str(p))
    except Exception as e:  # a torch pickle that is not an Ultralytics model, a truncated file…
        raise ValueError(f"{p.name}: not an Ultralytics model ({e.__class__.__name__}: {e})") from None
    args = getattr(m.model, "args", {}) or {}
    return ModelInfo(fmt, str(m.task), _names(m.names), _side(args.get("imgsz", 0)))


# --- export -------------------------------------------------------------------------------------------

EXPORT_FORMATS = ("onnx", "openvino", "engine")


def export(
    weights: str | Path,
    fmt: str,
    out_dir: str | Path,
    *,
    imgsz: int = 640,
    int8: bool = False,
    calibration: str | Path | None = None,
    device: str = "cpu",
) -> Path:
    """Export an Ultralytics ``.pt`` to ONNX, OpenVINO or TensorRT, into ``out_dir``.

    Args:
        weights: the ``.pt`` file.
        fmt: ``onnx``, ``openvino`` or ``engine`` (TensorRT: a GPU machine with TensorRT).
        out_dir: where the exported file (or OpenVINO folder) is put.
        imgsz: the input side of the exported network (fixed).
        int8: OpenVINO INT8 (post-training quantisation with NNCF) — needs ``calibration``.
        calibration: a YOLO dataset yaml whose ``val`` images calibrate INT8.
        device: ``cpu`` (``0`` for TensorRT).

    Returns:
        The exported file (``.onnx``, ``.engine``) or folder (OpenVINO).

    Raises:
        BackendUnavailable: the format's package is not installed or no GPU for TensorRT.
        ValueError: bad arguments or the export failed (the message says why).
    """
    src = Path(weights)
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    if src.suffix.lower() != ".pt":
        raise ValueError(f"{src.name}: export takes an Ultralytics .pt file")
    if int8 and fmt != "openvino":
        raise ValueError("INT8 export is offered for OpenVINO (TensorRT INT8 needs a GPU machine)")
    if int8 and calibration is None:
        raise ValueError("INT8 needs a calibration set (the site's own frames)")
    if fmt == "openvino":
        for pkg in ("openvino", *(("nncf",) if int8 else ())):
            try:
                __import__(pkg)
            except ImportError:
                raise BackendUnavailable(
                    f"OpenVINO export needs the {pkg} package: pip install 'storesight[openvino]'"
                ) from None
    if fmt == "engine":
        import torch

        if not torch.cuda.is_available():
            raise BackendUnavailable("TensorRT export needs an NVIDIA GPU with TensorRT (none here)")
        device = device if device != "cpu" else "0"
    from ultralytics import YOLO

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="storesight-export-", dir=out) as tmp:
        local = Path(tmp) / src.name
        shutil.copy2(src, local)  # Ultralytics writes the export beside the weights
        kwargs: dict[str, Any] = {"format": fmt, "imgsz": imgsz, "device": device, "verbose": False}
        if fmt == "onnx":
            kwargs.update(simplify=False, dynamic=False)
        if int8:
            kwargs.update(int8=True, data=str(calibration), fraction=1.0)
        try:
            made = Path(YOLO(str(local)).export(**kwargs))
        except Exception as e:  # Ultralytics raises many kinds; one line for the user
            raise ValueError(f"export to {fmt} failed: {e.__class__.__name__}: {e}") from None
        suffix = "_int8" if int8 and "int8" not in made.name else ""  # Ultralytics names OpenVINO INT8 itself
        dest = out / (made.stem + suffix + made.suffix if made.is_file() else made.name.replace(
            "_openvino_model", f"{suffix}_openvino_model"))
        if dest.exists():
            shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
        shutil.move(str(made), str(dest))
    return dest


# --- training -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class TrainResult:
    """What a training run gave.

    Attributes:
        best: the best weights (``best.pt``).
        run_dir: the Ultralytics run folder (``results.csv``, ``args.yaml``).
        epochs_done: epochs completed.
        stopped: the run was stopped before its last epoch.
        metrics: ``mAP50``, ``mAP50-95``, ``precision``, ``recall`` of the best weights on the val set.
        per_class: {class: {"mAP50": …, "mAP50-95": …}} on the val set.
        classes: the dataset's class names.
        imgsz: the training input side.
    """

    best: Path
    run_dir: Path
    epochs_done: int
    stopped: bool
    metrics: dict[str, float] = field(default_factory=dict)
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    classes: tuple[str, ...] = ()
    imgsz: int = 640


def train_detect(
    data: str | Path,
    model: str,
    *,
    epochs: int,
    imgsz: int = 640,
    device: str = "cpu",
    batch: int = 16,
    workers: int = 0,
    project: str | Path,
    name: str = "train",
    progress: Callable[[dict[str, Any]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    seed: int = 0,
) -> TrainResult:
    """Train an Ultralytics detector on a YOLO-format dataset.

    Args:
        data: the dataset yaml (``path``, ``train``, ``val``, ``names``).
        model: ``yolo11n.yaml`` (from scratch) or a ``.pt`` to fine-tune.
        epochs: epochs to run.
        imgsz: training input side.
        device: ``cpu``, ``0`` (first GPU), ``0,1``…
        batch: images per batch.
        workers: data-loader worker processes (0: load in the training process).
        project: folder of the run.
        name: the run's name inside ``project``.
        progress: called with ``{"kind": "batch", "epoch", "epochs", "batch", "batches", "loss"}``
            after every batch and ``{"kind": "epoch", "epoch", "epochs", "mAP50", "mAP50-95"}``
            after every epoch's validation.
        should_stop: polled after every batch; True ends the run after that batch (the weights so far
            are validated and saved).
        seed: training seed.

    Raises:
        BackendUnavailable: Ultralytics / PyTorch are not usable here.
        ValueError: the dataset or model cannot be used (one line).
    """
    try:
        from ultralytics import YOLO
    except Exception as e:  # ImportError, or a broken CUDA/torchvision install
        raise BackendUnavailable(f"training needs Ultralytics ({e.__class__.__name__}: {e})") from None
    try:
        yolo = YOLO(model, task="detect")
    except Exception as e:
        raise ValueError(f"cannot load the model {model}: {e.__class__.__name__}: {e}") from None
    state = {"stopped": False, "epoch": 0}

    def on_batch_end(trainer: Any) -> None:
        nb = len(trainer.train_loader) if trainer.train_loader is not None else 0
        i = getattr(trainer, "_storesight_batch", 0) + 1
        trainer._storesight_batch = i % max(nb, 1)
        if progress is not None:
            tl = getattr(trainer, "tloss", None)
            loss = float(sum(tl.values()) if isinstance(tl, dict) else tl.sum()) if tl is not None else 0.0
            progress(
                {"kind": "batch", "epoch": trainer.epoch + 1, "epochs": trainer.epochs, "batch": i, "batches": nb,
                 "loss": loss}
            )
        if should_stop is not None and should_stop():
            state["stopped"] = True
            trainer.stop = True

    def on_fit_epoch_end(trainer: Any) -> None:
        if trainer.epoch + 1 > trainer.epochs:  # the final validation of best.pt calls it once more
            return
        state["epoch"] = trainer.epoch + 1
        m = trainer.metrics or {}
        if progress is not None:
            progress(
                {"kind": "epoch", "epoch": trainer.epoch + 1, "epochs": trainer.epochs,
                 "mAP50": float(m.get("metrics/mAP50(B)", 0.0)), "mAP50-95": float(m.get("metrics/mAP50-95(B)", 0.0))}
            )

    yolo.add_callback("on_train_batch_end", on_batch_end)
    yolo.add_callback("on_fit_epoch_end", on_fit_epoch_end)
    try:
        yolo.train(
            data=str(data), epochs=epochs, imgsz=imgsz, device=device, batch=batch, workers=workers,
            project=str(project), name=name, exist_ok=True, plots=False, verbose=False, seed=seed,
            deterministic=True, val=True,
        )
    except (FileNotFoundError, RuntimeError, ValueError, KeyError, SyntaxError) as e:
        raise ValueError(f"training failed: {e.__class__.__name__}: {e}") from None
    trainer = yolo.trainer
    best = Path(trainer.best if Path(trainer.best).is_file() else trainer.last)
    names = trainer.data["names"]
    classes = tuple(str(names[i]) for i in sorted(names))
    metrics: dict[str, float] = {}
    per_class: dict[str, dict[str, float]] = {}
    val = trainer.validator
    box = getattr(getattr(val, "metrics", None), "box", None)
    if box is not None:
        metrics = {
            "mAP50": float(box.map50), "mAP50-95": float(box.map),
            "precision": float(box.mp), "recall": float(box.mr),
        }
        for j, c in enumerate(box.ap_class_index):
            per_class[classes[int(c)]] = {"mAP50": float(box.ap50[j]), "mAP50-95": float(box.ap[j])}
    return TrainResult(
        best=best, run_dir=Path(trainer.save_dir), epochs_done=state["epoch"], stopped=state["stopped"],
        metrics=metrics, per_class=per_class, classes=classes, imgsz=imgsz,
    )


def predict_boxes(weights: str | Path, image: np.ndarray, *, imgsz: int, conf: float = 0.001, max_det: int = 20) -> np.ndarray:
    """(N, 6) x1, y1, x2, y2, score, class of an Ultralytics model on one BGR image, best first (CPU).

    The same call for a ``.pt`` and its ``.onnx`` export: comparing them checks an export.
    """
    from ultralytics import YOLO

    res = YOLO(str(weights), task="detect").predict(
        image, imgsz=imgsz, conf=conf, max_det=max_det, device="cpu", verbose=False
    )[0]
    b = res.boxes.cpu().numpy()
    out = np.concatenate([b.xyxy, b.conf[:, None], b.cls[:, None]], axis=1) if len(b) else np.zeros((0, 6))
    return out[np.argsort(-out[:, 4], kind="stable")].astype(np.float32)
