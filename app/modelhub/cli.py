"""``storesight models …``, ``storesight train detect`` and ``storesight dataset export|import``.

* ``models list`` — every capability's models: backend, file, origin, licence, classes, input size,
  device, measured speed and accuracy;
* ``models import FILE --capability CAP`` — a ``.pt`` / ``.onnx`` / OpenVINO folder into the model
  folder with its class names and a class mapping (``--map pedestrian=person``);
* ``models remove NAME``; ``models bench [ID…]`` — ms per frame on this machine, on real frames;
* ``models export WEIGHTS --format onnx|openvino|engine [--int8 --calib VIDEO]`` — and registers it;
* ``models check ID --data DATASET`` — mAP50 / mAP50-95 per class against a labelled YOLO set;
* ``train detect --data DATASET --model yolo11n.yaml|X.pt --epochs N`` — on a worker process,
  registered with its metrics;
* ``dataset export`` (frames or crops of the site's events, pre-labelled, in YOLO / labelme / CVAT /
  Label Studio layout) and ``dataset import`` (labels back into a YOLO dataset).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from app.errors import UserError

EXIT_BAD_ARGS = 2


def add_parsers(sub: argparse._SubParsersAction, add_common: Any) -> None:  # type: ignore[type-arg]
    """Add ``models``, ``train`` and ``dataset`` to the main parser."""
    from models.catalog import capabilities

    caps = [c.key for c in capabilities()]
    m = sub.add_parser("models", help="the models behind each module: list, import, remove, bench, export, check")
    ms = m.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    def folder_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model-dir", type=Path, help="the model folder (default: the config's, else the data folder's models/)")
        p.add_argument("--config", type=Path, help="site config YAML (its detector.model_dir / data folder)")
        add_common(p)

    ls = ms.add_parser("list", help="every capability's models, with origin, licence, classes, speed")
    ls.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    folder_opts(ls)

    im = ms.add_parser("import", help="copy a .pt / .onnx / OpenVINO model into the model folder")
    im.add_argument("file", type=Path, help="the weights (.pt, .onnx, .engine) or an OpenVINO folder")
    im.add_argument("--capability", required=True, choices=caps, help="what the model is for")
    im.add_argument("--name", help="its name in the catalogue (default: the file's stem)")
    im.add_argument("--classes", help="class names in id order, comma-separated (when the file does not say)")
    im.add_argument("--map", nargs="*", default=[], metavar="MODEL=MODULE",
                    help="map the model's classes onto the module's, e.g. pedestrian=person")
    im.add_argument("--origin", default="", help="where the weights come from")
    im.add_argument("--licence", default="", help="the weights' licence")
    folder_opts(im)

    rm = ms.add_parser("remove", help="delete an imported or trained model")
    rm.add_argument("name")
    folder_opts(rm)

    be = ms.add_parser("bench", help="ms per frame of the models on this machine (real frames)")
    be.add_argument("ids", nargs="*", help="model ids (default: every available model)")
    be.add_argument("--video", type=Path, help="frames from this video (default: the demo video)")
    be.add_argument("--frames", type=int, default=20, help="frames to time per model (default 20)")
    be.add_argument("--threads", type=int, default=0, help="CPU threads per model (0 = the cores available)")
    be.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N (Ultralytics models)")
    be.add_argument("--max-seconds", type=float, default=60.0,
                    help="stop timing a model after this long (at least one frame; default 60, 0 = no limit)")
    folder_opts(be)

    ex = ms.add_parser("export", help="export a YOLO .pt to ONNX, OpenVINO (FP32/INT8) or TensorRT, and register it")
    ex.add_argument("model", help="an imported/trained model's name, or a .pt file")
    ex.add_argument("--format", dest="fmt", default="onnx", choices=["onnx", "openvino", "engine"])
    ex.add_argument("--imgsz", type=int, default=0, help="input side (default: the model's, else 640)")
    ex.add_argument("--int8", action="store_true", help="OpenVINO INT8, calibrated on the site's own frames")
    ex.add_argument("--calib", type=Path, nargs="*", default=[],
                    help="videos or picture folders to calibrate INT8 on (default: the config's file cameras, "
                    "else the demo video)")
    ex.add_argument("--calib-frames", type=int, default=64, help="calibration pictures (default 64)")
    ex.add_argument("--name", help="the exported model's name (default: NAME-FORMAT)")
    ex.add_argument("--capability", choices=caps, help="for a .pt file not in the catalogue (default: person_detection)")
    folder_opts(ex)

    ck = ms.add_parser("check", help="accuracy (mAP50, mAP50-95 per class) on a labelled YOLO-format set")
    ck.add_argument("model", help="model id (see models list)")
    ck.add_argument("--data", type=Path, required=True, help="the dataset's data.yaml (or its folder)")
    ck.add_argument("--split", default="val", help="split to score (default val)")
    ck.add_argument("--map", nargs="*", default=[], metavar="MODEL=DATASET",
                    help="map model classes onto dataset classes (e.g. pedestrian=person)")
    ck.add_argument("--conf", type=float, default=0.01, help="lowest score kept (default 0.01)")
    ck.add_argument("--limit", type=int, default=0, help="score only the first N pictures")
    ck.add_argument("--device", default="auto")
    folder_opts(ck)

    t = sub.add_parser("train", help="train a detector on a YOLO-format dataset (Ultralytics) and register it")
    ts = t.add_subparsers(dest="train_command", metavar="TASK", required=True)
    td = ts.add_parser("detect", help="object detection")
    td.add_argument("--data", required=True, help="the dataset's data.yaml (or its folder)")
    td.add_argument("--model", default="yolo11n.yaml", help="yolo11n.yaml (from scratch) or a .pt to fine-tune")
    td.add_argument("--epochs", type=int, default=50)
    td.add_argument("--imgsz", type=int, default=640, help="input side, a multiple of 32 (default 640)")
    td.add_argument("--device", default="", help="cpu, 0 (first GPU), 0,1 … (default: a GPU when present)")
    td.add_argument("--batch", type=int, default=16)
    td.add_argument("--name", help="the trained model's name (default: the dataset's folder name + date)")
    td.add_argument("--capability", default="person_detection", choices=caps, help="what it is for")
    td.add_argument("--map", nargs="*", default=[], metavar="MODEL=MODULE", help="class mapping onto the module's")
    td.add_argument("--onnx", action="store_true", help="also export the result to ONNX and register it")
    folder_opts(td)

    d = sub.add_parser("dataset", help="pictures of the site's events out to a labelling tool, labels back in")
    ds = d.add_subparsers(dest="dataset_command", metavar="ACTION", required=True)
    de = ds.add_parser("export", help="frames or crops of stored events, pre-labelled, for labelling")
    de.add_argument("--db", help="database URL or SQLite file (default: the data folder's)")
    de.add_argument("--data-dir", type=Path, help="its data folder (default: the SQLite file's folder)")
    de.add_argument("--out", type=Path, required=True, help="folder to write (must be new or empty)")
    de.add_argument("--format", dest="fmt", default="yolo", choices=["yolo", "labelme", "cvat", "labelstudio"])
    de.add_argument("--kind", default="frames", choices=["frames", "crops"])
    de.add_argument("--camera", help="only this camera (its config id)")
    de.add_argument("--module", help="only events of this module (e.g. footfall, roles, plates, shelf)")
    de.add_argument("--type", help="only events of this type")
    de.add_argument("--limit", type=int, default=200, help="at most this many pictures (default 200)")
    de.add_argument("--classes", default="person", help="pre-label these detector classes (comma-separated)")
    de.add_argument("--no-prelabel", action="store_true", help="no detector boxes (frames keep the event's box)")
    add_common(de)
    di = ds.add_parser("import", help="labels from labelme / CVAT / Label Studio into a YOLO dataset")
    di.add_argument("source", type=Path, help="labelme folder, CVAT annotations.xml or Label Studio JSON")
    di.add_argument("--format", dest="fmt", required=True, choices=["labelme", "cvat", "labelstudio"])
    di.add_argument("--out", type=Path, required=True, help="the YOLO dataset folder to write")
    di.add_argument("--images", type=Path, help="where the pictures are (default: beside the labels)")
    di.add_argument("--classes", help="class names in id order (default: as they appear)")
    di.add_argument("--val", type=float, default=0.2, help="share of pictures for validation (default 0.2)")
    add_common(di)


# --- helpers ------------------------------------------------------------------------------------------


def model_folder(args: argparse.Namespace) -> Path:
    """``--model-dir``, else the config's ``detector.model_dir``, else its data folder's ``models/``."""
    if getattr(args, "model_dir", None):
        return Path(args.model_dir).expanduser().absolute()
    from app.paths import model_dir

    if getattr(args, "config", None):
        from app.config import load_config

        try:
            cfg = load_config(args.config)
        except (OSError, ValueError) as e:
            raise UserError(f"--config: {e}", EXIT_BAD_ARGS) from None
        if cfg.detector.model_dir:
            return Path(cfg.detector.model_dir).expanduser().absolute()
        return model_dir(cfg.storage.data_dir)
    return model_dir()


def _fmt_ms(v: float | None) -> str:
    return f"{v:.1f}" if v is not None else "—"


def _classes_text(classes: tuple[str, ...]) -> str:
    if not classes:
        return "—"
    return ", ".join(classes[:4]) + (f" … ({len(classes)})" if len(classes) > 4 else "")


def _accuracy_text(metrics: dict[str, Any]) -> str:
    if "mAP50" in metrics:
        return f"mAP50 {metrics['mAP50']:.3f}, mAP50-95 {metrics.get('mAP50-95', 0):.3f}"
    if "exact_plate_reads" in metrics:
        return f"exact reads {metrics['exact_plate_reads']:.1%} (synthetic val)"
    if isinstance(metrics.get("accuracy"), dict):
        return "tuning set: " + ", ".join(f"{k} {v:.3f}" for k, v in metrics["accuracy"].items())
    return "—"


def print_catalogue(folder: Path) -> None:
    """The ``models list`` table, grouped by capability."""
    from models.catalog import capabilities, catalogue

    entries = catalogue(folder)
    print(f"model folder: {folder}")
    for cap in capabilities():
        rows = [e for e in entries if e.capability == cap.key]
        print(f"\n{cap.title} [{cap.key}] — used by: {cap.used_by}")
        if not rows:
            print("  (no model yet: import or train one)")
            continue
        for e in rows:
            state = "ready" if e.available else "missing"
            print(f"  {e.id:<22} {e.kind:<12} {state:<8} {e.backend}, {e.device}, input {e.input_size or '—'}, "
                  f"{_fmt_ms(e.speed_ms)} ms/frame")
            print(f"  {'':<22} classes: {_classes_text(e.classes)}; accuracy: {_accuracy_text(e.metrics)}")
            print(f"  {'':<22} origin: {e.origin}; licence: {e.licence}")
            if e.class_map:
                print(f"  {'':<22} class map: {', '.join(f'{k}→{v}' for k, v in e.class_map.items())}")
            if e.note:
                print(f"  {'':<22} {e.note}")


def _entries_json(folder: Path) -> list[dict[str, Any]]:
    from dataclasses import asdict

    from models.catalog import catalogue

    return [asdict(e) for e in catalogue(folder)]


# --- models -------------------------------------------------------------------------------------------


def cmd_models(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight models ACTION``."""
    os.environ.setdefault("YOLO_VERBOSE", "False")  # Ultralytics' loading chatter, not ours
    folder = model_folder(args)
    action = args.models_command
    if action == "list":
        if args.json:
            print(json.dumps({"model_dir": str(folder), "models": _entries_json(folder)}, indent=1))
        else:
            print_catalogue(folder)
        return 0
    if action == "import":
        return _import(args, folder)
    if action == "remove":
        from models.catalog import remove_model

        try:
            remove_model(folder, args.name)
        except ValueError as e:
            raise UserError(str(e), EXIT_BAD_ARGS) from None
        print(f"removed {args.name} from {folder}")
        return 0
    if action == "bench":
        return _bench(args, folder, stop)
    if action == "export":
        return _export(args, folder)
    if action == "check":
        return _check(args, folder)
    raise UserError(f"unknown action {action}", EXIT_BAD_ARGS)


