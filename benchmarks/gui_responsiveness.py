"""How responsive the GUI thread stays while cameras play (the live grid with overlays).

Opens the real main window on a scratch site with N cameras (all the demo video, played in real
time and looping, analysed by the real detector), starts the analysis and, for ``--seconds``,
measures on the GUI thread:

* the event loop: a 10 ms QTimer records when it actually fires; late ticks mean the GUI thread
  was busy (a click would have waited that long);
* the tiles' paint time (frame → QImage, scaled draw, overlays) and how many frames they showed;
* the grid's poll of the engine's snapshots (every 66 ms).

Runs offscreen unless a display is available (``QT_QPA_PLATFORM`` decides).

    .venv/bin/python benchmarks/gui_responsiveness.py --cameras 2 --seconds 60
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cameras", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=0, help="detector CPU threads (0: all cores)")
    args = ap.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QTimer

    from app.gui.app import build_window, make_application, resolve_setup
    from app.gui.camera_tile import CameraTile

    paints: list[float] = []
    original_paint = CameraTile.paintEvent

    def timed_paint(self, event):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        original_paint(self, event)
        paints.append((time.perf_counter() - t0) * 1000)

    CameraTile.paintEvent = timed_paint  # type: ignore[method-assign]

    with tempfile.TemporaryDirectory(prefix="storesight-guibench-") as tmp:
        tmpd = Path(tmp)
        shutil.copy(ROOT / "resources" / "demo" / "vtest.avi", tmpd / "vtest.avi")
        site = yaml.safe_load((ROOT / "resources" / "demo" / "site.yaml").read_text())
        base = site["cameras"][0]
        site["cameras"] = [dict(base, id=f"cam{i + 1}", name=f"Camera {i + 1}") for i in range(args.cameras)]
        if args.threads:
            site["detector"]["threads"] = args.threads
        (tmpd / "site.yaml").write_text(yaml.safe_dump(site))
        app = make_application()
        setup = resolve_setup(tmpd / "site.yaml", f"sqlite:///{tmpd / 'bench.db'}")
        win = build_window(setup)
        win.resize(1440, 900)
        win.show()
        ctl = win.controller
        grid = win.cameras.grid
        polls: list[float] = []
        original_poll = grid.poll

        def timed_poll() -> int:
            t0 = time.perf_counter()
            n = original_poll()
            polls.append((time.perf_counter() - t0) * 1000)
            return n

        grid.timer.timeout.disconnect()
        grid.timer.timeout.connect(timed_poll)

        ctl.start(setup.config)
        t_start = time.monotonic()
        while not ctl.running and time.monotonic() - t_start < 120:
            app.processEvents()
            time.sleep(0.01)
        if not ctl.running:
            print("the analysis did not start", file=sys.stderr)
            return 1
        while any(s.frame is None for s in ctl.snapshots().values()) and time.monotonic() - t_start < 120:
            app.processEvents()
            time.sleep(0.01)
        paints.clear()
        polls.clear()
        counts0 = {t.camera_id: t.paint_count for t in grid.tiles() if t.camera_id}
        frames0 = {cid: s.state.frames for cid, s in ctl.snapshots().items()}
        seq0 = {cid: s.seq for cid, s in ctl.snapshots().items()}

        ticks: list[float] = []
        tick = QTimer()
        tick.setInterval(10)
        tick.timeout.connect(lambda: ticks.append(time.perf_counter()))
        tick.start()
        result: dict[str, dict[str, int]] = {}

        def finish() -> None:  # read the counters before quitting: Qt 6 closes the window on quit
            tick.stop()
            snaps = ctl.snapshots()
            result["shown"] = {
                t.camera_id: t.paint_count - counts0.get(t.camera_id, 0) for t in grid.tiles() if t.camera_id
            }
            result["decoded"] = {cid: s.state.frames - frames0.get(cid, 0) for cid, s in snaps.items()}
            result["analysed"] = {cid: s.seq - seq0.get(cid, 0) for cid, s in snaps.items()}
            app.quit()

        QTimer.singleShot(round(args.seconds * 1000), finish)
        app.exec()  # the real event loop, as when a person uses the window
        shown, decoded, analysed = result["shown"], result["decoded"], result["analysed"]
        backend = ctl.detector.backend.description if ctl.detector else "?"
        ctl.stop_blocking()
        win.close()
        setup.store.close()

    gaps = list(np.diff(ticks) * 1000) if len(ticks) > 1 else []
    late = [g - 10.0 for g in gaps]
    span = args.seconds
    print(f"GUI responsiveness: {args.cameras} cameras (demo video, real time, looping), {span:.0f} s")
    print(
        f"detector: {backend}; CPU cores: {os.cpu_count()}; Qt platform: {os.environ.get('QT_QPA_PLATFORM', 'native')}"
    )
    print()
    print("| GUI thread | p50 | p95 | p99 | max | n |")
    print("|---|---|---|---|---|---|")
    print(
        f"| 10 ms timer interval (ms) | {pct(gaps, 50):.1f} | {pct(gaps, 95):.1f} | {pct(gaps, 99):.1f} | "
        f"{max(gaps, default=float('nan')):.1f} | {len(gaps)} |"
    )
    print(
        f"| timer lateness (ms) | {pct(late, 50):.1f} | {pct(late, 95):.1f} | {pct(late, 99):.1f} | "
        f"{max(late, default=float('nan')):.1f} | {len(late)} |"
    )
    print(
        f"| tile paint (ms) | {pct(paints, 50):.2f} | {pct(paints, 95):.2f} | {pct(paints, 99):.2f} | "
        f"{max(paints, default=float('nan')):.2f} | {len(paints)} |"
    )
    print(
        f"| grid poll (ms) | {pct(polls, 50):.3f} | {pct(polls, 95):.3f} | {pct(polls, 99):.3f} | "
        f"{max(polls, default=float('nan')):.3f} | {len(polls)} |"
    )
    busy = (sum(paints) + sum(polls)) / (span * 1000) * 100
    print()
    print(f"GUI thread busy painting and polling: {busy:.1f} % of the time")
    print()
    print("| camera | decoded fps | analysed fps | shown fps |")
    print("|---|---|---|---|")
    for cid in sorted(decoded):
        print(
            f"| {cid} | {decoded[cid] / span:.1f} | {analysed[cid] / span:.1f} | {shown.get(cid, 0) / span:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
