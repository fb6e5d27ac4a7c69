"""The notifier's feed from the broker's shared queue: rules, rendering, a redelivered message queued once."""

from __future__ import annotations

from pathlib import Path

from app.config import NotificationsConfig
from app.notify.bus_feed import BusFeed
from app.notify.worker import NotifyWorker
from app.store.db import open_store
from tests.fake_bot_api import FakeBotApi
from tests.notify.test_notify_outbox import Shop


def _msg(i: int, module: str = "queue", type_: str = "alert") -> dict:
    return {"id": f"m{i}", "kind": "notify", "origin": "till-pc", "site": "Shop 7", "camera": "till",
            "body": {"ts": 1_795_168_800.0 + i, "module": module, "type": type_, "zone": "q1",
                     "payload": {"message": f"{i + 5} people waiting"}}}  # fmt: skip


def test_bus_messages_are_rendered_filtered_and_queued_once(tmp_path: Path) -> None:
    pytest_api = FakeBotApi().start()
    shop = Shop(f"sqlite:///{tmp_path / 'n.db'}", tmp_path / "data")
    try:
        cfg = NotificationsConfig.model_validate({
            "enabled": True, "min_interval": 0.0,
            "webhooks": [{"id": "ops", "url": pytest_api.hook_url, "events": ["queue.alert"], "cameras": ["till"]}],
        })  # fmt: skip
        worker = NotifyWorker(shop.store, cfg, data_dir=shop.data, feed_events=False)
        feed = BusFeed(shop.store, cfg, worker, url="amqp://guest:guest@127.0.0.1:1/%2F", node="n",
                       outbox_file=tmp_path / "o.sqlite")  # fmt: skip
        worker.run_once()
        shop.event("till", "queue", "alert", 1, zone="q1", message="from this machine's database")
        feed.handle(_msg(1))
        feed.handle(_msg(1))  # delivered again after the notifier died before its ack
        feed.handle(_msg(2, "footfall", "in"))  # not wanted by the rule
        feed.handle({**_msg(3), "camera": "yard"})  # another camera: not wanted either
        assert (feed.queued, feed.repeated, feed.unmatched) == (1, 1, 2)
        r = worker.run_once()
        assert (r.queued, r.sent) == (0, 1)  # the database's own event is not read: the broker feeds
        (sent,) = pytest_api.sent()
        assert sent.json["text"].splitlines()[:2] == ["Queue alert — Shop 7, till", "6 people waiting"]
        assert sent.json["event"]["origin"] == "till-pc" and sent.json["event"]["id"] is None
        # a second notifier's outbox in another database would take other messages: the same id
        # in a fresh store is queued (dedup is per outbox, the broker gives each message to one)
        other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
        w2 = NotifyWorker(other, cfg, data_dir=shop.data, feed_events=False)
        f2 = BusFeed(
            other, cfg, w2, url="amqp://x:y@127.0.0.1:1/%2F", node="n2", outbox_file=tmp_path / "o2.sqlite"
        )
        f2.handle(_msg(1))
        assert f2.queued == 1
        other.close()
    finally:
        shop.close()
        pytest_api.stop()