def import_model(
    folder: Path,
    file: Path,
    capability_key: str,
    *,
    name: str | None = None,
    classes: list[str] | None = None,
    class_map: list[str] | None = None,
    origin: str = "",
    licence: str = "",
) -> Path:
    """Import weights into the model folder (what ``models import`` and the Models page do).

    Raises:
        UserError: the file, classes or mapping do not fit (one line, exit code 2).
    """
    from models.catalog import Manifest, add_model, capability, check_name
    from models.yolo_tools import model_info

    try:
        cap = capability(capability_key)
        src = file.expanduser()
        info = model_info(src)
        name = check_name(name or src.name.removesuffix("_openvino_model").rsplit(".", 1)[0])
    except (ValueError, KeyError) as e:
        raise UserError(str(e).strip("'\""), EXIT_BAD_ARGS) from None
    names = list(info.classes)
    if classes:
        if names and len(classes) != len(names):
            raise UserError(
                f"--classes gives {len(classes)} names but {src.name} has {len(names)} classes ({', '.join(names)})",
                EXIT_BAD_ARGS,
            )
        names = classes
    if not names:
        raise UserError(f"{src.name} does not say its class names: give them with --classes a,b,c", EXIT_BAD_ARGS)
    if info.task and cap.task in ("detect", "pose") and info.task != cap.task:
        raise UserError(f"{src.name} is a {info.task} model; {cap.title} needs a {cap.task} model", EXIT_BAD_ARGS)
    from models.catalog import parse_class_map

    try:
        cmap = parse_class_map(class_map or [], names, cap)
    except ValueError as e:
        raise UserError(str(e), EXIT_BAD_ARGS) from None
    mapped = {cmap.get(n, n) for n in names}
    if cap.needs and not mapped & set(cap.needs):
        raise UserError(
            f"none of {src.name}'s classes ({', '.join(names[:8])}) is one {cap.title} uses "
            f"({', '.join(cap.needs)}): map one with --map MODEL_CLASS={cap.needs[0]}",
            EXIT_BAD_ARGS,
        )
    manifest = Manifest(
        name=name, capability=cap.key, file="", fmt=info.fmt, task=info.task or cap.task, classes=names,
        class_map=cmap, input_size=info.input_size, kind="imported", origin=origin or f"imported from {src}",
        licence=licence or "unknown (say it with --licence)",
    )
    try:
        return add_model(folder, src, manifest)
    except (ValueError, OSError) as e:
        raise UserError(str(e), EXIT_BAD_ARGS) from None


