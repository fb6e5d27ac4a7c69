"""``storesight eval-tracking``: MOT metrics of a tracking file against ground truth."""

from __future__ import annotations

import argparse
import threading

from analytics.mot_eval import MotFormatError, MotMetrics, evaluate, read_mot
from app.errors import UserError

EXIT_BAD_ARGS = 2


def cmd_eval_tracking(args: argparse.Namespace, stop: threading.Event) -> int:
    """Print IDF1, ID switches, fragmentations, MOTA… of ``--mot`` against ``--truth``.

    Raises:
        UserError: a file that cannot be read or parsed, or an IoU outside (0, 1].
    """
    del stop
    if not 0 < args.iou <= 1:
        raise UserError(f"--iou must be in (0, 1], not {args.iou}", EXIT_BAD_ARGS)
    try:
        truth = read_mot(args.truth)
        mot = read_mot(args.mot, truth=False)
    except MotFormatError as e:
        raise UserError(str(e), EXIT_BAD_ARGS) from None
    if args.frames:
        try:
            a, b = (int(v) for v in str(args.frames).split("-", 1))
        except ValueError:
            raise UserError(f"--frames must look like 690-720, not {args.frames!r}", EXIT_BAD_ARGS) from None
        truth = {f: v for f, v in truth.items() if a <= f <= b}
        if not truth:
            raise UserError(f"--frames {args.frames}: no labelled frame in that range", EXIT_BAD_ARGS)
    shared = len(set(truth) & set(mot))
    print(
        f"truth: {args.truth} ({len(truth)} labelled frames); tracks: {args.mot} ({shared} of them have boxes)"
    )
    metrics = evaluate(truth, mot, iou=args.iou)
    print(metrics.table())
    if getattr(args, "switches", False):
        print(switch_list(metrics))
    return 0


def switch_list(metrics: MotMetrics) -> str:
    """The ID switches, one a line: ``frame  GT id  track before -> track after``."""
    if not metrics.switches:
        return "no ID switches"
    lines = ["ID switches (frame, GT id: track before -> after):"]
    lines += [f"  {f:6d}  GT {g:<4d} {a} -> {b}" for f, g, a, b in metrics.switches]
    return "\n".join(lines)
