"""``storesight shelf check`` (empty fraction per segment of still pictures) and ``storesight bench --shelf``."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import numpy as np

from app.errors import UserError

EXIT_BAD_ARGS = 2


def add_parser(sub: argparse._SubParsersAction, add_common) -> None:  # type: ignore[type-arg]
    """Add ``shelf`` and its ``check`` action."""
    p = sub.add_parser("shelf", help="shelf gaps: how empty each segment of a shelf is in pictures")
    ps = p.add_subparsers(dest="shelf_command", metavar="ACTION")
    c = ps.add_parser(
        "check",
        help="empty fraction per segment of pictures against a picture of the full shelf",
        description="Measure how empty each segment of a shelf is, in each IMAGE, against a picture of the "
        "same camera with the shelf full. Segments with a person in front are reported as hidden.",
    )
    c.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="pictures to measure (PNG/JPEG)")
    c.add_argument("--reference", type=Path, required=True, metavar="FULL.png", help="the full shelf, nobody in front")
    c.add_argument(
        "--zone",
        required=True,
        help='the shelf\'s 4 corners TL TR BR BL: "x1,y1 x2,y2 x3,y3 x4,y4" in pixels or 0–1 of the picture',
    )
    c.add_argument("--rows", type=int, default=1, help="shelf boards inside the zone (default 1)")
    c.add_argument("--columns", type=int, default=4, help="segments per row (default 4)")
    c.add_argument("--empty", type=Path, metavar="EMPTY.png", help="the shelf empty: learn the back panel's colour")
    c.add_argument("--no-people", action="store_true", help="do not look for people in front (faster)")
    c.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_common(c)
    r = ps.add_parser("report", help="gaps per shelf zone in a period: count, hours, restock time, lost-sales estimate")
    r.add_argument("--db", required=True, help="database URL, e.g. sqlite:///storesight-demo/storesight.db")
    r.add_argument("--camera", help="only this camera (config id)")
    r.add_argument("--from", dest="since", metavar="DATE", help="start: YYYY-MM-DD[THH:MM], site time")
    r.add_argument("--to", dest="until", metavar="DATE", help="end, exclusive; a date alone means the end of that day")
    add_common(r)
    f = ps.add_parser(
        "reference",
        help="capture the full-shelf reference of a shelf zone (kept in the data folder), list or forget it",
        description="Store the picture a shelf zone is measured against: the shelf full, nobody in front. "
        "Without --image one frame is read from the camera. It is kept in the data folder "
        "(shelves/CAMERA/ZONE.png), survives restarts, and a running analysis measures against a new one "
        "from its next measurement.",
    )
    f.add_argument("--config", required=True, type=Path, help="the site config (YAML)")
    f.add_argument("--zone", help="the shelf zone's id")
    f.add_argument("--camera", help="the camera's id (needed when several cameras have that zone)")
    f.add_argument("--image", type=Path, metavar="FULL.png", help="use this picture instead of the camera's")
    f.add_argument("--data-dir", type=Path, help="data folder (default: the config's storage.data_dir, else the "
                   "per-user one)")  # fmt: skip
    f.add_argument("--list", action="store_true", help="list the stored references")
    f.add_argument("--clear", action="store_true", help="forget the stored reference (captured again automatically)")
    f.add_argument("--force", action="store_true", help="store it even with a person in front of the shelf")
    f.add_argument("--no-people", action="store_true", help="do not look for people in front (faster)")
    add_common(f)


def parse_zone(text: str, width: int, height: int) -> np.ndarray:
    """``"x1,y1 x2,y2 x3,y3 x4,y4"`` → (4, 2) pixels; all values ≤ 1 are read as 0–1 of the picture."""
    try:
        pts = np.array([[float(v) for v in p.split(",")] for p in text.replace(";", " ").split()], np.float64)
    except ValueError:
        raise UserError(f'--zone: cannot read "{text}": give 4 corners as "x1,y1 x2,y2 x3,y3 x4,y4"', EXIT_BAD_ARGS) from None
    if pts.shape != (4, 2):
        raise UserError(f"--zone: need 4 corners (TL TR BR BL), got {len(pts)}", EXIT_BAD_ARGS)
    if (pts <= 1.0).all():
        pts = pts * [width, height]
    if (pts < 0).any() or (pts[:, 0] > width).any() or (pts[:, 1] > height).any():
        raise UserError(f"--zone: corners outside the {width}×{height} picture", EXIT_BAD_ARGS)
    a = 0.5 * abs(np.dot(pts[:, 0], np.roll(pts[:, 1], 1)) - np.dot(pts[:, 1], np.roll(pts[:, 0], 1)))
    if a < 100:
        raise UserError("--zone: the 4 corners enclose almost no area", EXIT_BAD_ARGS)
    return pts


def _read(path: Path, what: str, size: tuple[int, int] | None = None) -> np.ndarray:
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None
    if img is None:
        raise UserError(f"{what} {path}: not found or not a picture", 3)
    if size is not None and (img.shape[1], img.shape[0]) != size:
        raise UserError(
            f"{what} {path}: {img.shape[1]}×{img.shape[0]}, but the reference is {size[0]}×{size[1]} "
            "(use pictures of the same camera)",
            EXIT_BAD_ARGS,
        )
    return img


def cmd_shelf(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight shelf check`` / ``shelf report``."""
    action = getattr(args, "shelf_command", None)
    if action == "report":
        return cmd_report(args)
    if action == "reference":
        return cmd_reference(args)
    if action != "check":
        raise UserError("shelf: choose an action: check, report or reference", EXIT_BAD_ARGS)
    if args.rows < 1 or args.columns < 1 or args.rows > 12 or args.columns > 24:
        raise UserError("--rows must be 1–12 and --columns 1–24", EXIT_BAD_ARGS)
    from models.shelf import ClassicalShelfMeter, ShelfGeometry

    ref = _read(args.reference, "reference")
    size = (ref.shape[1], ref.shape[0])
    corners = parse_zone(args.zone, *size)
    empty = _read(args.empty, "empty example", size) if args.empty else None
    images = [(p, _read(p, "picture", size)) for p in args.images]
    geo = ShelfGeometry(corners, rows=args.rows, columns=args.columns)
    meter = ClassicalShelfMeter(geo, ref, empty_example=empty)
    detector = None if args.no_people else _people_detector()
    results = []
    for path, img in images:
        if stop.is_set():
            break
        boxes = np.zeros((0, 4), np.float32)
        if detector is not None:
            d = detector.predict(img)
            boxes = d.xyxy[d.is_class("person")]
        meter.forget()  # pictures are independent: no motion between them
        r = meter.measure(img, boxes)
        results.append(
            {
                "image": str(path),
                "people": len(boxes),
                "segments": [
                    {
                        "row": s // geo.columns + 1,
                        "column": s % geo.columns + 1,
                        "empty": None if not r.valid[s] else round(float(r.fraction[s]), 3),
                        "hidden": bool(not r.valid[s]),
                    }
                    for s in range(geo.segments)
                ],
            }
        )
    if args.json:
        json.dump({"rows": geo.rows, "columns": geo.columns, "backend": "classical", "images": results}, sys.stdout, indent=1)
        print()
        return 0
    for res in results:
        print(f"{res['image']}  ({res['people']} people in the picture)")
        for r_ in range(geo.rows):
            cells = res["segments"][r_ * geo.columns : (r_ + 1) * geo.columns]
            txt = "  ".join("hidden" if c["hidden"] else f"{c['empty']:>5.0%}" for c in cells)
            print(f"  row {r_ + 1}: {txt}")
    print("empty fraction per segment (left to right); hidden = a person in front, not measured")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``storesight shelf report``: one line per shelf zone."""
    from app.cli.stats_cmd import fmt_duration, open_db, resolve_period, table
    from app.shelves.stats import shelf_summary

    store = open_db(args.db)
    since, until, _ = resolve_period(store, args, args.camera)
    rows = shelf_summary(store, camera=args.camera, since=since, until=until)
    if not rows:
        print("no shelf gaps in this period")
        return 0
    body = []
    for z in rows:
        est = (
            "-" if z.lost_value is None
            else f"≈ {z.lost_value:,.2f} (from {z.shoppers} shoppers, conversion {z.conversion:.0%}, "
            f"purchase {z.basket_value:,.2f})"
        )  # fmt: skip
        body.append([z.camera, z.zone, z.gaps, z.open_gaps, z.open_now, f"{z.gap_hours:.2f}",
                     fmt_duration(z.restock_median_s), est])  # fmt: skip
    print(table(["camera", "shelf", "gaps", "not refilled", "open now", "gap hours", "restock (median)",
                 "lost sales (estimate)"], body))  # fmt: skip
    print("gap hours: segment-hours (one segment empty for 1 h = 1). Lost sales is an estimate from your conversion "
          "and purchase value, per gap: gap's share of the shelf × shoppers at the shelf during it.")  # fmt: skip
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    """``storesight shelf reference``: capture (from the camera or --image), list or forget a zone's reference."""
    import datetime as dt

    from app.config import ZoneType, load_config
    from app.paths import data_dir
    from app.shelves import references as refs

    cfg = load_config(args.config)
    folder = Path(args.data_dir).expanduser() if args.data_dir else data_dir(cfg.storage.data_dir)
    if args.list:
        rows = refs.list_references(folder, args.camera)
        if not rows:
            print(f"no shelf references stored in {folder / refs.FOLDER}")
        for r in rows:
            when = dt.datetime.fromtimestamp(r.captured_at).astimezone().strftime("%Y-%m-%d %H:%M")
            print(f"{r.camera}/{r.zone}: {r.width}×{r.height}, captured {when} ({r.source or '?'})  {r.path}")
        return 0
    if not args.zone:
        raise UserError("shelf reference: give --zone (or --list)", EXIT_BAD_ARGS)
    cams = [c for c in cfg.cameras if (args.camera is None or c.id == args.camera)
            and any(z.id == args.zone for z in c.zones)]  # fmt: skip
    if not cams:
        where = f"camera {args.camera}" if args.camera else "any camera"
        raise UserError(f"--zone {args.zone}: no such zone on {where} of {args.config}", EXIT_BAD_ARGS)
    if len(cams) > 1:
        raise UserError(f"--zone {args.zone} is on cameras {', '.join(c.id for c in cams)}: give --camera", EXIT_BAD_ARGS)
    cam = cams[0]
    zone = next(z for z in cam.zones if z.id == args.zone)
    if zone.type != ZoneType.SHELF:
        raise UserError(f"--zone {args.zone} is a {zone.type.label} zone, not a shelf zone", EXIT_BAD_ARGS)
    if args.clear:
        gone = refs.delete_reference(folder, cam.id, zone.id)
        print(f"{cam.id}/{zone.id}: " + ("reference forgotten; the next run captures a new one"
                                          if gone else "no stored reference"))  # fmt: skip
        return 0
    if args.image is not None:
        image, source = _read(args.image, "--image"), f"image {args.image.name}"
    else:
        from app.engine.engine import probe_camera

        probe = probe_camera(cam)
        if not probe.ok or probe.image is None:
            raise UserError(f"camera {cam.id}: {probe.message}", 3)
        image, source = probe.image, "camera"
    if len(zone.points) != 4:
        raise UserError(f"shelf zone {zone.id} needs 4 corners (TL, TR, BR, BL), has {len(zone.points)}", EXIT_BAD_ARGS)
    if not args.no_people:
        detector = _people_detector()
        if detector is not None:
            from analytics.geometry import to_pixels

            h, w = image.shape[:2]
            pts = to_pixels(zone.points, w, h)
            (x1, y1), (x2, y2) = pts.min(axis=0), pts.max(axis=0)
            d = detector.predict(image)
            boxes = d.xyxy[d.is_class("person")]
            hidden = int(sum(1 for b in boxes if b[0] < x2 and b[2] > x1 and b[1] < y2 and b[3] > y1))
            if hidden and not args.force:
                raise UserError(
                    f"{hidden} person{'s' * (hidden > 1)} in front of shelf {zone.id}: not stored (capture again "
                    "when nobody stands there, or --force)", 1,
                )  # fmt: skip
    path = refs.save_reference(folder, cam.id, zone.id, image, source=source)
    print(f"{cam.id}/{zone.id}: full reference stored ({image.shape[1]}×{image.shape[0]}, from the {source}) in {path}")
    zcfg = cam.modules.shelf.zones.get(zone.id)  # type: ignore[attr-defined]
    if zcfg is not None and zcfg.reference:
        print(f"storesight: warning: the config names reference {zcfg.reference} for this zone; it is used instead "
              "of the stored one until you remove it", file=sys.stderr)  # fmt: skip
    if not cam.modules.shelf.enabled:  # type: ignore[attr-defined]
        print(f"note: the shelf module is off on camera {cam.id} (modules: shelf: enabled: true)", file=sys.stderr)
    return 0