def _import(args: argparse.Namespace, folder: Path) -> int:
    classes = [c.strip() for c in args.classes.split(",") if c.strip()] if args.classes else None
    dest = import_model(
        folder, args.file, args.capability, name=args.name, classes=classes, class_map=args.map,
        origin=args.origin, licence=args.licence,
    )
    from models.catalog import Manifest

    m = Manifest.load(dest)
    print(f"imported {m.name} ({m.fmt}, {m.task}, {len(m.classes)} classes) into {dest}")
    print(f"classes as {args.capability} sees them: {', '.join(m.mapped_classes())}")
    print(f"use it: detector.backend: yolo, detector.yolo_model: {m.name}/{m.file} (model folder {folder})")
    return 0


def demo_video() -> Path:
    """The bundled demo video."""
    from app.cli.commands import demo_config_path

    return demo_config_path().parent / "vtest.avi"


def _bench(args: argparse.Namespace, folder: Path, stop: threading.Event) -> int:
    from models.base import DetectorSettings
    from models.catalog import catalogue, find, write_bench
    from models.nanodet import NanoDetBackend
    from models.speed import measure, read_frames

    if args.frames < 1 or not 0 <= args.threads <= 64:
        raise UserError("--frames must be ≥ 1 and --threads 0…64", EXIT_BAD_ARGS)
    entries = catalogue(folder)
    try:
        chosen = [find(entries, i) for i in args.ids] if args.ids else [e for e in entries if e.available]
    except KeyError as e:
        raise UserError(str(e).strip("'\""), EXIT_BAD_ARGS) from None
    video = args.video or demo_video()
    try:
        frames = read_frames(video, args.frames)
    except ValueError as e:
        raise UserError(str(e), 3) from None
    det = NanoDetBackend(DetectorSettings(threads=args.threads))
    people = [det.predict(f).xyxy for f in frames]
    one, five, fifteen = os.getloadavg()
    print(f"frames: {len(frames)} of {video.name} ({frames[0].shape[1]}x{frames[0].shape[0]}), "
          f"{sum(map(len, people)) / len(people):.1f} people/frame; {os.cpu_count()} CPUs, "
          f"load {one:.2f} {five:.2f} {fifteen:.2f} (noisy when the machine is busy)")
    print(f"{'model':<22} {'capability':<17} {'ms/frame':>9} {'p90 ms':>8}  ran on")

    def show(s: Any) -> None:
        cap = next(e.capability for e in chosen if e.id == s.model_id)
        print(f"{s.model_id:<22} {cap:<17} {_fmt_ms(s.ms):>9} {_fmt_ms(s.p90_ms):>8}  {s.note}", flush=True)

    results = []
    for e in chosen:
        if stop.is_set():
            break
        results += measure([e], frames, people, threads=args.threads, device=args.device, on_result=show,
                           budget_s=args.max_seconds)
    done = {s.model_id: {"ms": round(s.ms, 2), "p90_ms": round(s.p90_ms or 0, 2), "frames": s.frames,
                         "note": s.note, "when": time.strftime("%Y-%m-%d %H:%M")}
            for s in results if s.ms is not None}
    if done:
        try:
            write_bench(folder, done)
        except OSError as e:
            print(f"(speeds not saved: {e})", file=sys.stderr)
    return 0


