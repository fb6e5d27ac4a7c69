"""Substream decoding: the analysis reads a camera's low-resolution stream, photos come from its main stream.

Two real RTSP streams of the demo's people (``tests/rtsp_server.py``) behind the same login: the
main stream at 768×576 and a substream at 384×288.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from analytics.types import Frame
from app.config import CameraConfig
from app.engine.mainstream import KEEP_BYTES, main_stream, ring_seconds
from app.engine.modules import box_crop
from app.engine.sources import RtspSource, make_source
from tests.fixtures_pipeline import wait_until
from tests.fixtures_rtsp import RTSP_PASSWORD, RTSP_USER, RtspTestServer

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def small_jpegs(tmp_path_factory: pytest.TempPathFactory) -> str:
    """60 demo frames at half size (the substream's pictures)."""
    folder = tmp_path_factory.mktemp("sub-frames")
    cap = cv2.VideoCapture(str(Path(__file__).resolve().parents[2] / "resources" / "demo" / "vtest.avi"))
    for i in range(60):
        ok, frame = cap.read()
        assert ok
        cv2.imwrite(
            str(folder / f"s{i:04d}.jpg"), cv2.resize(frame, (384, 288), interpolation=cv2.INTER_AREA)
        )
    cap.release()
    return str(folder / "s%04d.jpg")


def _jpeg_size(jpeg: bytes) -> tuple[int, int]:
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    return img.shape[1], img.shape[0]


@contextmanager
def _reading(
    factory: Callable[..., RtspTestServer], main_jpegs: str, sub_jpegs: str, camera_id: str, identity_lag: float = 0.0
) -> Iterator[tuple[RtspSource, RtspTestServer, list[Frame]]]:
    """A camera analysed on its substream (two RTSP servers), read on a thread: (source, main server, frames)."""
    main = factory(user=RTSP_USER, password=RTSP_PASSWORD, jpegs=main_jpegs, path="main")
    sub = factory(user=RTSP_USER, password=RTSP_PASSWORD, jpegs=sub_jpegs, path="sub")
    cam = CameraConfig(id=camera_id, source=main.url, detect_source=sub.url, username=RTSP_USER,
                       password=RTSP_PASSWORD, fps=5)  # fmt: skip
    src = make_source(cam, identity_lag=identity_lag)
    assert isinstance(src, RtspSource)
    frames: list[Frame] = []
    stop = threading.Event()
    t = threading.Thread(target=lambda: frames.extend(src.frames(stop)), daemon=True)
    t.start()
    try:
        yield src, main, frames
    finally:
        stop.set()
        src.close()
        t.join(30)
    assert main_stream(camera_id) is None  # unregistered with its source


def test_substream_is_analysed_and_photos_come_from_the_main_stream(
    rtsp_server_factory: Callable[..., RtspTestServer], demo_jpegs: str, small_jpegs: str
) -> None:
    with _reading(rtsp_server_factory, demo_jpegs, small_jpegs, "door") as (src, main, frames):
        assert RTSP_PASSWORD not in src.describe() and "photos from rtsp://" in src.describe()
        assert wait_until(lambda: len(frames) >= 3, 60), src.state
        assert frames[-1].image.shape[:2] == (288, 384)  # the analysis reads the substream only
        ms = main_stream("door")
        assert ms is not None and wait_until(lambda: ms.picture() is not None, 60)
        assert ms.size == (768, 576)
        box = np.array([100.0, 50.0, 140.0, 110.0])  # a 40×60 box on the substream
        # a frame analysed as it is read: at the moment of the newest main picture (not time.time(): a loaded
        # machine's main-stream reader can be more than the 0.5 s rule behind)
        now = dataclasses.replace(frames[-1], ts=ms.grabbed_at)
        (photo,) = box_crop(now, box, 0.0)
        assert _jpeg_size(photo.jpeg) == (80, 120)  # cut from the 2× main stream: twice the pixels
        assert photo.box == (100.0, 50.0, 140.0, 110.0)  # still in the analysed frame's coordinates
        # a frame analysed 2 s after it was read: the main stream shows a later moment, so the substream's
        # own pixels are the photo (never a person who has walked on)
        (late,) = box_crop(dataclasses.replace(frames[-1], ts=time.time() - 2.0), box, 0.0)
        assert _jpeg_size(late.jpeg) == (40, 60)
        assert ms.converted >= 1 and ms.grabbed > ms.converted  # only photos are converted to BGR

        # the main stream goes down: photos come from the substream, the analysis goes on
        main.stop()
        assert wait_until(lambda: ms.picture() is None, 30)
        n = len(frames)
        (photo,) = box_crop(frames[-1], box, 0.0)
        assert _jpeg_size(photo.jpeg) == (40, 60)
        assert wait_until(lambda: len(frames) > n + 3, 30)


def test_with_the_identity_lag_photos_come_from_the_main_picture_of_the_frames_moment(
    rtsp_server_factory: Callable[..., RtspTestServer], demo_jpegs: str, small_jpegs: str
) -> None:
    """Frames reach the modules 0.8 s after they were read: their photos come from the main stream's ring."""
    with _reading(rtsp_server_factory, demo_jpegs, small_jpegs, "porch", identity_lag=0.8) as (src, _, frames):
        assert src.main_keep == ring_seconds(0.8) == 1.3
        assert wait_until(lambda: len(frames) >= 3, 60), src.state
        ms = main_stream("porch")
        assert ms is not None and wait_until(lambda: len(ms.pictures()) >= 8, 60)
        box = np.array([100.0, 50.0, 140.0, 110.0])
        held = dataclasses.replace(frames[-1], ts=time.time() - 0.8)  # released after the lag
        (photo,) = box_crop(held, box, 0.0)
        assert _jpeg_size(photo.jpeg) == (80, 120)  # the main stream's pixels, from the ring
        assert ms.converted == 0  # not the newest picture (0.8 s later than the frame)
        (old,) = box_crop(dataclasses.replace(frames[-1], ts=time.time() - 3.0), box, 0.0)
        assert _jpeg_size(old.jpeg) == (40, 60)  # older than the ring: the substream's own pixels
        pics = ms.pictures()
        assert pics[-1][0] - pics[0][0] <= 1.3 and ms.ring_bytes <= KEEP_BYTES
        assert all(p.shape == (576, 768, 3) for _, p in pics)
        assert len({p.ctypes.data for _, p in pics}) == len(pics)  # each its own picture, not one buffer


def test_a_substream_needs_a_network_camera() -> None:
    with pytest.raises(ValidationError, match="detect_source"):
        CameraConfig(id="c", source="video.mp4", detect_source="rtsp://cam/sub")
    with pytest.raises(ValidationError, match="detect_source"):
        CameraConfig(id="c", source="rtsp://cam/main", detect_source="/tmp/sub.mp4")
    cam = CameraConfig(
        id="c", source="rtsp://cam/main", detect_source="rtsp://cam/sub", username="u", password="p"
    )
    assert cam.detect_source_url() == "rtsp://u:p@cam/sub" and cam.source_url() == "rtsp://u:p@cam/main"
