"""The weights downloader against a real local HTTP server: progress, resume after a cut, checksum."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from app.download import (
    DownloadCancelled,
    DownloadError,
    WeightsFile,
    download,
    fetch_weights,
    is_online,
    release_digest,
)

pytestmark = pytest.mark.timeout(60)

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Server:
    """Serves PAYLOAD at /w.pt with Range support; ``cut_after`` drops the connection mid-file once."""

    def __init__(self) -> None:
        self.cut_after: int | None = None
        self.ranges: list[str | None] = []
        self.honour_range = True
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(PAYLOAD)))
                self.end_headers()

            def do_GET(self) -> None:
                if self.path == "/release":
                    body = json.dumps(
                        {"assets": [{"name": "w.pt", "digest": f"sha256:{SHA}"}, {"name": "x", "digest": None}]}
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if self.path != "/w.pt":
                    self.send_error(404)
                    return
                rng = self.headers.get("Range")
                outer.ranges.append(rng)
                start = int(rng.split("=")[1].split("-")[0]) if rng and outer.honour_range else 0
                if start >= len(PAYLOAD):
                    self.send_error(416)
                    return
                body = PAYLOAD[start:]
                self.send_response(206 if start else 200)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.cut_after is not None:
                    n, outer.cut_after = outer.cut_after, None
                    self.wfile.write(body[:n])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def test_download_reports_progress_and_verifies(server: _Server, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    out = download(f"{server.url}/w.pt", tmp_path / "models" / "w.pt", SHA, progress=lambda d, t: seen.append((d, t)))
    assert out.read_bytes() == PAYLOAD
    assert seen[0] == (0, len(PAYLOAD)) and seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert not (tmp_path / "models" / "w.pt.part").exists()


def test_a_cut_connection_resumes_where_it_stopped(server: _Server, tmp_path: Path) -> None:
    dest = tmp_path / "w.pt"
    server.cut_after = 300_000
    with pytest.raises(DownloadError, match=r"interrupted.*try again to resume"):
        download(f"{server.url}/w.pt", dest, SHA)
    part = tmp_path / "w.pt.part"
    assert part.stat().st_size == 300_000 and not dest.exists()
    download(f"{server.url}/w.pt", dest, SHA)
    assert server.ranges == [None, "bytes=300000-"]  # the second request asked for the rest only
    assert dest.read_bytes() == PAYLOAD


def test_a_server_without_range_support_starts_over(server: _Server, tmp_path: Path) -> None:
    (tmp_path / "w.pt.part").write_bytes(PAYLOAD[:1000])
    server.honour_range = False
    download(f"{server.url}/w.pt", tmp_path / "w.pt", SHA)
    assert (tmp_path / "w.pt").read_bytes() == PAYLOAD


def test_checksum_mismatch_deletes_the_file(server: _Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"checksum mismatch.*deleted"):
        download(f"{server.url}/w.pt", tmp_path / "w.pt", "0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_cancel_keeps_the_part_for_later(server: _Server, tmp_path: Path) -> None:
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 500_000:
            stop.set()

    with pytest.raises(DownloadCancelled):
        download(f"{server.url}/w.pt", tmp_path / "w.pt", SHA, progress=progress, stop=stop)
    assert (tmp_path / "w.pt.part").stat().st_size >= 500_000
    download(f"{server.url}/w.pt", tmp_path / "w.pt", SHA)
    assert (tmp_path / "w.pt").read_bytes() == PAYLOAD


def test_checksum_from_the_release_digest(server: _Server, tmp_path: Path) -> None:
    assert release_digest(f"{server.url}/release", "w.pt") == SHA
    with pytest.raises(DownloadError, match="publishes no SHA-256 for x"):
        release_digest(f"{server.url}/release", "x")
    entry = WeightsFile("w.pt", "test", f"{server.url}/w.pt", release_api=f"{server.url}/release")
    assert fetch_weights(entry, tmp_path).read_bytes() == PAYLOAD
    assert len(server.ranges) == 1
    fetch_weights(entry, tmp_path)  # already there and verified: not downloaded again
    assert len(server.ranges) == 1


def test_offline_and_missing_are_one_line(server: _Server, tmp_path: Path) -> None:
    assert is_online(f"{server.url}/w.pt")
    assert not is_online("http://127.0.0.1:9/", timeout=2)
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(f"{server.url}/nothing", tmp_path / "n.pt", SHA)
    with pytest.raises(DownloadError, match=r"cannot download http://127\.0\.0\.1:9/"):
        download("http://127.0.0.1:9/w.pt", tmp_path / "n.pt", SHA, timeout=2)


def test_a_damaged_copy_in_the_model_folder_is_replaced_and_a_too_long_part_restarts(
    server: _Server, tmp_path: Path
) -> None:
    entry = WeightsFile("w.pt", "test", f"{server.url}/w.pt", size=len(PAYLOAD), sha256=SHA)
    (tmp_path / "w.pt").write_bytes(PAYLOAD[:-1] + b"\x00")  # right size, one byte wrong
    (tmp_path / "w.pt.part").write_bytes(PAYLOAD + b"junk")  # longer than the file can be
    assert fetch_weights(entry, tmp_path).read_bytes() == PAYLOAD
    assert server.ranges == [None]  # the too-long part was not resumed from
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.pt"]


def test_yolo11n_is_pinned_once_for_the_wizard_and_the_loader() -> None:
    from app.download import WEIGHTS
    from models.checksums import PINNED

    w, pin = WEIGHTS["yolo11n.pt"], PINNED["yolo11n.pt"]
    assert (w.url, w.size, w.sha256) == (pin.url, pin.size, pin.sha256)
    assert len(pin.sha256) == 64 and int(pin.sha256, 16) and pin.size > 5_000_000
    assert w.release_api is None  # no network look-up needed for the checksum any more
