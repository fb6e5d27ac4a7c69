"""A small HTTP client for the notification channels (stdlib ``urllib``; no extra dependency).

Every call returns a :class:`Delivery` instead of raising: ``ok``, or a failure that is either
**transient** (network down, timeout, HTTP 408/429/5xx — retried later, ``retry_after`` when the
server said how long to wait) or **permanent** (other 4xx: a wrong token, chat or URL — retrying
cannot help). Redirects are not followed (``urllib`` would turn a POST into a GET and lose the
body). Error texts never contain secrets: the caller passes them and they are replaced by ``***``.

Example:
    >>> redact("https://api.telegram.org/bot123:ABC/sendMessage", ["123:ABC"])
    'https://api.telegram.org/bot***/sendMessage'
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from app import __version__
from app.redaction import redact as redact_text
from app.redaction import split_userinfo, url_secrets

USER_AGENT = f"StoreSight/{__version__}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of one send.

    Attributes:
        ok: delivered (the server said so).
        status: the HTTP status (0 when no answer came).
        error: one line about what went wrong (no secrets), empty when ok.
        permanent: retrying the same message cannot help (bad token, chat, URL, message).
        retry_after: seconds the server asked us to wait (Telegram's ``retry_after``, ``Retry-After``).
        body: the parsed JSON answer, if any.
    """

    ok: bool
    status: int = 0
    error: str = ""
    permanent: bool = False
    retry_after: float | None = None
    body: Any = None


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every credential hidden: :func:`app.redaction.redact`.

    Known secrets raw or percent-encoded, URLs' user-info and key-like query values, bot tokens.
    """
    return redact_text(text, secrets)


def host_of(url: str) -> str:
    """Only the scheme and host of a URL (for logs: paths and queries may hold tokens)."""
    try:
        if "://" in url:
            scheme, rest = url.split("://", 1)
            url = f"{scheme}://{split_userinfo(rest)[1]}"
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return "(bad URL)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx comes back as an HTTPError, reported as permanent


_OPENER = urllib.request.build_opener(_NoRedirect())


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, when.timestamp() - time.time()) if when is not None else None


def post(
    url: str,
    body: bytes,
    content_type: str,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str | None] = (),
) -> Delivery:
    """POST ``body`` and classify the answer (2xx ok; 408/425/429/5xx transient; other 4xx/3xx permanent).

    The JSON answer (if any) is in ``body``; ``Retry-After`` becomes ``retry_after``.
    """
    secrets = [*secrets, *url_secrets(url)]
    url, auth = _basic_auth(url)
    req = urllib.request.Request(url, data=body, method="POST")
    if auth is not None:
        req.add_header("Authorization", auth)
    req.add_header("Content-Type", content_type)
    req.add_header("User-Agent", USER_AGENT)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            raw = resp.read()
            return Delivery(True, resp.status, body=_json(raw))
    except urllib.error.HTTPError as e:
        raw = e.read() if e.fp is not None else b""
        status = e.code
        transient = status in (408, 425, 429) or status >= 500
        wait = _retry_after(e.headers.get("Retry-After") if e.headers else None)
        text = f"HTTP {status} {e.reason}"
        if 300 <= status < 400:
            text += f" (redirected to {host_of(e.headers.get('Location', '')) if e.headers else '?'}: "
            text += "put the final address into the config)"
        return Delivery(False, status, redact(text, secrets), not transient, wait, _json(raw))
    except (OSError, http.client.HTTPException) as e:  # URLError, timeouts, resets, bad answers
        reason = getattr(e, "reason", None) or e
        text = f"cannot reach {host_of(url)}: {reason}"
        return Delivery(False, 0, redact(text, secrets), False)


def _basic_auth(url: str) -> tuple[str, str | None]:
    """``url`` without its ``user:password@`` and the matching ``Authorization: Basic`` header.

    ``urllib`` cannot send user-info itself (it reads ``user:pw@host`` as a host with a port).

    Example:
        >>> _basic_auth("https://bob:p%40ss/1@hooks.example.com/x")
        ('https://hooks.example.com/x', 'Basic Ym9iOnBAc3MvMQ==')
    """
    if "://" not in url:
        return url, None
    scheme, rest = url.split("://", 1)
    userinfo, rest = split_userinfo(rest)
    if userinfo is None:
        return url, None
    user, _, pwd = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(pwd)}".encode()).decode("ascii")
    return f"{scheme}://{rest}", f"Basic {token}"


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def post_json(url: str, data: Any, **kw: Any) -> Delivery:
    """POST ``data`` as UTF-8 JSON (see :func:`post`)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return post(url, body, "application/json; charset=utf-8", **kw)


def multipart(fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its content type.

    Args:
        fields: text fields.
        files: name -> (file name, content, MIME type).
    """
    boundary = f"----storesight{uuid.uuid4().hex}"
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode("utf-8") + b"\r\n"
    for name, (filename, content, mime) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {mime}\r\n\r\n"
        ).encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"
