"""Photo files: atomic write, day folders, JPEG size read from the header."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.store.photos import jpeg_size, save_photo


def test_jpeg_size_baseline_and_progressive() -> None:
    ok, buf = cv2.imencode(".jpg", np.zeros((37, 53, 3), np.uint8))
    assert ok and jpeg_size(buf.tobytes()) == (53, 37)
    ok, buf = cv2.imencode(".jpg", np.zeros((45, 123, 3), np.uint8), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert ok and jpeg_size(buf.tobytes()) == (123, 45)  # SOF2


@pytest.mark.parametrize(
    "data", [b"", b"\xff\xd8", b"GIF89a....", b"\xff\xd8\xff\xda\x00\x02", b"\xff\xd8\xff\xe0\x00"]
)
def test_jpeg_size_of_garbage_is_none(data: bytes) -> None:
    assert jpeg_size(data) is None


def test_save_photo(tmp_path: Path) -> None:
    data = b"\xff\xd8not really a jpeg\xff\xd9"
    ts = dt.datetime(2024, 3, 31, 23, 30, tzinfo=dt.UTC).timestamp()
    saved = save_photo(tmp_path, "cam/../x", ts, data, tz=dt.timezone(dt.timedelta(hours=3)))
    assert saved.path.startswith("crops/cam_.._x/2024-04-01/")  # local day; no path tricks
    assert (tmp_path / saved.path).read_bytes() == data
    assert saved.sha256 == hashlib.sha256(data).hexdigest() and saved.bytes == len(data)
    assert (saved.width, saved.height) == (None, None)
    assert [p.name for p in (tmp_path / saved.path).parent.iterdir()] == [Path(saved.path).name]
    assert save_photo(tmp_path, "..", ts, data).path.startswith("crops/_/")
