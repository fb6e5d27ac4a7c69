"""``storesight plates read IMAGE…``, ``plates log``, ``plates list`` and ``storesight bench --plates``.

``plates list show|add|remove`` shows and edits a camera's deny / watch / allow lists in the
site config (the lists of the Plates tab). ``plates log`` lists the stored passages (oldest first), filtered by camera, period, part of
a plate and ``--list`` (the list the plate was on when read); ``--csv FILE`` also writes them
to a CSV file.

``plates read`` prints one line per picture: its path, the plate text (canonical: Cyrillic
letters, no spaces; ``-`` when no valid plate was read) and the confidence; ``--json`` prints
one JSON object per line with the Latin spelling, per-character confidences, the corners and
the backend. A picture that cannot be read is reported on stderr and the exit code is 3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.cli.options import add_pictures_action
from app.errors import UserError

EXIT_UNREADABLE = 3


def add_parser(
    sub: argparse._SubParsersAction, add_common: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Register ``storesight plates``."""
    p = sub.add_parser("plates", help="licence plates: read plates on pictures")
    psub = p.add_subparsers(dest="plates_command", metavar="ACTION")
    r = add_pictures_action(
        psub,
        "read",
        help="read the licence plate on each picture (one line per picture)",
        json_help="one JSON object per line instead of text",
    )
    _add_backend_options(r)
    add_common(r)
    lg = psub.add_parser("log", help="list the plates read by the cameras (one line per vehicle passage)")
    lg.add_argument(
        "--db", help="database URL, e.g. sqlite:///data/storesight.db (default: the data folder's)"
    )
    lg.add_argument("--camera", help="only this camera (its id in the config)")
    lg.add_argument(
        "--from", dest="since", metavar="DATE", help="start: YYYY-MM-DD or YYYY-MM-DDTHH:MM, site time"
    )
    lg.add_argument(
        "--to", dest="until", metavar="DATE", help="end, exclusive; a date alone means the end of that day"
    )
    lg.add_argument(
        "--plate", help="only plates containing this text (look-alike Latin/Cyrillic letters are equal)"
    )
    lg.add_argument(
        "--list",
        dest="listed",
        choices=["deny", "watch", "allow", "any", "none"],
        help="only reads of plates on this list when read (any: on a list; none: on no list)",
    )
    lg.add_argument("--json", action="store_true", help="one JSON object per line")
    lg.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="also write the listed reads to this CSV file (UTF-8, Excel-ready)",
    )
    add_common(lg)
    _add_list_parser(psub, add_common)


def _add_list_parser(
    psub: argparse._SubParsersAction, add_common: Callable[[argparse.ArgumentParser], None]
) -> None:
    """``plates list show|add|remove``: the deny / watch / allow lists of the site config."""
    ls = psub.add_parser(
        "list", help="show or edit a camera's plate lists (deny, watch, allow) in the site config"
    )
    lsub = ls.add_subparsers(dest="list_command", metavar="ACTION")
    show = lsub.add_parser("show", help="print the listed plates: camera, plate, list, note")
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    add = lsub.add_parser("add", help="put a plate on a list (moves it off another list)")
    add.add_argument("which", choices=["deny", "watch", "allow"], metavar="LIST", help="deny, watch or allow")
    add.add_argument("plate", help="the plate, e.g. А123ВС77 or a123bc77 (spaces allowed when quoted)")
    add.add_argument("--note", default="", help="why it is listed (shown with its alerts)")
    rm = lsub.add_parser("remove", help="take plates off their lists")
    rm.add_argument("plates", nargs="+", metavar="PLATE", help="plates to take off")
    for q in (show, add, rm):
        q.add_argument("--config", type=Path, help="site config YAML (default: site.yaml in the data folder)")
        q.add_argument(
            "--camera",
            help="camera id, or 'all' for every camera that reads plates (default: the only camera "
            "reading plates, or the only camera)",
        )
        add_common(q)


