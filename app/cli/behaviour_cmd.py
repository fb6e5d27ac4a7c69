"""``storesight behaviour`` and ``storesight snapshot``: what people did, and a picture of their poses.

``behaviour`` prints, for a period, which shelves people reached into (per shelf, and per hour),
how long they stood, walked, sat and bent, and whether a consultation with staff went with more
visits to a checkout (the conversion uplift). ``snapshot`` analyses one frame of a video or
camera and writes a PNG with the zones, the people's boxes and their skeletons.
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import UserError

if TYPE_CHECKING:  # pandas, OpenCV and the store are imported only when a command runs
    import numpy as np
    import pandas as pd

EXIT_BAD_ARGS = 2


def add_parsers(
    sub: Any,
    add_common: Callable[[argparse.ArgumentParser], None],
    add_period: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add the ``behaviour`` and ``snapshot`` sub-commands to the CLI's sub-parsers."""
    b = sub.add_parser(
        "behaviour",
        help="print shelf engagement (reaches per shelf and hour), posture time and the consultation uplift",
    )
    add_period(b)
    from app.cli.options import add_json_option

    add_json_option(b)
    add_common(b)
    s = sub.add_parser("snapshot", help="draw one frame's people with their pose skeletons into a PNG")
    s.add_argument("source", help="video file, rtsp:// URL, USB camera index, or a camera id from the config")
    s.add_argument("--png", type=Path, required=True, help="write the picture to this PNG file")
    s.add_argument(
        "--at", type=float, default=0.0, help="seconds into the source (default 0: the first frame)"
    )
    s.add_argument("--config", type=Path, help="site config YAML (zones, detector and pose settings)")
    s.add_argument(
        "--camera", help="use this camera's zones and settings from the config (default: the first)"
    )
    add_common(s)


def shelf_table(totals: pd.DataFrame, hourly: pd.DataFrame, many_cameras: bool) -> str:
    """Shelves ranked by reaches, then reaches per shelf per hour."""
    from app.cli.stats_cmd import fmt_duration, table

    if totals.empty:
        return "(no reaches into shelf zones)"

    def label(cam: str, name: str) -> str:
        return f"{cam} / {name}" if many_cameras else str(name)

    rank = table(
        ["shelf", "reaches", "people", "mean reach", "total"],
        [
            (label(r.camera, r.name), r.reaches, r.people, fmt_duration(r.mean_s), fmt_duration(r.total_s))
            for r in totals.itertuples(index=False)
        ],
    )
    per_hour = table(
        ["hour", "shelf", "reaches", "people"],
        [
            (r.hour.strftime("%Y-%m-%d %H:00"), label(r.camera, r.name), r.reaches, r.people)
            for r in hourly.itertuples(index=False)
        ],
    )
    return f"{rank}\n\nper hour:\n{per_hour}"


def posture_table(df: pd.DataFrame, many_cameras: bool) -> str:
    """Time per posture with its share."""
    from app.cli.stats_cmd import fmt_duration, fmt_share, table

    if df.empty:
        return "(no posture intervals: is the pose module on?)"
    return table(
        ["posture", "time", "share", "people"],
        [
            (
                f"{r.camera} / {r.posture}" if many_cameras else r.posture,
                fmt_duration(r.seconds),
                fmt_share(r.share),
                r.people,
            )
            for r in df.itertuples(index=False)
        ],
    )


def uplift_table(df: pd.DataFrame) -> str:
    """Checkout share of visits with and without a consultation, and the difference."""
    from app.cli.stats_cmd import fmt_share, table

    if df.empty:
        return "(no visits)"
    rows = []
    for r in df.itertuples(index=False):
        up = "-" if not math.isfinite(r.uplift_pp) else f"{r.uplift_pp:+.0f} pp"
        rows.append(
            (
                r.camera,
                r.visits,
                f"{r.consulted_checkout}/{r.consulted} ({fmt_share(r.consulted_share)})",
                f"{r.other_checkout}/{r.other} ({fmt_share(r.other_share)})",
                up if r.has_checkout else "no checkout zone",
            )
        )
    text = table(["camera", "visits", "consulted → checkout", "not consulted → checkout", "uplift"], rows)
    if int(df.consulted.sum()) == 0:
        text += "\n(no consultations: they need staff/customer roles for the tracks)"
    return text


