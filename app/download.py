"""Download model weights into the model folder: progress, a SHA-256 check, and resume after a cut.

Used by the first-run wizard to fetch the YOLO weights when the computer is online (nothing in
StoreSight downloads by itself at run time; the built-in NanoDet needs no download).

* The file grows as ``<name>.part`` beside its destination; a new attempt asks the server for the
  rest (HTTP ``Range``) and appends, or starts over when the server sends the whole file.
* The finished file must match its SHA-256, else it is deleted and :class:`DownloadError` says so;
  only then is it renamed into place (atomic), so the model folder never holds a broken file.
* The expected SHA-256 is pinned in :data:`WEIGHTS` (from :data:`models.checksums.PINNED`); an
  entry without one may name a GitHub release whose published asset digest
  (``"digest": "sha256:…"`` of the release API) is read instead. A file whose checksum cannot be
  learnt is not downloaded.

Example:
    >>> WEIGHTS["yolo11n.pt"].file
    'yolo11n.pt'
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.checksums import PINNED, check_file, sha256_of

CHUNK = 256 * 1024
TIMEOUT_S = 20.0
USER_AGENT = "StoreSight-downloader"


class DownloadError(Exception):
    """A download that did not give a verified file (one line for the user)."""


class DownloadCancelled(DownloadError):
    """The user stopped the download; the ``.part`` file stays for a later resume."""


@dataclass(frozen=True, slots=True)
class WeightsFile:
    """A model file the wizard can download.

    Attributes:
        file: the file name in the model folder.
        title: what it is, for people.
        url: where it is downloaded from.
        size: its size in bytes when known (shown before downloading), else 0.
        sha256: the expected checksum when pinned, else None (then ``release_api`` tells it).
        release_api: a GitHub release API URL whose asset list carries each file's ``digest``.
    """

    file: str
    title: str
    url: str
    size: int = 0
    sha256: str | None = None
    release_api: str | None = None


_YOLO11N = PINNED["yolo11n.pt"]
#: The downloadable weights. The official Ultralytics assets (AGPL-3.0, as StoreSight), with the
#: size and SHA-256 pinned once in :data:`models.checksums.PINNED` (the YOLO backend checks the
#: same values before loading a copy that reached the model folder some other way).
WEIGHTS: dict[str, WeightsFile] = {
    "yolo11n.pt": WeightsFile(
        _YOLO11N.file,
        "Ultralytics YOLO11n (people and objects; faster and more accurate on a GPU)",
        _YOLO11N.url,
        size=_YOLO11N.size,
        sha256=_YOLO11N.sha256,
    ),
}

Progress = Callable[[int, int], None]


def _open(url: str, headers: dict[str, str] | None = None, timeout: float = TIMEOUT_S):  # type: ignore[no-untyped-def]
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    return urllib.request.urlopen(req, timeout=timeout)


def is_online(url: str, timeout: float = 5.0) -> bool:
    """Whether ``url``'s server answers at all (a HEAD request; any HTTP status counts)."""
    req = urllib.request.Request(url, method="HEAD", headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # the server is there (e.g. 403/405 to HEAD)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def release_digest(api_url: str, file: str, timeout: float = TIMEOUT_S) -> str:
    """The SHA-256 a GitHub release publishes for its asset ``file``.

    Raises:
        DownloadError: the release cannot be read, or it has no digest for ``file``.
    """
    try:
        with _open(api_url, {"Accept": "application/vnd.github+json"}, timeout) as resp:
            doc = json.loads(resp.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise DownloadError(f"cannot read the checksum of {file} from {api_url}: {_reason(e)}") from None
    for asset in doc.get("assets", []):
        if asset.get("name") == file and str(asset.get("digest", "")).startswith("sha256:"):
            return str(asset["digest"]).split(":", 1)[1].lower()
    raise DownloadError(f"the release {api_url} publishes no SHA-256 for {file}: not downloaded")


def _reason(e: BaseException) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return str(e.reason)
    return str(e) or type(e).__name__


def download(
    url: str,
    dest: Path,
    sha256: str,
    *,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    timeout: float = TIMEOUT_S,
) -> Path:
    """Download ``url`` to ``dest``, resuming a ``.part`` left by an earlier attempt, and verify it.

    Args:
        url: http(s) URL.
        dest: the final file (its folder is created).
        sha256: the expected SHA-256 (hex).
        progress: called with (bytes so far, total bytes or 0 when unknown).
        stop: set it to cancel (the partial file is kept for a resume).
        timeout: seconds without data before giving up.

    Returns:
        ``dest``.

    Raises:
        DownloadCancelled: ``stop`` was set.
        DownloadError: network or disk problem, or a checksum mismatch (the bad file is deleted).
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"cannot create the model folder {dest.parent}: {e.strerror or e}") from None
    have = part.stat().st_size if part.is_file() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        resp = _open(url, headers, timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # nothing left to send: the part is complete
            return _finish(part, dest, sha256)
        raise DownloadError(f"cannot download {url}: {_reason(e)}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise DownloadError(f"cannot download {url}: {_reason(e)}") from None
    with resp:
        if have and resp.status != 206:  # the server ignores Range: start again
            have = 0
        length = int(resp.headers.get("Content-Length") or 0)
        total = have + length if length else 0
        try:
            with part.open("ab" if have else "wb") as out:
                done = have
                if progress:
                    progress(done, total)
                while True:
                    if stop is not None and stop.is_set():
                        raise DownloadCancelled(f"download of {dest.name} stopped ({done} bytes kept to resume)")
                    block = resp.read(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
        except DownloadCancelled:
            raise
        except OSError as e:  # the connection broke or the disk is full: the part stays for a resume
            raise DownloadError(f"download of {dest.name} interrupted: {_reason(e)}; try again to resume") from None
    if total and done < total:
        raise DownloadError(f"download of {dest.name} interrupted at {done} of {total} bytes; try again to resume")
    return _finish(part, dest, sha256)


def _finish(part: Path, dest: Path, sha256: str) -> Path:
    got = sha256_of(part)
    if got != sha256.lower():
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"{dest.name}: checksum mismatch (got {got[:12]}…, expected {sha256.lower()[:12]}…); the file was deleted"
        )
    os.replace(part, dest)
    return dest


def fetch_weights(
    entry: WeightsFile,
    folder: Path,
    *,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> Path:
    """Download a catalogue entry into ``folder`` (checksum pinned, or from its release's digest).

    Raises:
        DownloadError: see :func:`download` and :func:`release_digest`.
    """
    dest = folder / entry.file
    sha = entry.sha256
    if sha is None:
        if entry.release_api is None:
            raise DownloadError(f"no checksum known for {entry.file}: not downloaded")
        sha = release_digest(entry.release_api, entry.file)
    if dest.is_file() and check_file(dest, entry.size, sha) is None:
        return dest  # already there and verified (a damaged copy is replaced by the download)
    part = dest.with_name(dest.name + ".part")
    if entry.size and part.is_file() and part.stat().st_size > entry.size:
        part.unlink()  # longer than the file can be: not a part of it, start over
    return download(entry.url, dest, sha, progress=progress, stop=stop)