def _people_detector():
    from models.base import DetectorSettings
    from models.registry import create_detector

    try:
        return create_detector("auto", DetectorSettings(confidence=0.3)).backend
    except Exception as e:
        print(f"storesight: warning: no person detector ({e}); people in front are not excluded", file=sys.stderr)
        return None


def cmd_bench_shelf(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight bench --shelf`` / ``--objects``: shelf gaps on generated episodes; left items on the demo video."""
    if args.shelf:
        from app.shelves.evaluate import format_table, run_bench

        seeds = list(range(1, args.episodes + 1))
        t0 = time.perf_counter()
        rows = run_bench(seeds, minutes=args.minutes, progress=lambda m: print(f"  … {m}", file=sys.stderr))
        print(f"shelf gaps: {len(seeds)} generated episodes × {args.minutes:.0f} min (seeds {seeds[0]}..{seeds[-1]}), "
              "classical meter, a frame every 3 s")  # fmt: skip
        print(format_table(rows))
        print(f"({time.perf_counter() - t0:.0f} s)")
    if args.objects:
        from app.objects.evaluate import format_table as objects_table
        from app.objects.evaluate import run_bench as objects_bench

        t1 = time.perf_counter()
        res = objects_bench(clips=3, progress=lambda m: print(f"  … {m}", file=sys.stderr))
        print("\nleft items: demo video, plain and with a bag composited in")
        print(objects_table(res))
        print(f"({time.perf_counter() - t1:.0f} s)")
    return 0