def cmd_behaviour(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight behaviour``: shelf engagement, posture time and consultation uplift for a period."""
    from app.cli.stats_cmd import ROLE_WORDS, describe_period, fmt_share, open_db, resolve_period
    from app.store import behaviour_stats, metrics, stats
    from app.store.metrics import json_value

    store = open_db(args.db)
    try:
        cams = stats.cameras(store, args.camera)
        since, until, tz = resolve_period(store, args, args.camera)
        period = describe_period(since, until, tz, stats.data_span(store, args.camera))
        hourly = behaviour_stats.shelf_engagement(
            store, since, until, camera=args.camera, role=args.role, tz=tz
        )
        postures = behaviour_stats.posture_time(store, since, until, camera=args.camera, role=args.role)
        uplift = behaviour_stats.consultation_uplift(store, since, until, camera=args.camera)
        conv = metrics.conversion(store, since, until, camera=args.camera)
    finally:
        store.close()
    empty = hourly.empty and postures.empty and (uplift.empty or int(uplift.consulted.sum()) == 0)
    if args.json:
        from app.cli.stats_cmd import print_json
        from app.store.metrics import json_records

        body = {
            "camera": args.camera,
            "no_data": bool(empty),
            "numbers": {k: json_value(v) for k, v in conv.items()},
            "shelves": json_records(hourly.attrs["totals"]) if "totals" in hourly.attrs else [],
            "shelves_by_hour": json_records(hourly),
            "postures": json_records(postures),
            "consultations": json_records(uplift),
        }
        print_json("behaviour", since, until, tz, args.role, body)
        return 0
    many = len(cams) > 1
    print(f"StoreSight behaviour — {', '.join(sorted({c.site for c in cams}))}")
    print(f"cameras: {', '.join(f'{c.config_id} ({c.label})' for c in cams)}")
    print(f"period: {period}; times in {stats.timezone_name(tz)}")
    print(f"people: {ROLE_WORDS[args.role]}")
    if empty:
        who = f"camera {args.camera}" if args.camera else "any camera"
        print(
            f"\nno data: no behaviour data (reaches, postures, consultations) for {who} "
            f"({ROLE_WORDS[args.role]}) in this period; turn on modules.pose for the camera"
        )
        return 0
    sections = [
        ("Shelf engagement (a hand in a shelf zone)", shelf_table(hourly.attrs["totals"], hourly, many)),
        ("Posture (time people spent in each)", posture_table(postures, many)),
        (
            "Consultations and checkout (customers' visits that came in and reached a checkout zone after "
            "talking to staff, vs. visits without a consultation)",
            uplift_table(uplift)
            + f"\nconversion of every visit that came in (as in storesight stats): {conv['went_to_checkout']}/"
            f"{conv['came_in']} ({fmt_share(conv['conversion'])})",
        ),
    ]
    for title, body in sections:
        print(f"\n{title}\n{body}")
    return 0


# --- snapshot ---------------------------------------------------------------------------------


def _grab(camera: Any, at: float, stop: threading.Event) -> Any:
    """The first frame at least ``at`` seconds into the source."""
    from app.engine.sources import make_source

    source = make_source(camera, fail_fast=True)
    try:
        source.open_check()
        first = None
        for frame in source.frames(stop):
            if first is None:
                first = frame.ts
            if frame.ts - first >= at:
                return frame
    finally:
        source.close()
    raise UserError(f"--at: the source ends before {at:g} s", EXIT_BAD_ARGS)


def snapshot_picture(frame: Any, dets: Any, camera: Any, *, min_score: float = 0.3) -> np.ndarray:
    """The frame with the camera's zones, people's boxes, skeletons and non-upright postures."""
    import cv2
    import numpy as np

    from analytics.geometry import to_pixels
    from analytics.pose import body_measures
    from analytics.posture import Posture, classify_posture
    from app.engine.overlay import draw_people, draw_polygons

    w, h = frame.width, frame.height
    polys = [to_pixels(z.points, w, h) for z in camera.zones if not z.type.is_line]
    names = [z.label for z in camera.zones if not z.type.is_line]
    img = draw_polygons(frame.image, polys, names=names)
    for z in camera.zones:
        if z.type.is_line:
            a, b = to_pixels(z.points, w, h).round().astype(int)
            cv2.arrowedLine(
                img, tuple(a.tolist()), tuple(b.tolist()), (80, 80, 255), 2, cv2.LINE_AA, tipLength=0.03
            )
    labels: dict[int, str] = {}
    if dets.keypoints is not None:
        for i in range(len(dets)):
            p = classify_posture(body_measures(dets.keypoints[i], min_score=min_score), None)
            if p in (Posture.SITTING, Posture.BENDING):
                labels[i] = p.value
    shown = dets.__class__(dets.xyxy, dets.confidence, dets.class_id, np.arange(len(dets)), dets.keypoints)
    return draw_people(img, shown, labels=labels, min_score=min_score)


def cmd_snapshot(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight snapshot SOURCE --png FILE``: one frame with skeletons drawn."""
    import cv2

    from app.cli.commands import default_config, resolve_camera
    from app.cli.stats_cmd import check_output, write_atomic
    from app.config import CameraConfig, load_config
    from app.engine.pipeline import camera_class_ids, keep_camera_detections
    from app.engine.pose_stage import make_pose_stage
    from app.engine.runner import choose_detector

    if args.at < 0:
        raise UserError("--at must be ≥ 0", EXIT_BAD_ARGS)
    out = check_output(args.png, "--png")
    cfg = load_config(args.config) if args.config else default_config()
    camera = resolve_camera(cfg, args.source, args.camera)
    data = camera.model_dump()
    data["modules"]["pose"].update(enabled=True, every=1, zone_types=[])
    camera = CameraConfig.model_validate(data)
    frame = _grab(camera, args.at, stop)
    choice = choose_detector(cfg, camera)
    print(f"detector: {choice.reason}", file=sys.stderr)
    stage = make_pose_stage(cfg, camera, choice.backend)
    assert stage is not None
    print(f"pose: {stage.reason}", file=sys.stderr)
    dets = choice.backend.predict(frame.image)
    eff = cfg.effective(camera)
    dets = keep_camera_detections(dets, camera_class_ids(choice.backend, eff.classes), eff.confidence or 0)
    stage.process(frame, dets)
    pic = snapshot_picture(frame, dets, camera, min_score=camera.modules.pose.min_score)
    ok, buf = cv2.imencode(".png", pic)
    if not ok:
        raise UserError("cannot encode the PNG picture")
    write_atomic(out, buf.tobytes())
    seen = (
        int((dets.keypoints[:, :, 2].max(axis=1) >= camera.modules.pose.min_score).sum()) if len(dets) else 0
    )
    print(f"snapshot: {out} ({frame.width}x{frame.height}, {len(dets)} people, {seen} with keypoints)")
    return 0
