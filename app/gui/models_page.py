"""The Models page: every capability's models, import, benchmark, training, "use for person detection".

The table shows each model's origin, licence, classes, input size, device, speed and accuracy.

The catalogue is read on a worker thread. Importing and benchmarking run the ``storesight models``
command in a child process (PyTorch never loads into the window); training runs on its own spawned
process (:class:`app.modelhub.jobs.TrainJob`), polled by a timer. A person detector chosen here is
written into the site config; a running analysis is restarted with it (seconds) — no app restart.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.qt_util import ReadsInBackground, form_rows, hbox, int_spin, row_table, run_async
from models.catalog import ModelEntry, capabilities, catalogue

COLUMNS = ("Capability", "Model", "Kind", "Status", "Backend", "Device", "Input", "Classes", "ms/frame",
           "Accuracy", "Licence", "Origin")


def _cli(args: list[str], timeout: float = 900) -> str:
    """Run ``storesight ARGS`` in a child process; its output, or ``RuntimeError`` with its error line."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    r = subprocess.run([sys.executable, "-m", "app.cli.main", *args], capture_output=True, text=True,
                       timeout=timeout, env=env, check=False)
    if r.returncode != 0:
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        raise RuntimeError(lines[-1].removeprefix("storesight: error: ") if lines else f"exit code {r.returncode}")
    return r.stdout


def _accuracy(e: ModelEntry) -> str:
    m = e.metrics
    if "mAP50" in m:
        return f"mAP50 {m['mAP50']:.3f} · 50-95 {m.get('mAP50-95', 0):.3f}"
    if "exact_plate_reads" in m:
        return f"{m['exact_plate_reads']:.1%} exact reads"
    if isinstance(m.get("accuracy"), dict):
        return "tuning: " + ", ".join(f"{k} {v:.2f}" for k, v in m["accuracy"].items())
    return ""


