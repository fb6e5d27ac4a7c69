"""``storesight report`` (Excel/CSV for a period) and ``storesight notify`` (Telegram/webhook outbox).

Kept light at import time (the parser is built on every start): pandas, XlsxWriter and the
store are imported by the commands themselves.

``report``: ``--from``/``--to`` are dates (``YYYY-MM-DD``) or ISO datetimes in the site's time
zone; ``--to`` is exclusive and a date alone means the end of that day, as for ``stats``.
``notify run`` sends queued and new events until Ctrl+C (``--once``: one round); ``notify test``
sends a test message through every enabled channel and says what happened; ``notify status``
counts the outbox.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from app.cli.options import add_db_option
from app.errors import UserError

EXIT_BAD_ARGS = 2


def add_parsers(sub: Any, add_common: Any) -> None:
    """Add the ``report`` and ``notify`` sub-commands to the main parser's sub-parsers."""
    r = sub.add_parser(
        "report",
        help="write an Excel workbook and/or CSV files for a period (footfall, zones, visits, funnel, queues)",
    )
    r.add_argument("--db", help="database URL, e.g. sqlite:///storesight-demo/storesight.db")
    r.add_argument(
        "--from", dest="since", metavar="DATE", required=True, help="start: YYYY-MM-DD[THH:MM], site time"
    )
    r.add_argument(
        "--to",
        dest="until",
        metavar="DATE",
        required=True,
        help="end, exclusive; a date alone = the end of that day",
    )
    r.add_argument("--camera", action="append", help="only this camera (repeat for several; default: all)")
    r.add_argument("--xlsx", type=Path, help="write the Excel workbook to this file")
    r.add_argument("--csv", type=Path, metavar="DIR", help="write one CSV file per sheet into this folder")
    r.add_argument("--sep", default=";", help="CSV separator: ';' (default), ',' or 'tab'")
    r.add_argument("--decimal", choices=[",", "."], help="CSV decimal mark (default: ',' with ';', else '.')")
    r.add_argument(
        "--role",
        choices=["customer", "staff", "all"],
        default="customer",
        help="whose numbers: customer = everyone not marked staff (default), staff, or all",
    )
    r.add_argument("--no-compare", action="store_true", help="do not compare with the previous period")
    add_common(r)

    n = sub.add_parser("notify", help="Telegram/webhook notifications: send the outbox, test, status")
    nsub = n.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    for name, text in (
        ("run", "queue new events and send the outbox until Ctrl+C"),
        ("test", "send a test message through every enabled channel"),
        ("status", "count the outbox's messages per channel and state"),
    ):
        p = nsub.add_parser(name, help=text)
        p.add_argument(
            "--config", type=Path, required=name != "status", help="site config YAML (tokens, rules)"
        )
        add_db_option(p)
        if name == "run":
            p.add_argument("--data-dir", type=Path, help="data folder with the event photos (crops/)")
            p.add_argument("--once", action="store_true", help="one round: queue, send what is due, exit")
            p.add_argument(
                "--broker",
                help="take the alerts of every camera process from this RabbitMQ broker's shared queue "
                "(amqp://user:pw@host:5672/%%2F; default: $STORESIGHT_BROKER) instead of the database's events",
            )
            p.add_argument("--node", help="this notifier's name on the broker (default: notifier-<host name>)")
        add_common(p)


# --- report -------------------------------------------------------------------------------------


def _sep(text: str) -> str:
    return "\t" if text.lower() in ("tab", "\\t", "\t") else text