def calibration_set(sources: list[Path], out: Path, count: int, names: list[str]) -> Path:
    """A YOLO dataset yaml of ``count`` pictures from videos / picture folders (INT8 calibration).

    Raises:
        UserError: nothing could be read.
    """
    import cv2

    from models.speed import read_frames

    imgs = out / "images" / "val"
    imgs.mkdir(parents=True, exist_ok=True)
    n = 0
    per = max(count // max(len(sources), 1), 1)
    for src in sources:
        if src.is_dir():
            pics = [cv2.imread(str(p)) for p in sorted(src.rglob("*.jpg"))[:per]]
        else:
            try:
                total = int(cv2.VideoCapture(str(src)).get(cv2.CAP_PROP_FRAME_COUNT)) or per
                pics = read_frames(src, per, step=max(total // per, 1))
            except ValueError:
                pics = []
        for p in pics:
            if p is not None:
                cv2.imwrite(str(imgs / f"calib-{n:04d}.jpg"), p)
                n += 1
    if not n:
        raise UserError("no calibration picture could be read (give --calib VIDEO or FOLDER)", 3)
    (out / "labels" / "val").mkdir(parents=True, exist_ok=True)
    yaml_path = out / "calib.yaml"
    yaml_path.write_text(
        f"path: {out.as_posix()}\ntrain: images/val\nval: images/val\nnames:\n"
        + "".join(f"  {i}: {json.dumps(c)}\n" for i, c in enumerate(names)),
        encoding="utf-8",
    )
    return yaml_path


def _site_videos(args: argparse.Namespace) -> list[Path]:
    if getattr(args, "config", None):
        from app.config import load_config

        cfg = load_config(args.config)
        vids = [Path(c.source).expanduser() for c in cfg.cameras if Path(str(c.source)).expanduser().is_file()]
        if vids:
            return vids
    return [demo_video()]


def _export(args: argparse.Namespace, folder: Path) -> int:
    from models.catalog import Manifest, add_model, catalogue, check_name
    from models.yolo_tools import export, model_info

    src = Path(args.model).expanduser()
    base: Manifest | None = None
    if not src.is_file():
        entry = next((e for e in catalogue(folder) if e.id == args.model), None)
        if entry is None or not entry.path:
            raise UserError(f"no model or .pt file {args.model!r}", EXIT_BAD_ARGS)
        src = Path(entry.path)
        if (src.parent / "manifest.json").is_file():
            base = Manifest.load(src.parent)
    if src.suffix != ".pt" or not src.is_file():
        raise UserError(f"{src.name}: export takes an Ultralytics .pt model", EXIT_BAD_ARGS)
    try:
        info = model_info(src)
        name = check_name(args.name or f"{src.stem}-{args.fmt}{'-int8' if args.int8 else ''}")
    except ValueError as e:
        raise UserError(str(e), EXIT_BAD_ARGS) from None
    if (folder / name).exists():
        raise UserError(f"a model named {name!r} exists in {folder}: give --name", EXIT_BAD_ARGS)
    imgsz = args.imgsz or info.input_size or 640
    from models.base import BackendUnavailable

    with tempfile.TemporaryDirectory(prefix="storesight-export-") as tmp:
        calib = None
        if args.int8:
            sources = args.calib or _site_videos(args)
            calib = calibration_set(sources, Path(tmp) / "calib", args.calib_frames, list(info.classes))
            print(f"INT8 calibration: {args.calib_frames} pictures from {', '.join(p.name for p in sources)}")
        t0 = time.perf_counter()
        try:
            made = export(src, args.fmt, Path(tmp) / "out", imgsz=imgsz, int8=args.int8, calibration=calib)
        except BackendUnavailable as e:
            raise UserError(str(e), 1) from None
        except ValueError as e:
            raise UserError(str(e), EXIT_BAD_ARGS) from None
        fmt = {"onnx": "onnx", "openvino": "openvino", "engine": "tensorrt"}[args.fmt]
        manifest = Manifest(
            name=name, capability=(base.capability if base else args.capability or "person_detection"), file="",
            fmt=fmt, task=info.task or "detect", classes=list(info.classes),
            class_map=dict(base.class_map) if base else {}, input_size=imgsz, kind="exported",
            origin=f"{args.fmt}{' INT8' if args.int8 else ''} export of {src.name}",
            licence=base.licence if base else "as the source weights",
            metrics=dict(base.metrics) if base else {},
            notes={"int8": args.int8, "calibration_pictures": args.calib_frames if args.int8 else 0},
        )
        dest = add_model(folder, made, manifest)
    print(f"exported {src.name} → {dest / manifest.file} in {time.perf_counter() - t0:.0f} s (registered as {name})")
    if manifest.metrics:
        print("accuracy figures copied from the source model: run `storesight models check` to measure the export's")
    return 0


def _check(args: argparse.Namespace, folder: Path) -> int:
    from models.base import BackendUnavailable, DetectorSettings
    from models.catalog import Manifest, capability, catalogue, find
    from models.datasets import evaluate_detector, load_dataset

    try:
        entry = find(catalogue(folder), args.model)
        ds = load_dataset(args.data)
    except (KeyError, ValueError) as e:
        raise UserError(str(e).strip("'\""), EXIT_BAD_ARGS) from None
    if entry.id != "nanodet" and (entry.kind == "built-in" or entry.fmt not in ("pytorch", "onnx", "openvino", "tensorrt")):
        raise UserError(f"{entry.id} is not an Ultralytics detector: the accuracy check scores those and nanodet", EXIT_BAD_ARGS)
    if capability(entry.capability).task != "detect":
        raise UserError(f"{entry.id} is a {entry.capability} model: the accuracy check scores detectors", EXIT_BAD_ARGS)
    cmap = {}
    for pair in args.map:
        a, sep, b = pair.partition("=")
        if not sep:
            raise UserError(f"--map {pair!r}: write MODEL=DATASET", EXIT_BAD_ARGS)
        cmap[a.strip()] = b.strip()
    settings = DetectorSettings(confidence=args.conf, classes=(), device=args.device)
    try:
        if entry.id == "nanodet":
            from models.nanodet import NanoDetBackend

            backend: Any = NanoDetBackend(settings)
        else:
            from models.yolo import YoloBackend

            size = int(entry.input_size.split("x")[0]) if entry.input_size[:1].isdigit() else 0
            backend = YoloBackend(DetectorSettings(
                confidence=args.conf, classes=(), device=args.device, model_name=entry.path, input_size=size))
        rep = evaluate_detector(backend, ds, split=args.split, class_map=cmap, limit=args.limit)
    except BackendUnavailable as e:
        raise UserError(str(e), 1) from None
    except ValueError as e:
        raise UserError(str(e), EXIT_BAD_ARGS) from None
    s = rep.scores
    print(f"{entry.id} on {ds.yaml} ({args.split}: {s.images} pictures, {rep.ms_per_image:.1f} ms/picture)")
    print(f"{'class':<16} {'boxes':>6} {'mAP50':>7} {'mAP50-95':>9}")
    for name, v in rep.scores.per_class(ds.names).items():
        print(f"{name:<16} {v['instances']:>6} {v['mAP50']:>7.3f} {v['mAP50-95']:>9.3f}")
    print(f"{'all':<16} {int(s.instances.sum()):>6} {s.map50:>7.3f} {s.map50_95:>9.3f}")
    unmatched = [n for n in ds.names if n not in rep.matched]
    if unmatched:
        print(f"the model gives none of: {', '.join(unmatched)} (scored 0; map them with --map)")
    man = Path(entry.path).parent / "manifest.json" if entry.path else None
    if man is not None and man.is_file():
        m = Manifest.load(man.parent)
        m.metrics = {**m.metrics, **rep.as_dict(), "dataset": str(ds.yaml), "checked": time.strftime("%Y-%m-%d %H:%M")}
        m.save(man.parent)
        print(f"saved into {entry.id}'s manifest")
    return 0


# --- train --------------------------------------------------------------------------------------------


def cmd_train(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight train detect``: the run on a worker process, its progress printed, Ctrl+C stops it."""
    from app.modelhub.jobs import TrainJob, TrainSpec, check_spec

    folder = model_folder(args)
    device = args.device or _default_device()
    name = args.name or f"{Path(args.data).resolve().stem if Path(args.data).suffix else Path(args.data).name}-{time.strftime('%Y%m%d-%H%M')}"
    pairs = []
    for pair in args.map:
        a, sep, b = pair.partition("=")
        if not sep:
            raise UserError(f"--map {pair!r}: write MODEL=MODULE", EXIT_BAD_ARGS)
        pairs.append((a.strip(), b.strip()))
    model = args.model
    if not Path(model).expanduser().is_file() and (folder / model).is_file():
        model = str(folder / model)  # a .pt in the model folder (yolo11n.pt put there at install)
    spec = TrainSpec(
        data=str(Path(args.data).expanduser().absolute()), model=model, epochs=args.epochs, imgsz=args.imgsz,
        device=device, batch=args.batch, name=name, capability=args.capability, model_dir=str(folder),
        class_map=tuple(pairs), export_onnx=args.onnx,
    )
    check_spec(spec)
    print(f"training {name} from {args.model} on {spec.data}: {args.epochs} epochs, {args.imgsz} px, device {device}")
    job = TrainJob(spec)
    job.start()
    last = 0.0
    stopping = False
    while job.result is None:
        if stop.is_set() and not stopping:
            stopping = True
            job.stop()
            print("stopping after this batch (the weights so far are validated and kept)…", file=sys.stderr)
        for m in job.poll(0.5):
            kind = m.get("kind")
            if kind == "batch" and time.monotonic() - last > 2:
                last = time.monotonic()
                print(f"epoch {m['epoch']}/{m['epochs']} batch {m['batch']}/{m['batches']} loss {m['loss']:.3f}", flush=True)
            elif kind == "epoch":
                print(f"epoch {m['epoch']}/{m['epochs']} done: mAP50 {m['mAP50']:.3f}, mAP50-95 {m['mAP50-95']:.3f}", flush=True)
            elif kind == "log":
                print(m["text"], flush=True)
    job.join(30)
    r = job.result
    if r.get("kind") == "error":
        raise UserError(f"training failed: {r['text']}", 1)
    mt = r["metrics"]
    print(f"registered {r['model']} in {r['folder']}" + (" (stopped early)" if r["stopped"] else ""))
    print(f"val: mAP50 {mt.get('mAP50', 0):.3f}, mAP50-95 {mt.get('mAP50-95', 0):.3f}, "
          f"precision {mt.get('precision', 0):.3f}, recall {mt.get('recall', 0):.3f}")
    for c, v in r["per_class"].items():
        print(f"  {c:<16} mAP50 {v['mAP50']:.3f}  mAP50-95 {v['mAP50-95']:.3f}")
    if r.get("onnx"):
        print(f"ONNX export registered: {r['onnx']}")
    return 130 if r["stopped"] and stop.is_set() else 0


def _default_device() -> str:
    """``0`` when PyTorch sees a CUDA GPU (asked in a child process), else ``cpu``."""
    from app.gui.backend_status import gpu_status

    return "0" if gpu_status().startswith("GPU:") else "cpu"


# --- dataset ------------------------------------------------------------------------------------------


def cmd_dataset(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight dataset export|import``."""
    from app.modelhub.labels import class_names, read_labels_from, write_dataset, write_yolo

    out = Path(args.out).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"--out {out}: choose a new or empty folder", EXIT_BAD_ARGS)
    if args.dataset_command == "import":
        if not 0 <= args.val < 1:
            raise UserError("--val must be in 0…1", EXIT_BAD_ARGS)
        try:
            items = read_labels_from(args.fmt, args.source.expanduser(), args.images)
        except ValueError as e:
            raise UserError(str(e), EXIT_BAD_ARGS) from None
        names = [c.strip() for c in args.classes.split(",")] if args.classes else class_names(items)
        if not items or not names:
            raise UserError(f"{args.source}: no labelled pictures in it", EXIT_BAD_ARGS)
        yaml_path = write_yolo(items, out, names, val_share=args.val)
        n = sum(len(it.boxes) for it in items)
        print(f"{len(items)} pictures, {n} boxes, classes: {', '.join(names)} → {yaml_path}")
        print(f"train on it: storesight train detect --data {yaml_path} --model yolo11n.pt --epochs 50")
        return 0
    from app.cli.stats_cmd import data_folder, open_db
    from app.modelhub.builder import pictures_from_events

    store = open_db(args.db)
    data_dir = data_folder(args.db, args.data_dir)
    classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    detector = None
    if not args.no_prelabel:
        from models.base import DetectorSettings
        from models.nanodet import NanoDetBackend

        detector = NanoDetBackend(DetectorSettings(classes=()))
        from models.base import check_classes

        try:
            check_classes(classes, detector.class_names)
        except ValueError as e:
            raise UserError(f"--classes: {e}", EXIT_BAD_ARGS) from None
    pics = Path(tempfile.mkdtemp(prefix="storesight-pictures-")) if args.fmt != "yolo" else out / "images" / "train"
    try:
        h = pictures_from_events(
            store, data_dir, pics, kind=args.kind, camera=args.camera, module=args.module, type=args.type,
            limit=args.limit, detector=detector, classes=classes,
        )
    finally:
        store.close()
    if not h.items:
        raise UserError(f"no event with a picture matched ({h.events} events looked at)", 1)
    written = write_dataset(h.items, out, args.fmt, classes)
    if args.fmt != "yolo":
        import shutil

        shutil.rmtree(pics, ignore_errors=True)
    n = sum(len(it.boxes) for it in h.items)
    print(f"{len(h.items)} {args.kind} ({n} pre-labelled boxes) from {h.events} events "
          f"({h.skipped} without a picture or repeated) → {written}")
    return 0
