"""The channels a message can go to: a Telegram bot and generic JSON webhooks.

Both take an outbox message (see :func:`app.notify.message.render`) and the photo's bytes, and
return a :class:`~app.notify.transport.Delivery`. Neither raises on network or server errors, and
neither puts its token into an error text or a log line.

**Telegram** (Bot API): ``sendPhoto`` (multipart, the text as caption) when the event has a
photo, else ``sendMessage``. Its answer ``{"ok": false, "error_code": 429, "parameters":
{"retry_after": N}}`` becomes ``retry_after = N``; a photo Telegram refuses (400) is sent again
as text only; a group that became a supergroup (``migrate_to_chat_id``) is reported with the new
chat id. The API base URL is configurable (a local Bot API server, a proxy, the tests' fake).

**Webhook**: a JSON POST ``{"id", "site", "text", "event": {...}, "photo": {"mime", "base64"}}``
with ``Idempotency-Key: storesight-<outbox id>`` (a receiver can drop a repeat after a lost
answer) and ``Authorization: Bearer <token>`` when configured.

Example:
    >>> from pydantic import SecretStr
    >>> from app.config import TelegramConfig
    >>> tg = TelegramChannel(TelegramConfig(token=SecretStr("123456:ABCDEF"), chat_id="42", events=["*.alert"]))
    >>> tg.name, tg.describe()
    ('telegram', 'Telegram chat 42 via https://api.telegram.org')
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

from app.config import TelegramConfig, WebhookConfig
from app.notify.transport import Delivery, host_of, multipart, post, post_json, redact


class Channel(Protocol):
    """Something that delivers an outbox message."""

    name: str

    def send(
        self, message: dict[str, Any], photo: bytes | None, *, outbox_id: int | None, timeout: float
    ) -> Delivery:
        """Deliver one message (with the photo's JPEG bytes, if any)."""
        ...

    def describe(self) -> str:
        """Where it sends, without secrets."""
        ...


class TelegramChannel:
    """A Telegram bot posting to one chat.

    Example:
        >>> # see the module docstring
    """

    name = "telegram"

    def __init__(self, cfg: TelegramConfig) -> None:
        self.cfg = cfg
        self._token = cfg.token.get_secret_value()

    def describe(self) -> str:
        """``Telegram chat <id> via <host>``."""
        return f"Telegram chat {self.cfg.chat_id} via {host_of(self.cfg.api_url)}"

    def _url(self, method: str) -> str:
        return f"{self.cfg.api_url.rstrip('/')}/bot{self._token}/{method}"

    def send(
        self, message: dict[str, Any], photo: bytes | None, *, outbox_id: int | None, timeout: float
    ) -> Delivery:
        """``sendPhoto`` with the caption when there is a photo (and ``send_photo`` is on), else ``sendMessage``."""
        if photo is not None and self.cfg.send_photo:
            body, ctype = multipart(
                {
                    "chat_id": self.cfg.chat_id,
                    "caption": str(message.get("caption") or message.get("text", "")),
                },
                {"photo": ("event.jpg", photo, "image/jpeg")},
            )
            d = self._answer(
                post(self._url("sendPhoto"), body, ctype, timeout=timeout, secrets=[self._token])
            )
            if d.ok or d.status != 400:
                return d
            # Telegram refused the picture itself (size, format): the text must still arrive.
        data = {
            "chat_id": self.cfg.chat_id,
            "text": str(message.get("text", "")),
            "disable_web_page_preview": True,
        }
        return self._answer(post_json(self._url("sendMessage"), data, timeout=timeout, secrets=[self._token]))

    def _answer(self, d: Delivery) -> Delivery:
        body = d.body if isinstance(d.body, dict) else {}
        if d.ok and body.get("ok") is not False:
            return d
        params = body.get("parameters") or {}
        code = int(body.get("error_code") or d.status or 0)
        retry = params.get("retry_after")
        retry_after = float(retry) if isinstance(retry, int | float) else d.retry_after
        desc = str(body.get("description") or d.error or "refused")
        if params.get("migrate_to_chat_id") is not None:
            desc += f" (the group is now a supergroup: set chat_id to {params['migrate_to_chat_id']})"
        transient = code in (0, 408, 429) or code >= 500
        text = desc if desc.startswith("HTTP") or d.status == 0 else f"Telegram: {desc}"
        return Delivery(
            False, d.status or code, redact(text, [self._token]), not transient, retry_after, body
        )


class WebhookChannel:
    """An HTTP(S) endpoint that takes the event as JSON.

    Example:
        >>> w = WebhookChannel(WebhookConfig(id="ops", url="https://hooks.example.com/x?k=1", events=["*.*"]))
        >>> w.name, w.describe()
        ('webhook:ops', 'webhook ops at https://hooks.example.com')
    """

    def __init__(self, cfg: WebhookConfig) -> None:
        self.cfg = cfg
        self.name = f"webhook:{cfg.id}"
        self._token = cfg.token.get_secret_value() if cfg.token is not None else None

    def describe(self) -> str:
        """``webhook <id> at <scheme://host>`` (the path and query may hold a key)."""
        return f"webhook {self.cfg.id} at {host_of(self.cfg.url)}"

    def send(
        self, message: dict[str, Any], photo: bytes | None, *, outbox_id: int | None, timeout: float
    ) -> Delivery:
        """POST the message as JSON (the photo base64-encoded when ``send_photo`` is on)."""
        data: dict[str, Any] = {
            "id": outbox_id,
            "site": (message.get("event") or {}).get("site"),
            "text": message.get("text", ""),
            "event": message.get("event"),
            "photo": None,
        }
        if photo is not None and self.cfg.send_photo:
            data["photo"] = {"mime": "image/jpeg", "base64": base64.b64encode(photo).decode("ascii")}
        headers = {"Accept": "application/json"}
        if outbox_id is not None:
            headers["Idempotency-Key"] = f"storesight-{outbox_id}"
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        secrets = [self._token, self.cfg.url] if self._token else [self.cfg.url]
        d = post_json(self.cfg.url, data, timeout=timeout, headers=headers, secrets=secrets)
        return d
