"""The service's local API asks for an account once there are two or more (issue 19)."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from app.serve.http_api import ApiServer
from app.store import accounts
from app.store.db import open_store

pytestmark = pytest.mark.timeout(120)


class State:
    """A live state with one camera and no alerts."""

    def status(self) -> dict[str, Any]:
        return {"cameras": {"door": {"state": "live"}}}

    def frame_jpeg(self, camera_id: str, quality: int = 80) -> bytes | None:
        return None

    def alerts(self, hours: float = 24.0) -> list[dict[str, Any]]:
        return []


def _get(url: str, auth: str | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url)
    if auth:
        req.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


def test_accounts_guard_the_api_and_the_token_still_works(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    api = ApiServer(State(), "127.0.0.1", 0, token="svc-token-123", accounts=store).start()
    try:
        url = f"{api.url}/api/status"
        assert _get(url)[0] == 401  # a token is set
        accounts.add_user(store, "ana", "admin", "admin password 1")
        assert _get(url, "Bearer svc-token-123")[0] == 200
        assert _get(url, _basic("ana", "admin password 1"))[0] == 401  # one account: the token alone
        accounts.add_user(store, "olaf", "operator", "operator pass 1")
        assert _get(url, _basic("olaf", "operator pass 1"))[0] == 200
        assert _get(f"{api.url}/api/alerts", _basic("olaf", "operator pass 1"))[0] == 200
        code, body = _get(url, _basic("olaf", "wrong"))
        assert code == 401 and "wrong name or password" in body
        for _ in range(accounts.MAX_FAILED):
            code, body = _get(url, _basic("ana", "guess"))
        assert code == 401 and "locked" in body
        assert _get(url, "Bearer svc-token-123")[0] == 200
        actions = [e.action for e in accounts.audit_entries(store, 50)]
        assert "login" in actions and "locked" in actions
    finally:
        api.stop()
        store.close()