class ModelsPage(QWidget, ReadsInBackground):
    """The models behind each module.

    Args:
        model_dir: the model folder (imported and trained models, ``bench.json``).
        use_model: called with an entry to make it the site's person detector (None: no such button).
    """

    loaded = Signal()

    def __init__(self, model_dir: Path, use_model: Any = None) -> None:
        super().__init__()
        self.model_dir = Path(model_dir)
        self.use_model = use_model
        self.entries: list[ModelEntry] = []
        self.busy = False
        self.folder_label = QLabel(f"Model folder: {self.model_dir}")
        self.folder_label.setToolTip(str(self.model_dir))
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button = QPushButton("Refresh")
        self.import_button = QPushButton("Import model…")
        self.bench_button = QPushButton("Benchmark")
        self.bench_button.setToolTip("Time every available model on frames of the demo video (about a minute)")
        self.check_button = QPushButton("Check accuracy…")
        self.check_button.setToolTip("mAP50 / mAP50-95 of the selected detector on a labelled YOLO-format set")
        self.train_button = QPushButton("Train detector…")
        self.use_button = QPushButton("Use for person detection")
        self.remove_button = QPushButton("Remove")
        self.refresh_button.clicked.connect(self.refresh)
        self.import_button.clicked.connect(self.import_model)
        self.bench_button.clicked.connect(self.benchmark)
        self.check_button.clicked.connect(lambda: self.check_accuracy())
        self.train_button.clicked.connect(self.open_train_dialog)
        self.use_button.clicked.connect(self._use_selected)
        self.remove_button.clicked.connect(self._remove_selected)
        top = QHBoxLayout()
        for b in (self.refresh_button, self.import_button, self.bench_button, self.check_button, self.train_button,
                  self.use_button, self.remove_button):
            top.addWidget(b)
        self.table = row_table(COLUMNS, self._selected)
        self.detail = QLabel("Select a model to see its classes, class mapping and notes.")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        top.insertWidget(0, self.folder_label, 1)
        self.folder_label.setMinimumWidth(120)  # a long path is cut, never the buttons
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.detail)
        lay.addWidget(self.status)
        self.train_dialog: TrainDialog | None = None
        self._after_refresh = ""
        self._selected()

    # --- the table -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the catalogue again (on a worker thread)."""
        folder = self.model_dir
        self.read_in_background(lambda: catalogue(folder), self._show, self._failed)

    def _show(self, entries: list[ModelEntry]) -> None:
        self.show_entries(entries)
        self.loaded.emit()

    def _failed(self, message: str) -> None:
        self.status.setText(f"Could not read the models: {message}")
        self.loaded.emit()

    def show_entries(self, entries: list[ModelEntry]) -> None:
        """Fill the table."""
        self.entries = list(entries)
        titles = {c.key: c.title for c in capabilities()}
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            classes = ", ".join(e.classes[:3]) + (f" … ({len(e.classes)})" if len(e.classes) > 3 else "")
            vals = (titles.get(e.capability, e.capability), e.id, e.kind, "ready" if e.available else "missing",
                    e.backend, e.device, e.input_size, classes,
                    f"{e.speed_ms:.1f}" if e.speed_ms is not None else "", _accuracy(e), e.licence, e.origin)
            for c, v in enumerate(vals):
                item = QTableWidgetItem(v)
                if c == 8:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if not e.available:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(r, c, item)
        missing = [c.title for c in capabilities() if not any(e.capability == c.key for e in entries)]
        self.status.setText(
            f"{sum(e.available for e in entries)} of {len(entries)} models ready."
            + (f" No model yet for: {', '.join(missing)} (import or train one)." if missing else "")
            + ("" if any(e.speed_ms is not None for e in entries) else " No speed measured yet: press Benchmark.")
        )
        if self._after_refresh:  # what the action that refreshed the table said
            self.status.setText(self._after_refresh)
            self._after_refresh = ""
        self._selected()

    def selected(self) -> ModelEntry | None:
        """The selected entry."""
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows and rows[0].row() < len(self.entries) else None

    def _selected(self) -> None:
        e = self.selected()
        usable = (
            e is not None and e.available and e.capability == "person_detection"
            and (e.id == "nanodet" or (e.kind != "built-in" and e.fmt in ("pytorch", "onnx", "openvino")))
        )
        self.use_button.setEnabled(bool(usable and self.use_model is not None and not self.busy))
        self.remove_button.setEnabled(bool(e is not None and e.removable and not self.busy))
        detector = e is not None and e.available and (
            e.id == "nanodet" or (e.kind != "built-in" and e.fmt in ("pytorch", "onnx", "openvino"))
        )
        self.check_button.setEnabled(bool(detector and not self.busy))
        if e is None:
            return
        lines = [f"<b>{e.title}</b> — {e.path or 'no weights file'}",
                 f"Classes: {', '.join(e.classes) or '—'}"]
        if e.class_map:
            lines.append("Class mapping: " + ", ".join(f"{k} → {v}" for k, v in e.class_map.items()))
        if e.metrics.get("per_class"):
            lines.append("Per class (mAP50-95): " + ", ".join(
                f"{k} {v.get('mAP50-95', 0):.3f}" for k, v in e.metrics["per_class"].items()))
        if e.speed_note:
            lines.append(f"Speed measured on: {e.speed_note}")
        if e.note:
            lines.append(e.note)
        self.detail.setText("<br>".join(lines))

    # --- actions ---------------------------------------------------------------------------------

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        for b in (self.import_button, self.bench_button):
            b.setEnabled(not busy)
        if text:
            self.status.setText(text)
        self._selected()

    def _run(self, args: list[str], started: str, finished: str) -> None:
        self._set_busy(True, started)

        def done(_: Any) -> None:
            self._set_busy(False, finished)
            self._after_refresh = finished
            self.refresh()

        def fail(message: str) -> None:
            self._set_busy(False, f"Failed: {message}")

        run_async(lambda: _cli(args), done, fail)

    def benchmark(self) -> None:
        """Time every available model (``storesight models bench``) in a child process."""
        self._run(["models", "bench", "--frames", "10", "--max-seconds", "20", "--model-dir", str(self.model_dir)],
                  "Benchmarking every available model on 10 demo frames…", "Benchmark done: ms/frame updated.")

    def import_model(self, path: str | None = None) -> ImportDialog | None:
        """Ask for a model file and what it is for, then import it."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import a model", "", "Models (*.pt *.onnx *.engine *.xml)")
        if not path:
            return None
        p = Path(path)
        if p.suffix == ".xml":
            p = p.parent  # an OpenVINO model is its folder
        dlg = ImportDialog(p, self)
        dlg.accepted.connect(lambda: self._run(dlg.arguments(self.model_dir), f"Importing {p.name}…",
                                               f"Imported {p.name}."))
        dlg.open()
        return dlg

    def check_accuracy(self, data: str | None = None) -> None:
        """Score the selected detector on a labelled YOLO-format set (``storesight models check``)."""
        e = self.selected()
        if e is None:
            return
        if data is None:
            data, _ = QFileDialog.getOpenFileName(self, "Labelled set", "", "YOLO dataset (*.yaml)")
        if not data:
            return
        self._set_busy(True, f"Checking {e.id} on {Path(data).name}…")
        args = ["models", "check", e.id, "--data", data, "--model-dir", str(self.model_dir)]

        def done(out: Any) -> None:
            lines = [ln for ln in str(out).splitlines() if ln.strip() and not ln.startswith("saved into")]
            self._after_refresh = " · ".join(lines[-3:])
            self._set_busy(False, self._after_refresh)
            self.refresh()

        def fail(message: str) -> None:
            self._set_busy(False, f"Failed: {message}")

        run_async(lambda: _cli(args), done, fail)

    def _remove_selected(self) -> None:
        e = self.selected()
        if e is not None and e.removable:
            self._run(["models", "remove", e.id, "--model-dir", str(self.model_dir)], f"Removing {e.id}…",
                      f"Removed {e.id}.")

    def _use_selected(self) -> None:
        e = self.selected()
        if e is not None and self.use_model is not None:
            self.status.setText(self.use_model(e))

    def open_train_dialog(self) -> TrainDialog:
        """The training dialog (kept while a run goes on)."""
        if self.train_dialog is None:
            self.train_dialog = TrainDialog(self.model_dir, self)
            self.train_dialog.finished_run.connect(lambda _msg: self.refresh())
        self.train_dialog.show()
        self.train_dialog.raise_()
        return self.train_dialog


class ImportDialog(QDialog):
    """What an imported model is for, its class names (when the file does not say) and the class mapping."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import {path.name}")
        self.path = path
        self.capability = QComboBox()
        for c in capabilities():
            self.capability.addItem(c.title, c.key)
        self.name = QLineEdit(path.name.removesuffix("_openvino_model").rsplit(".", 1)[0])
        self.classes = QLineEdit()
        self.classes.setPlaceholderText("only when the file does not say: helmet, vest, …")
        self.mapping = QLineEdit()
        self.mapping.setPlaceholderText("e.g. pedestrian=person (space-separated)")
        self.licence = QLineEdit()
        self.origin = QLineEdit()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form_rows(
            ("File", QLabel(str(path))), ("For", self.capability), ("Name", self.name), ("Class names", self.classes),
            ("Class mapping", self.mapping), ("Licence", self.licence), ("Origin", self.origin), buttons,
            parent=self,
        )  # fmt: skip

    def arguments(self, model_dir: Path) -> list[str]:
        """The ``storesight models import`` arguments."""
        args = ["models", "import", str(self.path), "--capability", str(self.capability.currentData()),
                "--name", self.name.text().strip(), "--model-dir", str(model_dir)]
        if self.classes.text().strip():
            args += ["--classes", self.classes.text().strip()]
        if self.mapping.text().split():
            args += ["--map", *self.mapping.text().split()]
        for opt, field in (("--licence", self.licence), ("--origin", self.origin)):
            if field.text().strip():
                args += [opt, field.text().strip()]
        return args


