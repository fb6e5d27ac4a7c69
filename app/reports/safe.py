"""Safe export: text that spreadsheets must not run, file names that stay in their folder.

* A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could be
  taken for a formula by Excel or LibreOffice (CSV/formula injection, OWASP). In CSV such text
  gets a leading ``'`` (:func:`csv_text`); in a workbook it is written as a string cell with
  Excel's "quote prefix" style, so even editing the cell keeps it text (:func:`is_risky`).
* File names made from site, camera or sheet names are cleaned (:func:`safe_filename`) and
  joined to the chosen folder only if the result stays inside it (:func:`path_inside`).

Example:
    >>> print(csv_text('=HYPERLINK("http://x","y")'))
    '=HYPERLINK("http://x","y")
    >>> safe_filename("../../etc/passwd")
    'etc_passwd'
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from app.errors import UserError

#: First characters that make a spreadsheet read text as a formula (OWASP "CSV injection").
RISKY_FIRST = ("=", "+", "-", "@", "\t", "\r")

_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
_BAD_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def is_risky(text: str) -> bool:
    """Whether a spreadsheet could run this text as a formula.

    Example:
        >>> is_risky("-5 %"), is_risky("Dairy")
        (True, False)
    """
    return text.startswith(RISKY_FIRST)


def csv_text(text: str) -> str:
    """Text for a CSV cell: risky text gets a leading ``'`` so Excel shows it instead of running it."""
    return "'" + text if is_risky(text) else text


def safe_filename(name: str, *, default: str = "report", max_length: int = 120) -> str:
    """A file name (no folders) made from any text: the same on Windows and Linux.

    Path separators, ``..``, control and reserved characters become ``_``; leading dots and
    trailing dots/spaces go; Windows device names (``CON``, ``COM1``…) get a ``_`` suffix; the
    result is cut to ``max_length`` characters (keeping the extension).

    Example:
        >>> safe_filename("Store: Moscow/Arbat 2026-11-20.xlsx")
        'Store_ Moscow_Arbat 2026-11-20.xlsx'
        >>> safe_filename("CON.csv")
        'CON_.csv'
    """
    text = unicodedata.normalize("NFC", name)
    text = _BAD_CHARS.sub("_", text)
    text = re.sub(r"\.{2,}", "_", text)
    text = re.sub(r"_+", "_", text).strip(" ._")
    if not text:
        text = default
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem += "_"
    ext = ext[:16]
    room = max_length - (len(ext) + 1 if ext else 0)
    stem = stem[:room].rstrip(" .") or default
    return f"{stem}.{ext}" if ext else stem


def path_inside(folder: str | Path, name: str) -> Path:
    """``folder / safe_filename(name)``, checked to stay inside ``folder``.

    Raises:
        UserError: the result would leave the folder (cannot happen with a cleaned name, but a
            symlinked file in the folder pointing elsewhere is refused too).
    """
    base = Path(folder).expanduser().resolve()
    path = (base / safe_filename(name)).resolve()
    if path.parent != base:
        raise UserError(f"refusing to write {name!r} outside the folder {base}")
    return path


def sheet_name(title: str, taken: set[str] | None = None) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/`` or a backslash, unique (case-insensitive).

    Example:
        >>> sheet_name("Queues: waits/alerts")
        'Queues_ waits_alerts'
    """
    name = _SHEET_BAD.sub("_", title).strip("'") or "Sheet"
    name = name[:31]
    if taken is not None:
        base, n = name, 2
        while name.lower() in {t.lower() for t in taken}:
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
            n += 1
        taken.add(name)
    return name


def write_csv_file(path: Path, rows: Iterable[Sequence[object]], *, sep: str = ",") -> None:
    """Write CSV rows for Excel (UTF-8 with a byte order mark, CRLF) atomically: a temporary file renamed.

    Raises:
        OSError: the file cannot be written (the temporary file is removed; ``path`` is untouched).
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f, delimiter=sep, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerows(rows)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
