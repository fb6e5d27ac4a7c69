r"""Event photos on disk: ``<data_dir>/crops/<camera>/<YYYY-MM-DD>/<uuid>.jpg``, written atomically.

Camera backgrounds (for heatmaps) go to ``<data_dir>/backgrounds/<camera>/<YYYYMMDD-HHMMSS>-<id>.jpg``.

Example:
    >>> import tempfile
    >>> saved = save_photo(tempfile.mkdtemp(), "cam1", 1700000000.0, b"\xff\xd8\xff\xd9")
    >>> saved.path.startswith("crops/cam1/") and saved.bytes
    4
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_SAFE = re.compile(r"[^A-Za-z0-9_.\-]")
# SOF markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) are not SOF.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True, slots=True)
class SavedPhoto:
    """A photo written to disk.

    Attributes:
        path: relative to the data folder, ``/`` separators.
        bytes: file size.
        sha256: hex digest of the file.
        width: pixels, or None if the JPEG header could not be read.
        height: pixels, or None.
    """

    path: str
    bytes: int
    sha256: str
    width: int | None
    height: int | None


def read_image(path: str | Path) -> np.ndarray | None:
    """A picture file as a BGR array (None if it cannot be read); non-ASCII paths work too."""
    import cv2
    import numpy as np

    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError:
        return None
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    return img if img is not None and img.size else None


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's SOF header without decoding it; None if not a readable JPEG."""
    if len(data) < 4 or data[:2] != b"\xff\xd8":
        return None
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image / start of scan before any SOF
            return None
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF:
            if i + 9 > n:
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return (width, height) if width and height else None
        i += 2 + length
    return None


def photo_dir(data_dir: str | Path, camera: str, ts: float, tz: dt.tzinfo | None = None) -> Path:
    """The folder for a camera's photos of the day of ``ts`` (local time, or ``tz``)."""
    day = dt.datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d")
    return Path(data_dir) / "crops" / _safe_name(camera) / day


def _safe_name(camera: str) -> str:
    return _SAFE.sub("_", camera).strip(".") or "_"  # never "..", never hidden


def _write_atomic(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/name`` through a hidden temp file and a rename."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    tmp = folder / f".{name}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final


def _describe(data_dir: str | Path, final: Path, jpeg: bytes) -> SavedPhoto:
    size = jpeg_size(jpeg)
    return SavedPhoto(
        path=final.relative_to(data_dir).as_posix(),
        bytes=len(jpeg),
        sha256=hashlib.sha256(jpeg).hexdigest(),
        width=size[0] if size else None,
        height=size[1] if size else None,
    )


def save_background(
    data_dir: str | Path, camera: str, ts: float, jpeg: bytes, tz: dt.tzinfo | None = None
) -> SavedPhoto:
    """Write a camera background JPEG atomically under ``<data_dir>/backgrounds/<camera>/``.

    Args:
        data_dir: the data folder.
        camera: the camera's config id (folder name).
        ts: time of the newest frame it was made from (names the file, local time or ``tz``).
        jpeg: encoded image.
        tz: time zone for the file name; None for the computer's.

    Raises:
        OSError: the file could not be written.
    """
    stamp = dt.datetime.fromtimestamp(ts, tz).strftime("%Y%m%d-%H%M%S")
    folder = Path(data_dir) / "backgrounds" / _safe_name(camera)
    final = _write_atomic(folder, f"{stamp}-{uuid.uuid4().hex[:8]}.jpg", jpeg)
    return _describe(data_dir, final, jpeg)


def save_photo(
    data_dir: str | Path, camera: str, ts: float, jpeg: bytes, tz: dt.tzinfo | None = None
) -> SavedPhoto:
    """Write JPEG bytes atomically (temp file + rename) and describe the file.

    Args:
        data_dir: the data folder.
        camera: the camera's config id (folder name).
        ts: event time (chooses the day folder).
        jpeg: encoded image.
        tz: time zone for the day folder; None for the computer's.

    Returns:
        Where it went and its size, hash and pixel size.

    Raises:
        OSError: the file could not be written.
    """
    final = _write_atomic(photo_dir(data_dir, camera, ts, tz), f"{uuid.uuid4().hex}.jpg", jpeg)
    return _describe(data_dir, final, jpeg)
