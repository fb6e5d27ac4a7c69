"""Accounts: Argon2id, roles, lock-out and the audit log (issue 19)."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from pathlib import Path

import pytest

from app.store import accounts
from app.store.db import open_store
from app.store.schema import utcnow
from tests.cli_support import one_error_line, run_cli

PW = "correct horse battery"


def test_roles_lockout_and_audit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = open_store(url)
    accounts.add_user(store, "ana", "admin", PW)
    assert not accounts.login_required(store)  # one person: no login
    accounts.add_user(store, "olaf", "operator", "operator pass 1")
    assert accounts.login_required(store)
    olaf = accounts.verify(store, "olaf", "operator pass 1")
    assert olaf.can("live") and olaf.can("alerts") and not olaf.can("timesheets") and not olaf.can("faces")
    assert accounts.verify(store, "ana", PW).can("erase")
    with pytest.raises(accounts.LoginError, match="wrong name or password"):
        accounts.verify(store, "nobody", PW)
    for _ in range(accounts.MAX_FAILED - 1):
        with pytest.raises(accounts.LoginError, match="wrong name or password"):
            accounts.verify(store, "ana", "guess")
    with pytest.raises(accounts.LoginError, match="locked for 15 minutes"):
        accounts.verify(store, "ana", "guess")
    with pytest.raises(accounts.LoginError, match="locked"):
        accounts.verify(store, "ana", PW)  # even the right password while locked
    later = utcnow() + dt.timedelta(minutes=accounts.LOCK_MINUTES + 1)
    assert accounts.verify(store, "ana", PW, now=later).role == "admin"
    actions = [e.action for e in accounts.audit_entries(store, 100)]
    assert {"login", "login_failed", "locked", "login_refused", "account_added"} <= set(actions)
    with pytest.raises(Exception, match="at least 10"):
        accounts.add_user(store, "short", "manager", "abc")
    store.close()
    con = sqlite3.connect(tmp_path / "a.db")
    hashes = [h for (h,) in con.execute("select password_hash from user_accounts")]
    dump = "\n".join(con.iterdump())
    con.close()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert PW not in dump and "operator pass 1" not in dump and "guess" not in dump


def test_users_cli_and_audited_erasure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = str(tmp_path / "u.db")
    monkeypatch.setattr("sys.stdin", io.StringIO(PW + "\n"))
    code, out, err = run_cli(capsys, "users", "add", "mia", "--role", "manager", "--db", db)
    assert code == 0 and "added mia (manager)" in out, err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run_cli(capsys, "users", "add", "max", "--role", "operator", "--db", db)
    assert code == 2 and "at least 10" in one_error_line(err)
    code, out, _ = run_cli(capsys, "users", "list", "--db", db)
    assert code == 0 and "mia" in out and "manager" in out
    code, _, err = run_cli(capsys, "prune", "--db", db, "--days", "30")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "audit", "--db", db)
    assert code == 0 and "account_added" in out and "erase" in out and "prune" in out
    assert PW not in out