def _add_backend_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--locator",
        choices=["auto", "yolo", "haar"],
        default="auto",
        help="plate locator: YOLO plate weights from --model-dir when present (auto), or the built-in Haar+contours",
    )
    p.add_argument("--model-dir", type=Path, help="folder with plates.pt (Ultralytics YOLO plate detector)")
    p.add_argument("--precision", choices=["int8", "fp32"], default="int8", help="OCR model (default int8)")


def add_bench_options(b: argparse.ArgumentParser) -> None:
    """``storesight bench --plates`` options (added to the bench parser)."""
    b.add_argument(
        "--plates",
        action="store_true",
        help="benchmark plate localisation and OCR (ms per plate) on generated car pictures instead of a video",
    )
    b.add_argument("--plates-n", type=int, default=60, help="generated pictures for --plates (default 60)")


def _reader(args: argparse.Namespace):
    from models.plates.ocr import VIEWS
    from models.plates.reader import PlateReader

    try:
        return PlateReader(args.locator, args.model_dir, args.precision, views=len(VIEWS))
    except (FileNotFoundError, RuntimeError) as e:
        raise UserError(str(e), 1) from e


def cmd_plates(args: argparse.Namespace, stop: threading.Event) -> int:
    """Dispatch ``storesight plates ACTION``."""
    if args.plates_command == "read":
        return cmd_read(args, stop)
    if args.plates_command == "log":
        return cmd_log(args, stop)
    if args.plates_command == "list":
        return cmd_list(args)
    raise UserError("storesight plates: give an action: read, log or list", 2)


