"""The notifier's input from the broker: alerts of every camera process, each sent once.

With several camera processes (``storesight serve --broker …`` on one or many machines), each
alert is published once on the broker's shared work queue ``storesight.notify``
(:mod:`app.bus.rabbit`). One notifier — ``storesight notify run --broker …`` — takes them from
there: :class:`BusFeed` renders each into the notifier's outbox (the same table, channels, rules,
retries and expiry as for the database's events, :mod:`app.notify.worker`) and acknowledges the
message only once it is stored. So:

* a message is sent once even when several notifiers run (the broker gives each message to one);
* a notifier that stops after storing a message and before acknowledging it gets it again and
  recognises it by its broker id (:func:`app.notify.outbox.enqueue_once`): no second send;
* a notifier that is down loses nothing: the messages wait in the durable queue.

The notifier does not read the database's events then (a shared database would send them twice).
Messages from the broker carry no photo (the photos are on the camera machine): text only.

Example:
    >>> # feed = BusFeed(store, cfg.notifications, worker, url=broker, node="notifier", outbox=path).start()
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.config import NotificationsConfig
from app.notify import outbox
from app.notify.message import render, rules
from app.notify.worker import NotifyWorker
from app.store import stats
from app.store.db import Store

log = logging.getLogger(__name__)


class BusFeed:
    """Takes alerts from the broker's shared notification queue into a notifier's outbox.

    Args:
        store: the notifier's database (its outbox).
        cfg: the notification settings (channels, which events go where).
        worker: the worker that sends the outbox (woken on each new message; built with
            ``feed_events=False``).
        url: the broker's AMQP URL.
        node: this notifier's name (for the broker's connection; messages go to any notifier).
        outbox_file: the bus's local outbox file (a notifier publishes nothing; pika needs it).
        clock: wall-clock seconds (tests).
    """

    def __init__(
        self,
        store: Store,
        cfg: NotificationsConfig,
        worker: NotifyWorker,
        *,
        url: str,
        node: str,
        outbox_file: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        from app.bus.rabbit import Bus

        self.store = store
        self.worker = worker
        self.rules = [r for r in rules(cfg) if r.channel in worker.channels]
        self.clock = clock
        self.queued = self.repeated = self.unmatched = 0
        self.bus = Bus(
            url, node=node, outbox=outbox_file, on_notify=self.handle, broadcasts=False, notify=True
        )

    def start(self) -> BusFeed:
        """Connect and start taking messages; returns self."""
        self.bus.start()
        return self

    def stop(self) -> None:
        """Disconnect (messages not yet taken stay on the broker)."""
        self.bus.stop(flush_timeout=0.0)

    def handle(self, msg: dict[str, Any]) -> None:
        """One alert from the queue → one outbox row per channel whose rule wants it (raises if not stored)."""
        body = msg.get("body") or {}
        module, type_, camera = (
            str(body.get("module", "")),
            str(body.get("type", "")),
            str(msg.get("camera", "")),
        )
        wanted = [r for r in self.rules if r.matches(module, type_, camera)]
        if not wanted:
            self.unmatched += 1
            return
        ts = float(body.get("ts") or msg.get("sent") or self.clock())
        message = render(
            site=str(msg.get("site", "")), event_id=0, ts=ts, tz=stats.site_timezone(self.store), camera=camera,
            camera_name=camera, zone=body.get("zone"), zone_name=None, module=module, type_=type_, track=None,
            payload=body.get("payload") or {},
        )  # fmt: skip
        message["event"]["id"] = None  # the event's row is in the camera machine's database
        message["event"]["origin"] = msg.get("origin")
        key = str(msg.get("id", ""))
        now = self.clock()
        for rule in wanted:
            if outbox.enqueue_once(self.store, rule.channel, message, key, now) is None:
                self.repeated += 1
            else:
                self.queued += 1
        self.worker.wake()
