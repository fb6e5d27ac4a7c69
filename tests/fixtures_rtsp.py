"""A real local RTSP server for the tests (GStreamer's gst-rtsp-server, run by the system Python).

Fixtures (function scope, the server process is always killed afterwards):
    rtsp_server: an H.264 stream without authentication.
    rtsp_server_auth: the same behind Basic authentication (``viewer`` / :data:`RTSP_PASSWORD`).
    rtsp_server_factory: ``make(user=None, password=None, digest=False, path="stream")`` for others.

Each yields an :class:`RtspTestServer` with ``.url``, ``.url_with_credentials``, ``.stop()`` (kill the
process), ``.start()`` (start it again on the same port) and ``.freeze()`` / ``.thaw()`` (SIGSTOP /
SIGCONT: a camera that hangs with its connections open, sending nothing, then recovers). When the GStreamer Python bindings are
missing the fixtures FAIL with the apt-get line to run; they never skip.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
#: The interpreter with python3-gi; override with $STORESIGHT_RTSP_PYTHON.
SERVER_PYTHON = os.environ.get("STORESIGHT_RTSP_PYTHON", "/usr/bin/python3")
DEBIAN_PACKAGES = (
    "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base "
    "gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly"
)
INSTALL_HINT = (
    f"the RTSP tests need GStreamer's RTSP server for {SERVER_PYTHON} "
    f"(Debian/Ubuntu: apt-get install {DEBIAN_PACKAGES}; or set STORESIGHT_RTSP_PYTHON)"
)
RTSP_USER = "viewer"
RTSP_PASSWORD = "Sup3r-Secret-Pw"  # distinctive, so tests can search every message for it


class RtspTestServer:
    """One ``tests/rtsp_server.py`` process serving ``rtsp://127.0.0.1:<port>/<path>``.

    Args:
        path: mount path.
        user: require authentication with this user (``None``: open stream).
        password: the user's password.
        digest: Digest instead of Basic authentication.
    """

    def __init__(
        self,
        path: str = "stream",
        user: str | None = None,
        password: str | None = None,
        digest: bool = False,
        jpegs: str | None = None,
        size: str = "320x240",
        fps: int = 10,
    ) -> None:
        self.path, self.user, self.password, self.digest = path, user, password, digest
        self.jpegs, self.size, self.fps = jpegs, size, fps
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="rtsp-server-", suffix=".log", delete=False)  # noqa: SIM115

    @property
    def url(self) -> str:
        """The stream URL without credentials."""
        return f"rtsp://127.0.0.1:{self.port}/{self.path}"

    @property
    def url_with_credentials(self) -> str:
        """The stream URL with the (percent-encoded) user and password."""
        if self.user is None:
            return self.url
        cred = f"{quote(self.user, safe='')}:{quote(self.password or '', safe='')}"
        return f"rtsp://{cred}@127.0.0.1:{self.port}/{self.path}"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 20.0) -> None:
        """Start the server (again on the same port after :meth:`stop`) and wait for READY."""
        if self.running:
            return
        if not Path(SERVER_PYTHON).exists():
            pytest.fail(f"{SERVER_PYTHON} not found: {INSTALL_HINT}", pytrace=False)
        deadline = time.monotonic() + timeout
        while True:
            ok, detail = self._spawn(deadline)
            if ok:
                return
            # After a kill the old port may take a moment to become free again.
            if self.port and "cannot listen" in detail and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            pytest.fail(f"RTSP test server did not start: {detail}", pytrace=False)

    def _spawn(self, deadline: float) -> tuple[bool, str]:
        cmd = [SERVER_PYTHON, str(SERVER_SCRIPT), "--port", str(self.port), "--path", self.path]
        if self.user is not None:
            cmd += ["--user", self.user, "--password", self.password or ""]
            if self.digest:
                cmd.append("--digest")
        if self.jpegs:
            cmd += ["--jpegs", self.jpegs]
        cmd += ["--size", self.size, "--fps", str(self.fps)]
        self._log.seek(0)
        self._log.truncate()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, text=True, bufsize=1)
        self._proc = proc
        lines: queue.Queue[str] = queue.Queue()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line)
            lines.put("")

        threading.Thread(target=pump, daemon=True, name="rtsp-server-stdout").start()
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            if line.startswith("READY"):
                self.port = int(line.split()[1])
                return True, ""
            if line == "":  # the process exited
                break
        self.stop()
        err = Path(self._log.name).read_text(errors="replace").strip()
        if proc.returncode == 3 or "MISSING" in err:
            pytest.fail(
                f"{err.splitlines()[-1] if err else 'bindings missing'}: {INSTALL_HINT}", pytrace=False
            )
        return False, err[-800:] or f"no READY line (exit code {proc.returncode})"

    def stop(self) -> None:
        """Kill the server process (like a camera losing power) and wait for it to exit."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGCONT)  # a frozen process dies only once it runs again
        if proc is not None:
            proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()

    def freeze(self) -> None:
        """Stop the process (SIGSTOP): its sockets stay open, nothing is sent or answered."""
        assert self._proc is not None and self.running, "the server is not running"
        os.kill(self._proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """Let a frozen server go on (SIGCONT)."""
        if self._proc is not None:
            os.kill(self._proc.pid, signal.SIGCONT)

    def close(self) -> None:
        """Stop the server and remove its log file."""
        self.stop()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)


@pytest.fixture
def rtsp_server_factory() -> Iterator[Callable[..., RtspTestServer]]:
    """Start RTSP test servers with any options; all are killed at the end of the test."""
    servers: list[RtspTestServer] = []

    def make(**kwargs: object) -> RtspTestServer:
        srv = RtspTestServer(**kwargs)  # type: ignore[arg-type]
        servers.append(srv)
        srv.start()
        return srv

    try:
        yield make
    finally:
        for srv in servers:
            srv.close()


@pytest.fixture
def rtsp_server(rtsp_server_factory: Callable[..., RtspTestServer]) -> RtspTestServer:
    """An open H.264 RTSP stream on ``rtsp://127.0.0.1:<port>/stream`` (320x240, 10 fps)."""
    return rtsp_server_factory()


@pytest.fixture
def rtsp_server_auth(rtsp_server_factory: Callable[..., RtspTestServer]) -> RtspTestServer:
    """The same stream behind Basic authentication: ``RTSP_USER`` / ``RTSP_PASSWORD``."""
    return rtsp_server_factory(user=RTSP_USER, password=RTSP_PASSWORD)


@pytest.fixture(scope="session")
def demo_jpegs(tmp_path_factory: pytest.TempPathFactory) -> str:
    """150 frames (15 s) of the demo video with people, as JPEG files; returns the printf pattern."""
    import cv2

    folder = tmp_path_factory.mktemp("rtsp-frames")
    video = Path(__file__).resolve().parents[1] / "resources" / "demo" / "vtest.avi"
    cap = cv2.VideoCapture(str(video))
    for i in range(150):
        ok, frame = cap.read()
        assert ok, f"cannot read frame {i} of {video}"
        cv2.imwrite(str(folder / f"f{i:04d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    cap.release()
    return str(folder / "f%04d.jpg")


@pytest.fixture
def rtsp_people_server(rtsp_server_factory: Callable[..., RtspTestServer], demo_jpegs: str) -> RtspTestServer:
    """The demo video's people as a live H.264 stream behind Basic authentication."""
    return rtsp_server_factory(user=RTSP_USER, password=RTSP_PASSWORD, jpegs=demo_jpegs)
