"""Fault suite: planted secrets never come out (issue 19, secrets).

A site config holds a camera password (with ``/`` in it), a Telegram bot token and a webhook with
``user:password@`` and a ``?key=``. Every command a user would run on it — analyse a file, analyse
the unreachable camera, notify test / run / status (server down, then refusing), stats, report —
runs with ``-v``; then every printed line, every log record, every row of every table of the
database and every file written (the workbook unzipped) is searched for each secret, raw and
percent-encoded.
"""

from __future__ import annotations

import logging
import sqlite3
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.cli_support import run_cli
from tests.fake_bot_api import FakeBotApi, bad_request, server_error
from tests.faults.support import clip

pytestmark = pytest.mark.timeout(300)

CAM_PASSWORD = "Cam/Secret#9"
BOT_TOKEN = "7654321098:AAH-planted-bot-token-QwErTy"
HOOK_PASSWORD = "HookPw77planted"
HOOK_KEY = "HookKey55planted"
SECRETS = [CAM_PASSWORD, BOT_TOKEN, BOT_TOKEN.split(":")[1], HOOK_PASSWORD, HOOK_KEY]


def _spellings(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret, safe="").lower(), quote(secret)}


def _db_text(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def _files_text(folder: Path) -> str:
    parts = []
    for p in folder.rglob("*"):
        if not p.is_file() or p.suffix in (".jpg", ".avi"):
            continue
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            parts.append(p.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def test_no_planted_secret_in_any_output_log_row_or_file(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    api = FakeBotApi().start()
    try:
        video = clip(tmp_path / "clip.avi", frames=20)
        hook = api.hook_url.replace("http://", f"http://hookuser:{HOOK_PASSWORD}@").replace(
            "key=hook-secret-in-query", f"key={HOOK_KEY}"
        )
        cam_url = f"rtsp://admin:{quote(CAM_PASSWORD, safe='')}@127.0.0.1:9/Streaming/101"
        cfg = tmp_path / "site.yaml"
        cfg.write_text(
            f"""
site: {{name: Secret shop}}
cameras:
  - {{id: file, source: {video}}}
  - {{id: door, source: "{cam_url}"}}
notifications:
  enabled: true
  min_interval: 0
  timeout: 3
  telegram: {{token: "{BOT_TOKEN}", chat_id: "-1001", events: ["*.*"], api_url: "{api.base_url}"}}
  webhooks:
    - {{id: ops, url: "{hook}", events: ["*.*"]}}
    - {{id: down, url: "http://hookuser:{HOOK_PASSWORD}@127.0.0.1/hook?key={HOOK_KEY}", events: ["*.*"]}}
""",
            encoding="utf-8",
        )
        out = tmp_path / "out"
        db = out / "storesight.db"
        dbarg = ["--db", str(db)]
        texts: list[str] = []

        def cli(*argv: str) -> int:
            code, o, e = run_cli(capsys, *argv)
            texts.extend([o, e])
            return code

        cli("notify", "run", "--once", "--config", str(cfg), *dbarg, "-v")  # the outbox starts here
        assert cli("analyze", "file", "--config", str(cfg), "--out", str(out), "--no-progress", "-v") == 0
        assert cli("analyze", "door", "--config", str(cfg), "--out", str(out), "--no-progress", "-v") == 3
        assert cli("notify", "test", "--config", str(cfg), *dbarg, "-v") in (0, 1)
        api.stop()  # the network is down
        cli("notify", "run", "--once", "--config", str(cfg), *dbarg, "-v")
        api.start()
        api.script += [bad_request("Unauthorized", 401), server_error(), bad_request("Bad Request: x", 400)]
        cli("notify", "run", "--once", "--config", str(cfg), *dbarg, "-v")
        cli("notify", "status", "--config", str(cfg), *dbarg, "-v")
        assert cli("stats", *dbarg, "--json", "-v") == 0
        cli("report", *dbarg, "--from", "2000-01-01", "--to", "2100-01-01", "--xlsx", str(out / "r.xlsx"),
            "--csv", str(out / "csv"), "-v")  # fmt: skip
        assert (out / "r.xlsx").is_file()
    finally:
        api.stop()
    texts += [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    everything = {"output and log": "\n".join(texts), "database": _db_text(db), "files": _files_text(out)}
    assert "door" in everything["database"] and "127.0.0.1" in everything["database"]  # the camera is stored…
    assert any("notify" in t or "webhook" in t for t in texts)  # …and the channels did talk
    assert "webhook:down" in everything["database"] and "last_error" in everything["database"]
    for where, text in everything.items():
        for secret in SECRETS:
            for spelling in _spellings(secret):
                assert spelling not in text, f"{spelling!r} found in the {where}"
