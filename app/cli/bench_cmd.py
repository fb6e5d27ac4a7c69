"""``storesight bench SOURCE``: the whole pipeline per stage and end to end, and what it ran on.

Everything printed is read back from what ran: the runtime and CPU threads each backend used (from
the library, after the last frame), the warm-up inference each backend ran at load (not counted in
the per-frame numbers), exactly ``--frames N`` frames, and the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.cli.commands import demo_config_path, resolve_camera
from app.config import CameraConfig, SiteConfig, load_config
from app.engine.pipeline import FrameResult
from app.engine.runner import AnalysisResult, analyze
from app.engine.timing import STAGES
from app.errors import UserError


def add_parser(sub: argparse._SubParsersAction, add_common: Any) -> None:  # type: ignore[type-arg]
    """Add ``bench`` to the main parser."""
    b = sub.add_parser("bench", help="measure per-stage time per frame and end-to-end fps")
    b.add_argument(
        "source", nargs="?", help="video file (or rtsp:// URL) to run through the whole pipeline"
    )
    b.add_argument(
        "--shelf", action="store_true", help="instead: the shelf-gap module on generated shelves (no source)"
    )
    b.add_argument("--episodes", type=int, default=4, help="with --shelf: generated episodes (default 4)")
    b.add_argument("--minutes", type=float, default=60.0, help="with --shelf: minutes per episode (default 60)")
    b.add_argument(
        "--objects", action="store_true", help="instead (or with --shelf): left items on the demo video + 3 clips"
    )
    b.add_argument(
        "--config", type=Path, help="site config YAML (default: the demo config's detector settings)"
    )
    b.add_argument("--frames", type=int, default=0, help="analyse exactly this many frames (0 = whole video)")
    b.add_argument("--stride", type=int, default=1, help="detect every N-th frame (default 1: every frame)")
    b.add_argument(
        "--pose",
        action="store_true",
        help="turn the pose module on for every person on every analysed frame (config's pose backend)",
    )
    b.add_argument(
        "--backend", choices=["auto", "nanodet", "yolo"], help="detector backend (default: the config's)"
    )
    b.add_argument(
        "--yolo-model", help="YOLO weights file or .yaml (yolo11n.yaml: random weights, speed only)"
    )
    b.add_argument(
        "--threads",
        type=int,
        help="CPU threads for the detector and the pose model (0 = the cores this process may use; "
        "default: the config's)",
    )
    b.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    from app.cli.plates_cmd import add_bench_options

    add_bench_options(b)
    from app.cli.bench_cameras import add_options as add_cameras_options

    add_cameras_options(b)
    from app.cli.faces_cmd import add_bench_options as add_faces_bench_options

    add_faces_bench_options(b)
    from app.cli.ppe_cmd import add_bench_options as add_ppe_bench_options

    add_ppe_bench_options(b)
    add_common(b)


@dataclass(slots=True)
class BackendReport:
    """What one backend ran on.

    Attributes:
        kind: ``detector`` or ``pose``.
        reason: the backend and why it was chosen.
        type_key: ``nanodet``, ``yolo``, ``movenet``…
        runtime: runtime and threads, read back from the library after the last frame.
        threads: CPU threads it used (0 = not a CPU thread count, e.g. a GPU).
        warmup_ms: the dummy inference at load.
    """

    kind: str
    reason: str
    type_key: str
    runtime: str
    threads: int
    warmup_ms: float


@dataclass(slots=True)
class BenchReport:
    """The numbers ``bench`` prints (and writes with ``--json``).

    Attributes:
        source: the video analysed.
        backends: detector (and pose) backends.
        frames: frames taken through the pipeline.
        analysed: frames that went through detection (``frames / stride``).
        stride: detection stride.
        tracks: tracks stored.
        events: events stored.
        stages: per stage ``{"ms_per_frame", "p90_ms", "first_ms", "runs"}`` (``first_ms``: its
            first run, e.g. the first real frame's detection after the warm-up).
        people_posed: people given keypoints (``--pose``).
        writer: the store writer's counters.
        fps: frames per second, wall clock, from the first frame read to the last one processed.
        load_avg: the machine's 1/5/15-minute load average at the end.
    """

    source: str
    backends: list[BackendReport]
    frames: int
    analysed: int
    stride: int
    tracks: int
    events: int
    stages: dict[str, dict[str, float]] = field(default_factory=dict)
    people_posed: int = 0
    writer: str = ""
    fps: float = 0.0
    load_avg: tuple[float, float, float] = (0.0, 0.0, 0.0)


def bench_site(cfg: SiteConfig, args: argparse.Namespace) -> SiteConfig:
    """The site config with the command line's detector/threads choices put in."""
    det: dict[str, Any] = {}
    if args.backend:
        det["backend"] = args.backend
    if args.yolo_model:
        det["yolo_model"] = args.yolo_model
    update: dict[str, Any] = {}
    if args.threads is not None:
        if not 0 <= args.threads <= 64:
            raise UserError("--threads must be between 0 and 64", 2)
        det["threads"] = args.threads
        update["pose"] = cfg.pose.model_copy(update={"threads": args.threads})
    if det:
        update["detector"] = cfg.detector.model_copy(update=det)
    return cfg.model_copy(update=update) if update else cfg


def _backend_report(kind: str, reason: str, backend: Any) -> BackendReport:
    return BackendReport(
        kind=kind,
        reason=reason,
        type_key=backend.type_key,
        runtime=backend.runtime(),
        threads=backend.threads_in_use(),
        warmup_ms=backend.warmup_s * 1000,
    )


def run_bench(args: argparse.Namespace, stop: threading.Event) -> BenchReport:
    """Run the bench the arguments describe.

    Raises:
        UserError: bad arguments, source or config, or the run failed.
    """
    if not args.source:
        raise UserError("storesight bench: give a video file (or --plates, --ppe, --shelf, --objects)", 2)
    if args.stride < 1 or args.frames < 0:
        raise UserError("--stride must be ≥ 1 and --frames ≥ 0", 2)
    if args.json and not args.json.expanduser().resolve().parent.is_dir():
        raise UserError(f"--json: no folder {args.json.expanduser().resolve().parent}", 2)
    cfg = load_config(args.config) if args.config else load_config(demo_config_path())
    cfg = bench_site(cfg, args)
    camera = resolve_camera(cfg, args.source, None)
    data = camera.model_dump()
    data["stride"] = args.stride
    if args.pose:  # every person, every analysed frame
        data["modules"]["pose"].update(enabled=True, every=1, zone_types=[])
    else:  # the core pipeline: decode, detect, track, analytics, store (--pose adds keypoints)
        data["modules"]["pose"]["enabled"] = False
    camera = CameraConfig.model_validate(data)
    posed = 0  # people given keypoints

    def on_frame(res: FrameResult) -> None:
        nonlocal posed
        kp = res.detections.keypoints
        if kp is not None:
            posed += int((kp[:, :, 2].max(axis=1) > 0).sum())

    with tempfile.TemporaryDirectory(prefix="storesight-bench-") as tmp:
        r: AnalysisResult = analyze(
            cfg,
            camera,
            db_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            data_dir=Path(tmp),
            stop=stop,
            on_frame=on_frame,
            max_frames=args.frames,  # counted as read: the identity lag still holds the last ones
        )
    s = r.summary
    if s.status == "failed":
        raise UserError(f"bench: {s.reason}")
    backends = [_backend_report("detector", r.backend, r.detector)]
    if r.pose_backend is not None:
        backends.append(_backend_report("pose", s.pose, r.pose_backend))
    stages: dict[str, dict[str, float]] = {}
    extra = [k for k in s.stages if k not in STAGES]  # stages beyond pose and roles, in the order they ran
    order = [*STAGES[: STAGES.index("analytics")], *extra, *STAGES[STAGES.index("analytics") :]]
    for name in order:
        st = s.stages.get(name)
        if st is None:
            continue
        # Decoding runs ahead of the analysis on its own thread: per frame decoded, not per frame analysed.
        per = st.total_s * 1000 / max(st.count if name == "decode" else s.frames, 1)
        stages[name] = {"ms_per_frame": per, "p90_ms": st.p90_ms, "first_ms": st.first_ms, "runs": st.count}
    w = r.writer_stats
    return BenchReport(
        source=camera.source if camera.kind == "file" else camera.label,
        backends=backends,
        frames=s.frames,
        analysed=s.analysed,
        stride=camera.stride,
        tracks=s.tracks,
        events=s.events,
        stages=stages,
        people_posed=posed,
        writer=f"{w.batches} batches, {w.mean_batch_ms:.1f} ms/batch, {w.dropped} dropped",
        fps=s.frames / s.wall_s if s.wall_s else 0.0,
        load_avg=os.getloadavg(),
    )


def print_report(rep: BenchReport) -> None:
    """The report as ``bench`` prints it."""
    print(f"source: {rep.source}")
    for b in rep.backends:
        print(f"{b.kind}: {b.reason}")
        print(f"{b.kind} ran on: {b.runtime} (read back after the last frame)")
        print(
            f"{b.kind} warm-up at load: {b.warmup_ms:.0f} ms (one dummy inference, not in the numbers below)"
        )
    print(
        f"frames: {rep.frames} decoded, {rep.analysed} analysed (stride {rep.stride}), "
        f"{rep.tracks} tracks, {rep.events} events"
    )
    print(f"{'stage':<10} {'ms/frame':>9} {'p90 ms':>8} {'first ms':>9} {'runs':>6}")
    for name, st in rep.stages.items():
        print(
            f"{name:<10} {st['ms_per_frame']:>9.2f} {st['p90_ms']:>8.2f} {st['first_ms']:>9.2f} {int(st['runs']):>6}"
        )
    pose = rep.stages.get("pose")
    if pose is not None:
        per_person = pose["ms_per_frame"] * rep.frames / rep.people_posed if rep.people_posed else 0.0
        print(f"pose: {rep.people_posed / max(rep.analysed, 1):.1f} people/frame, {per_person:.2f} ms/person")
    print(f"writer (own thread): {rep.writer}")
    print(f"end-to-end: {rep.fps:.1f} fps")
    one, five, fifteen = rep.load_avg
    print(f"load average: {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs on the machine)")


def cmd_bench(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight bench SOURCE``: per-stage time per frame and end-to-end fps (``--shelf``/``--objects``: those sets)."""
    if args.shelf or args.objects:
        from app.shelves.cli import cmd_bench_shelf

        if args.episodes < 1 or args.minutes < 10:
            raise UserError("--episodes must be ≥ 1 and --minutes ≥ 10", 2)
        return cmd_bench_shelf(args, stop)
    if args.cameras:
        from app.cli.bench_cameras import run_cameras

        return run_cameras(args, stop)
    rep = run_bench(args, stop)
    print_report(rep)
    if args.json:
        try:
            args.json.write_text(json.dumps(asdict(rep), indent=1), encoding="utf-8")
        except OSError as e:
            raise UserError(
                f"--json: cannot write {args.json} ({e.strerror or e.__class__.__name__})"
            ) from None
    return 0
