"""RTSP helpers: hide credentials in URLs, and a tiny probe that explains why a stream will not open.

OpenCV only says "could not open"; :func:`probe` sends one ``DESCRIBE`` request over a plain socket
(answering a Basic or Digest challenge when the URL carries credentials) and classifies the answer:
connection refused, timed out, host unreachable, credentials rejected (401), path not found (404)…
:func:`explain` turns that into one line for the user. Nothing here ever returns a password.

Example:
    >>> redact_url("rtsp://admin:secret@10.0.0.5:554/stream1")
    'rtsp://admin:***@10.0.0.5:554/stream1'
"""

from __future__ import annotations

import base64
import errno
import hashlib
import os
import re
import socket
import ssl
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote, urlsplit, urlunsplit

from app.redaction import redact_url, url_secrets

__all__ = ["explain", "probe", "redact_url", "url_secrets"]

_DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443, "rtmp": 1935}


class ProbeKind(StrEnum):
    """What the probe found out."""

    OK = "ok"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    DNS = "dns"
    AUTH_REQUIRED = "auth_required"
    AUTH_REJECTED = "auth_rejected"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    PROTOCOL = "protocol"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The outcome of :func:`probe`.

    Attributes:
        kind: the classified outcome.
        status: the RTSP status code, when the server answered.
        reason: the server's reason phrase or the network error, never a credential.
    """

    kind: ProbeKind
    status: int | None = None
    reason: str = ""


class _Response:
    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]]) -> None:
        self.status, self.reason, self.headers = status, reason, headers

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def _read_response(sock: socket.socket) -> _Response:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        buf += chunk
        if len(buf) > 65536:
            raise ValueError("response header too long")
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"^RTSP/\d\.\d\s+(\d{3})\s*(.*)$", lines[0])
    if not m:
        raise ValueError("not an RTSP server")
    headers = [(k.strip(), v.strip()) for k, _, v in (ln.partition(":") for ln in lines[1:]) if k]
    resp = _Response(int(m.group(1)), m.group(2).strip(), headers)
    length = int((resp.all("Content-Length") or ["0"])[0] or 0)
    while len(body) < length:  # drain the body so the connection can carry the next request
        chunk = sock.recv(length - len(body))
        if not chunk:
            break
        body += chunk
    return resp


def _digest(challenge: str, user: str, pwd: str, method: str, uri: str) -> str:
    pairs = re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', challenge)
    params = {k.lower(): (q if q else v) for k, q, v in pairs}
    algo = params.get("algorithm", "MD5")
    base = algo.upper().removesuffix("-SESS")
    hfunc = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}.get(base, hashlib.md5)

    def h(s: str) -> str:
        return hfunc(s.encode()).hexdigest()

    realm, nonce = params.get("realm", ""), params.get("nonce", "")
    cnonce = os.urandom(8).hex()
    ha1 = h(f"{user}:{realm}:{pwd}")
    if algo.upper().endswith("-SESS"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    fields = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
    qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
    if "auth" in qops:
        resp = h(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}")
        fields += ["qop=auth", "nc=00000001", f'cnonce="{cnonce}"']
    else:
        resp = h(f"{ha1}:{nonce}:{ha2}")
    fields.append(f'response="{resp}"')
    if "algorithm" in params:
        fields.append(f"algorithm={algo}")
    if "opaque" in params:
        fields.append(f'opaque="{params["opaque"]}"')
    return "Digest " + ", ".join(fields)


def _authorization(challenges: list[str], user: str, pwd: str, uri: str) -> str | None:
    digest = next((c for c in challenges if c.lower().startswith("digest")), None)
    if digest is not None:
        return _digest(digest[6:], user, pwd, "DESCRIBE", uri)
    if any(c.lower().startswith("basic") for c in challenges):
        return "Basic " + base64.b64encode(f"{user}:{pwd}".encode()).decode()
    return None


def _network_error(exc: OSError) -> ProbeResult:
    if isinstance(exc, socket.gaierror):
        return ProbeResult(ProbeKind.DNS, reason="host name not found")
    if isinstance(exc, TimeoutError):
        return ProbeResult(ProbeKind.TIMEOUT, reason="timed out")
    if isinstance(exc, ConnectionRefusedError):
        return ProbeResult(ProbeKind.REFUSED, reason="connection refused")
    if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN):
        return ProbeResult(ProbeKind.UNREACHABLE, reason=exc.strerror or "host unreachable")
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, ConnectionError)):
        return ProbeResult(ProbeKind.PROTOCOL, reason="the server closed the connection")
    return ProbeResult(ProbeKind.ERROR, reason=exc.strerror or exc.__class__.__name__)


def probe(url: str, timeout: float = 5.0) -> ProbeResult:
    """Ask an RTSP server for ``DESCRIBE`` and classify the answer.

    Non-RTSP URLs (http, rtmp…) get a TCP connection check only.

    Args:
        url: the stream URL, with credentials if the camera needs them.
        timeout: seconds for connecting and for each answer.

    Returns:
        A :class:`ProbeResult`; never raises for network problems.

    Example:
        >>> probe("rtsp://127.0.0.1:1/x", timeout=1).kind
        <ProbeKind.REFUSED: 'refused'>
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 554)
    except ValueError:
        return ProbeResult(ProbeKind.ERROR, reason="invalid port in the URL")
    host = parts.hostname or ""
    if not host:
        return ProbeResult(ProbeKind.ERROR, reason="no host in the URL")
    user = unquote(parts.username) if parts.username is not None else None
    pwd = unquote(parts.password) if parts.password is not None else ""
    netloc = f"[{host}]" if ":" in host else host
    uri = urlunsplit((parts.scheme, f"{netloc}:{port}", parts.path or "/", parts.query, ""))
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            if scheme not in ("rtsp", "rtsps"):
                return ProbeResult(ProbeKind.OK, reason="TCP port open")
            sock: socket.socket = raw
            if scheme == "rtsps":  # the probe only diagnoses; it does not verify certificates
                ctx = ssl.create_default_context()
                ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
                sock = ctx.wrap_socket(raw, server_hostname=host)
            return _describe(sock, uri, user, pwd)
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValueError):
            return ProbeResult(ProbeKind.PROTOCOL, reason="the server does not speak RTSP")
        return _network_error(exc)


