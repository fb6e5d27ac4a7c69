"""The one redaction function (app/redaction.py): every spelling of a credential is hidden (issue 19)."""

from __future__ import annotations

import pytest

from app.engine.rtsp import redact_url as rtsp_redact_url
from app.notify.transport import redact as notify_redact
from app.redaction import redact, redact_url, strip_credentials, url_secrets
from app.store.db import describe_db_error, safe_url
from app.store.sync import redact_source

TOKEN = "9876543210:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        (f"POST https://api.telegram.org/bot{TOKEN}/sendMessage: timed out", [TOKEN]),
        ("POST https://api.telegram.org/bot9876543210%3AAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/x", [TOKEN]),
        ("POST https://api.telegram.org/bot9876543210%3aAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/x", [TOKEN]),
        ("cannot reach https://hooks.example.com/x?key=Sup3rKeyValue&a=1 (refused)", ["Sup3rKeyValue"]),
        ("https://hooks.example.com/x?api_key=Sup3rKeyValue", ["Sup3rKeyValue"]),
        ("https://hooks.example.com/x?access_token=Sup3rKeyValue#frag", ["Sup3rKeyValue"]),
        ("https://hooks.example.com/x?Signature=Sup3rKeyValue", ["Sup3rKeyValue"]),
        ("nonnumeric port: 'HookPw99@127.0.0.1' in http://u:HookPw99@127.0.0.1/hook", ["HookPw99"]),
        ("rtsp://admin:pa/ss#w?rd@10.0.0.5:554/live failed", ["pa/ss#w?rd"]),
        ("rtsp://admin:pa%2Fss%23w%3Frd@10.0.0.5:554/live failed", ["pa/ss#w?rd", "pa%2Fss%23w%3Frd"]),
        ("error for s%33cr%2ft and s3cr/t", []),
    ],
)
def test_no_spelling_of_a_secret_survives(text: str, secrets: list[str]) -> None:
    known = [*secrets, "s3cr/t"]
    out = redact(text, known)
    for s in [*secrets, *url_secrets(text.split()[-1] if "://" in text else "")]:
        assert s not in out, out
    assert "s%33cr%2ft" not in out and "s3cr/t" not in out
    assert notify_redact(text, known) == out  # the notify channels use the same function


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://admin:pa/ss@cam:554/live",
        "rtsp://admin:pa#ss@cam:554/live",
        "rtsp://admin:pa?ss@cam:554/live",
        "rtsp://admin:p@ss/1#2?3@cam/live",
        "http://cam/video.cgi?user=a&pwd=secret9",
    ],
)
def test_every_url_helper_hides_passwords_with_special_characters(url: str) -> None:
    secrets = url_secrets(url)
    assert secrets
    for shown in (
        redact_url(url),
        rtsp_redact_url(url),
        redact_source(url),
        strip_credentials(url),
        redact(url),
    ):
        for s in secrets:
            assert s not in shown, shown
    assert "cam" in redact_source(url)


def test_database_messages_and_urls_hide_the_password() -> None:
    url = "postgresql+psycopg://store:Db%2FPw%23Secret@db.example:5432/shop?password=Db/Pw#Secret"
    shown = safe_url(url)
    assert "Db" not in shown.split("@")[0].split(":")[-1] and "Secret" not in shown
    err = RuntimeError('connection failed for "store" with password Db/Pw#Secret at db.example')
    assert "Secret" not in describe_db_error(err, url)


def test_plain_text_is_left_alone() -> None:
    text = "analysed a@b.mp4: 40 frames; see /videos/a@b.mp4 and rtsp://cam:554/live@main"
    assert redact(text) == text
