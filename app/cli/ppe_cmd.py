"""``storesight ppe check IMAGE…`` and ``storesight bench --ppe``.

``ppe check`` finds the people on each picture (the detector: YOLO from the model folder, else
the built-in NanoDet), their pose (MoveNet) and their helmet and vest (the PPE backend: a YOLO PPE
model from the model folder, else the built-in colour classifier), and prints one line per
person: picture, person number, box, helmet yes/no/unknown and vest yes/no/unknown with their
confidence. ``--json`` prints one JSON object per person. A picture that cannot be read is
reported on stderr and the exit code is 3.

``bench --ppe`` scores the built-in backend (or the model folder's YOLO PPE model) on the rendered
evaluation set (:mod:`models.ppe.synth`): the tuning seed on the tuning people, and a held-out seed
on other people; then runs the demo video with the whole frame as a PPE zone (nobody there wears
PPE) and counts violations and "wears it" decisions per hour.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.cli.options import add_pictures_action
from app.errors import UserError

EXIT_UNREADABLE = 3
MEANINGS = ("helmet", "no_helmet", "vest", "no_vest", "ignore")


def add_parser(
    sub: argparse._SubParsersAction, add_common: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Register ``storesight ppe``."""
    p = sub.add_parser("ppe", help="PPE: helmet and hi-vis vest of the people on pictures")
    psub = p.add_subparsers(dest="ppe_command", metavar="ACTION")
    c = add_pictures_action(
        psub,
        "check",
        help="helmet and vest of each person on each picture (one line per person)",
        json_help="one JSON object per person instead of text",
    )
    add_backend_options(c)
    add_common(c)


def add_backend_options(p: argparse.ArgumentParser) -> None:
    """The PPE backend's options (``ppe check`` and ``bench --ppe``)."""
    p.add_argument(
        "--ppe-backend",
        choices=["auto", "yolo", "colour"],
        default="auto",
        help="auto: a YOLO PPE model (ppe.pt) from --model-dir when present, else the built-in colour classifier",
    )
    p.add_argument("--model-dir", help="model folder (default: the data folder's models/)")
    p.add_argument("--ppe-weights", help="YOLO PPE model file name in the model folder (default ppe.pt)")
    p.add_argument(
        "--class-map",
        action="append",
        default=[],
        metavar="CLASS=MEANING",
        help="what a YOLO class means: helmet, no_helmet, vest, no_vest or ignore (repeatable)",
    )


def add_bench_options(b: argparse.ArgumentParser) -> None:
    """``storesight bench --ppe`` options (added to the bench parser)."""
    b.add_argument(
        "--ppe",
        action="store_true",
        help="PPE precision/recall (helmet, vest per person) on rendered people, false violations per hour "
        "on the demo video",
    )
    b.add_argument("--ppe-seeds", default="1,2", metavar="TUNE,HELDOUT", help="render seeds (default 1,2)")
    b.add_argument("--ppe-video", action=argparse.BooleanOptionalAction, default=True,
                   help="also run the demo video (default on)")  # fmt: skip


def _class_map(items: list[str]) -> dict[str, str]:
    out = {}
    for it in items:
        name, sep, meaning = it.rpartition("=")
        if not sep or not name or meaning not in MEANINGS:
            raise UserError(
                f"--class-map {it!r}: expected CLASS=MEANING with MEANING one of {', '.join(MEANINGS)}", 2
            )
        out[name] = meaning
    return out


def _backend(args: argparse.Namespace):
    from app.paths import model_dir
    from models.base import BackendUnavailable
    from models.ppe.backend import create_ppe_backend

    folder = getattr(args, "model_dir", None) or str(model_dir())
    try:
        return create_ppe_backend(
            args.ppe_backend,
            folder,
            weights=args.ppe_weights,
            class_map=_class_map(args.class_map),
            device="cpu",
        )
    except BackendUnavailable as e:
        raise UserError(f"ppe: {e}", 2) from None


def cmd_ppe(args: argparse.Namespace, stop: threading.Event) -> int:
    """Dispatch ``storesight ppe ACTION``."""
    if args.ppe_command == "check":
        return cmd_check(args, stop)
    raise UserError("storesight ppe: give an action: check", 2)


def _people_finder(model_folder: str | None):
    from models.base import DetectorSettings
    from models.pose import MoveNetBackend, PoseSettings
    from models.registry import create_detector

    det = create_detector("auto", DetectorSettings(confidence=0.4, model_dir=model_folder, device="cpu"))
    return det.backend, MoveNetBackend(PoseSettings())


