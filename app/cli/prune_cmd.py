"""``storesight prune``: delete data older than the retention (``storage.retention_days``) by hand.

Prints what was deleted — or with ``--dry-run`` what would be — per kind (events, photos, heatmap
hours, tracks, runs, backgrounds, notifications) and the bytes of files freed. Safe while the app
records: it works in short batches and leaves running analyses alone
(:func:`app.store.maintenance.prune`).
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path
from typing import Any

from app.cli.options import add_db_option
from app.errors import UserError

EXIT_BAD_ARGS = 2


def add_parser(sub: Any, add_common: Any) -> None:
    """Add the ``prune`` sub-command to the main parser's sub-parsers."""
    p = sub.add_parser(
        "prune",
        help="delete events, photos, heatmaps and runs older than the retention (storage.retention_days)",
    )
    add_db_option(p)
    p.add_argument("--config", type=Path, help="site config YAML: retention days, data folder, its cameras")
    p.add_argument(
        "--days",
        type=int,
        help="keep this many days (default: the config's storage.retention_days, else 90)",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        help="data folder holding crops/ and backgrounds/ (default: the config's, else the database file's folder)",
    )
    p.add_argument("--dry-run", action="store_true", help="change nothing; say what would be deleted")
    add_common(p)


def cmd_prune(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight prune``.

    Raises:
        UserError: bad ``--days``, a config that cannot be read, or a database that cannot be used.
    """
    from app.cli.stats_cmd import data_folder, open_db
    from app.config import StorageConfig, load_config
    from app.paths import default_db_url
    from app.store.maintenance import prune, retention_cutoff

    cfg = load_config(args.config) if args.config else None
    days = args.days
    if days is None:
        days = (cfg.storage if cfg is not None else StorageConfig()).retention_days
    if days < 1:
        raise UserError(f"--days must be at least 1, not {days}", EXIT_BAD_ARGS)
    url = args.db or (cfg.storage.db_url if cfg is not None and cfg.storage.db_url else None)
    if url is None:
        url = default_db_url(cfg.storage.data_dir if cfg is not None else None)
    given = args.data_dir
    if given is None and cfg is not None and cfg.storage.data_dir:
        given = Path(cfg.storage.data_dir)
    folder = data_folder(url, given)
    store = open_db(url)
    try:
        cutoff = retention_cutoff(days)
        print(f"database: {store.safe_url}; data folder: {folder}")
        verb = "would delete (dry run: nothing is changed)" if args.dry_run else "deleting"
        print(f"keeping {days} day(s): {verb} what ended before {cutoff:%Y-%m-%d %H:%M} UTC")
        res = prune(store, folder, cutoff, dry_run=args.dry_run, site=cfg, stop=stop)
        if not args.dry_run:
            from app.cli.users_cmd import audit_now

            audit_now(store, "erase", f"prune: before {cutoff:%Y-%m-%d %H:%M} UTC: " + "; ".join(res.lines()))
    finally:
        store.close()
    print("would be deleted:" if args.dry_run else "deleted:")
    for line in res.lines():
        print(line)
    if res.stopped:
        print("stopped early: run it again to delete the rest")
        return 130
    print(f"done in {res.seconds:.1f} s")
    return 0
