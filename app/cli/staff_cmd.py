"""``storesight roles``, ``storesight employees`` and ``storesight timesheet``: staff vs customers, employees, working time.

``roles`` — what the role stage decided and how to teach it:
    ``list`` the people it was least sure about (with their crops), ``label`` a person staff or
    customer (the statistics follow at once), ``uniform`` add pictures of the staff uniform (files
    or a track's crops), ``train`` the site's classifier from the labelled people.
``employees`` — ``list``, ``add``, ``edit`` (name, code, photo, schedule, workstation zones).
``timesheet`` — per employee and day: arrival, departure, breaks, time present, at the workstation,
    with customers, late / left early against the schedule.

This module's top level imports nothing heavy: the parser is built on every ``storesight`` call.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.store.db import Store

EXIT_BAD_ARGS = 2
COMMANDS = ("roles", "employees", "timesheet")


def _db(p: argparse.ArgumentParser, *, data_dir: bool = False) -> None:
    p.add_argument(
        "--db", help="database URL, e.g. sqlite:///storesight-demo/storesight.db (default: the data folder's)"
    )
    if data_dir:
        p.add_argument(
            "--data-dir",
            type=Path,
            help="data folder with crops/ and models/ (default: the database file's folder)",
        )


def _schedule_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--start", metavar="HH:MM", help="scheduled start of the working day (site time)")
    p.add_argument("--end", metavar="HH:MM", help="scheduled end of the working day")
    p.add_argument(
        "--days", metavar="DAYS", help="working days, e.g. mon-fri or mon,wed,sat (default: every day)"
    )
    p.add_argument(
        "--workstation",
        action="append",
        metavar="CAMERA:ZONE",
        help="a zone the employee works at (repeat for several); links staff seen there to the employee",
    )
    p.add_argument("--photo", type=Path, help="a photo of the employee (copied into the data folder)")
    p.add_argument("--notes", help="free text")


def add_parsers(sub: Any, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add the ``roles``, ``employees`` and ``timesheet`` sub-commands to the main parser."""
    r = sub.add_parser("roles", help="staff vs customers: list uncertain people, label them, uniforms, train")
    rs = r.add_subparsers(dest="roles_cmd", metavar="ACTION", required=True)
    ls = rs.add_parser("list", help="people to label, the ones the system was least sure about first")
    _db(ls)
    ls.add_argument("--camera", help="only this camera (id from the config)")
    ls.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    ls.add_argument("--all", action="store_true", help="also people already labelled")
    add_common(ls)
    lb = rs.add_parser("label", help="say whether a person is staff or a customer")
    _db(lb)
    lb.add_argument("track", help="CAMERA:TRACKER_ID (latest run), CAMERA:TRACKER_ID@RUN or #ROW_ID")
    lb.add_argument("role", choices=["staff", "customer", "none"], help="none removes the label")
    lb.add_argument("--employee", help="for staff: who it is (employee id, code or name)")
    add_common(lb)
    un = rs.add_parser(
        "uniform", help="pictures of the staff uniform: add (files or a track's crops), list, remove"
    )
    _db(un, data_dir=True)
    g = un.add_mutually_exclusive_group(required=True)
    g.add_argument(
        "--add", nargs="+", type=Path, metavar="IMAGE", help="picture files of a person in uniform"
    )
    g.add_argument(
        "--track", nargs="+", metavar="TRACK", help="use these people's stored crops (CAMERA:TRACKER_ID)"
    )
    g.add_argument("--list", action="store_true", help="list the stored examples")
    g.add_argument("--remove", nargs="+", type=int, metavar="ID", help="remove examples by id")
    un.add_argument("--employee", help="the examples show this employee (default: a uniform all staff wear)")
    un.add_argument("--crops", type=int, default=2, help="crops per --track person (default 2)")
    add_common(un)
    tr = rs.add_parser("train", help="train the site's staff/customer classifier from the labelled people")
    _db(tr, data_dir=True)
    tr.add_argument("--site", help="site name (default: the database's only site)")
    tr.add_argument("--epochs", type=int, default=20, help="passes over the crops (default 20)")
    tr.add_argument(
        "--threads", type=int, default=1, help="CPU threads (default 1: fastest for this small net)"
    )
    tr.add_argument(
        "--no-uniforms", action="store_true", help="do not use the uniform pictures as staff crops"
    )
    add_common(tr)

    e = sub.add_parser("employees", help="employees: list, add, edit (schedule, workstations, photo)")
    es = e.add_subparsers(dest="employees_cmd", metavar="ACTION", required=True)
    el = es.add_parser("list", help="every employee")
    _db(el)
    add_common(el)
    ea = es.add_parser("add", help="add an employee")
    _db(ea, data_dir=True)
    ea.add_argument("--name", required=True, help="full name")
    ea.add_argument("--code", help="personnel number (unique)")
    _schedule_args(ea)
    add_common(ea)
    ed = es.add_parser("edit", help="change an employee")
    _db(ed, data_dir=True)
    ed.add_argument("employee", help="employee id, code or name")
    ed.add_argument("--name", help="new name")
    ed.add_argument("--code", help="new personnel number ('' clears it)")
    _schedule_args(ed)
    ed.add_argument("--no-schedule", action="store_true", help="remove the schedule")
    ed.add_argument("--no-workstations", action="store_true", help="remove every workstation")
    act = ed.add_mutually_exclusive_group()
    act.add_argument("--inactive", action="store_true", help="no longer employed (kept for old timesheets)")
    act.add_argument("--active", action="store_true", help="employed again")
    add_common(ed)

    t = sub.add_parser(
        "timesheet", help="staff working time per day: arrival, departure, breaks, workstation, customers"
    )
    _db(t)
    t.add_argument("--day", required=True, metavar="YYYY-MM-DD", help="the day (site time)")
    t.add_argument("--to", metavar="YYYY-MM-DD", help="last day of a longer period (inclusive)")
    t.add_argument("--employee", help="only this employee (id, code or name)")
    t.add_argument(
        "--break-minutes",
        type=float,
        default=10.0,
        help="absent from every camera longer than this is a break (10)",
    )
    t.add_argument("--grace-minutes", type=float, default=0.0, help="lateness within this is not counted (0)")
    t.add_argument(
        "--min-contact",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="shorter consultations do not count (0)",
    )
    t.add_argument("--csv", type=Path, help="also write the table to this CSV file")
    from app.cli.options import add_json_option

    add_json_option(t)
    add_common(t)


