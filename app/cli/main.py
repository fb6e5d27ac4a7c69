"""``storesight`` command line: analyze, demo, bench, stats, heatmap, queue, prune (and the GUI without arguments).

Every user mistake ends in one line on stderr and a non-zero exit code, never a traceback:
exit 2 for a bad config or arguments, 3 for a source that cannot be opened, 4 for an
analysis that did not reach the end of its source, 1 for anything else.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app import __version__
from app.cli.options import add_db_option
from app.errors import UserError

log = logging.getLogger("storesight")

EXIT_INCOMPLETE = 4
EXIT_INTERRUPTED = 130


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all sub-commands."""
    parser = argparse.ArgumentParser(
        prog="storesight",
        description="In-store video analytics: footfall, dwell, heatmaps, queues, staff — on your own cameras.",
    )
    parser.add_argument("--version", action="version", version=f"StoreSight {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    a = sub.add_parser("analyze", help="analyse a video file, RTSP stream or webcam into the database")
    a.add_argument("source", help="video file, rtsp:// URL, USB camera index, or a camera id from the config")
    a.add_argument("--config", type=Path, help="site config YAML (default: a plain one-camera config)")
    a.add_argument(
        "--camera", help="use this camera's zones and settings from the config (default: the first)"
    )
    a.add_argument("--db", help="database URL (default: from the config, else <out>/storesight.db)")
    a.add_argument("--out", type=Path, help="output folder for crops and the default database")
    a.add_argument("--mot", type=Path, help="also write every tracked box to this MOTChallenge CSV file (confidence 0: a person hidden for a moment, box interpolated)")
    a.add_argument("--no-progress", action="store_true", help="no progress bar")
    again = a.add_mutually_exclusive_group()
    again.add_argument(
        "--replace-run",
        action="store_true",
        help="the camera analysed this file before: delete that run (rows and photos) and analyse again",
    )
    again.add_argument(
        "--append", action="store_true", help="the camera analysed this file before: keep both runs (they add up)"
    )
    _add_common(a)

    d = sub.add_parser("demo", help="analyse the bundled demo video into a fresh demo database")
    d.add_argument(
        "--out", type=Path, default=Path("storesight-demo"), help="output folder (default: ./storesight-demo)"
    )
    d.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_common(d)

    from app.cli.bench_cmd import add_parser as add_bench_parser

    add_bench_parser(sub, _add_common)

    s = sub.add_parser(
        "stats", help="print footfall, occupancy peaks, dwell, visits and the funnel for a period"
    )
    _add_period(s, json=True)
    s.add_argument("--zone", help="only this zone or line (its id in the config)")
    _add_common(s)

    h = sub.add_parser(
        "heatmap", help="draw a camera's heatmap (and people's paths) for a period as PNG pictures"
    )
    _add_period(h, camera_required=True, json=True)
    h.add_argument("--png", type=Path, required=True, help="write the heatmap picture to this PNG file")
    h.add_argument("--paths", type=Path, help="also draw people's paths into this PNG file")
    h.add_argument(
        "--data-dir", type=Path, help="data folder holding backgrounds/ (default: the database file's folder)"
    )
    _add_common(h)

    g = sub.add_parser("gui", help="open the desktop window (also: storesight alone, on a display)")
    g.add_argument("--config", type=Path, help="site config YAML (default: site.yaml in the data folder)")
    add_db_option(g)
    g.add_argument("--service", metavar="URL", help="show this running `storesight serve` (token: $STORESIGHT_TOKEN) "
                   "instead of analysing in the window (default: the local one at http://127.0.0.1:8765 if it answers)")
    g.add_argument("--stores", type=Path, help="head office: a chain's stores file to switch between (docs/head-office.md)")
    g.add_argument(
        "--screenshot", type=Path, metavar="DIR", help="render every main screen into PNGs in DIR and exit"
    )
    g.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="with --screenshot: Qt's scale factor; 2 renders the live grid and dashboard as on a 4K "
        "monitor at 200%% (NAME-hidpi.png)",
    )
    g.add_argument(
        "--check",
        action="store_true",
        help="check that the window can open here (names a missing system library) and exit",
    )
    _add_common(g)

    from app.cli.queue_cmd import add_parser as add_queue_parser

    add_queue_parser(sub)
    from app.cli.report_cmd import add_parsers as add_report_parsers

    add_report_parsers(sub, _add_common)
    from app.cli.behaviour_cmd import add_parsers as add_behaviour_parsers

    add_behaviour_parsers(sub, _add_common, _add_period)
    from app.cli.staff_cmd import add_parsers as add_staff_parsers

    add_staff_parsers(sub, _add_common)
    from app.cli.prune_cmd import add_parser as add_prune_parser

    add_prune_parser(sub, _add_common)
    from app.cli.plates_cmd import add_parser as add_plates_parser

    add_plates_parser(sub, _add_common)
    from app.cli.serve_cmd import add_parser as add_serve_parser

    add_serve_parser(sub, _add_common)
    from app.cli.stores_cmd import add_parser as add_stores_parser

    add_stores_parser(sub, _add_common)
    from app.cli.faces_cmd import add_parser as add_faces_parser

    add_faces_parser(sub, _add_common)
    from app.cli.ppe_cmd import add_parser as add_ppe_parser

    add_ppe_parser(sub, _add_common)
    e = sub.add_parser(
        "eval-tracking",
        help="score a --mot tracking file against hand-labelled ground truth (IDF1, ID switches, MOTA)",
    )
    e.add_argument("--mot", type=Path, required=True, help="tracker output in MOTChallenge CSV")
    e.add_argument("--truth", type=Path, required=True, help="ground truth in MOTChallenge CSV")
    e.add_argument("--iou", type=float, default=0.5, help="IoU for a box to match (default 0.5)")
    e.add_argument(
        "--frames", metavar="A-B", help="score only the labelled frames A to B (1-based, inclusive)"
    )
    e.add_argument("--switches", action="store_true", help="also list every ID switch (frame, GT id, tracks)")
    from app.cli.doctor_cmd import add_parser as add_doctor_parser

    add_doctor_parser(sub, _add_common)
    from app.shelves.cli import add_parser as add_shelf_parser

    add_shelf_parser(sub, _add_common)
    from app.cli.secrets_cmd import add_parser as add_secrets_parser

    add_secrets_parser(sub, _add_common)
    from app.cli.users_cmd import add_parsers as add_users_parsers

    add_users_parsers(sub, _add_common)
    from app.modelhub.cli import add_parsers as add_model_parsers

    add_model_parsers(sub, _add_common)
    return parser