def cmd_check(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight ppe check``: one line (or JSON object) per person of each picture."""
    import cv2
    import numpy as np

    from analytics.ppe import decide
    from analytics.types import PERSON_CLASS

    choice = _backend(args)
    detector, pose = _people_finder(getattr(args, "model_dir", None))
    if args.verbose:
        print(f"ppe: {choice.reason}", file=sys.stderr)
    bad = 0
    for path in args.images:
        if stop.is_set():
            return 130
        img = cv2.imread(str(path)) if path.is_file() else None
        if img is None:
            print(f"{path}: cannot read this picture", file=sys.stderr)
            bad += 1
            continue
        dets = detector.predict(img)
        people = dets[dets.is_class(PERSON_CLASS)] if len(dets) else dets
        boxes = people.xyxy if len(people) else np.zeros((0, 4), np.float32)
        kps = pose.estimate(img, boxes) if len(boxes) else None
        results = choice.backend.check(img, boxes, kps) if len(boxes) else []
        if not results and not args.json:
            print(f"{path}\tno person found")
        for i, r in enumerate(results):
            (hs, hc), (vs, vc) = decide(r.helmet), decide(r.vest)
            box = [round(float(v), 1) for v in boxes[i]]
            if args.json:
                print(json.dumps({"image": str(path), "person": i + 1, "box": box,
                                  "score": round(float(people.confidence[i]), 4),
                                  "helmet": hs, "helmet_confidence": hc, "vest": vs, "vest_confidence": vc,
                                  "helmet_region": [round(float(v), 1) for v in r.regions.head],
                                  "torso_region": [round(float(v), 1) for v in r.regions.torso],
                                  "backend": choice.backend.type_key}))  # fmt: skip
            else:
                print(f"{path}\tperson {i + 1}\t{','.join(f'{v:.0f}' for v in box)}\t"
                      f"helmet {hs} ({hc:.2f})\tvest {vs} ({vc:.2f})")  # fmt: skip
    return EXIT_UNREADABLE if bad else 0


def _fmt(v: float) -> str:
    return "  n/a" if math.isnan(v) else f"{v:5.3f}"


def _table(title: str, scores: dict) -> list[str]:
    lines = [title, f"  {'item':<7} {'people':>6} {'wear':>5} {'precision':>9} {'recall':>7} "
                    f"{'no-prec':>7} {'no-rec':>7} {'unknown':>7}"]  # fmt: skip
    for item, s in scores.items():
        lines.append(f"  {item:<7} {s.n:>6} {s.positives:>5} {_fmt(s.precision):>9} {_fmt(s.recall):>7} "
                     f"{_fmt(s.no_precision):>7} {_fmt(s.no_recall):>7} {_fmt(s.unknown):>7}")  # fmt: skip
    return lines


def demo_video_run(after: float = 10.0, *, rendered: bool = False) -> dict[str, float]:
    """The demo video analysed with the whole frame as a PPE zone requiring helmet and vest.

    As it is, nobody in it wears PPE: every violation is a true one; a person voted as wearing an
    item is a false "wears it". ``rendered``: the same video with everyone the detector finds
    wearing a rendered vest and hard hat (:func:`models.ppe.synth.render_video`): every violation
    is a false one. Returns the hours analysed, the stays checked, violations, stays voted as
    wearing a helmet / vest, stays whose items stayed unknown and stays with a violation.
    """
    import cv2
    import yaml

    from app.cli.main import main as cli_main
    from app.resources import resources_dir
    from app.store.db import open_store
    from app.store.query import events

    src = resources_dir() / "demo" / "vtest.avi"
    with tempfile.TemporaryDirectory() as tmp:
        if rendered:
            from models.ppe.synth import render_video

            src = Path(tmp) / "vtest_ppe.avi"
            render_video(resources_dir() / "demo" / "vtest.avi", src)
        cfg = {
            "version": 1, "site": {"name": "PPE bench"},
            "detector": {"backend": "nanodet", "confidence": 0.4, "classes": ["person"]},
            "tracker": {"track_buffer": 3.0, "new_track_thresh": 0.5},
            "cameras": [{"id": "demo", "source": str(src), "start_time": "2026-11-20T10:00:00+00:00",
                         "zones": [{"id": "yard", "type": "ppe", "ppe_items": ["helmet", "vest"],
                                    "points": [[0, 0], [1, 0], [1, 1], [0, 1]]}],
                         "modules": {"ppe": {"enabled": True, "after": after}}}],
        }  # fmt: skip
        path = Path(tmp) / "site.yaml"
        path.write_text(yaml.safe_dump(cfg))
        url = f"sqlite:///{tmp}/ppe.db"
        cap = cv2.VideoCapture(str(src))
        hours = cap.get(cv2.CAP_PROP_FRAME_COUNT) / max(cap.get(cv2.CAP_PROP_FPS), 1e-6) / 3600.0
        cap.release()
        code = cli_main(
            ["analyze", str(src), "--config", str(path), "--db", url, "--out", tmp, "--no-progress"]
        )
        if code != 0:
            raise UserError(f"bench --ppe: analysing the demo video failed (exit {code})", code)
        from app.modules.ppe.events import PPE_CHECK, PPE_VIOLATION

        store = open_store(url)
        try:
            ev = events(store, [PPE_CHECK, PPE_VIOLATION])
        finally:
            store.close()
    checks = [p for t, p in zip(ev["type"], ev["payload"], strict=True) if t == "check"]
    return {
        "hours": hours,
        "stays": len(checks),
        "violations": int((ev["type"] == "violation").sum()),
        "helmet_yes": sum(1 for p in checks if p.get("helmet") == "yes"),
        "vest_yes": sum(1 for p in checks if p.get("vest") == "yes"),
        "unknown": sum(1 for p in checks if p.get("compliant") is None and not p.get("violation")),
        "violating_stays": sum(1 for p in checks if p.get("violation")),
    }


def cmd_bench_ppe(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight bench --ppe``: precision/recall per item and false violations per hour."""
    from models.pose import MoveNetBackend, PoseSettings
    from models.ppe.evaluate import evaluate, keypoints_for
    from models.ppe.synth import DEMO_VIDEO, SPLIT_FRAMES, collect_people, make_set

    try:
        tune_seed, test_seed = (int(s) for s in args.ppe_seeds.split(","))
    except ValueError:
        raise UserError("--ppe-seeds: expected two integers, e.g. 1,2", 2) from None
    args.ppe_backend = getattr(args, "ppe_backend", "auto")
    args.ppe_weights, args.class_map = getattr(args, "ppe_weights", None), getattr(args, "class_map", [])
    choice = _backend(args)
    pose = MoveNetBackend(PoseSettings(threads=1))
    t0 = time.perf_counter()
    out: dict = {"backend": choice.reason}
    print(f"PPE backend: {choice.reason}")
    for split, seed in (("tune", tune_seed), ("test", test_seed)):
        if stop.is_set():
            return 130
        people = collect_people(DEMO_VIDEO, SPLIT_FRAMES[split], photos=split == "test")
        samples = make_set(seed, split, people=people, copies=3)
        scores = evaluate(choice.backend, samples, keypoints_for(samples, pose))
        where = ("tuning people (demo frames < 400)" if split == "tune"
                 else "HELD-OUT people (demo frames >= 400 + package photos)")  # fmt: skip
        for line in _table(f"{split}: seed {seed}, {len(people)} real people x 3 renders, {where}", scores):
            print(line)
        out[split] = {"seed": seed, "people": len(people),
                      **{k: {f: getattr(v, f) for f in v.__slots__} for k, v in scores.items()}}  # fmt: skip
    print("  (precision/recall of 'wears it'; no-prec/no-rec: of 'does not wear it' = a violation's; "
          "unknown counts as neither)")  # fmt: skip
    if args.ppe_video and not stop.is_set():
        v = demo_video_run()
        out["demo_video"] = v
        h = v["hours"]
        print(f"demo video ({h * 3600:.0f} s, nobody wears PPE; whole frame a PPE zone requiring helmet + vest, "
              f"violation after 10 s):")  # fmt: skip
        print(f"  stays checked {v['stays']}, violations {v['violations']} ({v['violations'] / h:.0f}/h, all true), "
              f"stays left unknown {v['unknown']}")  # fmt: skip
        print(f"  false 'wears a helmet' {v['helmet_yes']} ({v['helmet_yes'] / h:.0f}/h), "
              f"false 'wears a vest' {v['vest_yes']} ({v['vest_yes'] / h:.0f}/h) of {v['stays']} stays")  # fmt: skip
        r = demo_video_run(rendered=True)
        out["demo_video_rendered_ppe"] = r
        h = r["hours"]
        print("the same video with everyone wearing a rendered vest and hard hat (models/ppe/synth.py render_video):")
        print(f"  stays checked {r['stays']}, FALSE VIOLATIONS {r['violations']} ({r['violations'] / h:.0f}/h), "
              f"stays with a violation {r['violating_stays']}, left unknown {r['unknown']}")  # fmt: skip
        print(f"  voted wearing a helmet {r['helmet_yes']}, a vest {r['vest_yes']} of {r['stays']} stays")
    load = os.getloadavg()
    print(f"{time.perf_counter() - t0:.0f} s; load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} cores")  # fmt: skip
    if getattr(args, "json", None):
        Path(args.json).write_text(json.dumps(out, indent=1, default=float))
    return 0
