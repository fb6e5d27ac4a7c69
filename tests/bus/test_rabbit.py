"""Live signals between processes through a real RabbitMQ broker (Debian ``rabbitmq-server``).

The broker is started by the tests on a free port with its own data folder (as root it runs as
the ``rabbitmq`` user, like the Debian service), restarted mid-run with the same data, and
killed at the end. Tests skip (with the reason) when ``rabbitmq-server`` is not installed or
does not start here; ``scripts/setup.sh --test`` installs it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.bus.rabbit import NOTIFY_QUEUE, Bus, redact_broker_url
from tests.fixtures_pipeline import wait_until

ROOT = Path(__file__).resolve().parents[2]
SERVER = shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"

pytestmark = pytest.mark.timeout(400)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    """One private rabbitmq-server: its own node name, port, data and log folders."""

    def __init__(self, base: Path) -> None:
        self.base, self.port, self.dist = base, _free_port(), _free_port()
        self.node = f"sstest{self.port}@localhost"
        self.proc: subprocess.Popen[bytes] | None = None
        (base / "mnesia").mkdir(parents=True, exist_ok=True)
        (base / "log").mkdir(exist_ok=True)
        (base / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        (base / "enabled_plugins").write_text("[].\n")
        if os.geteuid() == 0 and shutil.which("chown"):  # the server drops root for the rabbitmq user
            subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(base)], check=False)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def up(self) -> bool:
        import pika

        try:
            pika.BlockingConnection(pika.URLParameters(self.url + "?socket_timeout=2")).close()
            return True
        except Exception:
            return False

    def start(self, timeout: float = 90.0) -> None:
        env = {
            **os.environ, "HOME": str(self.base), "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"), "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.base / "pid"),
        }  # fmt: skip
        log = open(self.base / "server.out", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([SERVER], env=env, stdout=log, stderr=log, start_new_session=True)
        if not wait_until(lambda: self.up() or self.proc.poll() is not None, timeout, 0.5) or not self.up():
            out = (self.base / "server.out").read_text(errors="replace")[-600:]
            self.kill()
            pytest.skip(f"rabbitmq-server did not start here: {out.strip()}")

    def kill(self) -> None:
        """Stop the server: SIGTERM to its process group (a clean broker shutdown), SIGKILL if it hangs."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        except ProcessLookupError:
            pass
        # beam runs as another user in its own group when started by root: end it by its pid file
        pidf = self.base / "pid"
        if pidf.is_file():
            try:
                os.kill(int(pidf.read_text().strip()), signal.SIGTERM)
            except (ValueError, ProcessLookupError, PermissionError):
                pass
        wait_until(lambda: not self.up(), 30)
        self.proc = None


@pytest.fixture
def broker() -> Iterator[Broker]:
    if not Path(SERVER).exists():
        pytest.skip(
            "rabbitmq-server is not installed (Debian: apt-get install rabbitmq-server; scripts/setup.sh --test)"
        )
    pytest.importorskip("pika", reason="the 'pika' package is not installed")
    base = Path(tempfile.mkdtemp(prefix="ss-rabbit-"))
    os.chmod(base, 0o755)
    b = Broker(base)
    b.start()
    try:
        yield b
    finally:
        b.kill()
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_bus_keeps_order_and_loses_nothing_across_a_broker_restart(broker: Broker, tmp_path: Path) -> None:
    got: list[dict[str, Any]] = []
    a = Bus(broker.url, node="a", outbox=tmp_path / "a.sqlite").start()
    b = Bus(broker.url, node="b", outbox=tmp_path / "b.sqlite", on_message=got.append).start()
    try:
        assert wait_until(lambda: a.stats().connected and b.stats().connected, 30)
        for i in range(20):
            a.publish("entry", {"ts": float(i)}, site="s", camera="door")
        assert wait_until(lambda: len(got) == 20, 30)
        broker.kill()
        for i in range(20, 40):  # the broker is down: they wait in the outbox
            a.publish("entry", {"ts": float(i)}, site="s", camera="door")
        for i in range(6):
            a.publish("notify", {"n": i}, site="s", camera="door")
        assert wait_until(lambda: a.stats().outbox == 26 and not a.stats().connected, 30)
        assert "guest:guest" not in a.stats().last_error
        broker.start()
        assert wait_until(lambda: len(got) == 40, 90), (len(got), a.stats())
        assert wait_until(lambda: a.stats().notified + b.stats().notified == 6, 30)
        assert a.stats().outbox == 0 and a.stats().published == 46 and a.stats().reconnects >= 1
    finally:
        a.stop()
        b.stop()
    assert [m["body"]["ts"] for m in got] == [float(i) for i in range(40)]  # in order, each once
    assert {m["origin"] for m in got} == {"a"} and b.stats().received == 40
    assert redact_broker_url(broker.url) == f"amqp://guest:***@127.0.0.1:{broker.port}/%2F"


