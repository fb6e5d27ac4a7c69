"""The CLI's sub-commands (kept apart from argument parsing so they stay small)."""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
from pathlib import Path
from typing import IO, Any

from app.config import CameraConfig, SiteConfig, load_config
from app.engine.pipeline import FrameResult
from app.engine.runner import AnalysisResult, analyze, check_writable_dir
from app.errors import UserError
from app.resources import resources_dir

EXIT_INCOMPLETE = 4


def default_config() -> SiteConfig:
    """A plain one-camera config used when no ``--config`` is given."""
    return SiteConfig.model_validate(
        {"site": {"name": "StoreSight"}, "cameras": [{"id": "cam1", "source": "0"}]}
    )


def demo_config_path() -> Path:
    """The bundled demo site config."""
    return resources_dir() / "demo" / "site.yaml"


def resolve_camera(cfg: SiteConfig, source: str, camera_id: str | None) -> CameraConfig:
    """Pick the camera to analyse: by id, or the config's camera with ``source`` put in.

    Raises:
        UserError: ``--camera`` names a camera the config does not have.
    """
    for cam in cfg.cameras:
        if cam.id == source:
            return cam
    if camera_id:
        try:
            base = cfg.camera(camera_id)
        except KeyError:
            ids = ", ".join(c.id for c in cfg.cameras) or "none"
            raise UserError(f"--camera: no camera {camera_id!r} in the config (cameras: {ids})", 2) from None
    else:
        base = cfg.cameras[0] if cfg.cameras else CameraConfig(id="cam1", source=source)
    src = source
    if not src.isdigit() and "://" not in src:
        src = str(Path(src).expanduser().resolve())
    data = base.model_dump()
    data["source"] = src
    return CameraConfig.model_validate(data)


class MotWriter:
    """Writes tracked boxes in MOTChallenge CSV to ``<file>.part``, renamed when complete."""

    def __init__(self, path: Path, stop: threading.Event | None = None) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self._stop = stop
        #: Why writing failed (one line), or None.
        self.error: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._f: IO[str] = self.part.open("w", encoding="ascii", newline="\n")
        except OSError as e:
            raise UserError(f"--mot: cannot write {path} ({e.strerror or e.__class__.__name__})") from None
        self.rows = 0

    def add(self, res: FrameResult) -> None:
        """Write one frame's tracked boxes (frame numbers 1-based)."""
        d = res.detections
        if not res.analysed or not len(d):
            return
        n = res.frame.index + 1
        lines = []
        for (x1, y1, x2, y2), tid, conf in zip(
            d.xyxy.tolist(), d.tracker_id.tolist(), d.confidence.tolist(), strict=True
        ):
            lines.append(f"{n},{tid},{x1:.1f},{y1:.1f},{x2 - x1:.1f},{y2 - y1:.1f},{conf:.3f},-1,-1,-1\n")
        if self.error is not None:
            return
        try:
            self._f.writelines(lines)
            self._f.flush()  # a full disk shows now, not at close
        except OSError as e:
            self.error = f"--mot: cannot write {self.path} ({e.strerror or e.__class__.__name__})"
            if self._stop is not None:
                self._stop.set()
            return
        self.rows += len(lines)

    def finish(self, complete: bool) -> Path:
        """Close the file; rename it to its final name only if the analysis is complete."""
        try:
            self._f.close()
        except OSError as e:
            self.error = (
                self.error or f"--mot: cannot write {self.path} ({e.strerror or e.__class__.__name__})"
            )
        if complete and self.error is None:
            self.part.replace(self.path)
            return self.path
        return self.part


class _Progress:
    def __init__(self, total: int | None, enabled: bool, label: str) -> None:
        self.bar: Any = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total or None, unit="frame", desc=label, file=sys.stderr, dynamic_ncols=True
            )

    def update(self, res: FrameResult) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _db_and_data(cfg: SiteConfig, db: str | None, out: Path | None) -> tuple[str, Path]:
    from app.paths import data_dir as default_data_dir
    from app.paths import default_db_url

    data_dir = out or default_data_dir(cfg.storage.data_dir)
    if db:
        return db, data_dir
    if cfg.storage.db_url and out is None:
        from app.store.db import user_db_url

        return str(user_db_url(cfg.storage.db_url, option="storage.db_url")), data_dir
    if out is not None:
        return f"sqlite:///{(out / 'storesight.db').resolve()}", data_dir
    return default_db_url(cfg.storage.data_dir), data_dir