def cmd_report(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight report``: the workbook and/or CSV files of a period."""
    from app.cli.stats_cmd import open_db, parse_moment
    from app.reports.builder import build_report
    from app.reports.csvfiles import SEPARATORS, write_csv
    from app.reports.excel import write_xlsx
    from app.store import stats

    if args.xlsx is None and args.csv is None:
        raise UserError("say where the report goes: --xlsx FILE and/or --csv DIR", EXIT_BAD_ARGS)
    sep = _sep(args.sep)
    if sep not in SEPARATORS:
        raise UserError(f"--sep: use ';', ',' or tab, not {args.sep!r}", EXIT_BAD_ARGS)
    if args.decimal is not None and args.decimal == sep:
        raise UserError("--sep and --decimal cannot be the same character", EXIT_BAD_ARGS)
    if args.xlsx is not None and args.xlsx.expanduser().is_dir():
        raise UserError(
            f"--xlsx: {args.xlsx} is a folder; give a file name such as report.xlsx", EXIT_BAD_ARGS
        )
    if args.xlsx is not None and args.xlsx.suffix.lower() not in ("", ".xlsx"):
        raise UserError(
            f"--xlsx: {args.xlsx} is not an .xlsx file name (for CSV files use --csv DIR)", EXIT_BAD_ARGS
        )
    if args.csv is not None and args.csv.expanduser().is_file():
        raise UserError(f"--csv: {args.csv} is a file; give a folder for the CSV files", EXIT_BAD_ARGS)
    store = open_db(args.db)
    try:
        cams = list(dict.fromkeys(args.camera or []))
        for c in cams:
            stats.cameras(store, c)
        tz = stats.site_timezone(store, cams[0] if len(cams) == 1 else None)
        since = parse_moment(args.since, tz, option="--from")
        until = parse_moment(args.until, tz, end=True, option="--to")
        if since >= until:
            raise UserError("--from must be before --to", EXIT_BAD_ARGS)
        report = build_report(
            store, since, until, cams or None, role=args.role, tz=tz, compare=not args.no_compare
        )
        if not store.read_only:
            from app.cli.users_cmd import audit_now

            where = ", ".join(str(p) for p in (args.xlsx, args.csv) if p is not None)
            audit_now(store, "export", f"report {report.info.period} → {where}")
    finally:
        store.close()
    print(f"StoreSight report — {report.info.site}")
    if report.info.warning:
        print(report.info.warning, file=sys.stderr)
    print(f"period: {report.info.period} (times in {report.info.timezone}); cameras: {report.info.cameras}")
    print(f"built in {report.seconds:.2f} s: {', '.join(s.title for s in report.sheets)}")
    if args.xlsx is not None:
        path = write_xlsx(report, args.xlsx)
        print(f"workbook: {path}")
    if args.csv is not None:
        files = write_csv(report, args.csv, sep=sep, decimal=args.decimal)
        print(f"csv: {len(files)} files in {args.csv.expanduser()}")
    return 0


# --- notify -------------------------------------------------------------------------------------


def _site(args: argparse.Namespace) -> tuple[Any, str, Path]:
    """The site config (or None), the database URL and the data folder."""
    from app.cli.stats_cmd import data_folder
    from app.config import load_config
    from app.paths import default_db_url

    cfg = load_config(args.config) if getattr(args, "config", None) else None
    url = args.db or (cfg.storage.db_url if cfg is not None and cfg.storage.db_url else None)
    if url is None:
        url = default_db_url(cfg.storage.data_dir if cfg is not None else None)
    given = getattr(args, "data_dir", None)
    if given is None and cfg is not None and cfg.storage.data_dir:
        given = Path(cfg.storage.data_dir)
    return cfg, url, data_folder(url, given)


def cmd_notify(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight notify run|test|status``."""
    return {"run": _notify_run, "test": _notify_test, "status": _notify_status}[args.notify_command](
        args, stop
    )


def _channels_or_fail(cfg: Any) -> dict[str, Any]:
    from app.notify.worker import make_channels

    if not cfg.notifications.enabled:
        raise UserError(
            "notifications are off in the config (set notifications.enabled: true)", EXIT_BAD_ARGS
        )
    channels = make_channels(cfg.notifications)
    if not channels:
        raise UserError(
            "no notification channel is enabled (add notifications.telegram or a webhook)", EXIT_BAD_ARGS
        )
    return channels


def _notify_run(args: argparse.Namespace, stop: threading.Event) -> int:
    from app.cli.stats_cmd import open_db
    from app.notify.worker import NotifyWorker

    cfg, url, data = _site(args)
    channels = _channels_or_fail(cfg)
    broker = _broker(args)
    if broker and args.once:
        raise UserError("--once reads the database's events; it cannot be used with --broker", 2)
    if broker:  # the notifier's own outbox: a new database is fine (no events are read from it)
        from app.store.db import open_store

        data.mkdir(parents=True, exist_ok=True)
        store = open_store(url)
    else:
        store = open_db(url)
    feed = None
    try:
        worker = NotifyWorker(store, cfg.notifications, data_dir=data, channels=channels, feed_events=not broker)
        names = ", ".join(ch.describe() for ch in channels.values())
        if broker:
            import socket

            from app.bus.rabbit import redact_broker_url
            from app.notify.bus_feed import BusFeed

            node = args.node or f"notifier-{socket.gethostname()}"
            feed = BusFeed(store, cfg.notifications, worker, url=broker, node=node,
                           outbox_file=data / f"outbox-{node}.sqlite")  # fmt: skip
            print(f"alerts of every camera process from {redact_broker_url(broker)} (shared queue)", flush=True)
        if args.once:
            r = worker.run_once()
            print(f"notify: {names}")
            print(
                f"queued {r.queued}, sent {r.sent}, waiting to retry {r.retried}, failed {r.failed}, expired {r.expired}"
            )
            return 0
        print(f"sending notifications to {names}; Ctrl+C to stop", flush=True)
        worker.start()
        if feed is not None:
            feed.start()
        while not stop.wait(0.5):
            if not worker.running:
                raise UserError("the notification worker stopped unexpectedly (see the log)")
        if feed is not None:
            feed.stop()
            print(f"from the broker: {feed.queued} queued, {feed.repeated} delivered again (not queued twice), "
                  f"{feed.unmatched} not wanted by any channel", flush=True)  # fmt: skip
            feed = None
        worker.stop()
    finally:
        if feed is not None:
            feed.stop()
        store.close()
    return 0


def _broker(args: argparse.Namespace) -> str | None:
    import os

    broker = getattr(args, "broker", None) or os.environ.get("STORESIGHT_BROKER", "").strip() or None
    if broker and not broker.startswith(("amqp://", "amqps://")):
        raise UserError("--broker: expected an amqp:// or amqps:// URL", 2)
    return broker


def _notify_test(args: argparse.Namespace, stop: threading.Event) -> int:
    import time

    from app.notify.message import check_message

    cfg, _, _ = _site(args)
    channels = _channels_or_fail(cfg)
    msg = check_message(cfg.site.name, time.time(), None)
    bad = 0
    for ch in channels.values():
        d = ch.send(msg, None, outbox_id=None, timeout=cfg.notifications.timeout)
        if d.ok:
            print(f"{ch.describe()}: delivered")
        else:
            bad += 1
            kind = "refused" if d.permanent else "not reachable now"
            print(f"{ch.describe()}: {kind}: {d.error}")
    if bad:
        raise UserError(f"{bad} of {len(channels)} channel(s) did not take the test message")
    return 0


def _notify_status(args: argparse.Namespace, stop: threading.Event) -> int:
    from app.cli.stats_cmd import open_db, table
    from app.notify.outbox import counts, last_errors

    _, url, _ = _site(args)
    store = open_db(url)
    try:
        c = counts(store)
        errors = last_errors(store)
    finally:
        store.close()
    if not c:
        print("the outbox is empty (no notification queued yet)")
        return 0
    states = ["pending", "sending", "sent", "failed", "expired"]
    print(table(["channel", *states], [[ch, *(n.get(s, 0) for s in states)] for ch, n in sorted(c.items())]))
    if errors:
        print("\nlatest problems:")
        for ch, st, attempts, err in errors:
            print(f"  {ch} ({st}, {attempts} tries): {err}")
    return 0
