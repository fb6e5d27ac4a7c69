"""Accounts on the command line: which commands a role may run once a database has accounts.

With two or more accounts in the database (:func:`app.store.accounts.login_required`) the
commands in :data:`COMMAND_PERMISSIONS` need a login: the account name in ``STORESIGHT_USER`` and
its password in ``STORESIGHT_PASSWORD``, or typed when asked (a terminal). The role must have the
command's permission (:data:`app.store.accounts.PERMISSIONS`): an operator may not read the
timesheets, a manager may not erase face data or prune. A refusal is one line and exit code 2,
and it goes to the audit log like every command run with an account. With no or one account the
computer's user is trusted, as before.

Example:
    >>> permission_of("faces", "erase"), permission_of("faces", "list"), permission_of("analyze", None)
    ('erase', 'faces', None)
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from app.errors import UserError
from app.store.accounts import PERMISSIONS, User

#: (command, action) → permission; the action ``None`` stands for every action of the command.
COMMAND_PERMISSIONS: dict[tuple[str, str | None], str] = {
    ("users", None): "accounts",
    ("audit", None): "accounts",
    ("prune", None): "erase",
    ("faces", "erase"): "erase",
    ("faces", "prune"): "erase",
    ("faces", None): "faces",
    ("timesheet", None): "timesheets",
    ("employees", None): "staff",
    ("roles", None): "staff",
    ("report", None): "reports",
    ("stats", None): "reports",
    ("heatmap", None): "reports",
    ("notify", None): "alerts",
}
#: The sub-command attribute of the commands that have actions.
_ACTION_ATTR = {
    "users": "action",
    "faces": "faces_command",
    "roles": "roles_cmd",
    "employees": "employees_cmd",
    "notify": "notify_command",
}
USER_ENV, PASSWORD_ENV = "STORESIGHT_USER", "STORESIGHT_PASSWORD"

_current: User | None = None


def permission_of(command: str, action: str | None) -> str | None:
    """The permission ``command action`` needs when accounts are on (``None``: anyone may run it)."""
    return COMMAND_PERMISSIONS.get((command, action)) or COMMAND_PERMISSIONS.get((command, None))


def current_user() -> User | None:
    """The account this command runs as (``None`` when no login was needed)."""
    return _current


def _roles_with(permission: str) -> str:
    return ", ".join(r for r in ("admin", "manager", "operator") if r in PERMISSIONS[permission])


def _accounts_on(db_url: str) -> bool:
    """Whether the database has two or more accounts, without creating or migrating anything."""
    from sqlalchemy import create_engine, func, inspect, select
    from sqlalchemy.engine import make_url

    from app.store.schema import UserAccount

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        file = url.database
        if not file or file == ":memory:" or not Path(file).expanduser().is_file():
            return False  # a new database has no accounts yet
        path = Path(file).expanduser().absolute()
        # Read-only; on a read-only file system a WAL database opens only as immutable.
        urls = [url.set(database=f"file:{path}?{q}", query={"uri": "true"}) for q in ("mode=ro", "immutable=1")]
    else:
        urls = [url]
    for i, candidate in enumerate(urls):
        engine = create_engine(candidate)
        try:
            with engine.connect() as con:
                if not inspect(con).has_table(UserAccount.__tablename__):
                    return False
                query = select(func.count()).select_from(UserAccount).where(UserAccount.active)
                return (con.execute(query).scalar() or 0) >= 2
        except Exception:
            if i == len(urls) - 1:
                raise
        finally:
            engine.dispose()
    return False


def _password(name: str) -> str:
    pw = os.environ.get(PASSWORD_ENV)
    if pw is not None:
        return pw
    if sys.stdin.isatty():
        return getpass.getpass(f"password for {name}: ")
    raise UserError(f"this database has accounts: give the password of {name} in {PASSWORD_ENV} (or run in a terminal)", 2)


def require(db_url: str, permission: str, what: str) -> User | None:
    """Log in (when the database has accounts) and check ``permission``; audit the outcome.

    Args:
        db_url: the database the command works on.
        permission: a key of :data:`~app.store.accounts.PERMISSIONS`.
        what: the command as the audit log and the message name it (``faces erase``).

    Returns:
        The logged-in account, or ``None`` when the database has no (or one) account.

    Raises:
        UserError: no login given, a wrong password or locked account, or a role without the
            permission (exit code 2).
    """
    global _current
    try:
        if not _accounts_on(db_url):
            return None
    except Exception as e:  # an unreadable database: the command itself says what is wrong
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(e, SQLAlchemyError):
            raise
        return None
    name = os.environ.get(USER_ENV, "").strip()
    if not name and sys.stdin.isatty():
        name = input("account: ").strip()
    if not name:
        raise UserError(
            f"this database has accounts: '{what}' needs a login (set {USER_ENV} and {PASSWORD_ENV}); "
            f"allowed roles: {_roles_with(permission)}",
            2,
        )
    from app.store import accounts
    from app.store.db import open_store

    store = open_store(db_url)
    try:
        user = accounts.verify(store, name, _password(name))
        if not user.can(permission):
            accounts.audit(store, user.name, "denied", what)
            raise UserError(
                f"'{what}' is not allowed for {user.name} ({user.role}); it needs the {permission} "
                f"permission: {_roles_with(permission)}",
                2,
            )
        accounts.audit(store, user.name, "command", what)
    finally:
        store.close()
    _current = user
    return user


def check_command(args: object) -> User | None:
    """The check of :func:`require` for a parsed command line (see :data:`COMMAND_PERMISSIONS`)."""
    command = getattr(args, "command", None) or ""
    action = getattr(args, _ACTION_ATTR.get(command, ""), None) if command in _ACTION_ATTR else None
    permission = permission_of(command, action)
    if permission is None:
        return None
    db = getattr(args, "db", None)
    if db is None and getattr(args, "config", None):  # the database the site config names
        from app.config import load_config
        from app.store.db import user_db_url

        try:
            storage = load_config(args.config).storage  # type: ignore[attr-defined]
            if storage.db_url:
                db = user_db_url(storage.db_url, option="storage.db_url")
            elif storage.data_dir:
                from app.paths import default_db_url

                db = default_db_url(storage.data_dir)
        except UserError:
            pass  # a bad config: the command itself says what is wrong
    if db is None:
        from app.paths import default_db_url

        db = default_db_url()
    return require(str(db), permission, f"{command} {action}" if action else command)