def _add_period(p: argparse.ArgumentParser, *, camera_required: bool = False, json: bool = False) -> None:
    """Options of the commands that read a period from the database (see :mod:`app.cli.options`)."""
    from app.cli.options import add_period_options

    add_period_options(p, camera_required=camera_required, json=json)


#: Commands that watch the stop event and end cleanly on the first Ctrl+C / SIGTERM; any other
#: command is interrupted at once by SIGTERM (it has nothing to finish).
GRACEFUL = frozenset({"analyze", "demo", "gui", "notify", "prune", "bench", "queue", "plates", "snapshot", "serve"})
EXIT_TERMINATED = 143


class _Signals:
    """Ctrl+C and SIGTERM (systemd, Docker, logout) stop the command the same way.

    The first one sets the stop event (an analysis ends its run as incomplete, writes what it has
    and exits 130 / 143); the second interrupts at once (the run is still closed as incomplete);
    a third exits without any more clean-up (the next start marks the run incomplete).
    """

    def __init__(self, stop: threading.Event, command: str | None) -> None:
        self.stop = stop
        self.graceful = command in GRACEFUL
        self.received: int | None = None
        self.count = 0
        self._old: dict[int, Any] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        """Put the old handlers back; after a stop signal, ignore more of them (the process is ending)."""
        for sig, old in self._old.items():
            signal.signal(sig, old if self.received is None else signal.SIG_IGN)

    @property
    def exit_code(self) -> int:
        return EXIT_TERMINATED if self.received == signal.SIGTERM else EXIT_INTERRUPTED

    def _handle(self, signum: int, frame: object) -> None:
        self.count += 1
        if self.received is None or signum == signal.SIGTERM:
            self.received = signum
        name = "Ctrl+C" if signum == signal.SIGINT else signal.Signals(signum).name
        if self.count >= 3:
            print(f"\nstoresight: {name} again: exiting now", file=sys.stderr)
            os._exit(self.exit_code)
        if self.count == 2 or (signum == signal.SIGTERM and not self.graceful):
            self.stop.set()
            raise KeyboardInterrupt
        print(f"\nstopping ({name})… (Ctrl+C again to abort)", file=sys.stderr)
        self.stop.set()


