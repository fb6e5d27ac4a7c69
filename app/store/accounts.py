"""Accounts: who may see and change what, passwords as Argon2id, lock-out, and the audit log.

Roles and what they may do (:data:`PERMISSIONS`):

* ``admin`` — everything: cameras, settings, erasing data, accounts;
* ``manager`` — reports, dashboards, staff and timesheets, face data;
* ``operator`` — the live view and alerts.

A login is required once more than one account exists (:func:`login_required`); with none or one,
the workstation is a one-person shop and opens as before. :data:`MAX_FAILED` wrong passwords in a
row lock the account for :data:`LOCK_MINUTES` minutes. Logins, failures, lock-outs, exports,
erasures, setting and account changes go to the audit log (:func:`audit`, :func:`audit_entries`).

Example:
    >>> from app.store.db import open_store
    >>> store = open_store("sqlite://")
    >>> _ = add_user(store, "ana", "admin", "correct horse battery")
    >>> verify(store, "ana", "correct horse battery").role, login_required(store)
    ('admin', False)
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update

from app.errors import UserError
from app.redaction import plain_text
from app.store.db import Store
from app.store.schema import AuditEntry, UserAccount, utcnow

log = logging.getLogger(__name__)

ROLES = ("admin", "manager", "operator")
#: Permission -> the roles that have it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "live": frozenset(ROLES),
    "alerts": frozenset(ROLES),
    "dashboard": frozenset({"admin", "manager"}),
    "reports": frozenset({"admin", "manager"}),
    "staff": frozenset({"admin", "manager"}),
    "faces": frozenset({"admin", "manager"}),
    "timesheets": frozenset({"admin", "manager"}),
    "cameras": frozenset({"admin"}),
    "settings": frozenset({"admin"}),
    "erase": frozenset({"admin"}),
    "accounts": frozenset({"admin"}),
}
MAX_FAILED = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10


class LoginError(UserError):
    """A login was refused (wrong name or password, or the account is locked); exit code 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 2)


@dataclass(frozen=True, slots=True)
class User:
    """A logged-in (or listed) person.

    Attributes:
        name: the account name.
        role: admin, manager or operator.
    """

    name: str
    role: str

    def can(self, permission: str) -> bool:
        """Whether this user may do ``permission`` (a key of :data:`PERMISSIONS`)."""
        return can(self.role, permission)


def can(role: str, permission: str) -> bool:
    """Whether ``role`` has ``permission``.

    Example:
        >>> can("operator", "live"), can("operator", "timesheets"), can("manager", "erase")
        (True, False, False)
    """
    return role in PERMISSIONS.get(permission, frozenset())


def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher  # Argon2id with the library's (RFC 9106 low-memory) parameters

    return PasswordHasher()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters", 2)


def audit(store: Store, user: str | None, action: str, detail: str = "") -> None:
    """Add a line to the audit log (never the password; control characters removed)."""
    with store.session(write=True) as s:
        s.add(AuditEntry(at=utcnow(), user=user, action=action, detail=plain_text(detail)[:2000]))


def audit_entries(store: Store, limit: int = 50) -> list[AuditEntry]:
    """The newest audit lines first."""
    with store.session() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))


def add_user(store: Store, name: str, role: str, password: str, *, by: str | None = None) -> User:
    """Create an account.

    Raises:
        UserError: a bad name or role, a short password, or the name is taken (exit code 2).
    """
    name = plain_text(name).strip()
    if not name or len(name) > 80:
        raise UserError("the account name must have 1 to 80 characters", 2)
    if role not in ROLES:
        raise UserError(f"role {role!r}: use one of {', '.join(ROLES)}", 2)
    _check_password(password)
    with store.session(write=True) as s:
        if s.scalar(select(UserAccount.id).where(UserAccount.name == name)) is not None:
            raise UserError(f"there is already an account {name!r}", 2)
        s.add(
            UserAccount(name=name, role=role, password_hash=_hasher().hash(password), active=True, failed=0)
        )
    audit(store, by, "account_added", f"{name} ({role})")
    return User(name, role)


