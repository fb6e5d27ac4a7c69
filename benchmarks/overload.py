"""Overload: a live camera sending frames faster than the detector analyses them (issue 19).

A real RTSP stream (the local GStreamer test server, the demo video's people at 25 fps, 768x576)
is analysed by the real pipeline, detector and store for a while. The pipeline must drop the
oldest frames and count them (never queue them up), so memory stays flat however long it runs and
the frames analysed stay fresh (their age when the modules see them does not grow).

Whether a stream overloads the analysis depends on the machine: on a quiet 2-core box the built-in
NanoDet (416 px, float) detects in ~17 ms and the whole frame takes < 20 ms, so it keeps up with
50 fps. ``--min-frame-ms`` makes the run overloaded on any machine: the real detector runs on every
frame, then the call waits until that many milliseconds have passed (a slower machine's detector).

Prints one line per sample (seconds, RSS, frames delivered by the camera, taken by the pipeline,
analysed, dropped, age of the last analysed frame) and a summary. Run on a loaded machine, the
rates are noisy; what matters is that RSS does not grow with the frames dropped and the age stays
flat.

Usage:
    PYTHONPATH=$PWD python benchmarks/overload.py [--seconds 40] [--fps 25] [--min-frame-ms 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class OverloadResult:
    """What :func:`run_overload` measured.

    Attributes:
        samples: (seconds since start, RSS in MB, delivered, taken, analysed, dropped) per sample.
        ages: (seconds since start, age in seconds) of every analysed frame when the modules
            and ``on_frame`` see it (wall clock minus the frame's timestamp; includes the identity lag).
        delivered: frames the camera source delivered.
        taken: frames the pipeline took from its buffer.
        analysed: frames the detector ran on.
        dropped: frames dropped because the analysis was busy (the pipeline's counter).
        status: the run's status at the end.
    """

    samples: list[tuple[float, float, int, int, int, int]] = field(default_factory=list)
    ages: list[tuple[float, float]] = field(default_factory=list)
    delivered: int = 0
    taken: int = 0
    analysed: int = 0
    dropped: int = 0
    status: str = ""


@contextmanager
def paced_detector(min_frame_s: float) -> Iterator[None]:
    """While active, the engine's detector takes at least ``min_frame_s`` per frame (0: unchanged).

    The real detector runs on every frame as usual; the call then waits for the rest of
    ``min_frame_s``. The analysis is so never faster than ``1 / min_frame_s`` frames a second,
    whatever the machine: a camera faster than that overloads it deterministically.
    """
    if min_frame_s <= 0:
        yield
        return
    from app.engine import runner

    choose: Callable[..., runner.BackendChoice] = runner.choose_detector

    def choose_paced(*args: object, **kwargs: object) -> runner.BackendChoice:
        choice = choose(*args, **kwargs)
        predict = choice.backend.predict

        def paced(image: object) -> object:
            t0 = time.perf_counter()
            dets = predict(image)  # type: ignore[arg-type]
            time.sleep(max(0.0, min_frame_s - (time.perf_counter() - t0)))
            return dets

        choice.backend.predict = paced  # type: ignore[method-assign]
        return choice

    with mock.patch.object(runner, "choose_detector", choose_paced):
        yield


def run_overload(
    url: str, seconds: float, out: Path, sample_every: float = 1.0, min_frame_s: float = 0.0
) -> OverloadResult:
    """Analyse the live stream at ``url`` for ``seconds`` and sample memory, counters and frame ages.

    Args:
        url: the RTSP stream.
        seconds: how long to run once frames flow (wall clock).
        out: folder for the database and photos.
        sample_every: seconds between samples.
        min_frame_s: the detector takes at least this long per frame (:func:`paced_detector`; 0: as fast
            as it runs on this machine).

    Returns:
        The samples and the final counters.
    """
    from app.config import CameraConfig, SiteConfig, SiteInfo
    from app.engine import runner

    camera = CameraConfig(id="busy", source=url)
    site = SiteConfig(site=SiteInfo(name="overload"), cameras=[camera])
    stop = threading.Event()
    proc = psutil.Process()
    res = OverloadResult()
    t0 = time.monotonic()
    state: dict[str, object] = {"next": t0, "taken": 0, "analysed": 0, "source": None}

    def on_start(choice: object, source: object) -> None:
        state["source"] = source

    def on_frame(fr: object) -> None:
        age = time.time() - fr.frame.ts  # type: ignore[attr-defined]  # live frames carry the wall clock
        state["taken"] = int(state["taken"]) + 1  # type: ignore[call-overload]
        state["analysed"] = int(state["analysed"]) + int(getattr(fr, "analysed", False))  # type: ignore[call-overload]
        now = time.monotonic()
        if getattr(fr, "analysed", False):
            res.ages.append((now - t0, age))
        if now >= float(state["next"]):  # type: ignore[arg-type]
            state["next"] = now + sample_every
            src = state["source"]
            delivered = src.state.frames if src is not None else 0  # type: ignore[attr-defined]
            taken, analysed = int(state["taken"]), int(state["analysed"])  # type: ignore[call-overload]
            res.samples.append(
                (now - t0, proc.memory_info().rss / 2**20, delivered, taken, analysed, delivered - taken)
            )
        first = state.setdefault("first", now)  # the model loads first: count from the first frame
        if now - float(first) >= seconds:  # type: ignore[arg-type]
            stop.set()

    with paced_detector(min_frame_s):
        result = runner.analyze(
            site, camera, db_url=f"sqlite:///{out / 'overload.db'}", data_dir=out, stop=stop,
            on_frame=on_frame, on_start=on_start,
        )  # fmt: skip
    src = state["source"]
    res.delivered = src.state.frames if src is not None else 0  # type: ignore[attr-defined]
    res.taken = result.summary.frames
    res.analysed = result.summary.analysed
    res.dropped = result.summary.dropped
    res.status = result.summary.status
    return res


def main() -> int:
    """Start the RTSP test server, run the overload, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument(
        "--min-frame-ms", type=float, default=0.0, help="the detector takes at least this long a frame"
    )
    args = ap.parse_args()
    import cv2

    from tests.fixtures_rtsp import RtspTestServer

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cap = cv2.VideoCapture(str(ROOT / "resources" / "demo" / "vtest.avi"))
        for i in range(150):
            ok, frame = cap.read()
            if not ok:
                break
            cv2.imwrite(str(folder / f"f{i:04d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
        cap.release()
        srv = RtspTestServer(jpegs=str(folder / "f%04d.jpg"), fps=args.fps)
        srv.start()
        try:
            res = run_overload(srv.url, args.seconds, folder, min_frame_s=args.min_frame_ms / 1000)
        finally:
            srv.close()
    print(f"uptime: {os.popen('uptime').read().strip()}")
    print(
        f"{'t (s)':>6} {'RSS MB':>7} {'delivered':>9} {'taken':>6} {'analysed':>8} {'dropped':>7} {'age s':>6}"
    )
    for t, rss, d, tk, a, dr in res.samples[:: max(1, len(res.samples) // 20)]:
        age = next((s_age for t_age, s_age in reversed(res.ages) if t_age <= t), float("nan"))
        print(f"{t:6.1f} {rss:7.1f} {d:9d} {tk:6d} {a:8d} {dr:7d} {age:6.2f}")
    print(
        f"end: status {res.status}; delivered {res.delivered}, taken {res.taken}, analysed {res.analysed}, "
        f"dropped {res.dropped} (the pipeline's counter)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
