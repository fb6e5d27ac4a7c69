"""The headless service: every camera of a site, 24/7, with restarts and a readable live state.

:class:`SiteService` wraps the live :class:`~app.engine.engine.Engine` (the same one the window
runs) and adds what a machine in a back office needs when nobody watches it:

* a **supervisor** thread: a camera whose analysis ended (its source failed for good, a file
  ended, its analysis raised) is started again with a new run, after 2 s, then 4, 8… up to
  ``max_backoff`` seconds; the delay goes back to 2 s once a camera has run for a minute. Live
  cameras also reconnect on their own inside their source (``reconnecting`` in the status);
* :meth:`SiteService.status`: the site, the detector and per camera its status line, frame rate,
  p95 latency, frames, detector frames skipped by motion gating, restarts — plain JSON types;
* :meth:`SiteService.frame_jpeg`: the camera's newest frame with its zones and tracked people
  drawn, as JPEG bytes;
* :meth:`SiteService.alerts`: the open alerts (raised, not cleared, not acknowledged/snoozed),
  read from the database through a store of its own, plus those other processes raised;
* with a broker URL, a :class:`~app.bus.rabbit.Bus`: this site's store entries and alerts go to
  the other processes, theirs come in (entries into the shared
  :class:`~app.engine.site_feed.SiteFeed`, feeding the checkout forecast here; alerts into the
  list above), and each alert is put once on the shared notification queue.

:mod:`app.serve.http_api` puts these on a local HTTP port; ``storesight serve`` runs both until
SIGTERM/SIGINT.

Example:
    >>> svc = SiteService(site, db_url="sqlite:///s.db", data_dir=Path("d"))  # doctest: +SKIP
    >>> svc.start(); svc.status()["cameras"][0]["status"]                     # doctest: +SKIP
    'live · 9.9 fps'
    >>> svc.stop()                                                             # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2

from analytics.geometry import to_pixels
from app.config import SiteConfig
from app.engine.engine import CameraSnapshot, Engine
from app.engine.overlay import draw_people, draw_polygons
from app.store.alerts import open_alerts
from app.store.db import Store, open_store
from app.store.records import EventRecord
from models.registry import BackendChoice

log = logging.getLogger(__name__)

#: A camera that ran this long gets the shortest restart delay again.
HEALTHY_AFTER = 60.0


@dataclass(slots=True)
class _Restarts:
    count: int = 0
    delay: float = 2.0
    due: float | None = None  # monotonic time of the next restart, None while running
    last_reason: str = ""
    started: float = 0.0


class SiteService:
    """Runs a site headless (see the module's text).

    Args:
        site: the site config (file sources resolved to absolute paths).
        db_url: the database URL.
        data_dir: the data folder (crops, backgrounds).
        detector: an already loaded detector (tests, benchmarks); default: the configured one.
        loop_files: video files start again at their end (else their camera ends there and the
            supervisor starts it again, with a new run).
        min_backoff: first restart delay, seconds.
        max_backoff: longest restart delay, seconds.
        check_every: seconds between two supervisor passes.
        broker: RabbitMQ URL for live signals between processes (None: this process alone).
        node: this process's name on the broker (unique per process; default: the host name).
    """

    def __init__(
        self,
        site: SiteConfig,
        *,
        db_url: str,
        data_dir: Path,
        detector: BackendChoice | None = None,
        loop_files: bool = True,
        min_backoff: float = 2.0,
        max_backoff: float = 60.0,
        check_every: float = 1.0,
        broker: str | None = None,
        node: str | None = None,
    ) -> None:
        self.site = site
        self.engine = Engine(site, db_url=db_url, data_dir=data_dir, detector=detector, loop_files=loop_files)
        self.db_url = db_url
        self.min_backoff, self.max_backoff, self.check_every = min_backoff, max_backoff, check_every
        self._restarts: dict[str, _Restarts] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._read_store: Store | None = None
        self._read_lock = threading.Lock()
        self.started_at: float | None = None
        self.broker, self.data_dir = broker, Path(data_dir)
        if node is None:
            import socket

            node = socket.gethostname()
        self.node = node
        self.bus: Any = None
        self._remote_lock = threading.Lock()
        self._remote_alerts: dict[str, dict[str, Any]] = {}
        self.remote_entries = 0

    def start(self) -> None:
        """Start the engine (every enabled camera) and the supervisor.

        Raises:
            UserError: unusable database or data folder, no detector (from the engine).
        """
        self.engine.start()
        if self.broker:
            self._start_bus()
        now = time.monotonic()
        self._restarts = {cid: _Restarts(started=now) for cid in self.engine.camera_ids()}
        self.started_at = time.time()
        self._thread = threading.Thread(target=self._supervise, name="supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the supervisor, then every camera (their runs end), the writer and the store."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self.engine.stop()
        if self.bus is not None:
            self.bus.stop()  # after the cameras: their last alerts and entries go out first
        with self._read_lock:
            if self._read_store is not None:
                self._read_store.close()
                self._read_store = None

    # --- the broker -------------------------------------------------------------------------

    def _start_bus(self) -> None:
        from app.bus.rabbit import Bus

        outbox = self.data_dir / f"outbox-{self.node}.sqlite"
        # alerts' notifications are only published: the notifier (`storesight notify run --broker`) sends them
        self.bus = Bus(self.broker or "", node=self.node, outbox=outbox, on_message=self._remote,
                       notify=False).start()  # fmt: skip
        feed = self.engine.feed
        if feed is not None:
            feed.outbound = self._outbound

    def _outbound(self, kind: str, ev: EventRecord) -> None:
        body = {"ts": ev.ts, "module": ev.module, "type": ev.type, "zone": ev.zone_id, "payload": ev.payload}
        site = self.site.site.name
        self.bus.publish(kind, body, site=site, camera=ev.camera_id)
        if kind == "alert":
            self.bus.publish("notify", body, site=site, camera=ev.camera_id)

    def _remote(self, msg: dict[str, Any]) -> None:
        """A signal from another process: entries feed the forecast, alerts are listed."""
        body = msg.get("body", {})
        kind = msg.get("kind")
        if kind == "entry" and self.engine.feed is not None:
            self.engine.feed.add_entries([float(body["ts"])])
            with self._remote_lock:
                self.remote_entries += 1
            return
        alert_id = str(body.get("payload", {}).get("alert_id", ""))
        with self._remote_lock:
            if kind == "alert":
                self._remote_alerts[alert_id] = {
                    "event_id": None, "ts": body.get("ts"), "camera": msg.get("camera"), "zone": body.get("zone"),
                    "module": body.get("module"), "kind": body.get("payload", {}).get("kind", ""),
                    "message": body.get("payload", {}).get("message", ""), "origin": msg.get("origin"),
                }  # fmt: skip
            elif kind == "alert_end":
                self._remote_alerts.pop(alert_id, None)

    def bus_status(self) -> dict[str, Any] | None:
        """The broker link's counters, None without a broker."""
        if self.bus is None:
            return None
        st = self.bus.stats()
        with self._remote_lock:
            return {
                "node": self.bus.node, "connected": st.connected, "published": st.published, "outbox": st.outbox,
                "received": st.received, "duplicates": st.duplicates, "notified": st.notified,
                "reconnects": st.reconnects, "last_error": st.last_error, "remote_entries": self.remote_entries,
                "remote_alerts_open": len(self._remote_alerts),
                "forecast_entries": len(self.engine.feed) if self.engine.feed is not None else 0,
            }  # fmt: skip

    # --- supervisor ---------------------------------------------------------------------------

    def _supervise(self) -> None:
        while not self._stop.wait(self.check_every):
            try:
                self.check_cameras()
            except Exception:  # the supervisor must outlive any one failure
                log.exception("supervisor pass failed")

    def check_cameras(self) -> list[str]:
        """One supervisor pass: schedule or do restarts of ended cameras. Returns the ids restarted."""
        now = time.monotonic()
        done: list[str] = []
        for cid, snap in self.engine.snapshots().items():
            r = self._restarts.setdefault(cid, _Restarts(started=now))
            if snap.running:
                if r.due is None and now - r.started >= HEALTHY_AFTER:
                    r.delay = self.min_backoff
                continue
            if r.due is None:
                r.last_reason = f"{snap.result}: {snap.reason}" if snap.result else snap.state.status.value
                r.due = now + r.delay
                log.warning("camera %s ended (%s); restart in %.0f s", cid, r.last_reason, r.delay)
                continue
            if now < r.due or self._stop.is_set():
                continue
            if self.engine.restart_camera(cid):
                r.count += 1
                r.due = None
                r.started = time.monotonic()
                r.delay = min(r.delay * 2, self.max_backoff)
                done.append(cid)
        return done

    # --- what the HTTP API shows --------------------------------------------------------------

    def _camera(self, snap: CameraSnapshot) -> dict[str, Any]:
        r = self._restarts.get(snap.camera_id, _Restarts())
        pending = max(0.0, r.due - time.monotonic()) if r.due is not None else None
        return {
            "id": snap.camera_id,
            "name": snap.label,
            "state": snap.state.status.value,
            "status": snap.status_text,
            "running": snap.running,
            "fps": round(snap.analysis_fps, 2),
            "latency_p95_s": round(snap.latency_p95, 3),
            "frames": snap.frames,
            "detector_skipped_no_motion": snap.gated,
            "run_id": snap.run_id,
            "restarts": r.count,
            "last_end": r.last_reason,
            "restart_in_s": round(pending, 1) if pending is not None else None,
            "frame_ts": snap.frame.ts if snap.frame is not None else None,
        }

    def status(self) -> dict[str, Any]:
        """The service and every camera, as JSON-ready types."""
        snaps = self.engine.snapshots()
        stats = self.engine.writer_stats()
        return {
            "site": self.site.site.name,
            "started_at": self.started_at,
            "uptime_s": round(time.time() - self.started_at, 1) if self.started_at else 0.0,
            "detector": self.engine.backend,
            "cameras": [self._camera(s) for s in snaps.values()],
            "writer": {"batches": stats.batches, "dropped": stats.dropped} if stats else None,
            "bus": self.bus_status(),
        }

    def frame_jpeg(self, camera_id: str, quality: int = 80) -> bytes | None:
        """The camera's newest frame with zones and tracked people drawn (JPEG), None if none yet."""
        snap = self.engine.snapshot(camera_id)
        if snap is None or snap.frame is None:
            return None
        img = snap.frame.image
        h, w = img.shape[:2]
        out = draw_people(img, snap.detections, roles=snap.roles)
        for z in snap.camera.zones:  # each zone in its type's colour, as in the window
            draw_polygons(out, [to_pixels(z.points, w, h)], colour=z.type.bgr, names=[z.label], copy=False)
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return buf.tobytes() if ok else None

    def alerts(self, hours: float = 24.0) -> list[dict[str, Any]]:
        """Open alerts raised in the last ``hours`` (newest first), as JSON-ready dicts."""
        with self._read_lock:
            if self._read_store is None:
                self._read_store = open_store(self.db_url)
            since = time.time() - hours * 3600
            rows = open_alerts(self._read_store, since=since, now=dt.datetime.now(dt.UTC))
        with self._remote_lock:
            remote = sorted(self._remote_alerts.values(), key=lambda a: -(a["ts"] or 0))
        return remote + [
            {
                "event_id": a.event_id,
                "ts": a.ts,
                "camera": a.camera,
                "zone": a.zone,
                "module": a.module,
                "kind": a.kind,
                "message": a.message,
                "origin": "here",
            }
            for a in rows
        ]
