"""Training on a worker process: progress messages out, a stop flag in, the result registered.

:class:`TrainJob` starts :func:`run_training` in a fresh (spawned) process, so PyTorch's threads and
memory never sit inside the window's process and a stop is honoured between two batches (the
weights trained so far are validated and kept). The window polls :meth:`TrainJob.poll`; the command
line prints what it gets.

Messages are dicts: ``{"kind": "batch"|"epoch", …}`` from :func:`models.yolo_tools.train_detect`,
``{"kind": "log", "text"}``, and finally ``{"kind": "done", "model", "folder", "metrics",
"per_class", "stopped"}`` or ``{"kind": "error", "text"}``.
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.errors import UserError


@dataclass(frozen=True, slots=True)
class TrainSpec:
    """One training run.

    Attributes:
        data: dataset yaml (or a folder holding one).
        model: ``yolo11n.yaml`` (from scratch) or a ``.pt`` to fine-tune.
        epochs: epochs.
        imgsz: input side.
        device: ``cpu``, ``0``…
        batch: images per batch.
        name: the registered model's name.
        capability: what it is for (a catalogue capability key).
        model_dir: the model folder it is registered in.
        class_map: its classes → the module's.
        export_onnx: also export the best weights to ONNX and register that as ``<name>-onnx``.
        licence: of the trained weights (Ultralytics' AGPL applies to models trained with it).
    """

    data: str
    model: str
    epochs: int
    imgsz: int
    device: str
    batch: int
    name: str
    capability: str
    model_dir: str
    class_map: tuple[tuple[str, str], ...] = ()
    export_onnx: bool = False
    licence: str = "AGPL-3.0 (trained with Ultralytics) unless you hold an Ultralytics licence"


def check_spec(spec: TrainSpec) -> None:
    """Refuse a run that cannot start, before any process is spawned.

    Raises:
        UserError: bad dataset, model, numbers or name (exit code 2).
    """
    from models.catalog import capability, check_name
    from models.datasets import load_dataset

    try:
        check_name(spec.name)
        capability(spec.capability)
        ds = load_dataset(spec.data)
    except (ValueError, KeyError) as e:
        raise UserError(str(e).strip("'\""), 2) from None
    if not ds.images("train"):
        raise UserError(f"{ds.yaml}: no training images", 2)
    if spec.epochs < 1 or spec.imgsz < 32 or spec.imgsz % 32 or spec.batch < 1:
        raise UserError("--epochs must be ≥ 1, --imgsz a multiple of 32 (≥ 32), --batch ≥ 1", 2)
    if not spec.model.endswith((".yaml", ".yml")) and not Path(spec.model).expanduser().is_file():
        raise UserError(f"--model: no such file {spec.model} (give a .pt, or yolo11n.yaml to start from scratch)", 2)
    if (Path(spec.model_dir) / spec.name).exists():
        raise UserError(f"a model named {spec.name!r} exists in {spec.model_dir}: choose another --name", 2)


def run_training(spec: TrainSpec, emit: Callable[[dict[str, Any]], None], should_stop: Callable[[], bool]) -> dict[str, Any]:
    """Train, then register the best weights (with their metrics) in the model folder.

    Returns:
        The ``done`` message.
    """
    from models.catalog import Manifest, add_model
    from models.yolo_tools import export, train_detect

    model_dir = Path(spec.model_dir).expanduser()
    model_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".train-", dir=model_dir) as tmp:
        res = train_detect(
            spec.data, spec.model, epochs=spec.epochs, imgsz=spec.imgsz, device=spec.device, batch=spec.batch,
            project=tmp, name="run", progress=emit, should_stop=should_stop,
        )
        metrics: dict[str, Any] = {**res.metrics, "per_class": res.per_class, "dataset": str(spec.data)}
        notes = {"epochs": spec.epochs, "epochs_done": res.epochs_done, "stopped": res.stopped,
                 "base_model": spec.model, "device": spec.device, "batch": spec.batch}
        manifest = Manifest(
            name=spec.name, capability=spec.capability, file="", fmt="pytorch", task="detect",
            classes=list(res.classes), class_map=dict(spec.class_map), input_size=spec.imgsz, kind="trained",
            origin=f"trained here from {Path(spec.model).name} on {spec.data}", licence=spec.licence,
            metrics=metrics, notes=notes,
        )
        best = res.best.with_name(f"{spec.name}.pt")
        shutil.copy2(res.best, best)
        folder = add_model(model_dir, best, manifest, extra_files=[res.run_dir / "results.csv", res.run_dir / "args.yaml"])
        done: dict[str, Any] = {
            "kind": "done", "model": spec.name, "folder": str(folder), "metrics": res.metrics,
            "per_class": res.per_class, "stopped": res.stopped, "epochs_done": res.epochs_done,
        }
        if spec.export_onnx:
            emit({"kind": "log", "text": "exporting to ONNX…"})
            onnx = export(folder / best.name, "onnx", Path(tmp) / "onnx", imgsz=spec.imgsz)
            m2 = Manifest(**{**asdict(manifest), "name": f"{spec.name}-onnx", "fmt": "onnx", "kind": "exported",
                             "origin": f"ONNX export of {spec.name}", "created": ""})
            done["onnx"] = str(add_model(model_dir, onnx, m2))
    return done


def _worker(spec: TrainSpec, out: Any, stop: Any) -> None:
    """The training process: everything it says goes through ``out``."""
    import os

    os.environ.setdefault("YOLO_VERBOSE", "False")  # our progress, not Ultralytics' bars
    try:
        out.put(run_training(spec, out.put, stop.is_set))
    except KeyboardInterrupt:
        out.put({"kind": "error", "text": "interrupted"})
    except Exception as e:  # everything the run can raise ends as one message for the user
        out.put({"kind": "error", "text": f"{e.__class__.__name__}: {e}".splitlines()[0][:500]})


class TrainJob:
    """A training run on its own process.

    Example:
        >>> job = TrainJob(spec)        # doctest: +SKIP
        >>> job.start(); msgs = job.poll()  # doctest: +SKIP
    """

    def __init__(self, spec: TrainSpec) -> None:
        self.spec = spec
        ctx = mp.get_context("spawn")  # a clean interpreter: no Qt, no inherited threads
        self._queue = ctx.Queue()
        self._stop = ctx.Event()
        self._proc = ctx.Process(target=_worker, args=(spec, self._queue, self._stop), daemon=True)
        #: The final ``done`` / ``error`` message, once it came.
        self.result: dict[str, Any] | None = None

    def start(self) -> None:
        """Spawn the training process."""
        self._proc.start()

    def stop(self) -> None:
        """Ask the run to end after the current batch (it still validates and registers what it has)."""
        self._stop.set()

    def kill(self) -> None:
        """End the process now (nothing is registered)."""
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)

    @property
    def running(self) -> bool:
        """Whether the process is alive and has not sent its final message."""
        return self.result is None and self._proc.is_alive()

    def poll(self, timeout: float = 0.0) -> list[dict[str, Any]]:
        """Messages that arrived (waiting up to ``timeout`` s for the first one)."""
        msgs: list[dict[str, Any]] = []
        try:
            msgs.append(self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait())
            while True:
                msgs.append(self._queue.get_nowait())
        except queue_mod.Empty:
            pass
        for m in msgs:
            if m.get("kind") in ("done", "error"):
                self.result = m
        if self.result is None and not self._proc.is_alive() and not msgs:
            code = self._proc.exitcode
            self.result = {"kind": "error", "text": f"the training process ended without a result (exit code {code})"}
            msgs.append(self.result)
        return msgs

    def join(self, timeout: float | None = None) -> None:
        """Wait for the process to end."""
        self._proc.join(timeout)
