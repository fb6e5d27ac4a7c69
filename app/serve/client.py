"""Read a running service's live state from another process or machine (``storesight serve``'s API).

:class:`ServiceClient` is what a window (or a head-office tool, or a script) uses to show a running
service instead of running its own engine: the status of every camera, a camera's newest frame
with overlays, the open alerts — over HTTP with the service's bearer token.

Example:
    >>> c = ServiceClient("http://10.0.0.5:8765", token="…")   # doctest: +SKIP
    >>> [cam["status"] for cam in c.status()["cameras"]]        # doctest: +SKIP
    ['live · 5.0 fps', 'reconnecting: …']
    >>> c.frame("door").shape                                    # doctest: +SKIP
    (576, 768, 3)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

import cv2
import numpy as np

from app.errors import UserError


class ServiceClient:
    """A running service's API.

    Args:
        url: ``http://host:port`` the service printed (``serving … live state on …``).
        token: its bearer token (None for a service on this computer without one).
        timeout: seconds per request.

    Raises (every method):
        UserError: the service cannot be reached, refused the token, or answered an error
            (one line; the token never appears in it).
    """

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def _get(self, path: str) -> tuple[bytes, str]:
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        req = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            try:
                why = json.loads(e.read()).get("error", "")
            except ValueError:
                why = ""
            if e.code == 401:
                raise UserError(f"{self.url}: the service refused the token ({why})") from None
            raise UserError(f"{self.url}{path}: HTTP {e.code} {why}".rstrip()) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise UserError(f"cannot reach the service at {self.url} ({reason})") from None

    def _json(self, path: str) -> Any:
        body, _ = self._get(path)
        return json.loads(body)

    def healthy(self) -> bool:
        """Whether the service answers (``/healthz``; no token needed)."""
        try:
            return bool(self._json("/healthz").get("ok"))
        except UserError:
            return False

    def status(self) -> dict[str, Any]:
        """The service's status (site, detector, cameras, writer, bus)."""
        return dict(self._json("/api/status"))

    def alerts(self, hours: float = 24.0) -> list[dict[str, Any]]:
        """The open alerts of the last ``hours``, newest first (this site's and other machines')."""
        return list(self._json(f"/api/alerts?hours={hours:g}")["alerts"])

    def frame(self, camera_id: str) -> np.ndarray:
        """A camera's newest frame with overlays, as a BGR image."""
        body, ctype = self._get(f"/api/cameras/{quote(camera_id, safe='')}/frame.jpg")
        img = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR) if ctype == "image/jpeg" else None
        if img is None:
            raise UserError(f"{self.url}: camera {camera_id!r} sent no picture")
        return img