def _run(
    cfg: SiteConfig,
    camera: CameraConfig,
    *,
    db_url: str,
    data_dir: Path,
    stop: threading.Event,
    progress: bool,
    mot: Path | None = None,
    existing: str = "append",
) -> AnalysisResult:
    check_writable_dir(data_dir)
    mot_writer = MotWriter(mot, stop) if mot else None
    bar: _Progress | None = None

    def on_start(choice: Any, source: Any) -> None:
        nonlocal bar
        print(f"detector: {choice.reason}", file=sys.stderr)
        bar = _Progress(getattr(source, "frame_count", None), progress, camera.label)

    def on_frame(res: FrameResult) -> None:
        if bar is not None:
            bar.update(res)
        if mot_writer is not None:
            mot_writer.add(res)

    try:
        result = analyze(
            cfg,
            camera,
            db_url=db_url,
            data_dir=data_dir,
            stop=stop,
            on_frame=on_frame,
            on_start=on_start,
            existing=existing,
            failure=(lambda: mot_writer.error) if mot_writer is not None else None,
        )
    except BaseException:
        if mot_writer is not None:
            mot_writer.finish(False)
            mot_writer.part.unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    if mot_writer is not None:
        written = mot_writer.finish(result.summary.status == "complete")
        if mot_writer.error is None:
            print(f"MOT boxes: {written} ({mot_writer.rows} rows)")
        else:
            mot_writer.part.unlink(missing_ok=True)
    return result


def _print_summary(r: AnalysisResult, name: str) -> None:
    s = r.summary
    span = (s.last_ts - s.first_ts) if s.first_ts is not None and s.last_ts is not None else 0.0
    fps = s.frames / s.wall_s if s.wall_s else 0.0
    print(f"analysed {name}: {s.frames} frames ({span:.1f} s of video) in {s.wall_s:.1f} s — {fps:.1f} fps")
    print(f"tracks: {s.tracks}, events: {s.events} (run {r.run_id}: {s.status})")
    if s.analysed != s.frames or s.gated:
        gated = f", {s.gated} skipped by motion gating (last detections kept)" if s.gated else ""
        print(f"detector: {s.analysed - s.gated} of {s.frames} frames{gated}")
    if r.roles:
        print(f"staff/customer roles from: {r.roles}")
    if s.dropped:
        print(f"dropped live frames: {s.dropped} (analysis slower than the camera)")
    if s.faults:
        print(f"module errors (the camera went on without them): {s.faults}")
    print(f"database: {r.db_url}")
    print(f"crops: {r.data_dir / 'crops'}")


def _finish(r: AnalysisResult) -> int:
    if r.summary.status == "complete":
        return 0
    s = r.summary
    print(f"storesight: error: analysis {s.status}: {s.reason}", file=sys.stderr)
    print(f"storesight: the run is stored as {s.status}; what was analysed is kept", file=sys.stderr)
    return EXIT_INCOMPLETE


def cmd_analyze(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight analyze SOURCE``."""
    cfg = load_config(args.config) if args.config else default_config()
    camera = resolve_camera(cfg, args.source, args.camera)
    db_url, data_dir = _db_and_data(cfg, args.db, args.out)
    existing = "replace" if args.replace_run else "append" if args.append else "refuse"
    if args.replace_run:  # deletes the old run's rows and photos: an erasure
        from app.cli.access import require

        require(db_url, "erase", "analyze --replace-run")
    r = _run(
        cfg,
        camera,
        db_url=db_url,
        data_dir=data_dir,
        stop=stop,
        progress=not args.no_progress,
        mot=args.mot,
        existing=existing,
    )
    _print_summary(r, Path(camera.source).name if camera.kind == "file" else camera.label)
    return _finish(r)


def cmd_demo(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight demo``: the bundled video and config into ``--out``."""
    cfg = load_config(demo_config_path())
    camera = cfg.cameras[0]
    out: Path = check_writable_dir(args.out.expanduser().resolve())
    for name in ("storesight.db", "storesight.db-wal", "storesight.db-shm", "tracks.mot.csv"):
        (out / name).unlink(missing_ok=True)
    shutil.rmtree(out / "crops", ignore_errors=True)
    shutil.rmtree(out / "backgrounds", ignore_errors=True)
    r = _run(
        cfg,
        camera,
        db_url=f"sqlite:///{out / 'storesight.db'}",
        data_dir=out,
        stop=stop,
        progress=not args.no_progress,
        mot=out / "tracks.mot.csv",
    )
    _print_summary(r, Path(camera.source).name)
    print(f"demo output: {out}")
    return _finish(r)
