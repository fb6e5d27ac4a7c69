"""``storesight doctor``: versions, backends, GPU, paths, database health and free disk for support.

See :mod:`app.doctor` for the checks. ``--json`` prints one JSON document (``status`` and
``checks``) for collecting the state of many workstations.
"""

from __future__ import annotations

import argparse
import json
import threading
from pathlib import Path
from typing import Any

from app.cli.options import add_db_option

MARKS = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}


def add_parser(sub: Any, add_common: Any) -> None:
    """Add the ``doctor`` sub-command to the main parser's sub-parsers."""
    p = sub.add_parser(
        "doctor",
        help="check this installation for support: versions, backends, GPU, paths, database, disk space",
    )
    p.add_argument("--config", type=Path, help="site config YAML (default: site.yaml in the data folder)")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    add_common(p)


def cmd_doctor(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight doctor``: exit 0 when nothing failed (warnings allowed), else 1.

    Raises:
        UserError: the given config cannot be read.
    """
    import contextlib
    import sys
    from dataclasses import asdict

    from app.doctor import diagnose, worst

    # libraries imported while checking (Ultralytics, PyTorch) print banners and warnings to
    # stdout: they go to stderr, so stdout is the report alone (--json stays parseable)
    with contextlib.redirect_stdout(sys.stderr):
        checks = diagnose(args.config, args.db)
    status = worst(checks)
    if args.json:
        print(json.dumps({"status": status, "checks": [asdict(c) for c in checks]}, indent=2, ensure_ascii=False))
    else:
        for c in checks:
            print(f"[{MARKS[c.status]}] {c.name}: {c.detail}")
        print(f"overall: {status}")
    return 1 if status == "fail" else 0
