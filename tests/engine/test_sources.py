"""Camera sources against real files, a real local RTSP server and a missing USB device."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.config import CameraConfig
from app.engine.rtsp import ProbeKind, probe, redact_url, url_secrets
from app.engine.sources import CameraStatus, FileSource, RtspSource, Source, UsbSource, make_source
from app.errors import SourceError
from tests.fixtures_rtsp import RTSP_PASSWORD, RTSP_USER, RtspTestServer

WRONG_PASSWORD = "Wr0ng-Guess-77"


def _collect(source: Source, limit: int | None = None) -> list:
    return list(itertools.islice(source.frames(threading.Event()), limit))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(pred: Callable[[], bool], timeout: float, what: str, source: Source) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; state: {source.state}")


class Consumer:
    """Iterates a live source on a worker thread, like the pipeline's decode thread."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.stop = threading.Event()
        self.seen: list[tuple[int, float, tuple[int, ...]]] = []  # (index, ts, shape)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for f in self.source.frames(self.stop):
                self.seen.append((f.index, f.ts, f.image.shape))
        except BaseException as e:
            self.error = e

    def finish(self, timeout: float = 15.0) -> None:
        self.stop.set()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"frames() did not return after stop; state: {self.source.state}"
        if self.error is not None:
            raise self.error


@pytest.fixture
def small_video(tmp_path: Path) -> Path:
    """20 frames, 10 fps, 64x48, MPEG-4 in MP4; frame i is filled with gray level 10*i."""
    path = tmp_path / "small.mp4"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 48))
    assert w.isOpened()
    for i in range(20):
        w.write(np.full((48, 64, 3), 10 * i, np.uint8))
    w.release()
    return path


# --- files -------------------------------------------------------------------------------------


@pytest.fixture
def utc_plus_3(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with the computer's local time zone at UTC+3 (POSIX TZ, no tz database needed)."""
    monkeypatch.setenv("TZ", "XYZ-3")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("utc_plus_3")
@pytest.mark.parametrize(
    "start",
    [dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC), dt.datetime(2024, 5, 1, 13, 0)],
    ids=["aware-utc", "naive-is-local-time"],
)
def test_file_timestamps_are_start_plus_pts(demo_video: Path, start: dt.datetime) -> None:
    src = FileSource("cam1", demo_video, start_time=start)
    frames = _collect(src)
    assert len(frames) == 795
    assert [f.index for f in frames] == list(range(795))
    # Both spellings mean 2024-05-01 10:00 UTC (naive = local time, here UTC+3).
    assert frames[0].ts == pytest.approx(1714557600.0, abs=1e-3)
    assert frames[10].ts - frames[0].ts == pytest.approx(1.0, abs=1e-3)  # vtest.avi is 10 fps
    assert frames[-1].ts - frames[0].ts == pytest.approx(79.4, abs=1e-3)
    assert all(b.ts > a.ts for a, b in itertools.pairwise(frames))
    st = src.state
    assert st.status == CameraStatus.ENDED and st.frames == 795 and "end of file" in st.reason
    assert frames[0].image.shape == (576, 768, 3) and frames[0].image.dtype == np.uint8


def test_file_start_defaults_to_mtime_minus_duration(small_video: Path) -> None:
    mtime = 1_700_000_000.0
    os.utime(small_video, (mtime, mtime))
    src = make_source(CameraConfig(id="cam1", source=str(small_video)))
    assert isinstance(src, FileSource) and not src.live
    assert src.fps == pytest.approx(10.0) and src.frame_count == 20
    frames = _collect(src)
    assert frames[0].ts == pytest.approx(mtime - 2.0, abs=1e-3)
    assert frames[5].ts - frames[0].ts == pytest.approx(0.5, abs=1e-3)
    assert int(frames[7].image.mean()) == pytest.approx(70, abs=3)  # the right picture at the right index


def test_file_resolution_and_fps_cap_skip_by_timestamp(demo_video: Path) -> None:
    start = dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    cam = CameraConfig(id="cam1", source=str(demo_video), resolution=(320, 240), fps=3, start_time=start)
    frames = _collect(make_source(cam))
    assert all(f.image.shape == (240, 320, 3) for f in frames)
    # 10 fps capped at 3 fps: one frame per 1/3 s of video time, i.e. every 3rd or 4th frame.
    assert [f.index for f in frames[:10]] == [0, 3, 7, 10, 13, 17, 20, 23, 27, 30]
    gaps = np.diff([f.ts for f in frames])
    assert gaps.min() >= 0.3 - 1e-3 and gaps.max() <= 0.4 + 1e-3
    assert len(frames) == pytest.approx(79.5 * 3, abs=2)


