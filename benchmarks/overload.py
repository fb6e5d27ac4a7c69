"""Overload: a live camera sending frames faster than the detector analyses them (issue 19).

A real RTSP stream (the local GStreamer test server, the demo video's people at 25 fps, 768x576)
is analysed by the real pipeline, detector and store for a while. The pipeline must drop the
oldest frames and count them (never queue them up), so memory stays flat however long it runs.

Prints one line per sample (seconds, RSS, frames delivered by the camera, taken by the pipeline,
analysed, dropped) and a summary. Run on a loaded machine, the rates are noisy; what matters is that
RSS does not grow with the frames dropped.

Usage:
    PYTHONPATH=$PWD python benchmarks/overload.py [--seconds 40] [--fps 25]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class OverloadResult:
    """What :func:`run_overload` measured.

    Attributes:
        samples: (seconds since start, RSS in MB, delivered, taken, analysed, dropped) per sample.
        delivered: frames the camera source delivered.
        taken: frames the pipeline took from its buffer.
        analysed: frames the detector ran on.
        dropped: frames dropped because the analysis was busy (the pipeline's counter).
        status: the run's status at the end.
    """

    samples: list[tuple[float, float, int, int, int, int]] = field(default_factory=list)
    delivered: int = 0
    taken: int = 0
    analysed: int = 0
    dropped: int = 0
    status: str = ""


def run_overload(url: str, seconds: float, out: Path, sample_every: float = 1.0) -> OverloadResult:
    """Analyse the live stream at ``url`` for ``seconds`` and sample memory and counters.

    Args:
        url: the RTSP stream.
        seconds: how long to run once frames flow (wall clock).
        out: folder for the database and photos.
        sample_every: seconds between samples.

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
        state["taken"] = int(state["taken"]) + 1  # type: ignore[call-overload]
        state["analysed"] = int(state["analysed"]) + int(getattr(fr, "analysed", False))  # type: ignore[call-overload]
        now = time.monotonic()
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
            res = run_overload(srv.url, args.seconds, folder)
        finally:
            srv.close()
    print(f"uptime: {os.popen('uptime').read().strip()}")
    print(f"{'t (s)':>6} {'RSS MB':>7} {'delivered':>9} {'taken':>6} {'analysed':>8} {'dropped':>7}")
    for t, rss, d, tk, a, dr in res.samples[:: max(1, len(res.samples) // 20)]:
        print(f"{t:6.1f} {rss:7.1f} {d:9d} {tk:6d} {a:8d} {dr:7d}")
    print(
        f"end: status {res.status}; delivered {res.delivered}, taken {res.taken}, analysed {res.analysed}, "
        f"dropped {res.dropped} (the pipeline's counter)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
