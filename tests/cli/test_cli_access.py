"""CLI commands restricted by account once the database has two or more (issue 19)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.cli.main import main
from app.store import accounts
from app.store.db import open_store

PASSWORDS = {"ana": "admin-pass-123", "max": "manager-pass-123", "olga": "operator-pass-123"}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "site.db"
    store = open_store(f"sqlite:///{path}")
    for (name, pw), role in zip(PASSWORDS.items(), ("admin", "manager", "operator"), strict=True):
        accounts.add_user(store, name, role, pw)
    store.close()
    return path


def _as(monkeypatch: pytest.MonkeyPatch, name: str | None, password: str | None = None) -> None:
    for var, value in (("STORESIGHT_USER", name), ("STORESIGHT_PASSWORD", password)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)


def _audit(db: Path) -> list[tuple[str | None, str, str]]:
    con = sqlite3.connect(db)
    try:
        return [tuple(r) for r in con.execute("select user, action, detail from audit_log order by id")]
    finally:
        con.close()


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("storesight: error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("who", "argv", "permission"),
    [
        ("olga", ["timesheet", "--day", "2026-11-20"], "timesheets"),
        ("olga", ["stats"], "reports"),
        ("max", ["faces", "erase", "--employee", "7"], "erase"),
        ("max", ["prune", "--dry-run"], "erase"),
        ("max", ["users", "list"], "accounts"),
        ("max", ["audit"], "accounts"),
    ],
)
def test_a_role_without_the_right_is_refused_with_one_line_and_audited(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    who: str, argv: list[str], permission: str,
) -> None:  # fmt: skip
    _as(monkeypatch, who, PASSWORDS[who])
    assert main([*argv, "--db", str(db)]) == 2
    line = _err(capsys)
    assert f"not allowed for {who}" in line and f"the {permission} permission" in line, line
    assert PASSWORDS[who] not in line
    user, action, detail = _audit(db)[-1]
    assert (user, action) == (who, "denied") and detail.startswith(argv[0])


def test_the_right_role_runs_the_command_and_it_is_audited(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, "ana", PASSWORDS["ana"])
    assert main(["users", "list", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "olga" in out and "operator" in out
    assert _audit(db)[-2:] == [("ana", "login", "admin"), ("ana", "command", "users list")]
    _as(monkeypatch, "max", PASSWORDS["max"])
    assert main(["stats", "--db", str(db)]) == 0
    assert _audit(db)[-1] == ("max", "command", "stats")
    # Who changed an account is the account logged in, not the computer's user.
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-new-password-1\n"))
    _as(monkeypatch, "ana", PASSWORDS["ana"])
    assert main(["users", "passwd", "olga", "--db", str(db)]) == 0
    assert _audit(db)[-1] == ("ana", "password_changed", "olga")


def test_no_login_or_a_wrong_password_is_refused(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, None)
    assert main(["timesheet", "--day", "2026-11-20", "--db", str(db)]) == 2
    line = _err(capsys)
    assert "needs a login" in line and "STORESIGHT_USER" in line and "admin, manager" in line
    _as(monkeypatch, "max", "not-his-password")
    assert main(["timesheet", "--day", "2026-11-20", "--db", str(db)]) == 2
    assert "wrong name or password" in _err(capsys)
    assert _audit(db)[-1][:2] == ("max", "login_failed")
    _as(monkeypatch, "max", None)  # no password and no terminal to ask on
    assert main(["stats", "--db", str(db)]) == 2
    assert "STORESIGHT_PASSWORD" in _err(capsys)


def test_analyze_replace_run_is_an_erasure(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _as(monkeypatch, "max", PASSWORDS["max"])
    video = Path(__file__).resolve().parents[2] / "resources" / "demo" / "vtest.avi"
    assert main(["analyze", str(video), "--db", str(db), "--out", str(tmp_path), "--replace-run"]) == 2
    assert "'analyze --replace-run' is not allowed for max (manager)" in _err(capsys)
    assert _audit(db)[-1] == ("max", "denied", "analyze --replace-run")


def test_one_account_or_none_needs_no_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, None)
    path = tmp_path / "one.db"
    assert main(["users", "list", "--db", str(path)]) == 0  # no accounts at all
    store = open_store(f"sqlite:///{path}")
    accounts.add_user(store, "solo", "operator", "solo-pass-123")
    store.close()
    capsys.readouterr()
    assert main(["users", "list", "--db", str(path)]) == 0
    assert "solo" in capsys.readouterr().out
