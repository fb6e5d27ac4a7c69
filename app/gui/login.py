"""The window's login (when more than one account exists) and what each role may see.

:func:`ask_login` shows :class:`LoginDialog` until a name and password are right (each try goes
through :func:`app.store.accounts.verify`: lock-out and audit log included) or the person cancels.
:func:`apply_role` hides the tabs the role may not use: an operator sees the live view and the
events (alerts); a manager also the dashboard, heatmap, staff (face data, timesheets) and plates;
an admin everything, with the zones and settings.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.store import accounts
from app.store.db import Store

#: Tab title -> the permission it needs (app.store.accounts.PERMISSIONS).
TAB_PERMISSION = {
    "Live": "live",
    "Zones": "cameras",
    "Dashboard": "dashboard",
    "Heatmap": "dashboard",
    "Events": "alerts",
    "Staff": "staff",
    "Plates": "reports",
    "Models": "settings",
    "Settings": "settings",
}  # a tab not listed needs "settings" (admin only)


class LoginDialog(QDialog):
    """Name and password; stays open with the reason until they are right (or Cancel).

    Attributes:
        user: who logged in (None until then).
    """

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user: accounts.User | None = None
        self.setWindowTitle("StoreSight — log in")
        self.name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #a12a2a;")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Password", self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("More than one person uses this computer: who is there?"))
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(buttons)

    def try_login(self) -> None:
        """Check the name and password; accept, or say why not and clear the password."""
        try:
            self.user = accounts.verify(self.store, self.name.text().strip(), self.password.text())
        except accounts.LoginError as e:
            self.message.setText(str(e))
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()


def ask_login(store: Store) -> accounts.User | None:
    """The logged-in user; None when cancelled. Only call when :func:`accounts.login_required`."""
    dlg = LoginDialog(store)
    return dlg.user if dlg.exec() == QDialog.DialogCode.Accepted else None


def login_for(
    store: Store, asker: Callable[[Store], accounts.User | None] | None = None
) -> tuple[bool, accounts.User | None]:
    """Who may open ``store``: asked whenever it has two or more accounts (also on File → Open).

    Returns:
        ``(True, None)``: no login needed (no or one account); ``(True, user)``: logged in;
        ``(False, None)``: cancelled — the database must not be shown.
    """
    if not accounts.login_required(store):
        return True, None
    user = (asker or ask_login)(store)
    return user is not None, user


def apply_role(window: QWidget, user: accounts.User) -> list[str]:
    """Hide the window's tabs ``user`` may not use; returns the titles left visible."""
    tabs = window.tabs  # type: ignore[attr-defined]
    shown = []
    for i in range(tabs.count()):
        title = tabs.tabText(i).replace("&", "")
        ok = user.can(TAB_PERMISSION.get(title, "settings"))
        tabs.setTabVisible(i, ok)
        tabs.setTabEnabled(i, ok)
        if ok:
            shown.append(title)
    for i in range(tabs.count()):  # start on a tab the user may see
        if tabs.isTabVisible(i):
            tabs.setCurrentIndex(i)
            break
    window.setWindowTitle(f"{window.windowTitle()} — {user.name} ({user.role})")
    window.current_user = user  # type: ignore[attr-defined]  # what it may do (e.g. replace a run)
    store = getattr(window, "store", None)
    document = getattr(window, "document", None)
    if store is not None and document is not None:  # setting changes go to the audit log, with who
        document.on_saved = lambda what: accounts.audit(store, user.name, "setting", what)
    return shown