class TrainDialog(QDialog):
    """Train a detector on a YOLO-format dataset: a progress bar, a stop button, the metrics at the end."""

    finished_run = Signal(dict)

    def __init__(self, model_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train a detector")
        self.model_dir = model_dir
        self.job: Any = None
        self.data = QLineEdit()
        self.data.setPlaceholderText("the dataset's data.yaml (storesight dataset import writes one)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.data, 1)
        row.addWidget(browse)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItems(["yolo11n.yaml", "yolo11n.pt", "yolo11s.pt"])
        self.model.setToolTip("yolo11n.yaml starts from scratch; a .pt (in the model folder or a path) is fine-tuned")
        self.epochs = int_spin(1, 1000, value=50)
        self.imgsz = int_spin(32, 1920, step=32, value=640)
        self.device = QComboBox()
        self.device.addItems(["cpu", "0"])
        self.device.setToolTip("cpu, or 0 for the first GPU")
        self.capability = QComboBox()
        for c in capabilities():
            if c.task == "detect":
                self.capability.addItem(c.title, c.key)
        self.name = QLineEdit()
        self.name.setPlaceholderText("the trained model's name, e.g. shelf-products-v1")
        self.onnx = QCheckBox("Also export to ONNX")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.state = QLabel("Choose a dataset and press Start. Training runs on its own process.")
        self.state.setWordWrap(True)
        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.setToolTip("End after the current batch: what was trained so far is validated and kept")
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        form_rows(
            ("Dataset", row), ("Start from", self.model), ("Epochs", self.epochs), ("Input size", self.imgsz),
            ("Device", self.device), ("For", self.capability), ("Name", self.name), ("", self.onnx), self.progress,
            self.state, hbox(1, self.start_button, self.stop_button),
            parent=self,
        )  # fmt: skip
        self.timer = QTimer(self)
        self.timer.setInterval(300)
        self.timer.timeout.connect(self.poll)
        self.resize(620, 420)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Dataset", "", "YOLO dataset (*.yaml)")
        if path:
            self.data.setText(path)

    @property
    def running(self) -> bool:
        """Whether a run is going on."""
        return self.job is not None and self.job.result is None

    def start(self) -> bool:
        """Check the inputs and start the run; False (with the reason shown) when it cannot start."""
        from app.errors import UserError
        from app.modelhub.jobs import TrainJob, TrainSpec, check_spec

        if self.running:
            return False
        spec = TrainSpec(
            data=self.data.text().strip(), model=self.model.currentText().strip(), epochs=self.epochs.value(),
            imgsz=self.imgsz.value(), device=self.device.currentText(), batch=16,
            name=self.name.text().strip() or Path(self.data.text().strip() or "model").parent.name or "model",
            capability=str(self.capability.currentData()), model_dir=str(self.model_dir),
            export_onnx=self.onnx.isChecked(),
        )
        model = Path(spec.model)
        if not model.is_absolute() and (self.model_dir / model).is_file():
            spec = replace(spec, model=str(self.model_dir / model))  # a .pt in the model folder
        try:
            check_spec(spec)
        except UserError as e:
            self.state.setText(f"Cannot start: {e}")
            return False
        self.job = TrainJob(spec)
        self.job.start()
        self.progress.setValue(0)
        self.state.setText(f"Training {spec.name}: starting the worker process…")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.timer.start()
        return True

    def stop(self) -> None:
        """Ask the run to end after the current batch."""
        if self.running:
            self.job.stop()
            self.stop_button.setEnabled(False)
            self.state.setText("Stopping after this batch; the weights so far are validated and kept…")

    def poll(self) -> None:
        """Take the worker's messages: progress, epoch metrics, the result."""
        if self.job is None:
            return
        for m in self.job.poll():
            kind = m.get("kind")
            if kind == "batch":
                total = max(m["epochs"] * m["batches"], 1)
                done = (m["epoch"] - 1) * m["batches"] + m["batch"]
                self.progress.setValue(min(int(1000 * done / total), 999))
                if self.stop_button.isEnabled():
                    self.state.setText(f"Epoch {m['epoch']}/{m['epochs']}, batch {m['batch']}/{m['batches']}, "
                                       f"loss {m['loss']:.3f}")
            elif kind == "epoch" and self.stop_button.isEnabled():
                self.state.setText(f"Epoch {m['epoch']}/{m['epochs']}: mAP50 {m['mAP50']:.3f}, "
                                   f"mAP50-95 {m['mAP50-95']:.3f}")
            elif kind == "done":
                self.progress.setValue(1000)
                mt = m["metrics"]
                self.state.setText(
                    f"Registered {m['model']}{' (stopped early)' if m['stopped'] else ''}: "
                    f"mAP50 {mt.get('mAP50', 0):.3f}, mAP50-95 {mt.get('mAP50-95', 0):.3f} on the validation set."
                )
            elif kind == "error":
                self.state.setText(f"Training failed: {m['text']}")
        if self.job.result is not None:
            self.timer.stop()
            self.start_button.setEnabled(True)
            self.stop_button.setEnabled(False)
            self.finished_run.emit(self.job.result)


def site_model_dir(site: Any) -> Path:
    """The site's model folder: ``detector.model_dir``, else its data folder's ``models/``."""
    from app.paths import model_dir

    d = site.detector.model_dir
    return Path(d).expanduser() if d else model_dir(site.storage.data_dir)


def use_for_person_detection(
    document: Any, controller: Any, entry: ModelEntry, start: Callable[[Any], Any] | None = None
) -> str:
    """Make ``entry`` the site's person detector (written to the site config); restart a running analysis.

    The window stays open: a running analysis is stopped and started again with the new model
    (seconds); otherwise the next start uses it. Returns a sentence for the status line. ``start``
    restarts it (the window's asks about files analysed again, :mod:`app.gui.rerun`); default
    ``controller.start``.
    """
    from app.errors import ConfigError

    cfg = document.config
    if entry.id == "nanodet":
        change: dict[str, Any] = {"backend": "nanodet"}
    elif entry.path:
        p = Path(entry.path)
        change = {"backend": "yolo", "yolo_model": f"{p.parent.name}/{p.name}"}
        if p.parent.parent != site_model_dir(cfg):
            change["model_dir"] = str(p.parent.parent)
    else:
        return f"{entry.id} has no weights file to use"
    try:
        document.update(cfg.model_copy(update={"detector": cfg.detector.model_copy(update=change)}))
    except ConfigError as e:
        return f"Could not use {entry.id}: {e}"
    controller.detector = None  # the next start loads the chosen model instead of reusing the old one
    if not controller.running:
        return f"Person detection now uses {entry.id} (from the next start of the analysis)."

    def restart() -> None:
        controller.stopped.disconnect(restart)
        (start or controller.start)(document.config)

    controller.stopped.connect(restart)
    controller.stop()
    return f"Person detection now uses {entry.id}: restarting the analysis with it…"
