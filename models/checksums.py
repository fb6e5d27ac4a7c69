"""Pinned checksums of the third-party weights StoreSight looks for by name, and their check.

An official weights file (``yolo11n.pt``) reaches a workstation by the first-run wizard's download,
or by an IT person copying it into the model folder of many machines. Either way a partial copy or
a damaged file must not be loaded as if it were the model: :func:`check_pinned` compares its size,
then its SHA-256, with the values pinned here, and says in one line what is wrong.

Where the values come from: ``yolo11n.pt`` of the Ultralytics assets release v8.3.0 (the URL
below), 5,613,764 bytes, SHA-256 ``0ebbc80d…44ee1``, as recorded by several independent public
projects that pin that release asset (model catalogues, export and verification scripts; they all
agree). This project is built offline, so the hash was not computed here from a download: if the
release ever served other bytes, the wizard would refuse them and say so — never load them.

Example:
    >>> PINNED["yolo11n.pt"].size
    5613764
    >>> check_pinned(Path("no-such-dir/yolo11n.pt")) is None   # nothing there: nothing to refuse
    True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class PinnedFile:
    """A third-party weights file with a known size and checksum.

    Attributes:
        file: its name in the model folder.
        size: its size in bytes.
        sha256: its SHA-256 (hex, lower case).
        url: where the official file is published.
    """

    file: str
    size: int
    sha256: str
    url: str


#: Official weights by file name (lower case).
PINNED: dict[str, PinnedFile] = {
    "yolo11n.pt": PinnedFile(
        "yolo11n.pt",
        5_613_764,
        "0ebbc80d4a7680d14987a577cd21342b65ecfd94632bd9a8da63ae6417644ee1",
        "https://github.com/ultralytics/assets/releases/download/v8.3.0/yolo11n.pt",
    ),
}


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            h.update(block)
    return h.hexdigest()


def check_pinned(path: Path) -> str | None:
    """Why ``path`` is not the official file its name promises, or None when it is (or is not pinned).

    Args:
        path: a weights file; only names in :data:`PINNED` are checked, and only when the file exists.

    Returns:
        None, or one line for the user (:func:`check_file`).
    """
    path = Path(path)
    pin = PINNED.get(path.name.lower())
    if pin is None or not path.is_file():
        return None
    return check_file(path, pin.size, pin.sha256)


def check_file(path: Path, size: int, sha256: str | None) -> str | None:
    """Why ``path`` is not the expected file, or None when it is.

    The size is compared first (a partial copy is told apart without reading it), then the SHA-256.

    Args:
        path: the file.
        size: its expected size in bytes (0: unknown, not compared).
        sha256: its expected SHA-256 (None: not compared).

    Returns:
        None, or one line for the user naming the file, what is wrong and what to do.
    """
    path = Path(path)
    again = "delete it and download it again (first-run wizard) or copy it again"
    try:
        have = path.stat().st_size
        if size and have != size:
            what = "incomplete" if have < size else "not the official file"
            return f"{path.name} in {path.parent} is {what} ({have:,} of {size:,} bytes): {again}"
        got = sha256_of(path) if sha256 else None
    except OSError as e:
        return f"cannot read {path}: {e.strerror or e}"
    if sha256 and got != sha256.lower():
        return f"{path.name} in {path.parent} is damaged (SHA-256 {got[:12]}…, expected {sha256[:12]}…): {again}"
    return None