def _list_cameras(config, wanted: str | None, path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """The camera ids a ``plates list`` command applies to (see ``--camera``)."""
    ids = [c.id for c in config.cameras]
    reading = [c.id for c in config.cameras if c.modules.plates.enabled]
    if not ids:
        raise UserError(f"{path} has no cameras: plate lists belong to a camera", 2)
    if wanted == "all":
        if not reading:
            raise UserError(f"no camera of {path} reads plates (modules.plates.enabled)", 2)
        return reading
    if wanted is not None:
        if wanted not in ids:
            raise UserError(f"no camera {wanted!r} in {path} (cameras: {', '.join(ids)})", 2)
        return [wanted]
    if len(reading) == 1:
        return reading
    if len(ids) == 1:
        return ids
    raise UserError(f"give --camera: one of {', '.join(ids)}, or all", 2)


def cmd_list(args: argparse.Namespace) -> int:
    """``storesight plates list show|add|remove``: the plate lists in the site config.

    Saved like the Plates tab saves them: only the change is written into the file (comments
    and order survive). A plate that is not a Russian plate is refused (exit 2), nothing written.
    """
    from app import paths
    from app.config import load_config
    from app.modules.plates.lists import edit_lists, entries, save_lists
    from app.modules.plates.settings import list_plate

    if args.list_command is None:
        raise UserError("storesight plates list: give an action: show, add or remove", 2)
    path = args.config or paths.data_dir() / "site.yaml"
    config = load_config(path)
    cams = _list_cameras(config, args.camera, path)
    by_id = {c.id: c for c in config.cameras}
    if args.list_command == "show":
        n = 0
        for cid in cams:
            for plate, which, note in entries(by_id[cid].modules.plates):
                n += 1
                if args.json:
                    row = {"camera": cid, "plate": plate, "list": which, "note": note}
                    print(json.dumps(row, ensure_ascii=False))
                else:
                    print(f"{cid}\t{plate}\t{which}\t{note}".rstrip("\t"))
        if not args.json:
            print(f"{n} listed plate(s)", file=sys.stderr)
        return 0
    try:
        plates = [list_plate(p) for p in ([args.plate] if args.list_command == "add" else args.plates)]
    except ValueError as e:
        raise UserError(str(e), 2) from None
    changed = []
    for cid in cams:
        cfg = by_id[cid].modules.plates
        if args.list_command == "remove":
            listed = {p for p, _, _ in entries(cfg)}
            gone = set(plates) & listed
            if not gone:
                continue
            new = edit_lists(cfg, gone, None)
            changed.append(f"{cid}: removed {', '.join(p for p in plates if p in gone)}")
        else:
            new = edit_lists(cfg, {plates[0]}, args.which, args.note)
            if new == cfg:
                continue
            changed.append(f"{cid}: {plates[0]} on the {args.which} list")
        config = save_lists(path, config, cid, new)
        by_id = {c.id: c for c in config.cameras}
    if not changed:
        what = "on no list" if args.list_command == "remove" else f"already on the {args.which} list"
        raise UserError(f"nothing changed: {', '.join(plates)} {what} of {', '.join(cams)}", 1)
    for line in changed:
        print(line)
    if args.list_command == "remove":
        unlisted = [p for p in plates if not any(p in line for line in changed)]
        if unlisted:
            print(f"on no list of {', '.join(cams)}: {', '.join(unlisted)}", file=sys.stderr)
    print(f"saved {path}", file=sys.stderr)
    return 0


def cmd_log(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight plates log``: the stored ``plates``/``read`` events, oldest first."""
    from analytics.plates import on_list, plate_matches
    from app.cli.stats_cmd import _when, open_db, resolve_period
    from app.store import queries, stats

    store = open_db(args.db)
    try:
        since, until, tz = resolve_period(store, args, args.camera)
        rows = queries.events(
            store, args.camera, "plates", "read", since, until, limit=None, newest_first=False
        )
    finally:
        store.close()
    n = 0
    table: list[list[object]] = []
    for e in rows:
        p = e.payload
        text = str(p.get("text", ""))
        if args.plate and not (plate_matches(args.plate, text) or (p.get("hashed") and args.plate == text)):
            continue
        if not on_list(p.get("listed"), args.listed):
            continue
        n += 1
        seen = (p.get("last_ts", e.ts) or e.ts) - (p.get("first_ts", e.ts) or e.ts)
        table.append(
            [
                stats.local_time(e.ts, tz).isoformat(timespec="seconds"),
                e.camera,
                e.tracker_id,
                text,
                p.get("text_latin") or "",
                round(float(p.get("confidence", 0)), 4),
                bool(p.get("uncertain")),
                p.get("direction", ""),
                round(seen, 1),
                p.get("votes", 0),
                p.get("reads", 0),
                p.get("listed") or "",
            ]
        )
        if args.json:
            print(
                json.dumps({"time": e.ts, "camera": e.camera, "track": e.tracker_id, **p}, ensure_ascii=False)
            )
        else:
            flag = " uncertain" if p.get("uncertain") else ""
            print(
                f"{_when(e.ts, tz)}\t{e.camera}\t{text}\t{float(p.get('confidence', 0)):.2f}\t"
                f"{p.get('direction', '')}\t{seen:.1f}s\t{p.get('votes', 0)}/{p.get('reads', 0)} reads{flag}"
            )
    if args.csv is not None:
        _write_csv(args.csv, table)
    if not args.json:
        print(f"{n} plate read(s)" + (f", written to {args.csv}" if args.csv else ""), file=sys.stderr)
    return 0


#: Columns of ``plates log --csv``.
CSV_COLUMNS = (
    "time", "camera", "track", "plate", "plate_latin", "confidence", "uncertain", "direction",
    "seconds_in_view", "votes", "reads", "list",
)  # fmt: skip


def _write_csv(path: Path, rows: list[list[object]]) -> None:
    """Write the log to ``path`` atomically (a temporary file renamed), with a BOM for Excel.

    Raises:
        UserError: the file cannot be written (exit code 1; nothing half-written is left).
    """
    from app.reports.safe import write_csv_file

    try:
        write_csv_file(path, [CSV_COLUMNS, *rows])
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror or e.__class__.__name__}") from None


def cmd_read(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight plates read IMAGE… [--json]``."""
    import cv2

    from analytics.plates import UNCERTAIN_BELOW, to_latin

    reader = _reader(args)
    failed = unsure = 0
    for path in args.images:
        if stop.is_set():
            break
        image = cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None
        if image is None:
            why = "no such file" if not path.exists() else "not a picture OpenCV can read"
            print(f"storesight: error: {path}: {why}", file=sys.stderr)
            failed += 1
            continue
        r = reader.read(image)
        text = r.text.text if r.found else "-"
        if args.json:
            print(
                json.dumps(
                    {
                        "path": str(path),
                        "text": r.text.text if r.found else None,
                        "text_latin": to_latin(r.text.text) if r.found else None,
                        "confidence": round(r.text.confidence, 4) if r.found else 0.0,
                        "char_confidence": [round(c, 4) for c in r.text.char_conf] if r.found else [],
                        "format": r.text.format,
                        "corrected": r.text.corrected,
                        "uncertain": r.text.uncertain,
                        "rows": r.rows,
                        "corners": r.corners.round(1).tolist() if r.corners is not None else None,
                        "raw": r.text.text or None,
                        "locator": reader.choice.locator.name,
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )
        else:
            conf = r.text.confidence if r.found else 0.0
            print(f"{path}\t{text}\t{conf:.2f}", flush=True)
            unsure += r.found and r.text.uncertain
    if unsure:  # on stderr: the three columns stay as they are for scripts
        print(
            f"{unsure} of the reads uncertain (confidence below {UNCERTAIN_BELOW:.2f}): check them "
            "(--json gives 'uncertain' per picture)",
            file=sys.stderr,
        )
    if failed:
        return EXIT_UNREADABLE
    return 0


def cmd_bench_plates(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight bench --plates``: ms per plate for localisation and OCR, on generated car pictures."""
    import numpy as np

    from models.plates.locate import create_locator, rectify
    from models.plates.ocr import PlateOCR, ocr_line
    from models.plates.synth import HELDOUT_FONTS, TRAIN_FONTS, find_fonts, render_scene

    n = args.plates_n
    if n < 1:
        raise UserError("--plates-n must be ≥ 1", 2)
    fonts = find_fonts(HELDOUT_FONTS) or find_fonts(TRAIN_FONTS)
    if not fonts:
        raise UserError("no font to draw test plates with (install fonts-dejavu-core)", 1)
    rng = np.random.default_rng(20261205)
    scenes = [render_scene(rng, font=fonts[i % len(fonts)]) for i in range(n)]
    from app.paths import model_dir

    choice = create_locator("auto", getattr(args, "model_dir", None) or model_dir())
    loc_ms, plates = [], []
    for s in scenes:
        if stop.is_set():
            break
        t0 = time.perf_counter()
        cands = choice.locator.find(s.image)
        loc_ms.append((time.perf_counter() - t0) * 1000)
        p, rows = rectify(s.image, s.corners)  # OCR timed on the true plate: every scene gives one
        plates.append((ocr_line(p, rows), rows))
        del cands
    lines = np.stack([p for p, _ in plates])
    rows_all = [r for _, r in plates]
    print(f"plate localisation ({choice.reason}): {len(loc_ms)} generated 640x480 car pictures")
    print(f"  ms per picture: median {np.median(loc_ms):.1f}, p90 {np.percentile(loc_ms, 90):.1f}")
    print("plate OCR, ms per plate (one plate per call; grammar decode included):")
    print(f"  {'model':<6} {'threads':>7} {'median':>8} {'p90':>8}")
    for precision in ("fp32", "int8"):
        for threads in (1, 2):
            ocr = PlateOCR(precision, threads=threads)
            ocr.read_lines(lines[:4], rows_all[:4])  # warm-up
            ms = []
            for i in range(len(lines)):
                t0 = time.perf_counter()
                ocr.read_lines(lines[i : i + 1], rows_all[i : i + 1])
                ms.append((time.perf_counter() - t0) * 1000)
            print(f"  {precision:<6} {threads:>7} {np.median(ms):>8.2f} {np.percentile(ms, 90):>8.2f}")
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    return 0
