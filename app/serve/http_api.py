"""The service's live state over HTTP (standard library only): status, frames, alerts.

Endpoints (JSON unless said otherwise):

``GET /healthz``
    ``{"ok": true}`` — no authentication, no data (for systemd/watchdogs/load balancers).
``GET /api/status``
    the site, the detector, per camera its state and status line, frame rate, p95 latency,
    frames, detector frames skipped for lack of motion, restarts (:meth:`SiteService.status`).
``GET /api/cameras/<id>/frame.jpg``
    the camera's newest frame with zones and tracked people drawn (``image/jpeg``); 404 before
    the first frame or for an unknown camera.
``GET /api/alerts[?hours=24]``
    the open alerts of the last hours, newest first.

Authentication: with a token, every ``/api/`` request must carry ``Authorization: Bearer
<token>`` (compared in constant time; 401 otherwise). :func:`check_listen` refuses to listen
beyond the loopback interface without a token. The token is never logged or echoed; request
logging goes to the ``storesight`` logger at DEBUG level without headers. Once the database has
more than one StoreSight account (:mod:`app.store.accounts`), ``/api/`` also needs a login: the
token, or HTTP Basic with an account (Argon2id, lock-out and audit log as in the window; a verified
header is remembered for :data:`SESSION_S`), and the account's role must allow the path.

Example:
    >>> api = ApiServer(service, "127.0.0.1", 0, token=None).start()  # doctest: +SKIP
    >>> api.url                                                        # doctest: +SKIP
    'http://127.0.0.1:43117'
    >>> api.stop()                                                     # doctest: +SKIP
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from app.errors import UserError

log = logging.getLogger(__name__)


class LiveState(Protocol):
    """What the API reads (:class:`app.serve.service.SiteService`)."""

    def status(self) -> dict[str, Any]:
        """The service and its cameras."""

    def frame_jpeg(self, camera_id: str, quality: int = 80) -> bytes | None:
        """A camera's newest frame with overlays, JPEG."""

    def alerts(self, hours: float = 24.0) -> list[dict[str, Any]]:
        """Open alerts."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this computer.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0"), is_loopback("::1")
        (True, True, False, True)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``PORT``) → ``(host, port)``; the host defaults to 127.0.0.1.

    Raises:
        UserError: not a host and port (exit code 2).

    Example:
        >>> parse_listen("8765"), parse_listen("0.0.0.0:9000"), parse_listen("[::1]:80")
        (('127.0.0.1', 8765), ('0.0.0.0', 9000), ('::1', 80))
    """
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UserError(f"--listen: expected HOST:PORT or PORT, got {text!r}", 2)
    return host, int(port)


def check_listen(host: str, token: str | None) -> None:
    """Refuse to serve the live state beyond this computer without a token.

    Raises:
        UserError: ``host`` is not loopback and there is no token (exit code 2).
    """
    if not is_loopback(host) and not token:
        raise UserError(
            f"--listen {host}: the live state (camera pictures included) would be open to the network; "
            "set a token (STORESIGHT_TOKEN or --token-file) or listen on 127.0.0.1",
            2,
        )


#: Seconds a verified account login is remembered for the same Authorization header.
SESSION_S = 300.0
#: What an API path needs (app.store.accounts.PERMISSIONS).
_PERMISSION = {"live": "live", "alerts": "alerts"}


