"""Live signals between StoreSight processes through RabbitMQ: nothing lost, nothing sent twice.

Several services of one store (or a chain) write to one PostgreSQL for the reports; what must
travel *live* between them goes through a RabbitMQ broker (the one seed 000 uses):

* **store entries** (``entry``): the entrance camera's process tells every other one, whose
  checkout forecast needs them (they go into its :class:`~app.engine.site_feed.SiteFeed`);
* **alerts** (``alert`` / ``alert_end``): raised on one machine, shown on every window;
* **notifications** (``notify``): each alert is also put on one shared work queue; the notifier
  processes (``storesight notify run --broker …``, :mod:`app.notify.bus_feed`) consume from it and
  the broker gives each message to exactly one of them, so the Telegram message or webhook is sent
  once, not once per machine. Camera services only publish to it.

How nothing is lost:

* **outbox**: :meth:`Bus.publish` first writes the message to a local SQLite file (``outbox``);
  a publisher thread sends the oldest messages in order and deletes each only when the broker
  **confirmed** it (publisher confirms). A broker that is down or restarting just leaves messages
  in the outbox (the process keeps running; :attr:`BusStats.outbox` says how many); they go out,
  in order, when it is back — also after a restart of this process;
* **durable** exchange and queues, **persistent** messages: what the broker accepted survives its
  restart;
* consumers **ack** after handling; a message delivered twice (a consumer died before its ack)
  is recognised by its id and handled once.

Topology: one durable topic exchange ``storesight``; per process a durable queue
``storesight.node.<node>`` bound to ``entry.#`` and ``alert.#`` (a process does not handle its own
messages); one durable queue ``storesight.notify`` bound to ``notify.#`` shared by all.
Routing keys: ``<kind>.<site>.<camera>``.

Example:
    >>> bus = Bus("amqp://guest:guest@localhost:5672/%2F", node="till-pc", outbox=Path("o.sqlite"),
    ...           on_message=print)                         # doctest: +SKIP
    >>> bus.start(); bus.publish("entry", {"ts": 1.0}, site="s", camera="door")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)
# pika logs every failed connection attempt at ERROR with a traceback; the bus says it in one line.
logging.getLogger("pika").setLevel(logging.CRITICAL)

EXCHANGE = "storesight"
NOTIFY_QUEUE = "storesight.notify"
#: Kinds of message and who gets them.
BROADCAST_KINDS = ("entry", "alert", "alert_end")
NOTIFY_KIND = "notify"


def redact_broker_url(url: str) -> str:
    """The broker URL without its password, for messages and logs.

    Example:
        >>> redact_broker_url("amqp://user:s3cret@mq.local:5672/%2F")
        'amqp://user:***@mq.local:5672/%2F'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{parts.username}:***@{host}", parts.path, parts.query, parts.fragment))


def _key_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:60] or "_"