def test_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    src = FileSource("cam1", tmp_path / "nope.mp4")
    with pytest.raises(SourceError, match=r"^video file not found: .*nope\.mp4$"):
        src.open_check()
    with pytest.raises(SourceError, match="video file not found"):
        _collect(src)
    assert src.state.status == CameraStatus.FAILED
    assert SourceError.exit_code == 3


@pytest.mark.parametrize("content", [b"this is not a video, just text\n" * 40, b""], ids=["text", "empty"])
def test_not_a_video(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(SourceError) as exc:
        _collect(FileSource("cam1", path))
    msg = str(exc.value)
    assert "\n" not in msg and str(path) in msg
    assert ("not a video file" in msg) if content else ("empty" in msg)


def test_a_folder_is_not_a_video(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not a video file"):
        FileSource("cam1", tmp_path).open_check()


def test_truncated_video_yields_good_frames_then_raises(demo_video: Path, tmp_path: Path) -> None:
    data = demo_video.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: int(len(data) * 0.4)])
    src = FileSource("cam1", cut, start_time=dt.datetime(2024, 5, 1, tzinfo=dt.UTC))
    assert src.frame_count == 795  # the AVI header still promises the whole video
    got = []
    with pytest.raises(SourceError) as exc:
        for f in src.frames(threading.Event()):
            got.append(f.index)
    assert 250 < len(got) < 400 and got == list(range(len(got)))
    assert str(exc.value) == f"{cut} ends early at frame {len(got)} of 795: the file is truncated or damaged"
    assert src.state.status == CameraStatus.FAILED and "truncated" in src.state.reason


def test_cut_off_mp4_header_is_reported_as_damaged(small_video: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    data = small_video.read_bytes()
    assert data.find(b"moov") > data.find(b"mdat") > 0  # the index is written last…
    cut.write_bytes(data[: data.find(b"moov") - 8])  # …so a recording cut short has none
    with pytest.raises(SourceError, match="damaged or incomplete"):
        FileSource("cam1", cut).open_check()


def test_stop_event_ends_a_file_early(demo_video: Path) -> None:
    src = FileSource("cam1", demo_video)
    stop = threading.Event()
    n = 0
    for _ in src.frames(stop):
        n += 1
        if n == 5:
            stop.set()
    assert n == 5 and src.state.status == CameraStatus.ENDED and src.state.reason == "stopped"


# --- URLs and the probe ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("rtsp://admin:secret@10.0.0.5:554/Streaming/101", "rtsp://admin:***@10.0.0.5:554/Streaming/101"),
        ("rtsp://admin:p%40ss@cam/live", "rtsp://admin:***@cam/live"),
        ("rtsp://admin:p@ss@cam/live", "rtsp://admin:***@cam/live"),
        ("rtsp://admin:pa/ss@cam:554/live", "rtsp://admin:***@cam:554/live"),
        ("rtsp://tokenonly@cam/live", "rtsp://***@cam/live"),
        ("http://cam/video.cgi?user=a&pwd=secret", "http://cam/video.cgi?user=a&pwd=***"),
        ("rtsp://cam:554/live@main", "rtsp://cam:554/live@main"),
        ("rtsp://10.0.0.5/stream", "rtsp://10.0.0.5/stream"),
        ("/videos/a@b.mp4", "/videos/a@b.mp4"),
    ],
)
def test_redact_url(url: str, safe: str) -> None:
    assert redact_url(url) == safe
    for secret in url_secrets(url):
        assert secret not in redact_url(url)


def test_probe_times_out_on_a_silent_server() -> None:
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        t0 = time.monotonic()
        res = probe(f"rtsp://127.0.0.1:{srv.getsockname()[1]}/x", timeout=0.5)
    assert res.kind == ProbeKind.TIMEOUT and time.monotonic() - t0 < 3


# --- RTSP --------------------------------------------------------------------------------------


