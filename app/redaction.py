"""The one place that hides credentials: in URLs, and in any message that may quote one.

Every text StoreSight prints, logs or stores that may contain a URL or a secret goes through
:func:`redact` (messages) or :func:`redact_url` (one URL). They know:

* user-info of any URL (``rtsp://admin:pw@cam``), also when the password holds an unescaped
  ``/``, ``#`` or ``?`` (the part up to the last ``@`` of the authority is hidden);
* query values whose key looks like a credential (``password``, ``pwd``, ``token``, ``secret``,
  ``key``, ``api_key``, ``auth``, ``signature``…);
* Telegram bot tokens in paths (``/bot123456:AA…``), also percent-encoded (``bot123456%3AAA…``);
* known secrets (a config's passwords and tokens), raw or percent-encoded in either hex case.

Example:
    >>> redact_url("rtsp://admin:pa/ss#1?@10.0.0.5:554/live?channel=1&password=x")
    'rtsp://admin:***@10.0.0.5:554/live?channel=1&password=***'
    >>> redact("POST https://api.telegram.org/bot123456789%3AAAHsecretsecret/sendMessage failed")
    'POST https://api.telegram.org/bot***/sendMessage failed'
    >>> redact("refused: s%33cr%2Ft", ["s3cr/t"])
    'refused: ***'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

#: Query keys whose values are credentials (matched on the whole key, case-insensitive).
SECRET_KEY = r"[\w.\-]*?(?:pass(?:word|wd)?|pwd|token|secret|key|auth|sig(?:nature)?|credentials?)"
_SECRET_QUERY = re.compile(rf"(?i)((?:^|[?&;]){SECRET_KEY}=)[^&;#\s'\"<>]*")
_USER_QUERY = re.compile(r"(?i)((?:^|[?&;])(?:user(?:name)?|login)=)[^&;#\s]*")
_TELEGRAM = re.compile(r"(?i)(bot)\d{4,}(?::|%3a)[A-Za-z0-9_\-]{8,}")
_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s'\"<>]+")
MASK = "***"
#: Secrets this process knows (from the vault): hidden by every :func:`redact` call.
_REGISTERED: set[str] = set()


def register_secret(value: str) -> None:
    """Hide ``value`` (4+ characters) in every later :func:`redact` call of this process."""
    if value and len(value) >= 4:
        _REGISTERED.add(value)


def split_userinfo(rest: str) -> tuple[str | None, str]:
    """Split ``user:pass@host/path`` (a URL after ``scheme://``) into user-info and the rest.

    Errs towards hiding more: a password may hold an unescaped ``/``, ``#`` or ``?``
    (``user:pa/ss@host``), so an ``@`` after them still ends the user-info when the text before it
    has a ``:`` and does not start like ``host:port/``.

    Example:
        >>> split_userinfo("u:p/w@h/x")
        ('u:p/w', 'h/x')
        >>> split_userinfo("h:8080/a@b")
        (None, 'h:8080/a@b')
    """
    head = re.split(r"\s", rest, maxsplit=1)[0]
    if "@" in head and ":" in head.split("@", 1)[0] and not re.match(r"^[^:/@]+:\d+[/?#]", head):
        at = head.rfind("@")
        return head[:at], rest[at + 1 :]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in authority:
        userinfo, _, host = authority.rpartition("@")
        return userinfo, host + rest[len(authority) :]
    return None, rest


def redact_url(url: str) -> str:
    """A URL with its password (and credential-like query values) replaced by ``***``.

    ``rtsp://user:pass@host`` becomes ``rtsp://user:***@host``; a user-info without a password
    (which may itself be a token) becomes ``***@host``. Text that is not a URL is returned as is.

    Example:
        >>> redact_url("rtsp://token@cam/live?user=a&password=b")
        'rtsp://***@cam/live?user=a&password=***'
    """
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    userinfo, hostpart = split_userinfo(rest)
    if userinfo is not None:
        user, sep, _pwd = userinfo.partition(":")
        rest = f"{user}:{MASK}@{hostpart}" if sep and user else f"{MASK}@{hostpart}"
    rest = _SECRET_QUERY.sub(rf"\1{MASK}", rest)
    rest = _TELEGRAM.sub(rf"\1{MASK}", rest)
    return f"{scheme}://{rest}"


def strip_credentials(url: str, *, mask_users: bool = False) -> str:
    """A URL without any user-info and with credential-like query values masked (for storing).

    Example:
        >>> strip_credentials("rtsp://admin:p/w@10.0.0.5:554/s?channel=1&pwd=x")
        'rtsp://10.0.0.5:554/s?channel=1&pwd=***'
    """
    s = url.strip()
    if "://" not in s:
        return s
    scheme, rest = s.split("://", 1)
    _userinfo, rest = split_userinfo(rest)
    if mask_users:
        rest = _USER_QUERY.sub(rf"\1{MASK}", rest)
    return redact_url(f"{scheme}://{rest}")


def url_secrets(url: str) -> list[str]:
    """The secrets inside a URL (password or token user-info, credential query values), decoded.

    Example:
        >>> url_secrets("https://u:p%40ss@h/x?key=K123&a=1")
        ['K123', 'p@ss']
    """
    if "://" not in url:
        return []
    rest = url.split("://", 1)[1]
    out: set[str] = set()
    userinfo, rest = split_userinfo(rest)
    if userinfo:
        user, sep, pwd = userinfo.partition(":")
        out.add(unquote(pwd if sep else user))
    for m in re.finditer(rf"(?i)(?:^|[?&;]){SECRET_KEY}=([^&;#\s]*)", rest):
        out.add(unquote(m.group(1)))
    out |= {unquote(m.group(0))[3:].lstrip(":") for m in _TELEGRAM.finditer(rest)}
    return sorted((s for s in out if s), key=lambda s: (-len(s), s))


def _secret_pattern(secret: str) -> re.Pattern[str]:
    """A pattern matching ``secret`` raw or with any of its characters percent-encoded (either case)."""
    parts = []
    for ch in secret:
        enc = "".join("%" + "".join(f"[{d.lower()}{d.upper()}]" for d in f"{b:02x}") for b in ch.encode())
        alts = [re.escape(ch), enc]
        if ch == " ":
            alts.append(r"\+")
        parts.append("(?:" + "|".join(alts) + ")")
    return re.compile("".join(parts))


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every credential hidden: URLs' user-info and keys, bot tokens, known ``secrets``.

    Args:
        text: any message (an error, a log line, a URL).
        secrets: values known to be secret (passwords, tokens; 4+ characters), hidden raw and
            percent-encoded.
    """
    if not text:
        return text
    known = sorted({s for s in [*secrets, *_REGISTERED] if s and len(s) >= 4}, key=len, reverse=True)
    for s in known:
        if s in text:
            text = text.replace(s, MASK)
        if _has_encoded(text):
            text = _secret_pattern(s).sub(MASK, text)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    text = _TELEGRAM.sub(rf"\1{MASK}", text)
    return _SECRET_QUERY.sub(rf"\1{MASK}", text) if "=" in text else text


def _has_encoded(text: str) -> bool:
    return re.search(r"%[0-9a-fA-F]{2}", text) is not None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def sanitize(text: str) -> str:
    r"""``text`` safe to print on a terminal: control characters become visible escapes.

    Newlines, ANSI escapes and bidi overrides in a name from a config or a database cannot fake
    lines or colours then.

    Example:
        >>> print(sanitize("Door\n\x1b[31mFIRE"))
        Door\n\x1b[31mFIRE
    """
    if not _CONTROL.search(text):
        return text
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return _CONTROL.sub(
        lambda m: (
            named.get(m.group(0)) or f"\\x{ord(m.group(0)):02x}"
            if ord(m.group(0)) < 0x100
            else f"\\u{ord(m.group(0)):04x}"
        ),
        text,
    )


def plain_text(text: str) -> str:
    r"""A name without control characters (a run of them becomes a space): what the store keeps of names.

    Example:
        >>> plain_text("Door\n\x1b[31mFIRE")
        'Door [31mFIRE'
    """
    return re.sub(f"(?:{_CONTROL.pattern})+", " ", text) if _CONTROL.search(text) else text
