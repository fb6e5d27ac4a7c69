"""Command-line options shared by the commands that read a period from the database (no heavy imports)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_period_options(
    p: argparse.ArgumentParser,
    *,
    camera_required: bool = False,
    db_required: bool = False,
    json: bool = False,
) -> None:
    """``--db``, ``--camera``, ``--from``, ``--to``, ``--role`` (and ``--json``) on a sub-command."""
    p.add_argument(
        "--db",
        required=db_required,
        help="database URL or SQLite file, e.g. storesight-demo/storesight.db"
        + ("" if db_required else " (default: the data folder's)"),
    )
    p.add_argument(
        "--camera",
        required=camera_required,
        help="camera id from the config" + ("" if camera_required else " (default: all cameras)"),
    )
    p.add_argument(
        "--from",
        dest="since",
        metavar="DATE",
        help="start of the period: YYYY-MM-DD or YYYY-MM-DDTHH:MM, site time (default: all data)",
    )
    p.add_argument(
        "--to",
        dest="until",
        metavar="DATE",
        help="end of the period, exclusive; a date alone means the end of that day",
    )
    p.add_argument(
        "--role",
        choices=["customer", "staff", "all"],
        default="customer",
        help="whose data: customer = everyone not marked staff (default), staff, or all",
    )
    if json:
        add_json_option(p)


def add_db_option(p: argparse.ArgumentParser) -> None:
    """``--db`` of a command that also reads the site config: the config's database, else the data folder's."""
    p.add_argument("--db", help="database URL (default: from the config, else the data folder's)")


def add_json_option(p: argparse.ArgumentParser) -> None:
    """``--json``: print the numbers as one JSON object (keys from the metric catalogue) instead of tables."""
    p.add_argument(
        "--json",
        action="store_true",
        help="print the numbers as JSON (keys named after docs/metrics.md) instead of tables",
    )


def add_pictures_action(
    actions: argparse._SubParsersAction, name: str, *, help: str, json_help: str
) -> argparse.ArgumentParser:
    """An action that reads picture files (``faces identify``, ``plates read``, ``ppe check``).

    Args:
        actions: the command's sub-parsers.
        name: the action's name.
        help: the action's one-line help.
        json_help: the help of its ``--json`` option.

    Returns:
        The action's parser with the ``images`` arguments and ``--json``; the caller adds the rest.
    """
    a = actions.add_parser(name, help=help)
    a.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="picture files (JPEG, PNG, …)")
    a.add_argument("--json", action="store_true", help=json_help)
    return a
