"""Full-shelf references kept in the data folder: one picture per camera and shelf zone.

A shelf zone is measured against a picture of the same camera with the shelf full and nobody in
front (:mod:`models.shelf`). It is stored as ``<data dir>/shelves/<camera>/<zone>.png`` with a
``<zone>.json`` beside it (when and how it was captured), so it survives restarts: the ``shelf``
module uses, in this order, the zone's configured ``reference:`` file, the stored one, or captures
one itself from the first frame nobody stands in front of the shelf (and stores it). Capturing
again (``storesight shelf reference``, or "Capture full reference" in the zone editor) replaces
the file; a running module notices the new file at its next measurement and measures against it.

Files are written to a temporary name and renamed, so a reader never sees half a picture.

Example:
    >>> import tempfile, numpy as np
    >>> d = Path(tempfile.mkdtemp())
    >>> p = save_reference(d, "aisle3", "shelf_a", np.zeros((48, 64, 3), np.uint8), source="example", ts=0.0)
    >>> p.relative_to(d).as_posix()
    'shelves/aisle3/shelf_a.png'
    >>> [(r.camera, r.zone, r.width, r.height, r.source) for r in list_references(d)]
    [('aisle3', 'shelf_a', 64, 48, 'example')]
    >>> load_reference(d, "aisle3", "shelf_a").shape
    (48, 64, 3)
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.errors import UserError

#: The folder of the data folder that holds the references.
FOLDER = "shelves"
_ID = re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,63}$")


@dataclass(frozen=True, slots=True)
class ReferenceInfo:
    """A stored reference.

    Attributes:
        camera: camera config id.
        zone: shelf zone id.
        path: the PNG file.
        captured_at: when it was captured (epoch seconds; the file's time when unknown).
        width, height: picture size in pixels.
        source: how it was captured (``auto``, ``camera``, ``image FILE``, ``zone editor`` …).
    """

    camera: str
    zone: str
    path: Path
    captured_at: float
    width: int
    height: int
    source: str


def _checked(kind: str, value: str) -> str:
    if not _ID.match(value):
        raise UserError(f"{kind} id {value!r}: only letters, digits, _ . - (as in the site config)", 2)
    return value


def reference_path(data_dir: str | Path, camera: str, zone: str) -> Path:
    """Where the reference of this camera's shelf zone is kept (the file may not exist).

    Raises:
        UserError: an id that is not a config id (it would leave the folder).
    """
    return Path(data_dir) / FOLDER / _checked("camera", camera) / f"{_checked('zone', zone)}.png"


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_reference(
    data_dir: str | Path, camera: str, zone: str, image: np.ndarray, *, source: str, ts: float | None = None
) -> Path:
    """Store ``image`` (BGR) as the full reference of the zone, replacing an older one.

    Args:
        data_dir: the data folder.
        camera: camera config id.
        zone: shelf zone id.
        image: the whole camera picture (BGR, uint8).
        source: how it was captured, in a few words.
        ts: when (epoch seconds; default now).

    Returns:
        The PNG file.

    Raises:
        UserError: a bad id, an image that is not a picture, or a folder that cannot be written.
    """
    if image is None or image.ndim != 3 or image.shape[2] != 3 or image.size == 0:
        raise UserError("a shelf reference must be a colour picture", 2)
    path = reference_path(data_dir, camera, zone)
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(image, dtype=np.uint8))
    if not ok:
        raise UserError(f"cannot encode the reference of {camera}/{zone} as PNG")
    meta = {
        "camera": camera, "zone": zone, "captured_at": round(time.time() if ts is None else ts, 3),
        "width": int(image.shape[1]), "height": int(image.shape[0]), "source": source,
    }  # fmt: skip
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, buf.tobytes())
        _write_atomic(path.with_suffix(".json"), json.dumps(meta, indent=1).encode())
    except OSError as e:
        raise UserError(f"cannot write the shelf reference in {path.parent}: {e.strerror or e}") from None
    return path


def load_reference(data_dir: str | Path, camera: str, zone: str) -> np.ndarray | None:
    """The stored reference (BGR), or None when there is none (or it cannot be read)."""
    path = reference_path(data_dir, camera, zone)
    if not path.is_file():
        return None
    return cv2.imread(str(path), cv2.IMREAD_COLOR)


def reference_info(data_dir: str | Path, camera: str, zone: str) -> ReferenceInfo | None:
    """What is known of the stored reference, or None when there is none."""
    path = reference_path(data_dir, camera, zone)
    if not path.is_file():
        return None
    meta: dict[str, object] = {}
    try:
        meta = json.loads(path.with_suffix(".json").read_text())
    except (OSError, ValueError):
        pass
    w, h = int(meta.get("width", 0) or 0), int(meta.get("height", 0) or 0)  # type: ignore[call-overload]
    if not (w and h):
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        h, w = img.shape[:2] if img is not None else (0, 0)
    captured = meta.get("captured_at")
    return ReferenceInfo(
        camera, zone, path, float(captured) if isinstance(captured, (int, float)) else path.stat().st_mtime,
        w, h, str(meta.get("source", "")),
    )  # fmt: skip


def list_references(data_dir: str | Path, camera: str | None = None) -> list[ReferenceInfo]:
    """Every stored reference (of one camera), sorted by camera and zone."""
    root = Path(data_dir) / FOLDER
    out: list[ReferenceInfo] = []
    if not root.is_dir():
        return out
    for cam_dir in sorted(p for p in root.iterdir() if p.is_dir() and _ID.match(p.name)):
        if camera is not None and cam_dir.name != camera:
            continue
        for f in sorted(cam_dir.glob("*.png")):
            if _ID.match(f.stem):
                info = reference_info(data_dir, cam_dir.name, f.stem)
                if info is not None:
                    out.append(info)
    return out


def delete_reference(data_dir: str | Path, camera: str, zone: str) -> bool:
    """Forget the stored reference (the module captures a new one); True if there was one."""
    path = reference_path(data_dir, camera, zone)
    existed = path.is_file()
    path.unlink(missing_ok=True)
    path.with_suffix(".json").unlink(missing_ok=True)
    return existed


def stamp(data_dir: str | Path, camera: str, zone: str) -> float | None:
    """The stored file's modification time (to notice a re-capture), or None."""
    try:
        return reference_path(data_dir, camera, zone).stat().st_mtime_ns / 1e9
    except OSError:
        return None
