"""The window attached to a running ``storesight serve``: live pictures, camera status and alerts over its API.

When a service runs the cameras (on this computer or another one), the window does not run its
own engine: :class:`ServiceLink` reads the service's HTTP API (:class:`~app.serve.client.ServiceClient`)
on a background thread — the status every second, the newest picture (zones and people already
drawn by the service) of the cameras the grid shows, a few times a second — and hands the grid
ordinary :class:`~app.engine.engine.CameraSnapshot` s. When the service stops answering every tile
says so (``service not reachable: …``, the picture is cleared) and the link keeps retrying; when
it answers again the pictures come back by themselves.

:class:`ServiceAlertFeed` gives the alerts pane the service's open alerts (this site's and those
other machines raised, through the broker).

Example:
    >>> link = ServiceLink("http://127.0.0.1:8765", token=None, cameras=lambda: {})   # doctest: +SKIP
    >>> link.start(); grid.source = link.snapshots                                     # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from analytics.types import Detections, Frame
from app.config import CameraConfig
from app.engine.engine import CameraSnapshot
from app.engine.sources import CameraState, CameraStatus
from app.errors import UserError
from app.serve.client import ServiceClient
from app.store.alerts import AlertRow
from app.store.db import Store
from app.threads import LoopThread

log = logging.getLogger(__name__)

#: The camera configs the window knows, by id (their names label the tiles; zones are drawn by the service).
CameraLookup = Callable[[], Mapping[str, CameraConfig]]


class ServiceLink(LoopThread):
    """Polls a running service and offers its cameras as snapshots (thread-safe reads).

    Args:
        url: the service's ``http://host:port``.
        token: its bearer token (None: a service on this computer without one).
        cameras: the window's camera configs by id (for names; may be empty).
        status_every: seconds between two status reads.
        frame_fps: at most this many pictures per second per shown camera.
        timeout: seconds per request (short: a service that is gone must show quickly).

    Attributes:
        connected: the last status read succeeded.
        error: why the last read failed ("" while connected).
        status: the service's last status (``site``, ``detector``, ``cameras``, ``bus``…).

    :meth:`start` polls on a thread of its own (see :class:`app.threads.LoopThread`).
    """

    thread_name = "service-link"

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        cameras: CameraLookup | None = None,
        status_every: float = 1.0,
        frame_fps: float = 4.0,
        timeout: float = 3.0,
    ) -> None:
        self.client = ServiceClient(url, token=token, timeout=timeout)
        self.url = self.client.url
        self.cameras = cameras or (lambda: {})
        self.status_every = status_every
        self.frame_fps = frame_fps
        self.connected = False
        self.error = "not connected yet"
        self.status: dict[str, Any] = {}
        self.polls = 0
        self._wanted: frozenset[str] = frozenset()
        self._frames: dict[str, tuple[Frame, int]] = {}
        self._lock = threading.Lock()
        self._init_thread()

    # --- what the window reads ----------------------------------------------------------------

    def want(self, camera_ids: set[str] | frozenset[str]) -> None:
        """The cameras whose pictures are fetched (the grid's visible tiles)."""
        self._wanted = frozenset(camera_ids)

    def describe(self) -> str:
        """One line for the Live page: attached to which service, or why not."""
        if not self.connected:
            return f"Service at {self.url} not reachable: {self.error} — retrying"
        st = self.status
        n = len(st.get("cameras", []))
        up = float(st.get("uptime_s") or 0.0)
        bus = st.get("bus")
        link = ""
        if bus:
            link = (
                " · broker connected"
                if bus.get("connected")
                else f" · broker not connected ({bus.get('last_error')})"
            )
        return (
            f"Attached to the service at {self.url}: {n} camera(s) of {st.get('site', '?')!r}, "
            f"running {up / 3600:.1f} h{link}"
        )

    def snapshots(self) -> dict[str, CameraSnapshot]:
        """Every camera of the service as a snapshot (the grid's source)."""
        with self._lock:
            connected, error, status, frames = self.connected, self.error, self.status, dict(self._frames)
        known = self.cameras()
        out: dict[str, CameraSnapshot] = {}
        if not connected:  # every camera the window knows says the service is gone
            cams = [{"id": cid, "name": c.label} for cid, c in known.items()]
            for c in cams or status.get("cameras", []):
                out[c["id"]] = self._snapshot(c, known.get(c["id"]), None, 0, gone=error)
            return out
        for c in status.get("cameras", []):
            frame, seq = frames.get(c["id"], (None, 0))
            out[c["id"]] = self._snapshot(
                c, known.get(c["id"]), frame, seq, detector=status.get("detector", "")
            )
        return out

    def _snapshot(
        self, c: dict[str, Any], cam: CameraConfig | None, frame: Frame | None, seq: int, *, gone: str = "",
        detector: str = "",
    ) -> CameraSnapshot:  # fmt: skip
        if cam is None:
            cam = CameraConfig(id=c["id"], name=c.get("name") or None, source=self.url)
        cam = cam.model_copy(update={"zones": []})  # the service drew them into the picture
        if gone:
            state = CameraState(CameraStatus.RECONNECTING, f"service not reachable ({gone})")
            return CameraSnapshot(c["id"], cam.label, state, None, Detections.empty(), None, 0.0, "", False,
                                  None, "", "", cam, -1)  # fmt: skip
        try:
            status = CameraStatus(c.get("state", "ended"))
        except ValueError:
            status = CameraStatus.ENDED
        text = str(c.get("status", ""))
        reason = text.split(": ", 1)[1] if ": " in text and status != CameraStatus.LIVE else ""
        state = CameraState(status, reason, fps=float(c.get("fps") or 0.0))
        return CameraSnapshot(
            c["id"], cam.label, state, frame, Detections.empty(), None, float(c.get("fps") or 0.0),
            f"{detector} · via service", bool(c.get("running")), c.get("run_id"), "", "", cam, seq,
            latency_p95=float(c.get("latency_p95_s") or 0.0), frames=int(c.get("frames") or 0),
            gated=int(c.get("detector_skipped_no_motion") or 0),
        )  # fmt: skip

    # --- the polling thread -------------------------------------------------------------------

    def stop(self) -> None:
        """Stop polling (returns within one request's timeout); :meth:`start` polls again."""
        self._halt(self.client.timeout + 2.0)

    def poll_status(self) -> bool:
        """Read the status once; returns whether the service answered."""
        try:
            status = self.client.status()
        except UserError as e:
            with self._lock:
                if self.connected:
                    log.warning("service link: %s", e)
                self.connected, self.error = False, _why(str(e), self.url)
                self._frames.clear()
            return False
        with self._lock:
            if not self.connected:
                log.info("service link: attached to %s", self.url)
            self.connected, self.error, self.status = True, "", status
            self.polls += 1
        return True

    def poll_frames(self) -> int:
        """Fetch the newest picture of each wanted camera once; returns how many arrived."""
        with self._lock:
            ids = (
                [c["id"] for c in self.status.get("cameras", []) if c["id"] in self._wanted]
                if self.connected
                else []
            )
        got = 0
        for cid in ids:
            try:
                img = self.client.frame(cid)
            except UserError:
                continue  # no picture yet (connecting) or the service went: the status read says which
            with self._lock:
                _, seq = self._frames.get(cid, (None, 0))
                self._frames[cid] = (Frame(cid, seq + 1, time.time(), img), seq + 1)
            got += 1
        return got

    def _loop(self) -> None:
        next_status = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_status:
                next_status = now + self.status_every
                if not self.poll_status():
                    self._stop.wait(self.status_every)
                    continue
            t0 = time.monotonic()
            self.poll_frames()
            self._stop.wait(max(0.02, 1.0 / self.frame_fps - (time.monotonic() - t0)))


def _why(message: str, url: str) -> str:
    """The client's one line without the address the window already shows.

    Example:
        >>> _why("cannot reach the service at http://h:1 ([Errno 111] Connection refused)", "http://h:1")
        '[Errno 111] Connection refused'
    """
    prefix = f"cannot reach the service at {url} ("
    if message.startswith(prefix) and message.endswith(")"):
        return message[len(prefix) : -1]
    return message.replace(f"{url}: ", "")


class ServiceAlertFeed:
    """The alerts pane's feed from a running service (open alerts, this site's and other machines').

    Acknowledging and snoozing write to the site's database when the window has it (the same
    database the service writes to); an alert raised on another machine is handled there.

    Args:
        client: the service's API.
        store: the site's database, or None (then alerts can only be read).
        hours: how far back the service lists open alerts.
    """

    def __init__(self, client: ServiceClient, store: Store | None = None, *, hours: float = 12.0) -> None:
        self.client, self.store, self.hours = client, store, hours

    def recent(self) -> list[AlertRow]:
        """The service's open alerts, newest first (raises UserError when it cannot be reached)."""
        out = []
        for i, a in enumerate(self.client.alerts(self.hours)):
            here = a.get("origin") == "here" and a.get("event_id") is not None
            where = "" if here else f" (raised on {a.get('origin')})"
            out.append(AlertRow(
                event_id=int(a["event_id"]) if here else -(i + 1), ts=float(a.get("ts") or 0.0), ts_end=None,
                camera=str(a.get("camera") or ""), zone=a.get("zone"), module=str(a.get("module") or ""),
                kind=str(a.get("kind") or ""), message=str(a.get("message") or "") + where, payload={}, photos=(),
                status="open", acknowledged_at=None, acknowledged_by="", snoozed_until=None,
            ))  # fmt: skip
        return out

    def _store_for(self, event_id: int) -> Store:
        if event_id < 0:
            raise UserError("this alert was raised on another machine: handle it there")
        if self.store is None:
            raise UserError("the window has no database open: acknowledge on the service's computer")
        return self.store

    def acknowledge(self, event_id: int, by: str) -> None:
        """Store the acknowledgement in the site's database."""
        from app.store.alerts import acknowledge

        acknowledge(self._store_for(event_id), event_id, by=by)

    def snooze(self, event_id: int, minutes: float) -> None:
        """Store the snooze in the site's database."""
        from app.store.alerts import snooze

        snooze(self._store_for(event_id), event_id, minutes=minutes, now=dt.datetime.now(dt.UTC))


class ServiceAttachment:
    """Points a window's Live page and alerts pane at a running service instead of its own engine.

    The grid reads the link's snapshots (and tells it which cameras are visible), the camera list
    of the grid follows the service's cameras, the Live page's line says attached to what — or that
    the service is gone (then every tile says so too) — and the Start button stays off: the service
    analyses. :meth:`detach` gives the window its own engine back.

    Args:
        window: the :class:`~app.gui.main_window.MainWindow`.
        link: a started :class:`ServiceLink`.
    """

    def __init__(self, window: Any, link: ServiceLink) -> None:
        from PySide6.QtCore import QTimer

        self.window, self.link = window, link
        page = window.cameras
        self._old_source, self._old_feed = page.grid.source, window.alerts.feed
        page.grid.source = self._source
        window.alerts.feed = ServiceAlertFeed(link.client, window.store)
        self.timer = QTimer(window)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.tick()
        window.alerts.poll()

    def _source(self) -> dict[str, CameraSnapshot]:
        self.link.want({t.camera_id for t in self.window.cameras.grid.tiles() if t.camera_id})
        return self.link.snapshots()

    def tick(self) -> str:
        """Follow the service's cameras and state on the Live page; returns the line shown."""
        page, link = self.window.cameras, self.link
        if link.connected:
            cams = [(c["id"], c.get("name") or c["id"]) for c in link.status.get("cameras", [])]
            if cams != page.grid.cameras():
                page.grid.set_cameras(cams)
        text = link.describe()
        page.set_running(True, text, busy=True)  # the grid polls; Start/Stop stay off: the service runs
        for b in (page.add_button, page.edit_button, page.remove_button):  # the service reads its own config
            b.setEnabled(False)
            b.setToolTip("Attached to a service: change its cameras in its site config (View ▸ Detach to edit here)")
        page.engine_label.setStyleSheet("" if link.connected else "color: #d9534f; font-weight: bold;")
        return text

    def detach(self) -> None:
        """Back to the window's own engine (the service keeps running)."""
        self.timer.stop()
        self.link.stop()
        page = self.window.cameras
        page.grid.source = self._old_source
        self.window.alerts.feed = self._old_feed
        page.engine_label.setStyleSheet("")
        page.add_button.setEnabled(True)
        for b in (page.add_button, page.edit_button, page.remove_button):
            b.setToolTip("")
        page.refresh()
        page.set_running(False, "Analysis is not running.")