# Each sub-command's function as "module:function", imported only when chosen (the engine and pandas are heavy).
_HANDLERS: dict[str, str] = {
    "analyze": "app.cli.commands:cmd_analyze",
    "demo": "app.cli.commands:cmd_demo",
    "gui": "app.gui.launch:cmd_gui",
    "queue": "app.cli.queue_cmd:cmd_queue",
    "report": "app.cli.report_cmd:cmd_report",
    "notify": "app.cli.report_cmd:cmd_notify",
    "behaviour": "app.cli.behaviour_cmd:cmd_behaviour",
    "snapshot": "app.cli.behaviour_cmd:cmd_snapshot",
    "bench": "app.cli.bench_cmd:cmd_bench",
    "ppe": "app.cli.ppe_cmd:cmd_ppe",
    "eval-tracking": "app.cli.eval_cmd:cmd_eval_tracking",
    "shelf": "app.shelves.cli:cmd_shelf",
    "prune": "app.cli.prune_cmd:cmd_prune",
    "roles": "app.cli.staff_cmd:cmd_roles",
    "employees": "app.cli.staff_cmd:cmd_employees",
    "timesheet": "app.cli.staff_cmd:cmd_timesheet",
    "serve": "app.cli.serve_cmd:cmd_serve",
    "stores": "app.cli.stores_cmd:cmd_stores",
    "faces": "app.cli.faces_cmd:cmd_faces",
    "models": "app.modelhub.cli:cmd_models",
    "train": "app.modelhub.cli:cmd_train",
    "dataset": "app.modelhub.cli:cmd_dataset",
    "doctor": "app.cli.doctor_cmd:cmd_doctor",
    "users": "app.cli.users_cmd:cmd_users",
    "audit": "app.cli.users_cmd:cmd_audit",
    "secrets": "app.cli.secrets_cmd:cmd_secrets",
    "plates": "app.cli.plates_cmd:cmd_plates",
    "stats": "app.cli.stats_cmd:cmd_stats",
    "heatmap": "app.cli.stats_cmd:cmd_heatmap",
}
# ``bench`` with one of these options runs that benchmark instead (the first given, in this order).
_BENCH_BY_OPTION = (
    ("faces", "app.cli.faces_cmd:cmd_bench_faces"),
    ("ppe", "app.cli.ppe_cmd:cmd_bench_ppe"),
    ("plates", "app.cli.plates_cmd:cmd_bench_plates"),
)


def _handler(command: str, args: argparse.Namespace) -> Callable[[argparse.Namespace, threading.Event], int]:
    """The function of a sub-command (imported only when needed: the engine and pandas are heavy)."""
    import importlib

    target = _HANDLERS[command]
    if command == "bench":
        given = (t for option, t in _BENCH_BY_OPTION if getattr(args, option, None) not in (None, False))
        target = next(given, target)
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``storesight`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        from app.gui.launch import display_available

        if not display_available():  # a terminal without a screen: the commands are what it can use
            parser.print_help()
            print(
                "\nno display for the window here (DISPLAY/WAYLAND_DISPLAY are not set): run storesight on the "
                "computer's desktop, connect with a display (ssh -X, a remote desktop), or run it in a virtual "
                "one: xvfb-run storesight gui; the commands above work without one"
            )
            return 0
        args = parser.parse_args(["gui"])
    stop = threading.Event()
    signals = _Signals(stop, args.command)
    signals.install()
    try:
        if getattr(args, "db", None) is not None:
            from app.store.db import user_db_url

            args.db = user_db_url(args.db)
        from app.cli.access import check_command

        check_command(args)  # a login and the role's permission, once the database has accounts
        code = _handler(args.command, args)(args, stop)
        if signals.received is not None and code in (0, EXIT_INCOMPLETE):
            name = "Ctrl+C" if signals.received == signal.SIGINT else signal.Signals(signals.received).name
            print(f"storesight: stopped by {name}; what was done so far is kept", file=sys.stderr)
            return signals.exit_code
        return code
    except UserError as e:
        print(f"storesight: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        if signals.received == signal.SIGTERM:
            print("storesight: terminated (SIGTERM)", file=sys.stderr)
        else:
            print("storesight: interrupted", file=sys.stderr)
        return signals.exit_code
    except BrokenPipeError:  # output piped into `head` or a pager that quit: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # a database error no command expected: one line, never a traceback
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(e, SQLAlchemyError):
            raise
        from app.redaction import redact
        from app.store.db import is_locked_error

        if is_locked_error(e):
            print("storesight: error: the database is locked by another program; try again", file=sys.stderr)
        else:
            text = str(getattr(e, "orig", None) or e).strip().splitlines()
            print(
                f"storesight: error: database: {redact(text[0] if text else type(e).__name__)}",
                file=sys.stderr,
            )
        log.debug("database error", exc_info=True)
        return 1
    finally:
        signals.restore()


if __name__ == "__main__":
    sys.exit(main())
