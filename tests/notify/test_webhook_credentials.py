"""A webhook URL with ``user:password@`` works (Basic auth) and its password never leaks (issue 19)."""

from __future__ import annotations

import base64
import logging

import pytest

from app.config import NotificationsConfig
from app.notify import outbox
from app.notify.worker import NotifyWorker
from tests.fake_bot_api import FakeBotApi, server_error
from tests.notify.test_notify_outbox import Clock, Shop, rows

pytestmark = pytest.mark.timeout(120)

#: A password with the characters that break naive URL parsing: ``/``, ``#``, ``?`` and ``@``.
PASSWORD = "Hook/Pw#99?x@y"
QUOTED = "Hook%2FPw%2399%3Fx%40y"


def _cfg(url: str) -> NotificationsConfig:
    return NotificationsConfig.model_validate(
        {"enabled": True, "min_interval": 0, "webhooks": [{"id": "ops", "url": url, "events": ["*.alert"]}]}
    )


@pytest.mark.parametrize("password", [QUOTED, "HookPw99"])
def test_userinfo_becomes_basic_auth(sqlite_shop: Shop, api: FakeBotApi, password: str) -> None:
    url = api.hook_url.replace("http://", f"http://hookuser:{password}@")
    worker = NotifyWorker(sqlite_shop.store, _cfg(url), data_dir=sqlite_shop.data, clock=Clock())
    worker.run_once()
    sqlite_shop.event("till", "queue", "alert", 1, message="x")
    assert worker.run_once().sent == 1, [r.last_error for r in rows(sqlite_shop.store)]
    (hook,) = api.sent("hook")
    plain = PASSWORD if password == QUOTED else password
    assert hook.headers["Authorization"] == "Basic " + base64.b64encode(f"hookuser:{plain}".encode()).decode()


def test_password_never_reaches_output_log_or_outbox(
    sqlite_shop: Shop, api: FakeBotApi, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    url = api.hook_url.replace("http://", f"http://hookuser:{QUOTED}@")
    clock = Clock()
    worker = NotifyWorker(sqlite_shop.store, _cfg(url), data_dir=sqlite_shop.data, clock=clock)
    worker.run_once()
    api.stop()
    sqlite_shop.event("till", "queue", "alert", 1, message="x")
    worker.run_once()  # connection refused
    api.start()
    api.script += [server_error()]
    clock.t += 100
    worker.run_once()
    from app.cli.main import main

    main(["notify", "status", "--db", sqlite_shop.url])
    out = capsys.readouterr()
    texts = [r.getMessage() for r in caplog.records] + [out.out, out.err]
    texts += [row.last_error for row in rows(sqlite_shop.store)]
    assert any(row.last_error for row in rows(sqlite_shop.store))
    for secret in (PASSWORD, QUOTED, "hook-secret-in-query", "Pw%2399", "Pw#99"):
        assert not [t for t in texts if secret in t], secret
    assert outbox.counts(sqlite_shop.store)["webhook:ops"] == {"pending": 1}
