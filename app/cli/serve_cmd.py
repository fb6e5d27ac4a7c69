"""``storesight serve --config site.yaml``: every camera of the site, headless, until stopped.

Runs :class:`app.serve.service.SiteService` (the live engine + a supervisor restarting cameras)
and :class:`app.serve.http_api.ApiServer` (the live state on a local HTTP port). SIGTERM (systemd,
``docker stop``, the Windows service wrapper) and Ctrl+C stop it cleanly: every camera's run ends
``complete`` ("live session stopped"), the writer flushes, the database closes. A status line per
camera goes to stdout every ``--status-every`` seconds (journald keeps them).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from app.cli.options import add_db_option
from app.errors import UserError

#: Environment variable holding the API token (preferred to a command-line argument: not in ``ps``).
TOKEN_ENV = "STORESIGHT_TOKEN"
#: Environment variable holding the RabbitMQ URL (its password stays out of ``ps``).
BROKER_ENV = "STORESIGHT_BROKER"


def add_parser(sub: argparse._SubParsersAction, add_common: Any) -> None:  # type: ignore[type-arg]
    """Add ``serve`` to the main parser."""
    s = sub.add_parser(
        "serve", help="run every camera of a site headless (24/7 service) with its live state over local HTTP"
    )
    s.add_argument("--config", type=Path, required=True, help="site config YAML")
    add_db_option(s)
    s.add_argument(
        "--listen",
        default="127.0.0.1:8765",
        help="HOST:PORT of the live-state API (default 127.0.0.1:8765; another host needs a token; "
        "PORT 0 picks a free one)",
    )
    s.add_argument(
        "--token-file",
        type=Path,
        help=f"file holding the API token (default: ${TOKEN_ENV}); required to listen beyond 127.0.0.1",
    )
    s.add_argument(
        "--status-every", type=float, default=60.0, help="seconds between status lines on stdout (0: none)"
    )
    s.add_argument("--no-api", action="store_true", help="no HTTP API (cameras only)")
    s.add_argument(
        "--broker",
        help=f"RabbitMQ URL (amqp://user:password@host:5672/%%2F) for live signals between machines "
        f"(default: ${BROKER_ENV}; none: this process alone)",
    )
    s.add_argument(
        "--node", help="this process's name on the broker (default: the host name; unique per process)"
    )
    add_common(s)


def _token(args: argparse.Namespace) -> str | None:
    if args.token_file is not None:
        try:
            token = args.token_file.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise UserError(f"--token-file: cannot read {args.token_file} ({e.strerror})", 2) from None
        if len(token) < 16:
            raise UserError("--token-file: the token must be at least 16 characters", 2)
        return token
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token and len(token) < 16:
        raise UserError(f"${TOKEN_ENV}: the token must be at least 16 characters", 2)
    return token or None


def _status_lines(status: dict[str, Any]) -> list[str]:
    lines = [
        f"{c['id']}: {c['status']} · p95 {c['latency_p95_s']:.2f} s · {c['frames']} frames · "
        f"{c['restarts']} restarts"
        for c in status["cameras"]
    ]
    b = status.get("bus")
    if b:
        state = "connected" if b["connected"] else f"not connected ({b['last_error']})"
        lines.append(
            f"bus {b['node']}: {state} · {b['published']} published, {b['outbox']} in the outbox · "
            f"{b['received']} received ({b['remote_entries']} entries) · {b['notified']} notifications"
        )
    return lines


def cmd_serve(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight serve``: run until SIGTERM/SIGINT; 0 when stopped by SIGTERM, 130 by Ctrl+C."""
    from app.cli.commands import _db_and_data
    from app.config import load_config
    from app.serve.http_api import ApiServer, parse_listen
    from app.serve.service import SiteService

    host, port = parse_listen(args.listen)
    token = _token(args)
    if args.status_every < 0:
        raise UserError("--status-every must be ≥ 0", 2)
    cfg = load_config(args.config)
    cams = [c for c in cfg.cameras if c.enabled]
    if not cams:
        raise UserError(f"{args.config}: no enabled camera to serve", 2)
    db_url, data_dir = _db_and_data(cfg, args.db, None)
    if not args.no_api:  # refuse an open network port before anything starts
        from app.serve.http_api import check_listen

        check_listen(host, token)
    terminated = threading.Event()
    if threading.current_thread() is threading.main_thread():

        def on_term(signum: int, frame: object) -> None:
            terminated.set()
            stop.set()

        signal.signal(signal.SIGTERM, on_term)
    broker = args.broker or os.environ.get(BROKER_ENV, "").strip() or None
    if broker and not broker.startswith(("amqp://", "amqps://")):
        raise UserError("--broker: expected an amqp:// or amqps:// URL", 2)
    svc = SiteService(cfg, db_url=db_url, data_dir=data_dir, broker=broker, node=args.node)
    # the port first: a port in use is refused before any camera starts (nothing half-written)
    acc_store = None
    if not args.no_api:  # accounts (app/store/accounts.py): with two or more, the API takes logins too
        from app.store.db import open_store

        acc_store = open_store(db_url)
    api: ApiServer | None = (
        None if args.no_api else ApiServer(svc, host, port, token=token, accounts=acc_store)
    )
    try:
        svc.start()
    except BaseException:
        if api is not None:
            api.close()
        raise
    try:
        if api is not None:
            api.start()
        where = f"live state on {api.url}" if api else "no API"
        auth = " (token required)" if api and token else ""
        print(
            f"serving {len(cams)} camera(s) of {cfg.site.name!r}: {where}{auth}; detector: {svc.engine.backend}",
            flush=True,
        )
        while not stop.wait(args.status_every or 3600.0):
            if args.status_every:
                for line in _status_lines(svc.status()):
                    print(line, flush=True)
    finally:
        print("stopping: ending every camera's run…", file=sys.stderr, flush=True)
        if api is not None:
            api.stop()
        if acc_store is not None:
            acc_store.close()
        svc.stop()
    final = {"cameras": [svc._camera(s) for s in svc.engine.snapshots().values()], "bus": svc.bus_status()}
    for line in _status_lines(final):
        print(line, flush=True)
    print("stopped", flush=True)
    return 0 if terminated.is_set() else 130
