"""The window's login when more than one account exists, and the tabs each role sees (issue 19)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from app.gui.app import build_window, resolve_setup
from app.gui.login import LoginDialog, apply_role
from app.store import accounts

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture
def setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    shutil.copy(DEMO / "site.yaml", tmp_path / "site.yaml")
    shutil.copy(DEMO / "vtest.avi", tmp_path / "vtest.avi")
    s = resolve_setup(tmp_path / "site.yaml", f"sqlite:///{tmp_path / 'w.db'}")
    accounts.add_user(s.store, "ana", "admin", "admin password 1")
    accounts.add_user(s.store, "olaf", "operator", "operator pass 1")
    accounts.add_user(s.store, "mia", "manager", "manager pass 12")
    yield s
    s.store.close()


def test_login_dialog_says_why_and_accepts_the_right_password(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    assert accounts.login_required(setup.store)
    dlg = LoginDialog(setup.store)
    qtbot.addWidget(dlg)
    dlg.name.setText("olaf")
    dlg.password.setText("nope")
    dlg.try_login()
    assert dlg.user is None and "wrong name or password" in dlg.message.text() and dlg.password.text() == ""
    dlg.password.setText("operator pass 1")
    dlg.try_login()
    assert dlg.result() == LoginDialog.DialogCode.Accepted and dlg.user == accounts.User("olaf", "operator")


@pytest.mark.parametrize(
    ("name", "password", "tabs"),
    [
        ("olaf", "operator pass 1", ["Live", "Events"]),
        ("mia", "manager pass 12", ["Live", "Dashboard", "Heatmap", "Events", "Staff", "Plates"]),
        ("ana", "admin password 1", None),  # None: every tab
    ],
)
def test_each_role_sees_only_its_tabs(
    qtbot, setup, tmp_path: Path, name: str, password: str, tabs: list[str] | None
) -> None:  # type: ignore[no-untyped-def]
    user = accounts.verify(setup.store, name, password)
    win = build_window(setup, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    win.ask_unsaved = lambda parent, what: QMessageBox.StandardButton.Discard
    qtbot.addWidget(win)
    every = [win.tabs.tabText(i).replace("&", "") for i in range(win.tabs.count())]
    assert apply_role(win, user) == (tabs if tabs is not None else every)
    assert "Settings" in every
    assert win.tabs.isTabVisible(win.tabs.currentIndex())
    assert f"{name} ({user.role})" in win.windowTitle()


def test_a_setting_changed_in_the_window_is_audited_with_who(qtbot, setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.config import config_to_dict

    user = accounts.verify(setup.store, "ana", "admin password 1")
    win = build_window(setup, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    win.ask_unsaved = lambda parent, what: QMessageBox.StandardButton.Discard
    qtbot.addWidget(win)
    apply_role(win, user)
    data = config_to_dict(win.document.config)
    data["site"]["region"] = "North"
    win.document.update(data)
    lines = [(e.user, e.action, e.detail) for e in accounts.audit_entries(setup.store, 5)]
    assert ("ana", "setting", "site.yaml: site") in lines
    assert "region: North" in (tmp_path / "site.yaml").read_text(encoding="utf-8")


def test_another_database_with_accounts_asks_again_and_cancel_keeps_it_closed(qtbot, setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """File → Open goes through ``login_for`` too: the new database's accounts decide, not the old login."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.gui.login import login_for
    from app.store.db import open_store

    plain = open_store(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        assert login_for(plain, asker=lambda s: pytest.fail("no accounts: nothing to ask")) == (True, None)
    finally:
        plain.close()

    def answer(name: str | None, password: str = "") -> None:
        def go() -> None:
            dlg = QApplication.activeModalWidget()
            if not isinstance(dlg, LoginDialog):
                QTimer.singleShot(50, go)
                return
            if name is None:
                dlg.reject()
                return
            dlg.name.setText(name)
            dlg.password.setText(password)
            dlg.try_login()

        QTimer.singleShot(50, go)

    answer("mia", "manager pass 12")
    assert login_for(setup.store) == (True, accounts.User("mia", "manager"))
    answer(None)
    assert login_for(setup.store) == (False, None)
