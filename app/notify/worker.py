"""The notification worker: queue new events, send what is due, retry with backoff — in one thread.

:class:`NotifyWorker` is what the running app starts (and ``storesight notify run``). Each round
it :meth:`~app.notify.outbox.Feeder.feed` s matching new events into the outbox, then sends each
channel's due messages oldest first:

* delivered → ``sent`` (never sent again);
* a transient failure (network down, timeout, 5xx, 429) → the message stays ``pending`` and the
  whole channel waits — ``retry_after`` seconds when Telegram (or ``Retry-After``) says so, else
  ``retry_initial`` doubling up to ``retry_max`` — so the order of messages is kept and a server
  that is down is not hammered;
* a permanent failure (bad token, unknown chat, 4xx) → ``failed`` with the reason, logged once;
* a message older than ``expire_hours`` → ``expired`` (a queue alert from yesterday helps nobody).

Between two messages to one channel it keeps ``min_interval`` seconds (Telegram allows about one
message per second per chat). Tokens never reach the log: channels are named ``telegram`` /
``webhook:<id>`` and errors are redacted.

Example:
    >>> import tempfile
    >>> from app.config import NotificationsConfig
    >>> from app.store.db import open_store
    >>> w = NotifyWorker(open_store("sqlite://"), NotificationsConfig(), data_dir=tempfile.mkdtemp())
    >>> w.run_once(now=0.0)
    RoundResult(queued=0, sent=0, retried=0, failed=0, expired=0)
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from app.config import NotificationsConfig
from app.notify import outbox
from app.notify.channels import Channel, TelegramChannel, WebhookChannel
from app.notify.message import rules
from app.notify.transport import Delivery
from app.store.db import Store
from app.threads import LoopThread

log = logging.getLogger(__name__)

#: Sent, failed and expired messages are deleted from the outbox after this many days.
KEEP_DAYS = 30


@dataclass(frozen=True, slots=True)
class RoundResult:
    """What one round did."""

    queued: int
    sent: int
    retried: int
    failed: int
    expired: int


def make_channels(cfg: NotificationsConfig) -> dict[str, Channel]:
    """The enabled channels by name (``telegram``, ``webhook:<id>``)."""
    out: dict[str, Channel] = {}
    if cfg.telegram is not None and cfg.telegram.enabled:
        out["telegram"] = TelegramChannel(cfg.telegram)
    for w in cfg.webhooks:
        if w.enabled:
            ch = WebhookChannel(w)
            out[ch.name] = ch
    return out


def backoff(attempts: int, initial: float, most: float) -> float:
    """Seconds before try ``attempts + 1``: ``initial`` doubling per failed try, at most ``most``.

    Example:
        >>> [backoff(n, 5, 60) for n in (1, 2, 3, 4, 5)]
        [5.0, 10.0, 20.0, 40.0, 60.0]
    """
    return float(min(most, initial * 2 ** max(attempts - 1, 0)))


class NotifyWorker(LoopThread):
    """Feeds the outbox from new events and sends due messages, in a thread or one round at a time.

    The thread (:meth:`start`, :meth:`stop`) does nothing useful when notifications are off.

    Args:
        store: the database.
        cfg: the ``notifications`` section of the site config.
        data_dir: the data folder (event photos are read from it).
        channels: override the channels (tests); default from ``cfg``.
        clock: wall-clock epoch seconds (tests pass a fake).
        tz: the site's time zone for message times; ``"site"`` reads it from the database.
        feed_events: queue the database's new events (False: messages come from the broker's
            shared notification queue, :class:`~app.notify.bus_feed.BusFeed`).

    Example:
        >>> # worker = NotifyWorker(store, cfg.notifications, data_dir=data).start() … worker.stop()
    """

    thread_name = "notify"

    def __init__(
        self,
        store: Store,
        cfg: NotificationsConfig,
        *,
        data_dir: str | Path,
        channels: Mapping[str, Channel] | None = None,
        clock: Callable[[], float] = time.time,
        tz: dt.tzinfo | str | None = "site",
        feed_events: bool = True,
    ) -> None:
        self.store = store
        self.cfg = cfg
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.channels = dict(channels) if channels is not None else make_channels(cfg)
        active = [r for r in rules(cfg) if r.channel in self.channels]
        # fed by the broker instead (app/notify/bus_feed.py): the database's events are not read
        self.feeder = outbox.Feeder(store, active if feed_events else [], tz=tz)
        self.clock = clock
        self._paused: dict[str, float] = {}
        self._last_sent: dict[str, float] = {}
        self._init_thread()
        self._wake = threading.Event()

    # --- one round ----------------------------------------------------------------------------

    def run_once(self, now: float | None = None) -> RoundResult:
        """Queue new events, then send every due message of every channel (as far as pauses allow)."""
        now = self.clock() if now is None else now
        queued = self.feeder.feed(now)
        sent = retried = failed = expired = 0
        for name, channel in self.channels.items():
            s, r, f, e = self._drain(name, channel, now)
            sent, retried, failed, expired = sent + s, retried + r, failed + f, expired + e
        return RoundResult(queued, sent, retried, failed, expired)

    def _photo(self, message: Mapping[str, object]) -> bytes | None:
        rel = message.get("photo")
        if not rel:
            return None
        path = (self.data_dir / str(rel)).resolve()
        if not path.is_relative_to(self.data_dir):
            return None
        try:
            return path.read_bytes()
        except OSError:
            log.warning("notifications: the photo %s is gone; sending the text only", rel)
            return None

    def _drain(self, name: str, channel: Channel, now: float) -> tuple[int, int, int, int]:
        sent = retried = failed = expired = 0
        lease = 2 * self.cfg.timeout + 30.0
        expire = self.cfg.expire_hours * 3600.0
        for row_id in outbox.due(self.store, name, now):
            if self._stop.is_set() or self._paused.get(name, 0.0) > now:
                break
            gap = self._last_sent.get(name, -1e18) + self.cfg.min_interval - self.clock()
            if gap > 0:
                if self._stop.wait(gap):
                    break
                now = max(now, self.clock())
            row = outbox.claim(self.store, row_id, now, lease)
            if row is None:
                continue
            if expire and now - row.created_at.timestamp() > expire:
                outbox.mark(self.store, row.id, outbox.EXPIRED, now, error="not delivered in time")
                expired += 1
                continue
            d = self._send(channel, row)
            now = max(now, self.clock())
            self._last_sent[name] = now
            if d.ok:
                outbox.mark(self.store, row.id, outbox.SENT, now)
                sent += 1
                continue
            if d.permanent:
                outbox.mark(self.store, row.id, outbox.FAILED, now, error=d.error)
                log.warning("notifications: %s refused message %d for good: %s", name, row.id, d.error)
                failed += 1
                continue
            wait = (
                d.retry_after
                if d.retry_after is not None
                else backoff(row.attempts + 1, self.cfg.retry_initial, self.cfg.retry_max)
            )
            outbox.mark(self.store, row.id, outbox.PENDING, now, error=d.error, retry_at=now + wait)
            self._paused[name] = now + wait
            level = logging.INFO if row.attempts else logging.WARNING
            log.log(level, "notifications: %s unavailable (%s); next try in %.0f s", name, d.error, wait)
            retried += 1
            break
        return sent, retried, failed, expired

    def _send(self, channel: Channel, row: outbox.OutboxRow) -> Delivery:
        try:
            return channel.send(
                row.message, self._photo(row.message), outbox_id=row.id, timeout=self.cfg.timeout
            )
        except Exception as e:  # a bug in a channel must not lose the message or stop the worker
            log.error("notifications: %s failed unexpectedly (%s)", channel.name, type(e).__name__)
            return Delivery(False, 0, f"unexpected {type(e).__name__}", False)

    # --- thread -------------------------------------------------------------------------------

    def stop(self, timeout: float | None = None) -> None:
        """Stop the thread; a message being sent finishes (at most the HTTP timeout)."""
        self._stop.set()
        self._wake.set()
        self._halt(timeout if timeout is not None else self.cfg.timeout + 5.0)

    def wake(self) -> None:
        """Look for new events now instead of at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        names = list(self.channels)
        purged_at = -1e18
        while not self._stop.is_set():
            wait = self.cfg.poll_interval
            try:
                self.run_once()
                if self.clock() - purged_at > 3600.0:
                    purged_at = self.clock()
                    outbox.purge(self.store, purged_at - KEEP_DAYS * 86400.0)
                nxt = outbox.next_due(self.store, names) if names else None
                if nxt is not None:
                    wait = min(wait, max(nxt.timestamp() - self.clock(), 0.05))
            except SQLAlchemyError as e:
                log.warning("notifications: the database is not available (%s); retrying", type(e).__name__)
                wait = max(wait, 5.0)
            except Exception as e:
                log.error("notifications: unexpected %s; retrying", type(e).__name__)
                wait = max(wait, 5.0)
            self._wake.wait(wait)
            self._wake.clear()
