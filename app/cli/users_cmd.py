"""``storesight users add|list|remove|passwd`` and ``storesight audit`` (app/store/accounts.py)."""

from __future__ import annotations

import argparse
import getpass
import sys
import threading
from collections.abc import Callable
from typing import Any

from app.errors import UserError


def add_parsers(sub: Any, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``users`` and ``audit`` to the main parser's sub-parsers."""
    u = sub.add_parser(
        "users", help="accounts (admin, manager, operator): a login once there are two or more"
    )
    us = u.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (
        ("add", "create an account (the password is asked for, or read from stdin)"),
        ("list", "the accounts and their roles"),
        ("remove", "deactivate an account"),
        ("passwd", "set a new password (also unlocks)"),
    ):
        p = us.add_parser(name, help=text)
        p.add_argument("--db", help="database URL or SQLite file (default: the data folder's)")
        if name != "list":
            p.add_argument("name", help="the account name")
        if name == "add":
            p.add_argument("--role", required=True, choices=["admin", "manager", "operator"])
        add_common(p)
    a = sub.add_parser("audit", help="the audit log: logins, exports, erasures, setting changes")
    a.add_argument("--db", help="database URL or SQLite file (default: the data folder's)")
    a.add_argument("--limit", type=int, default=50, help="how many lines, newest first (default 50)")
    add_common(a)


def cli_user() -> str:
    """Who runs this command, for the audit log (the account logged in, else the computer's user)."""
    from app.cli.access import current_user

    if (user := current_user()) is not None:
        return user.name
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def audit_now(store: Any, action: str, detail: str) -> None:
    """Add an audit line for this command's user; a read-only database only gets a log warning."""
    import logging

    from sqlalchemy.exc import SQLAlchemyError

    from app.store.accounts import audit

    try:
        audit(store, cli_user(), action, detail)
    except SQLAlchemyError as e:
        logging.getLogger(__name__).warning("audit log not written (%s)", type(e).__name__)


def _password(name: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {name}: ")
    if getpass.getpass("again: ") != first:
        raise UserError("the two passwords differ", 2)
    return first


def cmd_users(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight users …``."""
    del stop
    from app.redaction import sanitize
    from app.store import accounts
    from app.store.db import open_store

    store = open_store(args.db)
    try:
        me = cli_user()
        if args.action == "add":
            accounts.add_user(store, args.name, args.role, _password(args.name), by=me)
            print(f"added {args.name} ({args.role})")
            if accounts.login_required(store):
                print("more than one account: the window now asks who is there")
        elif args.action == "passwd":
            accounts.set_password(store, args.name, _password(args.name), by=me)
            print(f"new password for {args.name}")
        elif args.action == "remove":
            accounts.remove_user(store, args.name, by=me)
            print(f"removed {args.name}")
        else:
            rows = accounts.users(store)
            if not rows:
                print("no accounts (the window opens without a login)")
            for name, role, locked in rows:
                print(f"{sanitize(name):20} {role:9}{'  locked' if locked else ''}")
    finally:
        store.close()
    return 0


def cmd_audit(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight audit``: the newest lines of the audit log."""
    del stop
    from app.redaction import sanitize
    from app.store import accounts
    from app.store.db import open_store

    store = open_store(args.db)
    try:
        for e in accounts.audit_entries(store, args.limit):
            print(
                f"{e.at:%Y-%m-%d %H:%M:%S} UTC  {sanitize(e.user or '-'):16} {e.action:16} {sanitize(e.detail)}"
            )
    finally:
        store.close()
    return 0