def set_password(store: Store, name: str, password: str, *, by: str | None = None) -> None:
    """Give an account a new password (and unlock it)."""
    _check_password(password)
    with store.session(write=True) as s:
        n = s.execute(
            update(UserAccount)
            .where(UserAccount.name == name)
            .values(password_hash=_hasher().hash(password), failed=0, locked_until=None)
        ).rowcount
    if not n:
        raise UserError(f"no account {name!r}", 2)
    audit(store, by, "password_changed", name)


def remove_user(store: Store, name: str, *, by: str | None = None) -> None:
    """Deactivate an account (its audit lines stay)."""
    with store.session(write=True) as s:
        n = s.execute(update(UserAccount).where(UserAccount.name == name).values(active=False)).rowcount
    if not n:
        raise UserError(f"no account {name!r}", 2)
    audit(store, by, "account_removed", name)


def users(store: Store) -> list[tuple[str, str, bool]]:
    """(name, role, locked now) of the active accounts."""
    now = utcnow()
    with store.session() as s:
        rows = s.execute(
            select(UserAccount.name, UserAccount.role, UserAccount.locked_until)
            .where(UserAccount.active.is_(True))
            .order_by(UserAccount.name)
        ).all()
    return [(n, r, _aware(until) is not None and _aware(until) > now) for n, r, until in rows]


def login_required(store: Store) -> bool:
    """More than one active account: the window and the API ask who is there."""
    with store.session() as s:
        n = s.scalar(select(func.count()).select_from(UserAccount).where(UserAccount.active.is_(True)))
    return int(n or 0) > 1


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    return t.replace(tzinfo=dt.UTC) if t is not None and t.tzinfo is None else t


def verify(store: Store, name: str, password: str, *, now: dt.datetime | None = None) -> User:
    """Check a login; count failures, lock after :data:`MAX_FAILED`, and log every attempt.

    Raises:
        LoginError: wrong name or password (the same words for both), or the account is locked.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    now = now or utcnow()
    with store.session() as s:
        acc = s.scalar(select(UserAccount).where(UserAccount.name == name, UserAccount.active.is_(True)))
    if acc is None:
        _hasher().hash(password)  # the same time as a wrong password: names cannot be probed
        audit(store, None, "login_failed", f"unknown account {name!r}")
        raise LoginError("wrong name or password")
    locked = _aware(acc.locked_until)
    if locked is not None and locked > now:
        audit(store, name, "login_refused", "account locked")
        mins = max(1, int((locked - now).total_seconds() // 60) + 1)
        raise LoginError(f"the account is locked for {mins} more minute(s) after too many wrong passwords")
    try:
        _hasher().verify(acc.password_hash, password)
    except (VerificationError, InvalidHashError):
        failed = acc.failed + 1
        values: dict[str, object] = {"failed": failed}
        if failed >= MAX_FAILED:
            values.update(failed=0, locked_until=now + dt.timedelta(minutes=LOCK_MINUTES))
        with store.session(write=True) as s:
            s.execute(update(UserAccount).where(UserAccount.id == acc.id).values(**values))
        if failed >= MAX_FAILED:
            audit(store, name, "locked", f"{MAX_FAILED} wrong passwords in a row; locked {LOCK_MINUTES} min")
            raise LoginError(
                f"wrong password; the account is now locked for {LOCK_MINUTES} minutes"
            ) from None
        audit(store, name, "login_failed", f"wrong password ({failed} in a row)")
        raise LoginError("wrong name or password") from None
    with store.session(write=True) as s:
        s.execute(update(UserAccount).where(UserAccount.id == acc.id).values(failed=0, locked_until=None))
    audit(store, name, "login", acc.role)
    return User(acc.name, acc.role)
