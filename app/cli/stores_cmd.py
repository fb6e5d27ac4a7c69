"""``storesight stores``: the head office's view of a chain — the catalogue's numbers per store and for all stores.

Reads a stores file (:mod:`app.chain`: each store's database and service) and prints one row per
store with the site numbers of the metric catalogue (:func:`app.store.metrics.key_numbers`) and an
"All stores" row (:func:`app.store.metrics.combine_site_numbers`: counts summed, shares from the
sums, durations' medians not combined). ``--live`` adds each store's running service: cameras live
of all, broker connected. A store that cannot be read is listed with its reason; the exit code is
then 4 (incomplete).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import threading
from pathlib import Path
from typing import Any

from app.errors import UserError

#: The columns of the table (catalogue keys), in order.
COLUMNS = ("footfall_in", "visits", "visit_median_s", "conversion", "zone_stays", "queue_customers",
           "wait_p90_s", "queue_alerts")  # fmt: skip


def add_parser(sub: argparse._SubParsersAction, add_common: Any) -> None:  # type: ignore[type-arg]
    """Add ``stores`` to the main parser."""
    from app.chain import STORES_ENV
    from app.cli.options import add_json_option

    s = sub.add_parser("stores", help="head office: the numbers of every store of a chain, and of all stores")
    s.add_argument(
        "--stores", type=Path, help=f"the stores file (default: ${STORES_ENV}); see docs/head-office.md"
    )
    s.add_argument(
        "--from", dest="since", metavar="DATE", help="start of the period, YYYY-MM-DD[THH:MM] (UTC)"
    )
    s.add_argument(
        "--to", dest="until", metavar="DATE", help="end of the period, exclusive (a date: its end)"
    )
    s.add_argument("--role", choices=["customer", "staff", "all"], default="customer", help="whose numbers")
    s.add_argument(
        "--live", action="store_true", help="also ask each store's running service how its cameras are"
    )
    add_json_option(s)
    add_common(s)


def stores_path(given: Path | None) -> Path:
    """The stores file: ``--stores``, else ``$STORESIGHT_STORES`` (UserError exit 2 when neither)."""
    from app.chain import STORES_ENV

    path = given or (Path(os.environ[STORES_ENV]) if os.environ.get(STORES_ENV) else None)
    if path is None:
        raise UserError(f"--stores: name the stores file (or set ${STORES_ENV})", 2)
    return path


def _live(service: str | None) -> str:
    if not service:
        return "no service listed"
    from app.serve.client import ServiceClient

    try:
        st = ServiceClient(service, token=os.environ.get("STORESIGHT_TOKEN") or None, timeout=3.0).status()
    except UserError as e:
        return str(e)
    cams = st.get("cameras", [])
    live = sum(1 for c in cams if c.get("state") == "live")
    return f"{live} of {len(cams)} cameras live"


def cmd_stores(args: argparse.Namespace, stop: threading.Event) -> int:
    """Print the per-store and all-stores numbers; 4 when a store could not be read."""
    import datetime as dt

    from app.chain import chain_numbers, load_stores
    from app.cli.stats_cmd import fmt_metric, parse_moment, table
    from app.store.metrics import CATALOGUE, json_value

    refs = load_stores(stores_path(args.stores))
    since = parse_moment(args.since, dt.UTC, option="--from") if args.since else None
    until = parse_moment(args.until, dt.UTC, end=True, option="--to") if args.until else None
    if since is not None and until is not None and since >= until:
        raise UserError("--from must be before --to", 2)
    rows, combined = chain_numbers(refs, since, until, role=args.role)
    live = {r.store.id: _live(r.store.service) for r in rows} if args.live else {}
    bad = [r for r in rows if r.numbers is None]
    if args.json:
        out = {
            "stores": [{"id": r.store.id, "name": r.store.label, "db": r.store.safe_db, "error": r.error or None,
                        **({"live": live[r.store.id]} if args.live else {}),
                        "numbers": {k: json_value(v) for k, v in (r.numbers or {}).items()}} for r in rows],
            "all_stores": {k: json_value(v) for k, v in combined.items()},
        }  # fmt: skip
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        head = ["store", *(CATALOGUE[k].name for k in COLUMNS)] + (["live"] if args.live else [])
        body = []
        for r in rows:
            if r.numbers is None:
                body.append([r.store.label, "not read (below)", *[""] * (len(COLUMNS) - 1)]
                            + ([live[r.store.id]] if args.live else []))  # fmt: skip
                continue
            body.append([r.store.label, *(fmt_metric(k, r.numbers.get(k, math.nan)) for k in COLUMNS)]
                        + ([live[r.store.id]] if args.live else []))  # fmt: skip
        body.append([f"All stores ({len(rows) - len(bad)})", *(fmt_metric(k, combined.get(k, math.nan))
                                                               for k in COLUMNS)] + ([""] if args.live else []))  # fmt: skip
        print(table(head, body))
        print("All stores: counts added, conversion from the added counts; medians and percentiles of "
              "durations are per store only (-).")  # fmt: skip
        for r in bad:
            print(f"{r.store.label}: not read: {r.error}")
    if bad:
        raise UserError(f"{len(bad)} of {len(rows)} store(s) could not be read", 4)
    return 0