def _describe(sock: socket.socket, uri: str, user: str | None, pwd: str) -> ProbeResult:
    def send(cseq: int, auth: str | None) -> _Response:
        req = f"DESCRIBE {uri} RTSP/1.0\r\nCSeq: {cseq}\r\nAccept: application/sdp\r\n"
        req += "User-Agent: StoreSight-probe\r\n"
        if auth:
            req += f"Authorization: {auth}\r\n"
        sock.sendall((req + "\r\n").encode("latin-1"))
        return _read_response(sock)

    resp = send(1, None)
    sent_credentials = False
    if resp.status == 401 and user is not None:
        auth = _authorization(resp.all("WWW-Authenticate"), user, pwd, uri)
        if auth is not None:
            resp = send(2, auth)
            sent_credentials = True
    kinds = {200: ProbeKind.OK, 403: ProbeKind.FORBIDDEN, 404: ProbeKind.NOT_FOUND}
    kind = kinds.get(resp.status, ProbeKind.ERROR)
    if resp.status == 401:
        kind = ProbeKind.AUTH_REJECTED if sent_credentials else ProbeKind.AUTH_REQUIRED
    return ProbeResult(kind, resp.status, resp.reason[:80])


# What :func:`explain` says per probe result: ``{url}`` the redacted URL, ``{code}`` " (RTSP status reason)"
# when the camera answered, ``{reason}`` the probe's reason. Other kinds: "cannot open" with the reason and code.
_EXPLAIN: dict[ProbeKind, str] = {
    ProbeKind.REFUSED: "cannot connect to {url}: connection refused (is the camera on and the port right?)",
    ProbeKind.TIMEOUT: "cannot connect to {url}: no answer, timed out (wrong address, or a firewall?)",
    ProbeKind.UNREACHABLE: "cannot connect to {url}: host unreachable ({reason})",
    ProbeKind.DNS: "cannot connect to {url}: host name not found",
    ProbeKind.AUTH_REQUIRED: "{url}: the camera requires a user name and password{code}",
    ProbeKind.AUTH_REJECTED: "{url}: the camera rejected the credentials{code} — check the user name and password",
    ProbeKind.FORBIDDEN: "{url}: access denied{code} — this user may not view the stream",
    ProbeKind.NOT_FOUND: "{url}: stream path not found{code} — check the path after the port",
    ProbeKind.OK: "{url}: the camera answers, but the video stream could not be opened or decoded",
    ProbeKind.PROTOCOL: "cannot open {url}: {reason}",
}


def explain(result: ProbeResult, safe_url: str) -> str:
    """One line telling the user why the stream at ``safe_url`` did not open.

    Args:
        result: what :func:`probe` found.
        safe_url: the URL already passed through :func:`redact_url`.

    Returns:
        A human-readable sentence without credentials.
    """
    code = f" (RTSP {result.status} {result.reason})".rstrip() if result.status else ""
    template = _EXPLAIN.get(result.kind)
    if template is None:
        return f"cannot open {safe_url}: {result.reason or 'unknown error'}{code}"
    return template.format(url=safe_url, code=code, reason=result.reason)
