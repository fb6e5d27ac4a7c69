"""``storesight secrets``: keep camera passwords, bot tokens and webhook keys out of the YAML (app/vault.py).

* ``secrets set NAME`` — store a secret (typed twice without echo, or read from stdin when piped);
  the config then says ``${keyring:NAME}`` where the value was;
* ``secrets list`` / ``secrets delete NAME``;
* ``secrets move --config site.yaml`` — move every secret of a config (camera URLs with a password,
  the Telegram token, webhook tokens and URLs with credentials) into the vault and put references
  into the file (comments and order kept).
"""

from __future__ import annotations

import argparse
import getpass
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.errors import UserError
from app.vault import move_secrets


def add_parser(sub: Any, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``secrets set|list|delete|move`` to the main parser's sub-parsers."""
    s = sub.add_parser("secrets", help="camera passwords and tokens in the OS keyring (or an encrypted file)")
    ss = s.add_subparsers(dest="action", metavar="ACTION", required=True)
    st = ss.add_parser("set", help="store a secret; the config refers to it as ${keyring:NAME}")
    st.add_argument("name", help="e.g. camera-door-source, telegram-token")
    add_common(st)
    ls = ss.add_parser("list", help="the stored secrets' names and where they are")
    add_common(ls)
    dl = ss.add_parser("delete", help="remove a stored secret")
    dl.add_argument("name")
    add_common(dl)
    mv = ss.add_parser("move", help="move a config's secrets into the vault; the file keeps references")
    mv.add_argument("--config", type=Path, required=True, help="the site config YAML")
    add_common(mv)


def _read_value(name: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"{name}: ")
    if getpass.getpass(f"{name} again: ") != first:
        raise UserError("the two entries differ; nothing stored", 2)
    return first


def cmd_secrets(args: argparse.Namespace, stop: threading.Event) -> int:
    """``storesight secrets set|list|delete|move``."""
    del stop
    from app.vault import Vault

    vault = Vault()
    if args.action == "set":
        vault.set(args.name, _read_value(args.name))
        print(
            f"stored {args.name} in the {vault.describe()}; use it in the config as ${{keyring:{args.name}}}"
        )
        return 0
    if args.action == "list":
        print(f"secrets in the {vault.describe()}:")
        for n in vault.names():
            print(f"  {n}")
        return 0
    if args.action == "delete":
        if not vault.delete(args.name):
            raise UserError(f"no secret called {args.name!r}", 2)
        print(f"deleted {args.name}")
        return 0
    moved = move_secrets(args.config, vault)
    if not moved:
        print(f"{args.config}: no secrets in the file (nothing to move)")
    else:
        print(f"moved {len(moved)} secret(s) into the {vault.describe()}: {', '.join(moved)}")
        print(f"{args.config} now refers to them as ${{keyring:NAME}}")
    return 0
