"""Notifications through the outbox, against a local server that plays the Telegram Bot API."""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import pytest
from sqlalchemy import select

from app.config import NotificationsConfig, SiteConfig
from app.notify import outbox
from app.notify.worker import NotifyWorker
from app.store.db import Store, open_store
from app.store.records import EventRecord, PhotoRecord
from app.store.schema import NotifyOutbox, RunStatus
from app.store.sync import sync_site
from app.store.writer import StoreWriter
from tests.fake_bot_api import FakeBotApi, bad_request, server_error, too_many_requests

pytestmark = pytest.mark.timeout(120)

TOKEN = "987654321:AAH-secret-token-XYZ"
HOOK_TOKEN = "hook-bearer-secret-42"
T0 = 1_795_168_800.0

SITE: dict[str, Any] = {
    "site": {"name": "Notify shop", "timezone": "Europe/Berlin"},
    "cameras": [
        {
            "id": "till",
            "name": "Checkout camera",
            "source": "till.mp4",
            "zones": [
                {"id": "q1", "name": "Checkout 1 queue", "type": "queue", "points": [[0, 0], [1, 0], [1, 1]]},
                {"id": "door", "name": "Door", "type": "entrance_line", "points": [[0.5, 0], [0.5, 1]]},
            ],
        },
        {"id": "yard", "source": "yard.mp4"},
    ],
}


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def frame_jpeg(demo_video: Path) -> bytes:
    cap = cv2.VideoCapture(str(demo_video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 100)
    ok, frame = cap.read()
    cap.release()
    assert ok
    ok, buf = cv2.imencode(".jpg", frame)
    assert ok
    return buf.tobytes()


class Shop:
    """A site in a database with a writer to add events as the engine would."""

    def __init__(self, url: str, data: Path) -> None:
        self.url = url
        self.data = data
        self.store = open_store(url)
        cams = sync_site(self.store, SiteConfig.model_validate(SITE))
        self.writer = StoreWriter(self.store, data).start()
        self.runs = {c: self.writer.start_run(cams[c], f"{c}.mp4") for c in ("till", "yard")}

    def event(self, camera: str, module: str, typ: str, t: float, *, zone: str | None = None,
              photo: bytes | None = None, **payload: Any) -> None:  # fmt: skip
        photos = (PhotoRecord(photo, "frame"),) if photo else ()
        rec = EventRecord(camera, T0 + t, module, typ, zone_id=zone, payload=payload, photos=photos)
        self.writer.put_event(self.runs[camera], rec)
        self.writer.flush()

    def close(self) -> None:
        for run in self.runs.values():
            self.writer.finish_run(run, RunStatus.COMPLETE)
        self.writer.close()
        self.store.close()


@pytest.fixture
def shop(db_url: str, tmp_path: Path) -> Iterator[Shop]:
    s = Shop(db_url, tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def sqlite_shop(tmp_path: Path) -> Iterator[Shop]:
    s = Shop(f"sqlite:///{tmp_path / 'n.db'}", tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    a = FakeBotApi().start()
    yield a
    a.stop()


def notify_cfg(api: FakeBotApi, **kw: Any) -> NotificationsConfig:
    data: dict[str, Any] = {
        "enabled": True,
        "telegram": {"token": TOKEN, "chat_id": "-100777", "events": ["*.alert"], "api_url": api.base_url},
        "retry_initial": 2.0,
        "retry_max": 60.0,
        "min_interval": 0.0,
        "timeout": 5.0,
    }
    data.update(kw)
    return NotificationsConfig.model_validate(data)


def rows(store: Store) -> list[NotifyOutbox]:
    with store.session() as s:
        return list(s.scalars(select(NotifyOutbox).order_by(NotifyOutbox.id)))


def test_sent_while_the_server_is_down_is_delivered_once_after_it_returns(
    shop: Shop, api: FakeBotApi, frame_jpeg: bytes
) -> None:
    clock = Clock()
    worker = NotifyWorker(shop.store, notify_cfg(api), data_dir=shop.data, clock=clock)
    assert worker.run_once().queued == 0  # the channel's cursor starts at the newest event
    api.stop()  # the network is down

    shop.event(
        "till", "queue", "alert", 10, zone="q1", photo=frame_jpeg, message="Checkout 1: 6 people waiting"
    )
    shop.event("till", "footfall", "in", 11, zone="door")  # not a chosen event type
    r = worker.run_once()
    assert (r.queued, r.sent, r.retried) == (1, 0, 1)
    (row,) = rows(shop.store)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "cannot reach http://127.0.0.1" in row.last_error

    clock.t += 1.0  # still inside the backoff (2 s): no new try
    assert worker.run_once().retried == 0
    assert rows(shop.store)[0].attempts == 1

    api.start()  # back on the same port
    clock.t += 1.5
    assert worker.run_once().sent == 1
    for _ in range(3):
        clock.t += 120.0
        assert worker.run_once().sent == 0
    # a second process (e.g. the GUI after a restart) finds nothing left to send either
    again = NotifyWorker(shop.store, notify_cfg(api), data_dir=shop.data, clock=clock)
    assert again.run_once() == again.run_once().__class__(0, 0, 0, 0, 0)

    (photo,) = api.sent("sendPhoto")
    assert api.sent("sendMessage") == []
    assert photo.token == TOKEN and photo.fields["chat_id"] == "-100777"
    assert photo.photo == frame_jpeg
    assert photo.fields["caption"].splitlines() == [
        "Queue alert — Notify shop, Checkout camera",
        "Checkout 1: 6 people waiting",
        "2026-11-20 11:00:10 · zone: Checkout 1 queue",  # Berlin time
    ]
    (row,) = rows(shop.store)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_telegram_retry_after_is_respected(sqlite_shop: Shop, api: FakeBotApi) -> None:
    clock = Clock()
    worker = NotifyWorker(sqlite_shop.store, notify_cfg(api), data_dir=sqlite_shop.data, clock=clock)
    worker.run_once()
    api.script.append(too_many_requests(7))
    sqlite_shop.event("till", "queue", "alert", 1, zone="q1", message="first")
    sqlite_shop.event("till", "queue", "alert", 2, zone="q1", message="second")
    r = worker.run_once()
    assert (r.sent, r.retried) == (0, 1)
    assert len(api.requests) == 1  # the channel waits as a whole: the second message did not go either
    clock.t += 6.9
    assert worker.run_once() == r.__class__(0, 0, 0, 0, 0)
    assert len(api.requests) == 1
    clock.t += 0.2
    assert worker.run_once().sent == 2
    texts = [q.fields["text"].splitlines()[1] for q in api.sent("sendMessage")]
    assert texts == ["first", "second"]  # order kept
    assert [r.attempts for r in rows(sqlite_shop.store)] == [2, 1]


def test_refused_for_good_is_failed_and_the_next_goes(sqlite_shop: Shop, api: FakeBotApi) -> None:
    clock = Clock()
    worker = NotifyWorker(sqlite_shop.store, notify_cfg(api), data_dir=sqlite_shop.data, clock=clock)
    worker.run_once()
    api.script.append(bad_request("Forbidden: bot was blocked by the user", 403))
    sqlite_shop.event("till", "queue", "alert", 1, message="a")
    sqlite_shop.event("till", "queue", "alert", 2, message="b")
    r = worker.run_once()
    assert (r.sent, r.failed, r.retried) == (1, 1, 0)
    first, second = rows(sqlite_shop.store)
    assert first.status == "failed" and "Forbidden: bot was blocked" in first.last_error
    assert second.status == "sent"
    clock.t += 3600
    assert worker.run_once().sent == 0  # a failed message is not tried again


def test_a_refused_photo_still_sends_the_text(sqlite_shop: Shop, api: FakeBotApi, frame_jpeg: bytes) -> None:
    worker = NotifyWorker(sqlite_shop.store, notify_cfg(api), data_dir=sqlite_shop.data, clock=Clock())
    worker.run_once()
    api.script.append(bad_request("Bad Request: PHOTO_INVALID_DIMENSIONS"))
    sqlite_shop.event("till", "queue", "alert", 1, photo=frame_jpeg, message="with photo")
    assert worker.run_once().sent == 1
    assert [q.path.rsplit("/", 1)[1] for q in api.requests] == ["sendPhoto", "sendMessage"]
    assert "with photo" in api.sent("sendMessage")[0].fields["text"]


def test_stale_messages_expire_instead_of_arriving_late(sqlite_shop: Shop, api: FakeBotApi) -> None:
    clock = Clock()
    worker = NotifyWorker(
        sqlite_shop.store, notify_cfg(api, expire_hours=0.01), data_dir=sqlite_shop.data, clock=clock
    )
    worker.run_once()
    api.stop()
    sqlite_shop.event("till", "queue", "alert", 1, message="old news")
    assert worker.run_once().retried == 1
    api.start()
    clock.t += 37.0  # 0.01 h = 36 s
    r = worker.run_once()
    assert (r.sent, r.expired) == (0, 1)
    assert api.requests == [] and rows(sqlite_shop.store)[0].status == "expired"


def test_webhook_gets_json_with_photo_token_and_idempotency_key(
    sqlite_shop: Shop, api: FakeBotApi, frame_jpeg: bytes
) -> None:
    cfg = NotificationsConfig.model_validate(
        {
            "enabled": True,
            "min_interval": 0,
            "webhooks": [
                {
                    "id": "ops",
                    "url": api.hook_url,
                    "token": HOOK_TOKEN,
                    "events": ["footfall.*"],
                    "cameras": ["till"],
                }
            ],
        }
    )
    worker = NotifyWorker(sqlite_shop.store, cfg, data_dir=sqlite_shop.data, clock=Clock())
    worker.run_once()
    sqlite_shop.event("till", "footfall", "in", 5, zone="door", photo=frame_jpeg, role="customer")
    sqlite_shop.event("yard", "footfall", "in", 6)  # another camera: not for this webhook
    sqlite_shop.event("till", "queue", "alert", 7)  # not a chosen type
    assert worker.run_once().sent == 1
    (hook,) = api.sent("hook")
    body = hook.json
    assert body["event"]["camera"] == "till" and body["event"]["type"] == "in"
    assert body["event"]["zone_name"] == "Door" and body["event"]["payload"] == {"role": "customer"}
    assert body["site"] == "Notify shop" and body["text"].startswith("Person came in — Notify shop")
    assert base64.b64decode(body["photo"]["base64"]) == frame_jpeg
    assert hook.headers["Authorization"] == f"Bearer {HOOK_TOKEN}"
    assert hook.headers["Idempotency-Key"] == f"storesight-{body['id']}"


def test_two_senders_never_send_one_message_twice(sqlite_shop: Shop, api: FakeBotApi) -> None:
    cfg = notify_cfg(api)
    NotifyWorker(sqlite_shop.store, cfg, data_dir=sqlite_shop.data).run_once()
    for i in range(30):
        sqlite_shop.event("till", "queue", "alert", i, message=f"m{i}")
    stores = [open_store(sqlite_shop.url) for _ in range(2)]
    workers = [NotifyWorker(s, cfg, data_dir=sqlite_shop.data) for s in stores]
    barrier = threading.Barrier(2)

    def go(w: NotifyWorker) -> None:
        barrier.wait()
        for _ in range(5):
            w.run_once()

    threads = [threading.Thread(target=go, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    texts = sorted(q.fields["text"].splitlines()[1] for q in api.sent("sendMessage"))
    assert texts == sorted(f"m{i}" for i in range(30))
    assert outbox.counts(sqlite_shop.store) == {"telegram": {"sent": 30}}


def test_tokens_never_reach_the_log(
    sqlite_shop: Shop, api: FakeBotApi, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    cfg = notify_cfg(
        api,
        webhooks=[{"id": "ops", "url": api.hook_url, "token": HOOK_TOKEN, "events": ["*.alert"]}],
    )
    clock = Clock()
    worker = NotifyWorker(sqlite_shop.store, cfg, data_dir=sqlite_shop.data, clock=clock)
    worker.run_once()
    api.stop()  # connection refused
    sqlite_shop.event("till", "queue", "alert", 1, message="x")
    worker.run_once()
    api.start()
    api.script += [too_many_requests(1), bad_request("Unauthorized", 401), server_error()]
    for _ in range(4):
        clock.t += 100
        worker.run_once()
    worker.start()
    worker.stop()
    from app.cli.main import main

    main(["notify", "status", "--db", sqlite_shop.url])
    out = capsys.readouterr()
    texts = [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    texts += [row.last_error for row in rows(sqlite_shop.store)] + [out.out, out.err]
    assert any("telegram" in t for t in texts)  # the log did talk about the channels
    for secret in (TOKEN, TOKEN.split(":")[1], HOOK_TOKEN, "hook-secret-in-query"):
        assert not [t for t in texts if secret in t], secret
