"""A local HTTP server that plays the Telegram Bot API (and a webhook receiver) for the notify tests.

Runs ``http.server`` in a thread on 127.0.0.1. It answers ``/bot<token>/sendMessage`` (JSON) and
``/bot<token>/sendPhoto`` (multipart with a ``photo`` file) the way Telegram does —
``{"ok": true, "result": {...}}`` — and ``/hook`` (any JSON) for webhooks. Answers can be
scripted (e.g. a 429 with ``retry_after``), every request is recorded, and the server can be
stopped and started again on the same port (a network outage).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    """One request the server got."""

    path: str
    method: str
    token: str | None
    fields: dict[str, str]
    photo: bytes | None
    json: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Reply:
    """A scripted answer: HTTP status and JSON body."""

    status: int
    body: dict[str, Any]


def too_many_requests(retry_after: int) -> Reply:
    """Telegram's flood-control answer."""
    return Reply(
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        },
    )


def bad_request(description: str, code: int = 400) -> Reply:
    """A refusal such as ``Bad Request: chat not found`` (400) or ``Unauthorized`` (401)."""
    return Reply(code, {"ok": False, "error_code": code, "description": description})


def server_error() -> Reply:
    """An HTTP 500 (the Bot API has bad moments too)."""
    return Reply(500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})


def _multipart(headers: Any, body: bytes) -> tuple[dict[str, str], bytes | None]:
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, str] = {}
    photo = None
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename():
            photo = part.get_payload(decode=True)
        else:
            fields[str(name)] = part.get_payload(decode=True).decode("utf-8").strip()
    return fields, photo


class FakeBotApi:
    """The fake server. ``base_url`` goes into ``telegram.api_url``; ``hook_url`` into a webhook.

    Example:
        >>> api = FakeBotApi().start()
        >>> api.base_url.startswith("http://127.0.0.1:")
        True
        >>> api.stop()
    """

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.requests: list[Request] = []
        self.script: list[Reply] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._next_id = 1

    @property
    def base_url(self) -> str:
        """The Bot API base URL (``http://127.0.0.1:<port>``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def hook_url(self) -> str:
        """The webhook receiver's URL."""
        return f"{self.base_url}/hook?key=hook-secret-in-query"

    def start(self) -> FakeBotApi:
        """Listen (on the same port as before after a :meth:`stop`)."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                api._handle(self, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are refused until :meth:`start`)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def sent(self, method: str | None = None) -> list[Request]:
        """Requests that were answered ``ok`` (optionally of one Bot API method or ``hook``)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if getattr(r, "_ok", False) and (method is None or r.path.endswith(method))
            ]

    def _handle(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        path = h.path.split("?")[0]
        ctype = h.headers.get("Content-Type", "")
        fields: dict[str, str] = {}
        photo = None
        data: Any = None
        if ctype.startswith("multipart/form-data"):
            fields, photo = _multipart(h.headers, body)
        elif body:
            data = json.loads(body.decode("utf-8"))
            if isinstance(data, dict):
                fields = {k: str(v) for k, v in data.items() if isinstance(v, str | int)}
        token = None
        if path.startswith("/bot"):
            token = path[4:].split("/")[0]
        req = Request(path, "POST", token, fields, photo, data, dict(h.headers.items()))
        with self._lock:
            self.requests.append(req)
            reply = self.script.pop(0) if self.script else None
        if reply is None:
            if path == "/hook":
                reply = Reply(200, {"received": True})
            elif token is None or not path.endswith(("/sendMessage", "/sendPhoto")):
                reply = Reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                with self._lock:
                    mid = self._next_id
                    self._next_id += 1
                reply = Reply(
                    200, {"ok": True, "result": {"message_id": mid, "chat": {"id": fields.get("chat_id")}}}
                )
        req._ok = reply.status == 200  # type: ignore[attr-defined]
        raw = json.dumps(reply.body).encode()
        h.send_response(reply.status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        h.wfile.write(raw)