# --- helpers ----------------------------------------------------------------------------------


def _open(url: str | None, *, create: bool = False) -> Store:
    from app.cli.stats_cmd import open_db
    from app.store.db import open_store

    return open_store(url) if create else open_db(url)


def _data_dir(args: argparse.Namespace) -> Path:
    from app.cli.stats_cmd import data_folder

    return data_folder(args.db, getattr(args, "data_dir", None))


def _employee_id(store: Store, key: str | None) -> int | None:
    if key is None:
        return None
    from app.store.employees import find_employee

    return find_employee(store, key).id


def _hhmm(seconds: float | None) -> str:
    """Seconds as ``h:mm`` (``-`` for none)."""
    if seconds is None or seconds != seconds:
        return "-"
    m = round(seconds / 60)
    return f"{m // 60}:{m % 60:02d}"


def _mins(minutes: float | None) -> str:
    return "-" if minutes is None or minutes != minutes else _hhmm(minutes * 60)


def _clock(t: Any) -> str:
    """A wall-clock time as ``HH:MM`` (``-`` for none / NaT)."""
    import pandas as pd

    return "-" if t is None or pd.isna(t) else t.strftime("%H:%M")


# --- roles ------------------------------------------------------------------------------------


def cmd_roles(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight roles ACTION``."""
    action = args.roles_cmd
    if action == "train":
        return _train(args)
    store = _open(args.db)
    if action == "list":
        return _list(store, args)
    if action == "label":
        from app.store.roles import clear_label, parse_track_ref, set_label, track

        tid = parse_track_ref(store, args.track)
        if args.role == "none":
            clear_label(store, tid)
        else:
            set_label(store, tid, args.role, employee_id=_employee_id(store, args.employee))
        t = track(store, tid)
        who = f", employee {t.employee_id}" if t.employee_id else ""
        print(f"track {t.camera}:{t.tracker_id} (run {t.run_id}) is now {t.role}{who}")
        return 0
    return _uniform(store, args)


def _list(store: Store, args: argparse.Namespace) -> int:
    from app.cli.stats_cmd import fmt_duration, table
    from app.store.roles import uncertain_tracks
    from app.store.stats import local_time, site_timezone

    tz = site_timezone(store)
    rows = uncertain_tracks(store, camera=args.camera, limit=args.limit, include_labelled=args.all)
    if not rows:
        print("no people to label")
        return 0
    data_dir = _data_dir(args)
    out = []
    for r in rows:
        p = "-" if r.p_staff is None else f"{r.p_staff:.2f}"
        photo = str(data_dir / r.photos[0].path) if r.photos else "-"
        out.append([f"{r.camera}:{r.tracker_id}@{r.run_id}", local_time(r.first_ts, tz).strftime("%Y-%m-%d %H:%M:%S"),
                    fmt_duration(r.duration), r.role, p, r.label or "-", len(r.photos), photo])  # fmt: skip
    print(table(["track", "first seen", "seen for", "role", "p(staff)", "label", "crops", "crop"], out))
    print("\nlabel one: storesight roles label CAMERA:TRACKER_ID@RUN staff|customer")
    return 0


def _uniform(store: Store, args: argparse.Namespace) -> int:
    from app.cli.stats_cmd import table
    from app.engine.roles import read_image
    from app.errors import UserError
    from app.store.roles import (
        add_uniform_example,
        parse_track_ref,
        remove_uniform_example,
        track_crops,
        uniform_examples,
    )

    data_dir = _data_dir(args)
    if args.list:
        rows = uniform_examples(store)
        if not rows:
            print("no uniform examples")
            return 0
        print(table(["id", "employee", "source", "picture"],
                    [[u.id, u.employee_id or "all staff", u.source, str(data_dir / u.path)] for u in rows]))  # fmt: skip
        return 0
    if args.remove:
        for i in args.remove:
            remove_uniform_example(store, i, data_dir)
        print(f"removed {len(args.remove)} uniform example(s)")
        return 0
    emp = _employee_id(store, args.employee)
    added = 0
    if args.add:
        for f in args.add:
            img = read_image(f)
            if img is None:
                raise UserError(f"--add: {f} is not a readable picture", EXIT_BAD_ARGS)
            add_uniform_example(store, data_dir, img, employee_id=emp, source=f"file:{f.name}")
            added += 1
    for ref in args.track or []:
        tid = parse_track_ref(store, ref)
        crops = track_crops(store, data_dir, tid, limit=max(args.crops, 1))
        if not crops:
            raise UserError(f"--track {ref}: no crops of that person in {data_dir}", EXIT_BAD_ARGS)
        for c in crops:
            add_uniform_example(store, data_dir, c, employee_id=emp, source=f"track:{ref}")
            added += 1
    print(
        f"added {added} uniform example(s); {len(uniform_examples(store))} in all — used from the next analysis on"
    )
    return 0


def _train(args: argparse.Namespace) -> int:
    from app.engine.role_training import train_classifier
    from app.errors import UserError
    from app.store.schema import Site

    store = _open(args.db)
    data_dir = _data_dir(args)
    with store.session() as s:
        sites = [x.name for x in s.query(Site).order_by(Site.id)]
    if args.site:
        if args.site not in sites:
            raise UserError(
                f"--site: no site {args.site!r} in the database (sites: {', '.join(sites) or 'none'})", 2
            )
        site = args.site
    elif len(sites) == 1:
        site = sites[0]
    else:
        raise UserError(
            f"--site: the database has {len(sites)} sites ({', '.join(sites) or 'none'}); name one", 2
        )
    res = train_classifier(store, data_dir, site, epochs=args.epochs, threads=args.threads,
                           with_uniforms=not args.no_uniforms, log=print)  # fmt: skip
    rep = res.report
    val = (
        "-"
        if rep.val_accuracy is None
        else f"{100 * rep.val_accuracy:.0f} % on {rep.val_samples} held-out crops"
    )
    print(f"trained in {rep.seconds:.1f} s ({res.seconds:.1f} s with loading): train accuracy {100 * rep.train_accuracy:.0f} %, "
          f"held-out people {val}")  # fmt: skip
    print(f"saved {res.path} — used from the next analysis on")
    return 0


# --- employees --------------------------------------------------------------------------------


def _schedule(args: argparse.Namespace) -> Any:
    from app.errors import UserError
    from app.store.employees import Schedule

    if args.start is None and args.end is None:
        if args.days:
            raise UserError("--days needs --start and --end", EXIT_BAD_ARGS)
        return None
    if args.start is None or args.end is None:
        raise UserError("a schedule needs both --start and --end", EXIT_BAD_ARGS)
    return Schedule.parse(args.start, args.end, args.days)


def _photo(args: argparse.Namespace, employee_id: int) -> str | None:
    if args.photo is None:
        return None
    from app.store.employees import copy_employee_photo

    return copy_employee_photo(_data_dir(args), employee_id, args.photo, what="--photo")


def _print_employees(rows: list[Any]) -> None:
    from app.cli.stats_cmd import table

    if not rows:
        print("no employees")
        return
    print(table(
        ["id", "name", "code", "active", "schedule", "workstations", "uniform pictures"],
        [[e.id, e.name, e.code or "-", "yes" if e.active else "no", e.schedule.describe() if e.schedule else "-",
          ", ".join(f"{c}:{z}" for c, z in e.workstations) or "-", e.uniform_examples] for e in rows],
    ))  # fmt: skip


def _check_workstations(store: Any, workstations: Any) -> None:
    """Every ``CAMERA:ZONE`` names a polygon zone the database knows (when it knows any camera).

    Raises:
        UserError: an unknown camera or zone, with the known ones (exit code 2).
    """
    from app.errors import UserError
    from app.store.stats import cameras

    cams = {c.config_id: c for c in cameras(store)}
    if not cams:
        return
    for ws in workstations:
        if not isinstance(ws, tuple) and ":" not in str(ws):
            continue  # the employee store says what the form is
        cam_id, zone_id = ws if isinstance(ws, tuple) else str(ws).split(":", 1)
        cam = cams.get(cam_id)
        if cam is None:
            raise UserError(f"--workstation {cam_id}:{zone_id}: no camera {cam_id!r} (cameras: "
                            f"{', '.join(sorted(cams))})", EXIT_BAD_ARGS)  # fmt: skip
        if cam.zone(zone_id) is None or cam.zone(zone_id).is_line:  # type: ignore[union-attr]
            zones = ", ".join(z.config_id for z in cam.zones if not z.is_line) or "none"
            raise UserError(f"--workstation {cam_id}:{zone_id}: camera {cam_id} has no zone {zone_id!r} "
                            f"(zones: {zones})", EXIT_BAD_ARGS)  # fmt: skip


def cmd_employees(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight employees ACTION``."""
    from app.store.employees import add_employee, employees, find_employee, update_employee

    action = args.employees_cmd
    if action == "list":
        _print_employees(employees(_open(args.db)))
        return 0
    store = _open(args.db, create=True)
    _check_workstations(store, args.workstation or ())
    if action == "add":
        emp = add_employee(store, args.name, code=args.code, notes=args.notes or "", schedule=_schedule(args),
                           workstations=args.workstation or ())  # fmt: skip
        photo = _photo(args, emp.id)
        if photo:
            emp = update_employee(store, emp.id, photo_path=photo)
        print(f"added employee {emp.id}: {emp.name}")
        _print_employees([emp])
        return 0
    emp = find_employee(store, args.employee)
    changes: dict[str, Any] = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.code is not None:
        changes["code"] = args.code
    if args.notes is not None:
        changes["notes"] = args.notes
    if args.no_schedule:
        changes["schedule"] = None
    elif (sched := _schedule(args)) is not None:
        changes["schedule"] = sched
    if args.no_workstations:
        changes["workstations"] = []
    elif args.workstation:
        changes["workstations"] = args.workstation
    if args.inactive or args.active:
        changes["active"] = bool(args.active)
    photo = _photo(args, emp.id)
    if photo:
        changes["photo_path"] = photo
    row = update_employee(store, emp.id, **changes)
    _print_employees([row])
    return 0


# --- timesheet --------------------------------------------------------------------------------


def cmd_timesheet(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight timesheet --day D``."""
    import datetime as dt

    from app.cli.stats_cmd import table
    from app.errors import UserError
    from app.store.timesheet import as_date, timesheet, timesheet_breaks

    store = _open(args.db)
    first = as_date(args.day, "--day")
    last = as_date(args.to, "--to") if args.to else first
    if last < first:
        raise UserError("--to must not be before --day", EXIT_BAD_ARGS)
    until = last + dt.timedelta(days=1)
    if args.break_minutes < 0 or args.grace_minutes < 0 or args.min_contact < 0:
        raise UserError(
            "--break-minutes, --grace-minutes and --min-contact must not be negative", EXIT_BAD_ARGS
        )
    kw: dict[str, Any] = {
        "break_minutes": args.break_minutes,
        "grace_minutes": args.grace_minutes,
        "min_contact_seconds": args.min_contact,
        "employee": _employee_id(store, args.employee),
    }
    if args.csv is not None and args.csv.expanduser().is_dir():
        raise UserError(
            f"--csv: {args.csv} is a folder; give a file name such as timesheet.csv", EXIT_BAD_ARGS
        )
    df = timesheet(store, first, until, **kw)
    if args.json:
        from app.cli.stats_cmd import print_json
        from app.store.metrics import json_records
        from app.store.stats import site_timezone

        tz = site_timezone(store)
        lo, hi = (
            (
                dt.datetime.combine(d, dt.time(), tz)
                if tz
                else dt.datetime.combine(d, dt.time()).astimezone()
            ).timestamp()
            for d in (first, until)
        )
        body = {
            "days": [str(first), str(last)],
            "no_data": bool(df.empty),
            "numbers": {"staff_present_h": round(float(df.present_min.sum()) / 60.0, 3) if len(df) else 0.0},
            "employees": json_records(df),
        }
        print_json("timesheet", lo, hi, tz, "staff", body)
        return 0
    period = str(first) if last == first else f"{first} – {last}"
    print(f"timesheet {period} ({df.attrs.get('timezone', '')}); a break is no camera seeing the person for "
          f"over {args.break_minutes:g} min")  # fmt: skip
    if df.empty:
        print("(nobody scheduled or seen)")
    else:
        many = last != first
        rows = []
        for r in df.itertuples(index=False):
            rows.append([
                r.employee, *([str(r.date)] if many else []), r.status, r.schedule or "-", _clock(r.arrival),
                _clock(r.departure), _hhmm(r.present_min * 60), r.breaks, _hhmm(r.break_min * 60),
                _hhmm(r.workstation_min * 60), _hhmm(r.with_customers_min * 60), _mins(r.late_min),
                _mins(r.left_early_min),
            ])  # fmt: skip
        head = ["employee", *(["date"] if many else []), "status", "schedule", "arrived", "left", "present",
                "breaks", "break time", "at workstation", "with customers", "late", "left early"]  # fmt: skip
        print(table(head, rows))
        br = timesheet_breaks(store, first, until, **kw)
        if not br.empty:
            print("\nbreaks")
            print(table(["employee", "from", "to", "length"],
                        [[b.employee, b.start.strftime("%Y-%m-%d %H:%M" if last != first else "%H:%M"),
                          b.end.strftime("%H:%M"), _hhmm(b.minutes * 60)] for b in br.itertuples(index=False)]))  # fmt: skip
    if args.csv:
        try:
            args.csv.parent.mkdir(parents=True, exist_ok=True)
            df.to_csv(args.csv, index=False)
        except OSError as e:
            raise UserError(f"--csv: cannot write {args.csv}: {e.strerror or e}") from None
        print(f"\nwritten {args.csv}")
    return 0
