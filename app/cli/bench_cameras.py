"""``storesight bench --cameras N``: N live copies of the demo video through the live engine.

Every camera plays the demo video (or ``SOURCE``) in real time, looping, stamped with the wall
clock (:class:`~app.engine.playback.PlaybackSource`), at most ``--fps`` frames per second, with
the demo camera's zones and modules (pose off, like ``bench``); all of them share one detector and
one store writer in one :class:`~app.engine.engine.Engine` — exactly what ``storesight serve``
runs. The cameras start within milliseconds of each other: they see the same frames at about
the same moments (the worst case for a shared detector: every camera wants it at once).

After ``--warmup`` seconds (the detector loaded, every camera delivering), it measures for
``--seconds``:

* per camera the frames processed per second and the **frame-to-event latency** of each analysed
  frame: from the frame's timestamp (the moment it was due, wall clock) to the moment its
  detections, tracking and module events were done and handed to the store writer;
* the process's CPU time over the window (``CPU 150 %`` = one and a half cores busy, like ``top``)
  and its resident memory at the end.

A camera is **held** when it processed at least 90 % of ``--fps`` and its p95 latency is at most
``--max-latency`` seconds plus the site's ``tracker.identity_lag`` (the results are held that long on
purpose, so that short ID switches are mended first; see ``docs/tracking.md``). The last line printed is
``cameras held: K of N at F fps each, p95 frame-to-event latency X s, CPU Y %, RSS Z MB``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from app.cli.bench_cmd import bench_site
from app.cli.commands import demo_config_path, resolve_camera
from app.config import CameraConfig, SiteConfig, load_config
from app.engine.engine import Engine
from app.engine.pipeline import FrameResult
from app.errors import UserError


def add_options(b: argparse.ArgumentParser) -> None:
    """The ``--cameras`` options of ``bench``."""
    g = b.add_argument_group("many cameras (storesight bench --cameras N)")
    g.add_argument(
        "--cameras", type=int, default=0, help="play N live copies of the video through the service"
    )
    g.add_argument(
        "--seconds", type=float, default=30.0, help="with --cameras: seconds measured (default 30)"
    )
    g.add_argument(
        "--fps", type=float, default=5.0, help="with --cameras: frames per second per camera (default 5)"
    )
    g.add_argument(
        "--warmup", type=float, default=5.0, help="with --cameras: seconds before measuring (default 5)"
    )
    g.add_argument(
        "--precision",
        choices=["float", "int8"],
        help="with --cameras: detector precision (default: the config's)",
    )
    g.add_argument("--motion-gating", action="store_true", help="with --cameras: detect only on motion")
    g.add_argument(
        "--detect-fps",
        type=float,
        help="with --cameras: detections per second per camera (default: every frame)",
    )
    g.add_argument(
        "--resolution", help="with --cameras: resize every frame to WxH first, e.g. 1920x1080 (GPU boxes)"
    )
    g.add_argument(
        "--max-latency",
        type=float,
        default=0.5,
        help="with --cameras: p95 latency a held camera stays under (0.5 s), on top of the site's "
        "tracker.identity_lag",
    )


def _rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def bench_cameras_site(cfg: SiteConfig, args: argparse.Namespace) -> SiteConfig:
    """The site of N copies of the bench's camera with the command line's settings."""
    base = resolve_camera(cfg, args.source or str(demo_config_path().parent / "vtest.avi"), None)
    data = base.model_dump()
    data["modules"]["pose"]["enabled"] = False
    data.update(fps=args.fps, detect_fps=args.detect_fps, motion_gating=args.motion_gating, stride=1)
    data["start_time"] = None
    if args.resolution:
        try:
            w, h = (int(v) for v in args.resolution.lower().split("x"))
        except ValueError:
            raise UserError(
                f"--resolution: expected WxH, e.g. 1920x1080, got {args.resolution!r}", 2
            ) from None
        data["resolution"] = (w, h)
    cams = [
        CameraConfig.model_validate({**data, "id": f"cam{i + 1:02d}", "name": f"Camera {i + 1}"})
        for i in range(args.cameras)
    ]
    site = cfg.model_copy(update={"cameras": cams})
    if args.precision:
        site = site.model_copy(
            update={"detector": site.detector.model_copy(update={"precision": args.precision})}
        )
    return site


def run_cameras(args: argparse.Namespace, stop: threading.Event) -> int:
    """Run the bench (see the module's text) and print its report; 0, or 4 when interrupted."""
    if not 1 <= args.cameras <= 256:
        raise UserError("--cameras must be between 1 and 256", 2)
    if args.seconds <= 0 or args.fps <= 0 or args.warmup < 0 or args.max_latency <= 0:
        raise UserError("--seconds, --fps and --max-latency must be > 0, --warmup ≥ 0", 2)
    if args.detect_fps is not None and args.detect_fps <= 0:
        raise UserError("--detect-fps must be > 0", 2)
    cfg = load_config(args.config) if args.config else load_config(demo_config_path())
    site = bench_cameras_site(bench_site(cfg, args), args)
    lat: dict[str, list[float]] = defaultdict(list)
    frames: dict[str, int] = defaultdict(int)
    measuring = threading.Event()

    def on_frame(cam: str, res: FrameResult) -> None:
        if not measuring.is_set():
            return
        frames[cam] += 1
        if res.analysed:
            lat[cam].append(time.time() - res.frame.ts)

    print(os.popen("uptime").read().strip() or f"load average: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="storesight-bench-cams-") as tmp:
        engine = Engine(
            site, db_url=f"sqlite:///{Path(tmp) / 'bench.db'}", data_dir=Path(tmp), on_frame=on_frame
        )
        engine.start()
        try:
            print(f"detector: {engine.backend}")
            if stop.wait(args.warmup):
                return 4
            measuring.set()
            t0, c0 = time.monotonic(), _cpu_s()
            stop.wait(args.seconds)
            measuring.clear()
            wall, cpu = time.monotonic() - t0, _cpu_s() - c0
            rss = _rss_mb()
            snaps = engine.snapshots()
            gated = sum(s.gated for s in snaps.values())
            analysed_total = sum(s.frames for s in snaps.values())
        finally:
            engine.stop()
    if stop.is_set() and wall < args.seconds * 0.9:
        return 4
    return _report(args, site, lat, frames, wall, cpu, rss, gated, analysed_total)


def _report(
    args: argparse.Namespace,
    site: SiteConfig,
    lat: dict[str, list[float]],
    frames: dict[str, int],
    wall: float,
    cpu: float,
    rss: float,
    gated: int,
    total: int,
) -> int:
    held = 0
    print(f"{'camera':<8} {'fps':>6} {'p50 s':>7} {'p95 s':>7} {'held':>5}")
    for cam in (c.id for c in site.cameras):
        fps = frames.get(cam, 0) / wall
        ls = lat.get(cam, [])
        p50 = float(np.percentile(ls, 50)) if ls else float("nan")
        p95 = float(np.percentile(ls, 95)) if ls else float("nan")
        ok = fps >= 0.9 * args.fps and bool(ls) and p95 <= args.max_latency + site.tracker.identity_lag
        held += ok
        print(f"{cam:<8} {fps:>6.2f} {p50:>7.3f} {p95:>7.3f} {'yes' if ok else 'no':>5}")
    every = [x for v in lat.values() for x in v]
    p95_all = float(np.percentile(every, 95)) if every else float("nan")
    det = f"{args.detect_fps:g}/s" if args.detect_fps else "every frame"
    print(
        f"settings: precision {site.detector.precision}, motion gating {'on' if args.motion_gating else 'off'}, "
        f"detection {det}, identity lag {site.tracker.identity_lag:g} s (in the latency); detector skipped on "
        f"{gated} of {total} frames for lack of motion"
    )
    print(f"measured {wall:.1f} s after {args.warmup:g} s of warm-up; {os.cpu_count()} CPUs; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    done = sum(frames.values())
    if done and cpu > 0:
        # Load-independent view: what one frame costs this process in CPU time, and how many cameras
        # the machine's cores could carry at that cost if nothing else ran (no headroom counted).
        ms = 1000 * cpu / done
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        print(
            f"CPU time per processed frame: {ms:.1f} ms → {cores} idle cores could carry about "
            f"{cores * 1000 / (ms * args.fps):.1f} cameras at {args.fps:g} fps (upper bound from CPU time)"
        )
    print(
        f"cameras held: {held} of {args.cameras} at {args.fps:g} fps each, p95 frame-to-event latency "
        f"{p95_all:.2f} s, CPU {100 * cpu / wall:.0f} %, RSS {rss:.0f} MB"
    )
    return 0
