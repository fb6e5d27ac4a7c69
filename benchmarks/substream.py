"""What reading a camera's substream saves: CPU of the frame source with and without ``detect_source``.

Starts two local RTSP streams (``tests/rtsp_server.py``, GStreamer, run by the system Python): a
"main stream" at 1920×1080 and a "substream" at 640×360, both 10 fps H.264, and reads each setting
for ``--seconds`` at 5 frames per second as the analysis would (no detector: only the source's own
cost is measured — decoding, colour conversion, and for the substream setting the main stream's
grab-only thread):

* ``main``: the camera's only stream, 1080p, every frame decoded, 5/s converted to BGR;
* ``sub + main for photos``: the substream analysed, the main stream grabbed alongside (decoded,
  not converted) for photos;
* ``sub + main, ring (lag 0.8 s)``: the same with the identity lag on: the main stream also keeps a
  ring of its recent pictures for the photos of held frames (converted to BGR about 5 times a second
  at 1080p: ``app/engine/mainstream.py``);
* ``sub only``: the substream alone (a camera without photos from the main stream).

Prints ``uptime`` and one row per setting: frames delivered, this process's CPU time per delivered
frame and CPU % (100 % = one core). The RTSP servers' own CPU (encoding) is not counted.

Usage:
    python benchmarks/substream.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _server(path: str, size: str) -> tuple[subprocess.Popen[str], str]:
    p = subprocess.Popen(["/usr/bin/python3", str(ROOT / "tests" / "rtsp_server.py"), "--port", "0", "--path", path,
                          "--size", size, "--fps", "10"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert p.stdout is not None
    line = p.stdout.readline()
    if not line.startswith("READY"):
        p.kill()
        raise SystemExit(
            f"the RTSP test server did not start ({line!r}); see tests/fixtures_rtsp.py for its packages"
        )
    return p, f"rtsp://127.0.0.1:{int(line.split()[1])}/{path}"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _measure(cam, seconds: float, lag: float = 0.0) -> tuple[int, float, float, tuple[int, int]]:  # type: ignore[no-untyped-def]
    from app.engine.sources import make_source

    src = make_source(cam, identity_lag=lag)
    stop = threading.Event()
    frames: list[tuple[int, int]] = []
    counted = [0]
    t_start = [0.0, 0.0]

    def read() -> None:
        for f in src.frames(stop):
            if len(frames) == 10:  # warm-up over (connection, FFmpeg probing): measure from here
                t_start[0], t_start[1] = time.monotonic(), _cpu()
            if len(frames) >= 10:
                counted[0] += 1
            frames.append((f.width, f.height))

    t = threading.Thread(target=read, daemon=True)
    t.start()
    end = time.monotonic() + seconds + 20
    while time.monotonic() < end and (not t_start[0] or time.monotonic() - t_start[0] < seconds):
        time.sleep(0.2)
    wall, cpu = time.monotonic() - t_start[0], _cpu() - t_start[1]
    stop.set()
    src.close()
    t.join(20)
    return counted[0], cpu, wall, frames[-1] if frames else (0, 0)


def main(argv: list[str] | None = None) -> int:
    """Run the three settings and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args(argv)
    from app.config import CameraConfig

    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    servers = [_server("main", "1920x1080"), _server("sub", "640x360")]
    (_, main_url), (_, sub_url) = servers
    try:
        settings = [
            ("main (1920x1080)", CameraConfig(id="m", source=main_url, fps=5), 0.0),
            ("sub + main for photos", CameraConfig(id="s", source=main_url, detect_source=sub_url, fps=5), 0.0),
            ("sub + main, ring (lag 0.8 s)", CameraConfig(id="r", source=main_url, detect_source=sub_url, fps=5), 0.8),
            ("sub only (640x360)", CameraConfig(id="o", source=sub_url, fps=5), 0.0),
        ]
        print("| setting | frames | size | CPU ms per frame | CPU % |")
        print("| --- | --- | --- | --- | --- |")
        for name, cam, lag in settings:
            n, cpu, wall, size = _measure(cam, args.seconds, lag)
            per = 1000 * cpu / n if n else float("nan")
            print(f"| {name} | {n} | {size[0]}x{size[1]} | {per:.1f} | {100 * cpu / wall:.0f} |", flush=True)
    finally:
        for p, _ in servers:
            p.kill()
            p.wait(10)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