def _login_required(store: Any) -> bool:
    from app.store.accounts import login_required

    try:
        return login_required(store)
    except Exception:  # the accounts table cannot be read: fail closed
        return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "StoreSight"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http %s %s", self.address_string(), format % args)

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, data: Any) -> None:
        self._send(code, json.dumps(data).encode("utf-8"))

    def _authorised(self) -> bool:
        token = self.server.token
        given = self.headers.get("Authorization", "")
        if token and hmac.compare_digest(given.encode("utf-8"), f"Bearer {token}".encode()):
            return True
        store = self.server.accounts
        if store is not None and _login_required(store):
            return self._account_ok(store, given)
        return not token

    def _account_ok(self, store: Any, given: str) -> bool:
        """HTTP Basic with a StoreSight account (app/store/accounts.py: Argon2id, lock-out, audit)."""
        from app.store import accounts

        key = hashlib.sha256(given.encode("utf-8")).hexdigest()
        now = time.monotonic()
        hit = self.server.sessions.get(key)
        if hit is not None and hit[1] > now:
            user = hit[0]
        else:
            if not given.startswith("Basic "):
                self._deny = "log in with a StoreSight account (HTTP Basic) or the service token"
                return False
            try:
                name, _, password = base64.b64decode(given[6:]).decode("utf-8").partition(":")
                user = accounts.verify(store, name, password)
            except accounts.LoginError as e:
                self._deny = str(e)
                return False
            except (ValueError, UnicodeDecodeError):
                self._deny = "bad Authorization header"
                return False
            self.server.sessions[key] = (user, now + SESSION_S)
        needed = _PERMISSION.get(self._path_kind(), "settings")
        if not user.can(needed):
            self._deny = f"{user.role} may not use this ({needed})"
            return False
        return True

    def _path_kind(self) -> str:
        path = urlsplit(self.path).path.rstrip("/")
        if path == "/api/alerts":
            return "alerts"
        if path == "/api/status" or path.endswith("/frame.jpg"):
            return "live"
        return "other"

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/")
        if path == "/healthz":
            self._json(200, {"ok": True})
            return
        if not path.startswith("/api"):
            self._json(404, {"error": "not found"})
            return
        self._deny = ""
        if not self._authorised():
            why = self._deny or "missing or wrong token (Authorization: Bearer …)"
            self.send_response(401)
            body = json.dumps({"error": why}).encode("utf-8")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("WWW-Authenticate", 'Basic realm="StoreSight", charset="UTF-8"')
            self.end_headers()
            self.wfile.write(body)
            return
        state = self.server.state
        try:
            if path == "/api/status":
                self._json(200, state.status())
            elif path == "/api/alerts":
                q = parse_qs(url.query)
                try:
                    hours = float(q.get("hours", ["24"])[0])
                except ValueError:
                    self._json(400, {"error": "hours must be a number"})
                    return
                self._json(200, {"alerts": state.alerts(hours)})
            elif path.startswith("/api/cameras/") and path.endswith("/frame.jpg"):
                cid = unquote(path[len("/api/cameras/") : -len("/frame.jpg")])
                jpg = state.frame_jpeg(cid)
                if jpg is None:
                    self._json(404, {"error": f"no frame of camera {cid!r} (unknown, or none yet)"})
                else:
                    self._send(200, jpg, "image/jpeg")
            else:
                self._json(404, {"error": "not found"})
        except Exception as e:  # one bad request must not take the server down
            log.exception("http %s failed", path)
            self._json(500, {"error": f"{e.__class__.__name__}: {e}"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, addr: tuple[str, int], state: LiveState, token: str | None, accounts: Any = None
    ) -> None:
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        super().__init__(addr, _Handler)
        self.state, self.token = state, token
        #: The store holding the accounts (None: the token alone decides).
        self.accounts = accounts
        #: sha256(Authorization header) -> (user, monotonic expiry): Argon2 is not run on every request.
        self.sessions: dict[str, tuple[Any, float]] = {}


class ApiServer:
    """The HTTP server on its own thread.

    Args:
        state: what to serve (the running :class:`~app.serve.service.SiteService`).
        host: interface to listen on (checked with :func:`check_listen`).
        port: TCP port (0: any free one; see :attr:`port`).
        token: bearer token required on ``/api/`` (None: none, loopback only).
        accounts: the store with StoreSight's accounts; once it has more than one, ``/api/`` also
            takes HTTP Basic with an account (the token still works) and checks the role.

    Raises:
        UserError: no token for a non-loopback host, or the port cannot be opened.
    """

    def __init__(
        self, state: LiveState, host: str, port: int, *, token: str | None, accounts: Any = None
    ) -> None:
        check_listen(host, token)
        try:
            self._server = _Server((host, port), state, token, accounts)
        except OSError as e:
            raise UserError(f"cannot listen on {host}:{port}: {e.strerror or e}", 2) from None
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port`` of the server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> ApiServer:
        """Serve on a background thread; returns self."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="http-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()

    def close(self) -> None:
        """Close the socket of a server that was never started."""
        self._server.server_close()