def _assert_no_password(texts: list[str], *passwords: str) -> None:
    for text in texts:
        for pw in passwords:
            assert pw not in text, f"password leaked in: {text!r}"


@pytest.mark.rtsp
@pytest.mark.timeout(30)
def test_rtsp_unreachable_fails_fast(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"rtsp://admin:{RTSP_PASSWORD}@127.0.0.1:{_free_port()}/stream"
    src = make_source(CameraConfig(id="door", source=url), fail_fast=True)
    assert src.live
    t0 = time.monotonic()
    with pytest.raises(SourceError) as exc:
        next(src.frames(threading.Event()))
    assert time.monotonic() - t0 < 5
    msg = str(exc.value)
    assert "connection refused" in msg and "rtsp://admin:***@127.0.0.1" in msg
    assert src.state.status == CameraStatus.FAILED
    _assert_no_password([msg, src.state.reason, repr(src), caplog.text], RTSP_PASSWORD)


@pytest.mark.rtsp
@pytest.mark.timeout(30)
def test_rtsp_silent_server_times_out_with_a_clear_message() -> None:
    with socket.socket() as srv:  # accepts the connection, never answers (a hung camera)
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        url = f"rtsp://127.0.0.1:{srv.getsockname()[1]}/s"
        src = RtspSource("door", url, open_timeout=1.0, fail_fast=True)
        t0 = time.monotonic()
        with pytest.raises(SourceError, match="timed out"):
            src.open_check()
    assert time.monotonic() - t0 < 8


@pytest.mark.rtsp
@pytest.mark.timeout(30)
def test_rtsp_wrong_credentials_are_named_and_never_shown(
    rtsp_server_auth: RtspTestServer, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    cam = CameraConfig(id="door", source=rtsp_server_auth.url, username=RTSP_USER, password=WRONG_PASSWORD)
    src = make_source(cam, fail_fast=True)
    with pytest.raises(SourceError) as exc:
        src.open_check()
    msg = str(exc.value)
    assert "rejected the credentials" in msg and "401" in msg
    assert f"rtsp://{RTSP_USER}:***@127.0.0.1:{rtsp_server_auth.port}/stream" in msg
    out, err = capfd.readouterr()  # FFmpeg/OpenCV write to the process's stderr directly
    texts = [msg, src.state.reason, repr(src), caplog.text, out, err]
    _assert_no_password(texts, WRONG_PASSWORD, RTSP_PASSWORD)


@pytest.mark.rtsp
@pytest.mark.timeout(30)
def test_rtsp_missing_credentials_and_wrong_path(rtsp_server_auth: RtspTestServer) -> None:
    with pytest.raises(SourceError, match="requires a user name and password"):
        RtspSource("door", rtsp_server_auth.url, fail_fast=True).open_check()
    bad_path = rtsp_server_auth.url_with_credentials.replace("/stream", "/nope")
    with pytest.raises(SourceError, match=r"stream path not found \(RTSP 404") as exc:
        RtspSource("door", bad_path, fail_fast=True).open_check()
    assert RTSP_PASSWORD not in str(exc.value)


@pytest.mark.rtsp
@pytest.mark.timeout(30)
def test_rtsp_probe_answers_digest_challenges(rtsp_server_factory: Callable[..., RtspTestServer]) -> None:
    srv = rtsp_server_factory(user=RTSP_USER, password=RTSP_PASSWORD, digest=True)
    assert probe(srv.url_with_credentials, timeout=5).kind == ProbeKind.OK
    wrong = srv.url_with_credentials.replace("Sup3r", "Sup4r")
    assert probe(wrong, timeout=5).kind == ProbeKind.AUTH_REJECTED
    assert probe(srv.url, timeout=5).kind == ProbeKind.AUTH_REQUIRED


@pytest.mark.rtsp
@pytest.mark.timeout(40)
def test_rtsp_happy_path_is_live_with_wall_clock_timestamps(
    rtsp_server_auth: RtspTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cam = CameraConfig(id="door", source=rtsp_server_auth.url, username=RTSP_USER, password=RTSP_PASSWORD)
    src = make_source(cam)
    assert isinstance(src, RtspSource) and src.state.status == CameraStatus.CONNECTING
    consumer = Consumer(src)
    _wait_for(lambda: len(consumer.seen) >= 15, 20, "15 frames", src)
    st = src.state
    consumer.finish()
    assert st.status == CameraStatus.LIVE and st.frames >= 15 and st.reconnects == 0
    assert 5 < st.fps < 20  # the server sends 10 fps
    idx = [i for i, _, _ in consumer.seen]
    ts = [t for _, t, _ in consumer.seen]
    assert all(b > a for a, b in itertools.pairwise(idx))
    assert all(b > a for a, b in itertools.pairwise(ts))
    assert abs(ts[-1] - time.time()) < 5
    # Wall clock in real time: the start-up burst FFmpeg buffers while probing is not stamped "now".
    assert (ts[-1] - ts[0]) / (len(ts) - 1) == pytest.approx(0.1, abs=0.03)
    assert all(shape == (240, 320, 3) for _, _, shape in consumer.seen)
    assert src.state.status == CameraStatus.ENDED
    _assert_no_password([caplog.text, repr(src), src.state.reason], RTSP_PASSWORD)


@pytest.mark.rtsp
@pytest.mark.timeout(60)
def test_rtsp_reconnects_after_the_server_dies_and_returns(
    rtsp_server_auth: RtspTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    src = RtspSource(
        "door", rtsp_server_auth.url_with_credentials, fps=5, resolution=(160, 120),
        read_timeout=2.0, backoff_initial=0.2, backoff_max=0.8,
    )  # fmt: skip
    consumer = Consumer(src)
    reasons: list[str] = []
    _wait_for(lambda: len(consumer.seen) >= 5, 20, "first frames", src)
    assert src.state.status == CameraStatus.LIVE

    rtsp_server_auth.stop()
    killed_at = time.time()
    _wait_for(lambda: src.state.status == CameraStatus.RECONNECTING, 10, "reconnecting", src)
    reasons.append(src.state.reason)
    assert "stream lost" in src.state.reason
    # While the server is down, attempts fail with the probe's explanation and the count goes up.
    refused = lambda: "connection refused" in src.state.reason and src.state.reconnects >= 2  # noqa: E731
    _wait_for(refused, 10, "retries", src)
    reasons.append(src.state.reason)
    n_before = len(consumer.seen)

    rtsp_server_auth.start()
    restarted_at = time.time()
    _wait_for(lambda: src.state.status == CameraStatus.LIVE, 20, "live again", src)
    _wait_for(lambda: len(consumer.seen) >= n_before + 5, 10, "frames after the restart", src)
    st = src.state
    consumer.finish()

    assert st.reconnects >= 2 and st.status == CameraStatus.LIVE
    after = [s for s in consumer.seen if s[1] > restarted_at]
    assert len(after) >= 5 and not [s for s in consumer.seen if killed_at + 3 < s[1] < restarted_at]
    assert all(b[0] > a[0] and b[1] > a[1] for a, b in itertools.pairwise(consumer.seen))
    assert all(shape == (120, 160, 3) for *_, shape in consumer.seen)
    _assert_no_password([*reasons, caplog.text, repr(src)], RTSP_PASSWORD)
    assert "reconnecting" in caplog.text and "live" in caplog.text


# --- USB ---------------------------------------------------------------------------------------


def test_usb_missing_device_fails_fast() -> None:
    src = make_source(CameraConfig(id="desk", source="57"), fail_fast=True)
    assert isinstance(src, UsbSource) and src.live
    with pytest.raises(SourceError, match="USB camera 57") as exc:
        src.open_check()
    assert "\n" not in str(exc.value)
    with pytest.raises(SourceError, match="USB camera 57"):
        next(src.frames(threading.Event()))
    assert src.state.status == CameraStatus.FAILED


@pytest.mark.timeout(20)
def test_usb_missing_device_keeps_retrying_until_closed() -> None:
    src = UsbSource("desk", 57, backoff_initial=0.05, backoff_max=0.2)
    consumer = Consumer(src)
    _wait_for(lambda: src.state.reconnects >= 3, 10, "retries", src)
    assert src.state.status == CameraStatus.RECONNECTING and "USB camera 57" in src.state.reason
    src.close()  # from another thread than the one iterating
    consumer.thread.join(5)
    assert not consumer.thread.is_alive() and consumer.error is None and consumer.seen == []
    assert src.state.status == CameraStatus.ENDED