def _notify_waiting(broker: Broker) -> int:
    """Messages in the shared notification queue (left for a notifier)."""
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(broker.url))
    try:
        return int(conn.channel().queue_declare(NOTIFY_QUEUE, durable=True, passive=True).method.message_count)
    finally:
        conn.close()


def _site(name: str, cam: dict[str, Any]) -> dict[str, Any]:
    return {
        "site": {"name": "Two machines"},
        "detector": {"backend": "nanodet", "threads": 1, "precision": "int8", "confidence": 0.4},
        "cameras": [cam],
    }


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


@pytest.mark.slow
def test_two_services_share_entries_and_alerts_through_a_restarted_broker(
    broker: Broker, tmp_path: Path, demo_video: Path
) -> None:
    demo = yaml.safe_load((ROOT / "resources" / "demo" / "site.yaml").read_text(encoding="utf-8"))
    walk = demo["cameras"][0]
    # machine A: the entrance and checkout camera (the demo's), queue alert at one person
    door = {**walk, "id": "door", "source": str(demo_video), "fps": 5, "start_time": None}
    door["modules"] = {**walk["modules"], "pose": {"enabled": False}}
    door["modules"]["queue"] = {
        **walk["modules"]["queue"],
        "alert_length": 1,
        "raise_seconds": 0.5,
        "cooldown": 5,
    }
    # machine B: another camera with a checkout queue and no entrance of its own, no alerts
    till = {"id": "till", "source": str(demo_video), "fps": 5,
            "zones": [z for z in walk["zones"] if z["type"] in ("queue", "counter")],
            "modules": {"queue": {"checkouts": walk["modules"]["queue"]["checkouts"], "alert_length": None,
                                  "alert_wait": None, "forecast_alert": False},
                        "pose": {"enabled": False}}}  # fmt: skip
    procs: dict[str, subprocess.Popen[str]] = {}
    urls: dict[str, str] = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STORESIGHT_BROKER": broker.url,
           "STORESIGHT_DATA_DIR": str(tmp_path / "data")}  # fmt: skip

    def start(node: str, cam: dict[str, Any]) -> None:
        cfg = tmp_path / f"{node}.yaml"
        cfg.write_text(yaml.safe_dump(_site(node, cam)), encoding="utf-8")
        p = procs[node] = subprocess.Popen(
            [sys.executable, "-m", "app.cli.main", "serve", "--config", str(cfg), "--node", node,
             "--db", f"sqlite:///{tmp_path / (node + '.db')}", "--listen", "127.0.0.1:0", "--status-every", "0"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert p.stdout is not None
        line = ""
        for _ in range(20):
            line = p.stdout.readline()
            if line.startswith("serving") or not line:
                break
        assert line.startswith("serving"), (node, line, p.stderr.read() if p.poll() is not None else "")
        urls[node] = line.split("live state on ")[1].split()[0].rstrip(";")

    bus = {n: (lambda n=n: _get(f"{urls[n]}/api/status")["bus"]) for n in ("a", "b")}
    try:
        # B first, and A only once B's queue exists: a process's queue is made when it first connects,
        # and what was sent before that is not kept for it (docs/scale.md)
        start("b", till)
        assert wait_until(lambda: bus["b"]()["connected"], 60, 0.5), bus["b"]()
        start("a", door)
        # an entry seen by A feeds B's forecast
        assert wait_until(lambda: bus["b"]()["remote_entries"] >= 1, 120, 1.0), (bus["a"](), bus["b"]())
        assert bus["b"]()["forecast_entries"] >= 1
        # the broker goes down and comes back while both run
        broker.kill()
        assert wait_until(lambda: not bus["a"]()["connected"], 30, 0.5)
        time.sleep(6)  # A goes on: new entries and alerts wait in its outbox
        broker.start()
        assert wait_until(lambda: bus["a"]()["connected"] and bus["b"]()["connected"], 60, 0.5)
        # an alert raised on A is listed by B
        assert wait_until(
            lambda: (
                any(a.get("origin") == "a" for a in _get(f"{urls['b']}/api/alerts")["alerts"])
                or bus["b"]()["received"] > bus["b"]()["remote_entries"]
            ),
            120,
            1.0,
        ), (bus["a"](), bus["b"]())
    except BaseException:  # B is not left running when the test fails here
        if "b" in procs:
            procs["b"].kill()
            procs["b"].communicate(timeout=30)
        raise
    finally:
        if "a" in procs:
            procs["a"].send_signal(signal.SIGTERM)  # A first: its outbox empties into the broker
            out_a, err_a = procs["a"].communicate(timeout=90)
    try:
        assert procs["a"].returncode == 0, err_a[-2000:]
        final_a = [ln for ln in out_a.splitlines() if ln.startswith("bus a:")][-1]
        assert "0 in the outbox" in final_a, final_a
        published = int(final_a.split(" published")[0].rsplit(" ", 1)[1])
        assert " 0 notifications" in final_a  # camera services leave notifications to the notifier

        # everything A published reached B (broadcasts) or waits for the notifier: nothing lost
        def balanced() -> bool:
            b = bus["b"]()
            return b["received"] + _notify_waiting(broker) == published and b["notified"] == 0

        assert wait_until(balanced, 60, 0.5), (final_a, bus["b"](), _notify_waiting(broker))
        assert bus["b"]()["published"] == 0 and bus["b"]()["duplicates"] == 0
    finally:
        procs["b"].send_signal(signal.SIGTERM)
        out_b, err_b = procs["b"].communicate(timeout=90)
    assert procs["b"].returncode == 0, err_b[-2000:]
    assert "guest:guest" not in out_a + err_a + out_b + err_b
    assert sorted(p.name for p in (tmp_path / "data").glob("outbox-*.sqlite")) == [
        "outbox-a.sqlite",
        "outbox-b.sqlite",
    ]


def _notifier(tmp_path: Path, name: str, broker: Broker, hook_url: str) -> subprocess.Popen[str]:
    """``storesight notify run --broker`` with a webhook for queue alerts, in its own process."""
    cfg = tmp_path / f"{name}.yaml"
    cfg.write_text(yaml.safe_dump({
        "site": {"name": "Head office notifier"},
        "notifications": {"enabled": True, "min_interval": 0.0, "poll_interval": 0.5, "timeout": 5.0,
                          "webhooks": [{"id": "ops", "url": hook_url, "events": ["queue.alert"]}]},
    }), encoding="utf-8")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STORESIGHT_BROKER": broker.url}
    p = subprocess.Popen(
        [sys.executable, "-m", "app.cli.main", "notify", "run", "--config", str(cfg), "--node", name,
         "--db", f"sqlite:///{tmp_path / (name + '.db')}", "--data-dir", str(tmp_path / name)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert p.stdout is not None
    line = p.stdout.readline()
    assert "shared queue" in line and "guest:guest" not in line, (line, p.stderr.read() if p.poll() else "")
    return p


@pytest.mark.slow
def test_camera_processes_alerts_are_sent_once_by_the_notifiers(broker: Broker, tmp_path: Path) -> None:
    """Two camera processes publish alerts; two notifiers (one killed mid-run) send each exactly once."""
    from tests.fake_bot_api import FakeBotApi

    hook = FakeBotApi().start()
    cams = [Bus(broker.url, node=n, outbox=tmp_path / f"{n}.sqlite", notify=False).start() for n in ("till", "door")]
    procs = [_notifier(tmp_path, "n1", broker, hook.hook_url)]
    try:
        assert wait_until(lambda: all(c.stats().connected for c in cams), 30)

        def alerts(first: int, last: int) -> None:
            for i in range(first, last):
                cam = cams[i % 2]
                body = {"ts": 1_795_168_800.0 + i, "module": "queue", "type": "alert", "zone": "q1",
                        "payload": {"message": f"alert {i}: 6 people waiting", "kind": "length"}}  # fmt: skip
                cam.publish("notify", body, site="Shop 7", camera=cam.node)
                # a footfall event on the queue is not wanted by the webhook's rule
                cam.publish("notify", {**body, "module": "footfall", "type": "in"}, site="Shop 7", camera=cam.node)

        alerts(0, 10)
        procs.append(_notifier(tmp_path, "n2", broker, hook.hook_url))
        assert wait_until(lambda: len(hook.sent()) >= 5, 60, 0.5), len(hook.sent())
        procs[0].kill()  # the first notifier dies without a goodbye: what it had not acknowledged comes again
        procs[0].communicate(timeout=30)
        alerts(10, 20)
        assert wait_until(lambda: len(hook.sent()) >= 20, 90, 0.5), len(hook.sent())
        time.sleep(3)  # nothing more arrives
    finally:
        for c in cams:
            c.stop()
        for p in procs[1:]:
            p.send_signal(signal.SIGTERM)
        outs = [p.communicate(timeout=60) for p in procs[1:]]
        hook.stop()
    texts = sorted(str(r.json.get("text", "")).split("\n")[1] for r in hook.sent())
    assert texts == sorted(f"alert {i}: 6 people waiting" for i in range(20))  # each once, none lost
    assert all(r.json["event"]["site"] == "Shop 7" for r in hook.sent())
    assert procs[1].returncode == 143, outs[0][1][-2000:]  # stopped by SIGTERM (the CLI's code for it)
    assert "from the broker:" in outs[0][0] and "guest:guest" not in outs[0][0] + outs[0][1]