class Outbox:
    """Messages not yet confirmed by the broker, in a local SQLite file (survives a restart).

    Args:
        path: the SQLite file (created if missing).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._con.execute("pragma journal_mode=wal")
        self._con.execute(
            "create table if not exists outbox (seq integer primary key autoincrement, id text unique, "
            "routing text not null, body blob not null, created real not null)"
        )
        self._lock = threading.Lock()
        self._left: int | None = None  # the count when closed

    def add(self, msg_id: str, routing: str, body: bytes) -> None:
        """Keep a message until it is confirmed."""
        with self._lock:
            self._con.execute(
                "insert or ignore into outbox (id, routing, body, created) values (?, ?, ?, ?)",
                (msg_id, routing, body, time.time()),
            )

    def oldest(self, limit: int = 100) -> list[tuple[int, str, str, bytes]]:
        """``(seq, id, routing key, body)`` of the oldest messages."""
        with self._lock:
            return list(
                self._con.execute("select seq, id, routing, body from outbox order by seq limit ?", (limit,))
            )

    def remove(self, seq: int) -> None:
        """Forget a confirmed message."""
        with self._lock:
            self._con.execute("delete from outbox where seq = ?", (seq,))

    def __len__(self) -> int:
        with self._lock:
            if self._left is not None:
                return self._left
            return int(self._con.execute("select count(*) from outbox").fetchone()[0])

    def close(self) -> None:
        """Close the file (its length stays readable)."""
        n = len(self)
        with self._lock:
            self._left = n
            self._con.close()


@dataclass(frozen=True, slots=True)
class BusStats:
    """Counters of a :class:`Bus`.

    Attributes:
        connected: the publisher and the consumer are both connected now.
        published: messages confirmed by the broker.
        outbox: messages waiting to be confirmed.
        received: messages handled from other processes (broadcasts).
        duplicates: redelivered messages recognised and skipped.
        notified: notification messages this process handled (work queue).
        reconnects: connections lost and made again.
        last_error: the last connection error (no password), "" when none.
    """

    connected: bool
    published: int
    outbox: int
    received: int
    duplicates: int
    notified: int
    reconnects: int
    last_error: str


class Bus:
    """A process's link to the broker (see the module's text).

    Args:
        url: the broker's AMQP URL (``amqp://user:password@host:5672/%2F``); never logged as is.
        node: this process's name (unique per process: its queue is ``storesight.node.<node>``).
        outbox: the outbox file.
        on_message: called on the consumer thread with every broadcast from another process
            (``{"id", "kind", "origin", "site", "camera", "body", "sent"}``).
        on_notify: called for each notification message this process got from the shared queue
            (it is acknowledged only when this returns: raise to have it delivered again).
        retry_max: longest wait between two connection attempts, seconds.
        broadcasts: have a queue of this process's own and take the broadcasts (``entry``, ``alert``…);
            False for a notifier, which only takes from the shared notification queue.
        notify: take messages from the shared notification queue (False: a camera service that
            only publishes there and leaves them to the notifier).
    """

    def __init__(
        self,
        url: str,
        *,
        node: str,
        outbox: Path,
        on_message: Callable[[dict[str, Any]], None] | None = None,
        on_notify: Callable[[dict[str, Any]], None] | None = None,
        retry_max: float = 5.0,
        broadcasts: bool = True,
        notify: bool = True,
    ) -> None:
        try:
            import pika  # noqa: F401
        except ImportError as e:
            from app.errors import UserError

            raise UserError(f"the message broker needs the 'pika' package ({e})", 2) from None
        self.url, self.node = url, _key_part(node)
        self.queue = f"storesight.node.{self.node}"
        self.outbox = Outbox(outbox)
        self.on_message, self.on_notify = on_message, on_notify
        self.retry_max = retry_max
        self.broadcasts, self.notify = broadcasts, notify
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._pub_ok = self._sub_ok = False
        self._published = self._received = self._duplicates = self._notified = self._reconnects = 0
        self._last_error = ""

    # --- API --------------------------------------------------------------------------------

    def publish(self, kind: str, body: dict[str, Any], *, site: str, camera: str = "") -> str:
        """Queue a message for every other process (``entry``/``alert``/``alert_end``) or one (``notify``).

        Never blocks on the network: the message goes to the outbox and the publisher sends it.

        Returns:
            The message id.
        """
        msg_id = uuid.uuid4().hex
        msg = {"id": msg_id, "kind": kind, "origin": self.node, "site": site, "camera": camera,
               "body": body, "sent": time.time()}  # fmt: skip
        routing = f"{kind}.{_key_part(site)}.{_key_part(camera)}"
        self.outbox.add(msg_id, routing, json.dumps(msg).encode("utf-8"))
        self._wake.set()
        return msg_id

    def start(self) -> Bus:
        """Start the publisher and consumer threads; returns self."""
        for target, name in ((self._publisher, "bus-publish"), (self._consumer, "bus-consume")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self, flush_timeout: float = 10.0) -> None:
        """Send what is in the outbox (up to ``flush_timeout`` s), then disconnect.

        What could not be sent stays in the outbox file for the next start.
        """
        end = time.monotonic() + flush_timeout
        while len(self.outbox) and self._pub_ok and time.monotonic() < end:
            self._wake.set()
            time.sleep(0.05)
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(10)
        left = len(self.outbox)
        if left:
            log.warning("bus: %d message(s) not confirmed yet; kept in the outbox for the next start", left)
        self.outbox.close()

    def stats(self) -> BusStats:
        """The counters now."""
        with self._lock:
            return BusStats(
                connected=self._pub_ok and self._sub_ok,
                published=self._published,
                outbox=len(self.outbox),
                received=self._received,
                duplicates=self._duplicates,
                notified=self._notified,
                reconnects=self._reconnects,
                last_error=self._last_error,
            )

    # --- threads ----------------------------------------------------------------------------

    def _params(self) -> Any:
        import pika

        p = pika.URLParameters(self.url)
        p.heartbeat = 20
        p.blocked_connection_timeout = 30
        p.connection_attempts = 1
        p.socket_timeout = 5
        return p

    def _declare(self, ch: Any) -> None:
        ch.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
        if self.broadcasts:
            ch.queue_declare(self.queue, durable=True)
            for kind in BROADCAST_KINDS:
                ch.queue_bind(self.queue, EXCHANGE, routing_key=f"{kind}.#")
        ch.queue_declare(NOTIFY_QUEUE, durable=True)
        ch.queue_bind(NOTIFY_QUEUE, EXCHANGE, routing_key=f"{NOTIFY_KIND}.#")

    def _failed(self, what: str, e: BaseException, delay: float) -> float:
        import pika.exceptions

        if isinstance(e, pika.exceptions.AMQPConnectionError) and not isinstance(
            e, pika.exceptions.ConnectionClosedByBroker
        ):
            why = f"cannot connect to {redact_broker_url(self.url)}"
        else:
            why = f"{e.__class__.__name__}: {e}".replace(self.url, redact_broker_url(self.url))
        text = f"{what}: {why}"
        with self._lock:
            again = text == self._last_error
            self._last_error = text
            self._reconnects += 1
        # the first failure and every change are warnings; the same failure again is not repeated
        (log.debug if again else log.warning)("bus %s; retrying (up to every %.0f s)", text, self.retry_max)
        self._stop.wait(delay)
        return min(delay * 2, self.retry_max)

    def _connected(self, what: str, flag: str, session: Callable[[Any], None]) -> None:
        """Keep a connection for ``session`` (runs until stop), reconnecting with back-off.

        The session sets ``flag`` once its queues are declared; it is cleared when the connection goes.
        """
        import pika

        delay = 0.5
        while not self._stop.is_set():
            conn = None
            try:
                conn = pika.BlockingConnection(self._params())
                delay = 0.5
                session(conn)
            except Exception as e:  # pika's errors, socket errors: the outbox keeps the messages
                setattr(self, flag, False)
                delay = self._failed(what, e, delay)
            finally:
                setattr(self, flag, False)
                if conn is not None and conn.is_open:
                    try:
                        conn.close()
                    except Exception:
                        pass

    def _publisher(self) -> None:
        self._connected("publisher", "_pub_ok", self._publish_session)

    def _publish_session(self, conn: Any) -> None:
        import pika

        ch = conn.channel()
        ch.confirm_delivery()
        self._declare(ch)
        self._pub_ok = True
        props = {"delivery_mode": 2, "content_type": "application/json"}
        while not self._stop.is_set():
            batch = self.outbox.oldest()
            if not batch:
                self._wake.wait(0.5)
                self._wake.clear()
                conn.process_data_events(0)
                continue
            for seq, msg_id, routing, body in batch:
                # with confirms on, this returns once the broker has the message (raises on a nack)
                ch.basic_publish(EXCHANGE, routing, body, pika.BasicProperties(message_id=msg_id, **props))
                self.outbox.remove(seq)
                with self._lock:
                    self._published += 1

    def _handle(self, ch: Any, method: Any, body: bytes, notify: bool) -> None:
        try:
            msg = json.loads(body)
        except ValueError:
            log.warning("bus: a message that is not JSON was dropped")
            ch.basic_ack(method.delivery_tag)
            return
        msg_id = str(msg.get("id", ""))
        with self._lock:
            dup = msg_id in self._seen
        if dup:
            with self._lock:
                self._duplicates += 1
            ch.basic_ack(method.delivery_tag)
            return
        handler = self.on_notify if notify else (self.on_message if msg.get("origin") != self.node else None)
        try:
            if handler is not None:
                handler(msg)
        except Exception as e:  # not handled: the broker delivers it again (to this or another process)
            log.warning("bus: a %s message could not be handled (%s); it will be delivered again",
                        msg.get("kind"), e.__class__.__name__)  # fmt: skip
            ch.basic_nack(method.delivery_tag, requeue=True)
            self._stop.wait(1.0)
            return
        with self._lock:
            self._seen[msg_id] = None
            while len(self._seen) > 100_000:
                self._seen.popitem(last=False)
            if notify:
                self._notified += 1
            elif msg.get("origin") != self.node:
                self._received += 1
        ch.basic_ack(method.delivery_tag)

    def _consumer(self) -> None:
        self._connected("consumer", "_sub_ok", self._consume_session)

    def _consume_session(self, conn: Any) -> None:
        ch = conn.channel()
        self._declare(ch)
        ch.basic_qos(prefetch_count=100)
        if self.broadcasts:
            ch.basic_consume(self.queue, lambda c, m, p, b: self._handle(c, m, b, False))
        if self.notify:
            ch.basic_consume(NOTIFY_QUEUE, lambda c, m, p, b: self._handle(c, m, b, True))
        self._sub_ok = True
        while not self._stop.is_set():
            conn.process_data_events(time_limit=0.5)
