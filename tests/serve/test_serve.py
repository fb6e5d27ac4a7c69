"""The headless service: supervisor restarts, the HTTP API's rules, and ``storesight serve`` end to end."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import yaml

from app.config import SiteConfig
from app.errors import UserError
from app.serve.http_api import ApiServer, check_listen, parse_listen
from app.serve.service import SiteService
from models.base import DetectorSettings
from models.registry import BackendChoice, create_detector
from tests.fixtures_pipeline import wait_until
from tests.fixtures_rtsp import RTSP_PASSWORD, RTSP_USER

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "t0ken-Serve-Test-1234567"

pytestmark = pytest.mark.timeout(240)


def _video(path: Path, frames: int = 20) -> Path:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    for i in range(frames):
        w.write(np.full((48, 64, 3), (10 * i) % 256, np.uint8))
    w.release()
    return path


@pytest.fixture(scope="module")
def detector() -> BackendChoice:
    return create_detector("nanodet", DetectorSettings(confidence=0.35, classes=(0,), threads=1))


def test_supervisor_restarts_a_failed_camera_with_a_new_run(tmp_path: Path, detector: BackendChoice) -> None:
    late = tmp_path / "late.avi"  # the camera's file appears only after it failed
    site = SiteConfig.model_validate({"site": {"name": "t"}, "cameras": [{"id": "cam", "source": str(late)}]})
    url = f"sqlite:///{tmp_path / 's.db'}"
    svc = SiteService(
        site, db_url=url, data_dir=tmp_path, detector=detector, min_backoff=0.5, check_every=0.1
    )
    svc.start()
    try:
        assert wait_until(lambda: svc.status()["cameras"][0]["restart_in_s"] is not None, 20)
        cam = svc.status()["cameras"][0]
        assert not cam["running"] and "not found" in cam["last_end"] and cam["restarts"] == 0
        _video(late)
        assert wait_until(lambda: svc.status()["cameras"][0]["restarts"] >= 1, 20)
        assert wait_until(lambda: svc.status()["cameras"][0]["frames"] > 3, 30)
        cam = svc.status()["cameras"][0]
        assert cam["running"] and cam["state"] == "live"
        # the picture comes once the first frames leave the identity lag (tracker.identity_lag, 0.8 s)
        assert wait_until(lambda: svc.frame_jpeg("cam") is not None, 10)
        assert svc.frame_jpeg("nope") is None
        assert svc.alerts() == []
    finally:
        svc.stop()
    runs = (
        sqlite3.connect(tmp_path / "s.db").execute("select status from analysis_runs order by id").fetchall()
    )
    assert [r[0] for r in runs][:1] == ["failed"] and runs[-1][0] == "complete" and len(runs) >= 2


class _State:
    """A fixed live state, to test the HTTP layer alone."""

    def status(self) -> dict[str, Any]:
        return {"cameras": [{"id": "a"}]}

    def frame_jpeg(self, camera_id: str, quality: int = 80) -> bytes | None:
        if camera_id != "a":
            return None
        return cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes()

    def alerts(self, hours: float = 24.0) -> list[dict[str, Any]]:
        return [{"hours": hours}]


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_api_needs_the_token_and_refuses_the_network_without_one() -> None:
    assert parse_listen("9000") == ("127.0.0.1", 9000)
    with pytest.raises(UserError) as e:
        parse_listen("host:port")
    assert e.value.exit_code == 2
    with pytest.raises(UserError, match="token"):
        check_listen("0.0.0.0", None)
    check_listen("0.0.0.0", TOKEN)
    check_listen("127.0.0.1", None)

    api = ApiServer(_State(), "127.0.0.1", 0, token=TOKEN).start()
    try:
        assert _get(f"{api.url}/healthz") == (200, b'{"ok": true}')
        assert _get(f"{api.url}/api/status")[0] == 401
        assert _get(f"{api.url}/api/status", "wrong-token-wrong-token")[0] == 401
        code, body = _get(f"{api.url}/api/status", TOKEN)
        assert code == 200 and json.loads(body) == {"cameras": [{"id": "a"}]}
        code, body = _get(f"{api.url}/api/cameras/a/frame.jpg", TOKEN)
        assert code == 200 and cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR).shape == (
            8,
            8,
            3,
        )
        assert _get(f"{api.url}/api/cameras/b/frame.jpg", TOKEN)[0] == 404
        assert json.loads(_get(f"{api.url}/api/alerts?hours=2", TOKEN)[1]) == {"alerts": [{"hours": 2.0}]}
        assert _get(f"{api.url}/api/alerts?hours=x", TOKEN)[0] == 400
    finally:
        api.stop()


def _serve(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli.main", "serve", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "STORESIGHT_DATA_DIR": env.pop("data", ""), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_serve_rtsp_and_file_cameras_api_then_sigterm(
    tmp_path: Path, rtsp_people_server: Any, demo_video: Path
) -> None:
    cfg = {
        "site": {"name": "Serve test"},
        "detector": {"backend": "nanodet", "threads": 1, "precision": "int8"},
        "cameras": [
            {"id": "door", "source": rtsp_people_server.url, "username": RTSP_USER, "password": RTSP_PASSWORD,
             "fps": 5, "detect_fps": 5},
            {"id": "aisle", "source": str(demo_video), "fps": 5, "motion_gating": True,
             "zones": [{"id": "a", "type": "department", "points": [[0.3, 0.2], [0.7, 0.2], [0.7, 0.8]]}]},
        ],
    }  # fmt: skip
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    db = tmp_path / "serve.db"
    # beyond localhost without a token: refused before anything starts
    p = _serve(
        ["--config", str(path), "--db", f"sqlite:///{db}", "--listen", "0.0.0.0:0"],
        {"STORESIGHT_TOKEN": "", "data": str(tmp_path / "data")},
    )
    out, err = p.communicate(timeout=60)
    assert p.returncode == 2 and "token" in err and "Traceback" not in err

    p = _serve(
        ["--config", str(path), "--db", f"sqlite:///{db}", "--listen", "127.0.0.1:0", "--status-every", "2"],
        {"STORESIGHT_TOKEN": TOKEN, "data": str(tmp_path / "data")},
    )
    try:
        assert p.stdout is not None
        first = ""
        for _ in range(20):  # "serving 2 camera(s) … on http://127.0.0.1:PORT (token required)"
            first = p.stdout.readline()  # (a library may print a line of its own first)
            if first.startswith("serving") or not first:
                break
        assert "serving 2 camera(s)" in first and "token required" in first, first
        base = first.split("live state on ")[1].split()[0]

        def cams() -> dict[str, Any]:
            code, body = _get(f"{base}/api/status", TOKEN)
            assert code == 200
            return {c["id"]: c for c in json.loads(body)["cameras"]}

        # fps and latency count the frames analysed and out of the identity lag (0.8 s after reading)
        assert wait_until(
            lambda: all(c["frames"] >= 5 and c["state"] == "live" and c["fps"] > 0 for c in cams().values()),
            90,
            0.5,
        ), cams()
        c = cams()
        assert c["door"]["fps"] > 0 and 0 < c["door"]["latency_p95_s"] < 10
        assert _get(f"{base}/api/status")[0] == 401
        for cid in ("door", "aisle"):
            code, body = _get(f"{base}/api/cameras/{cid}/frame.jpg", TOKEN)
            img = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
            assert code == 200 and img is not None and img.shape[0] > 100
        assert json.loads(_get(f"{base}/api/alerts", TOKEN)[1]) == {"alerts": []}
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert (
        "stopped" in out
        and "Traceback" not in err
        and TOKEN not in out + err
        and RTSP_PASSWORD not in out + err
    )
    con = sqlite3.connect(db)
    rows = con.execute(
        "select c.config_id, r.status, r.reason, r.frames from analysis_runs r join cameras c on c.id = r.camera_id"
    ).fetchall()
    assert {r[0] for r in rows} == {"door", "aisle"}
    assert all(r[1:3] == ("complete", "live session stopped") and r[3] >= 5 for r in rows), rows


def test_client_reads_a_service_and_says_plainly_what_went_wrong() -> None:
    from app.serve.client import ServiceClient

    api = ApiServer(_State(), "127.0.0.1", 0, token=TOKEN).start()
    try:
        c = ServiceClient(api.url, token=TOKEN)
        assert c.healthy() and c.status() == {"cameras": [{"id": "a"}]}
        assert c.frame("a").shape == (8, 8, 3) and c.alerts(3) == [{"hours": 3.0}]
        with pytest.raises(UserError, match="HTTP 404"):
            c.frame("b")
        with pytest.raises(UserError, match="refused the token") as e:
            ServiceClient(api.url, token="not-the-token-at-all").status()
        assert "not-the-token" not in str(e.value) and TOKEN not in str(e.value)
    finally:
        api.stop()
    with pytest.raises(UserError, match="cannot reach"):
        ServiceClient(api.url, token=TOKEN, timeout=2).status()
    assert not ServiceClient(api.url, timeout=2).healthy()
