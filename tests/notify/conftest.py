"""Fixtures of the notification tests shared between their modules (defined in test_notify_outbox.py)."""

from tests.notify.test_notify_outbox import api, sqlite_shop

__all__ = ["api", "sqlite_shop"]
