"""``storesight doctor``: what a support person asks first, in one screen (or one JSON document).

Versions (StoreSight, Python, the libraries that matter), the detector backends and which one
would run, the GPU, the folders in use, the database's health (reachable, schema revision against
this version's, SQLite integrity, size), how wide the plates are on cameras that read them (too small
to read reliably is a warning) and the free disk space of the data folder. Nothing is
changed: the database is opened without migrating and a SQLite file that does not exist is not
created.

Every line is a :class:`Check` with a status ``ok``, ``warn`` or ``fail``; the command exits 1 when
any check fails (so scripts on 50 workstations can collect the broken ones), else 0.

Example:
    >>> checks = [Check("disk", "ok", "120.0 GB free")]
    >>> worst(checks)
    'ok'
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: Free space under which the data folder is a warning / a failure (bytes).
DISK_WARN_BYTES = 5 * 1024**3
DISK_FAIL_BYTES = 500 * 1024**2

#: Libraries whose versions support asks about (distribution name, import name).
LIBRARIES = (
    ("numpy", "numpy"),
    ("opencv-python", "cv2"),
    ("onnxruntime", "onnxruntime"),
    ("PySide6-Essentials", "PySide6"),
    ("SQLAlchemy", "sqlalchemy"),
    ("alembic", "alembic"),
    ("psycopg", "psycopg"),
    ("torch", "torch"),
    ("ultralytics", "ultralytics"),
)

STATUSES = ("ok", "warn", "fail")


@dataclass(slots=True)
class Check:
    """One line of the doctor's report.

    Attributes:
        name: what was checked (``versions``, ``backend``, ``gpu``, ``paths``, ``models``, ``database``, ``plates``,
            ``disk``).
        status: ``ok``, ``warn`` or ``fail``.
        detail: one sentence for people.
        data: the facts behind it, for ``--json``.
    """

    name: str
    status: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


def worst(checks: list[Check]) -> str:
    """The worst status among ``checks`` (``ok`` for none)."""
    return max((c.status for c in checks), key=STATUSES.index, default="ok")


def edition() -> str:
    """``cpu`` or ``cuda`` for an installed bundle (``STORESIGHT_EDITION`` file beside it), else ``source``."""
    if getattr(sys, "frozen", False):
        marker = Path(sys.executable).parent / "EDITION"
        try:
            return marker.read_text(encoding="utf-8").strip() or "bundle"
        except OSError:
            return "bundle"
    return "source"


def _version(dist: str, module: str) -> str | None:
    """The installed version of a library, or None when it cannot be imported here."""
    if importlib.util.find_spec(module) is None:
        return None
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        pass
    try:  # a bundle may lack the metadata: ask the module itself
        mod = __import__(module)
        return str(getattr(mod, "__version__", "installed"))
    except Exception:  # a broken library is reported, not raised
        return "installed (cannot be imported)"


def check_versions() -> Check:
    """StoreSight, Python, the operating system and the libraries of :data:`LIBRARIES`."""
    from app import __version__

    libs = {dist: _version(dist, module) for dist, module in LIBRARIES}
    data = {
        "storesight": __version__,
        "edition": edition(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "libraries": libs,
    }
    have = ", ".join(f"{d} {v}" for d, v in libs.items() if v)
    missing = [d for d, v in libs.items() if v is None]
    detail = f"StoreSight {__version__} ({data['edition']}), Python {data['python']} on {data['os']}; {have}"
    if missing:
        detail += f"; not installed: {', '.join(missing)}"
    core_missing = [d for d in ("numpy", "opencv-python", "onnxruntime", "SQLAlchemy") if libs.get(d) is None]
    status = "fail" if core_missing else "ok"
    return Check("versions", status, detail, data)


def check_backends(site: Any) -> Check:
    """Every detector backend, and the one ``detector.backend`` would run (the registry's order)."""
    from app.gui.backend_status import backend_status

    statuses = backend_status(site, check_gpu=False)
    requested = site.detector.backend
    order = ["yolo", "nanodet"] if requested in ("auto", "yolo") else [requested, "nanodet"]
    by_key = {s.key: s for s in statuses}
    runs = next((k for k in order if k in by_key and by_key[k].available), None)
    data = {
        "requested": requested,
        "runs": runs,
        "backends": [asdict(s) for s in statuses],
    }
    parts = [f"{s.name}: {'available' if s.available else 'not available'} ({s.detail})" for s in statuses]
    if runs is None:
        return Check("backend", "fail", "no detector backend can run; " + "; ".join(parts), data)
    status = "ok" if runs == requested or requested == "auto" else "warn"
    return Check("backend", status, f"{by_key[runs].name} runs (asked for {requested}); " + "; ".join(parts), data)


def _nvidia_smi(timeout: float = 10.0) -> list[str]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [exe, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [ln.strip() for ln in out.stdout.splitlines() if ln.strip()] if out.returncode == 0 else []


def check_gpu() -> Check:
    """NVIDIA GPUs the driver sees (``nvidia-smi``) and whether PyTorch can use one."""
    gpus = _nvidia_smi()
    has_torch = importlib.util.find_spec("torch") is not None
    if has_torch and not getattr(sys, "frozen", False):
        from app.gui.backend_status import gpu_status

        torch_says = gpu_status()
    elif has_torch:  # a bundle cannot run `python -c`: ask in this process
        try:
            import torch

            torch_says = (
                f"GPU: {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "no CUDA GPU: runs on CPU"
            )
        except Exception as e:  # reported, not raised
            torch_says = f"GPU check failed: {e.__class__.__name__}"
    else:
        torch_says = "PyTorch is not installed (CPU edition): YOLO cannot run, the built-in detector uses the CPU"
    ort_says, ort_gpu = onnx_gpu_status()
    data = {"nvidia_smi": gpus, "torch": torch_says, "onnxruntime": ort_says, "edition": edition()}
    seen = f"driver sees {'; '.join(gpus)}" if gpus else "no NVIDIA driver/GPU found"
    status = "warn" if gpus and not torch_says.startswith("GPU:") else "ok"
    detail = f"{seen}; PyTorch: {torch_says}; ONNX Runtime: {ort_says}"
    if edition() == "cuda" and not torch_says.startswith("GPU:") and not ort_gpu:
        status = "warn"  # it works, on the CPU: say so plainly
        detail = (
            "CUDA edition without a usable NVIDIA GPU: everything runs on the CPU (it works; the CPU edition "
            f"is the smaller install for this computer). {detail}"
        )
    return Check("gpu", status, detail, data)


def onnx_gpu_status() -> tuple[str, bool]:
    """Whether ONNX Runtime can run the built-in models on a GPU, tried for real; and whether it does.

    When this onnxruntime build has a GPU provider (``onnxruntime-gpu``: the CUDA edition), the
    built-in NanoDet model is loaded with ``device=auto`` exactly as a camera would load it
    (:func:`models.runtime.ort_session`), and the provider the session ends up with is reported:
    without an NVIDIA driver the CUDA provider cannot start and ONNX Runtime runs on the CPU.

    Returns:
        (one line, True when a GPU provider is in use).
    """
    try:
        import onnxruntime as ort
    except ImportError:
        return "not installed", False
    providers = list(ort.get_available_providers())
    gpu = [p for p in providers if p in ("CUDAExecutionProvider", "TensorrtExecutionProvider")]
    if not gpu:
        return f"{ort.__version__}, CPU build ({', '.join(providers)})", False
    from models.catalog import WEIGHTS
    from models.runtime import _tensorrt_loadable, ort_session

    if "TensorrtExecutionProvider" in gpu and not _tensorrt_loadable():
        gpu[gpu.index("TensorrtExecutionProvider")] = "TensorrtExecutionProvider without TensorRT installed"

    try:
        session = ort_session(WEIGHTS / "nanodet" / "nanodet.onnx", 1, what="NanoDet model", device="auto")
    except Exception as e:  # reported, not raised
        return f"{ort.__version__}, GPU build ({', '.join(gpu)}); test session failed: {e}", False
    used = session.get_providers()
    on_gpu = bool(used) and used[0] != "CPUExecutionProvider"
    return f"{ort.__version__}, GPU build ({', '.join(gpu)}); the built-in models run on {session.storesight_reason}", on_gpu


def check_paths(config_path: Path | None, data_dir: Path, db_url: str, model_dir: Path) -> Check:
    """The folders and files in use, and whether the data folder can be written."""
    from app.store.db import safe_url

    data = {
        "install": str(Path(sys.executable).parent if getattr(sys, "frozen", False) else Path(__file__).parents[1]),
        "config": str(config_path) if config_path else None,
        "data_dir": str(data_dir),
        "database": safe_url(db_url),
        "models": str(model_dir),
        "logs": str(data_dir / "logs"),
        "backups": str(data_dir / "backups"),
    }
    probe = data_dir if data_dir.exists() else next((p for p in data_dir.parents if p.exists()), data_dir)
    writable = os.access(probe, os.W_OK | os.X_OK)
    status = "ok" if writable else "fail"
    where = "exists" if data_dir.exists() else "will be created"
    detail = (
        f"data folder {data_dir} ({where}{'' if writable else ', NOT writable'}); config "
        f"{data['config'] or '(none yet: the window starts its first-run wizard)'}; database {data['database']}; "
        f"models {model_dir}"
    )
    return Check("paths", status, detail, data)


def check_models(model_dir: Path) -> Check:
    """Official weights in the model folder (``yolo11n.pt``…): present, and the whole undamaged file?

    Each is compared with its pinned size and SHA-256 (:data:`models.checksums.PINNED`); a partial
    or damaged copy is a warning (the built-in detector runs instead) naming what to do.
    """
    from models.checksums import PINNED, check_pinned

    found, problems = [], []
    for name in PINNED:
        path = model_dir / name
        if path.is_file():
            problem = check_pinned(path)
            (problems.append(problem) if problem else found.append(f"{name} (checksum verified)"))
    data = {"model_dir": str(model_dir), "verified": found, "problems": problems}
    if problems:
        return Check("models", "warn", "; ".join(problems), data)
    if found:
        return Check("models", "ok", f"{', '.join(found)} in {model_dir}", data)
    return Check("models", "ok", f"no YOLO weights in {model_dir}: the built-in detector runs", data)


def check_database(db_url: str) -> Check:
    """Reachable, schema revision against this version's, SQLite integrity and size; never migrates."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.errors import UserError
    from app.store.db import make_engine, parse_url, safe_url
    from app.store.migrate import current_revision, head_revision

    parsed = parse_url(db_url)
    data: dict[str, Any] = {"url": safe_url(parsed), "dialect": parsed.get_backend_name()}
    file = None
    if data["dialect"] == "sqlite" and parsed.database and parsed.database != ":memory:":
        file = Path(parsed.database).expanduser()
        data["file"] = str(file)
        if not file.is_file():
            return Check("database", "ok", f"{file} does not exist yet (created at the first start)", data)
        data["size_bytes"] = file.stat().st_size
    try:
        engine = make_engine(parsed)
    except UserError as e:
        return Check("database", "fail", str(e), data)
    try:
        current = current_revision(engine)
        head = head_revision()
        data.update(revision=current, head=head)
        if file is not None:
            with engine.connect() as conn:
                data["integrity"] = conn.exec_driver_sql("PRAGMA quick_check").scalar()
    except (SQLAlchemyError, OSError) as e:
        from app.store.db import describe_db_error

        return Check("database", "fail", describe_db_error(e, parsed), data)
    finally:
        engine.dispose()
    size = f", {data['size_bytes'] / 1024**2:.1f} MB" if "size_bytes" in data else ""
    if data.get("integrity", "ok") != "ok":
        return Check("database", "fail", f"{data['url']}: integrity check failed: {data['integrity']}", data)
    if current is None:
        return Check("database", "ok", f"{data['url']}: empty (the schema is created at the first start){size}", data)
    if current == head:
        return Check("database", "ok", f"{data['url']}: schema {current} (current){size}", data)
    from app.store.migrate import known_revisions

    if current not in known_revisions():
        return Check(
            "database",
            "fail",
            f"{data['url']}: schema {current} is newer than this StoreSight ({head}): install the newer version",
            data,
        )
    return Check(
        "database",
        "warn",
        f"{data['url']}: schema {current}, this version upgrades it to {head} at the next start "
        f"(a backup is made first){size}",
        data,
    )


def check_plates(site: Any, db_url: str, database: Check) -> Check | None:
    """How wide the plates are on each plate-reading camera (its newest reads); too narrow is a warning.

    None when no camera reads plates. Reads only a database whose schema is this version's
    (``database``: :func:`check_database`'s result), so nothing is created or changed.
    """
    import numpy as np

    from analytics.plates import PLATE_WIDTH_WINDOW, RELIABLE_PLATE_PX, width_warnings

    cams = [c.id for c in site.cameras if c.modules.plates.enabled]
    if not cams:
        return None
    data: dict[str, Any] = {"cameras": cams, "reliable_px": RELIABLE_PLATE_PX}
    if database.status == "fail" or database.data.get("revision") is None:
        return Check("plates", "ok", "no plate reads to measure the plate width on yet", data)
    if database.data.get("revision") != database.data.get("head"):
        return Check("plates", "ok", "plate width not measured: the database is upgraded at the next start", data)
    from sqlalchemy.exc import SQLAlchemyError

    from app.errors import UserError
    from app.store import queries
    from app.store.db import open_store

    reads: list[tuple[str, float | None]] = []
    try:
        store = open_store(db_url, migrate=False, read_only_ok=True)
        try:
            for cam in cams:
                rows = queries.events(store, cam, "plates", "read", limit=PLATE_WIDTH_WINDOW)
                reads += [(cam, r.payload.get("plate_px")) for r in rows]
        finally:
            store.close()
    except (UserError, SQLAlchemyError) as e:
        return Check("plates", "warn", f"cannot read the plate reads: {str(e).splitlines()[0]}", data)
    widths = {c: [float(px) for cam, px in reads if cam == c and px] for c in cams}
    data["plate_px"] = {c: round(float(np.median(w)), 1) if w else None for c, w in widths.items()}
    data["reads"] = {c: len(w) for c, w in widths.items()}
    warnings = width_warnings(reads)
    if warnings:
        return Check("plates", "warn", "; ".join(warnings), data)
    shown = ", ".join(f"{c} {px:.0f} px" if px else f"{c}: no reads yet" for c, px in data["plate_px"].items())
    return Check("plates", "ok", f"plate width (median of the newest reads): {shown}; reliable from ~{RELIABLE_PLATE_PX} px", data)


def check_disk(folder: Path) -> Check:
    """Free space where the data folder is (or would be)."""
    probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), Path(folder.anchor))
    try:
        usage = shutil.disk_usage(probe)
    except OSError as e:
        return Check("disk", "fail", f"cannot read the free space of {probe}: {e.strerror or e}", {"path": str(probe)})
    data = {"path": str(probe), "free_bytes": usage.free, "total_bytes": usage.total}
    text = f"{usage.free / 1024**3:.1f} GB free of {usage.total / 1024**3:.1f} GB at {probe}"
    if usage.free < DISK_FAIL_BYTES:
        return Check("disk", "fail", text + ": recording stops soon; free space or lower storage.retention_days", data)
    if usage.free < DISK_WARN_BYTES:
        return Check("disk", "warn", text + ": low; photos and the database need room", data)
    return Check("disk", "ok", text, data)


def diagnose(config: Path | None = None, db: str | None = None) -> list[Check]:
    """Run every check for this config and database (as ``storesight gui`` would choose them).

    Args:
        config: ``--config``; default ``site.yaml`` in the data folder when it exists.
        db: ``--db``; default the config's ``storage.db_url``, else the data folder's SQLite file.

    Raises:
        UserError: the given config cannot be read (a bad file is the user's to fix first).
    """
    from app import paths
    from app.config import SiteConfig, load_config

    cfg = load_config(config) if config else None
    config_path = Path(config) if config else None
    if cfg is None:
        default = paths.data_dir() / "site.yaml"
        if default.is_file():
            cfg, config_path = load_config(default), default
    site = cfg or SiteConfig.model_validate({"site": {"name": "(no site yet)"}})
    data_dir = paths.data_dir(site.storage.data_dir)
    db_url = db or site.storage.db_url or paths.default_db_url(data_dir)
    model_dir = Path(site.detector.model_dir).expanduser() if site.detector.model_dir else paths.model_dir(data_dir)
    database = check_database(db_url)
    plates = check_plates(site, db_url, database)
    return [
        check_versions(),
        check_backends(site),
        check_gpu(),
        check_paths(config_path, data_dir, db_url, model_dir),
        check_models(model_dir),
        database,
        *([plates] if plates is not None else []),
        check_disk(data_dir),
    ]
