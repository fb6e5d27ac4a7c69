"""Write a :class:`~app.reports.builder.Report` as CSV files: one file per sheet, for Excel and scripts.

* UTF-8 with a byte order mark, so Excel shows Cyrillic and other non-Latin names correctly;
  CRLF line ends; fields quoted only where needed.
* Separator ``;`` (Excel with a comma decimal, e.g. Russian or German) or ``,`` (English), and
  the decimal mark to go with it (``,`` with ``;``, else ``.``), both configurable.
* Numbers stay numbers: durations in seconds (header ``… (s)``), shares in per cent (``… (%)``),
  times as ``YYYY-MM-DD HH:MM:SS`` in the site's time zone.
* Safe text: text that a spreadsheet could run as a formula (``=``, ``+``, ``-``, ``@``, tab or CR
  first) gets a leading ``'`` (OWASP); file names stay inside the chosen folder.

Example:
    >>> import tempfile
    >>> from app.store.db import open_store
    >>> from app.reports.builder import build_report
    >>> files = write_csv(build_report(open_store("sqlite://"), 0.0, 86400.0, tz=None), tempfile.mkdtemp())
    >>> [f.name for f in files][:2]
    ['summary.csv', 'footfall_by_hour.csv']
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from app.errors import UserError
from app.reports.builder import Report
from app.reports.safe import csv_text, path_inside, safe_filename, write_csv_file
from app.reports.sheets import Column, ColumnKind, Sheet, is_blank

SEPARATORS = (";", ",", "\t")
UNITS: dict[str, str] = {"duration": " (s)", "share": " (%)"}


def default_decimal(sep: str) -> str:
    """The decimal mark that goes with a separator: ``,`` with ``;``, else ``.``."""
    return "," if sep == ";" else "."




def _plain(x: float, decimal: str, digits: int = 3) -> str:
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", decimal)


def cell(value: Any, kind: ColumnKind, decimal: str) -> str:
    """One value as CSV text.

    Example:
        >>> cell(76.0, "duration", ","), cell(0.75, "share", "."), cell("=1+1", "text", ".")
        ('76', '75', "'=1+1")
    """
    if is_blank(value):
        return ""
    if kind == "text":
        return csv_text(str(value))
    if kind == "int":
        return str(int(value))
    if kind == "share":
        return _plain(float(value) * 100.0, decimal, 2)
    if kind in ("float", "duration"):
        return _plain(float(value), decimal)
    if kind == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    v = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    fmt = "%Y-%m-%d %H:%M" if kind == "hour" else "%Y-%m-%d %H:%M:%S"
    return v.strftime(fmt) if isinstance(v, dt.datetime) else str(v)


def header(column: Column) -> str:
    """The CSV header of a column: its header with the unit of durations and shares."""
    return csv_text(column.header + UNITS.get(column.kind, ""))


def rows(sheet: Sheet, decimal: str, report: Report | None = None) -> list[list[str]]:
    """A sheet as CSV rows (header first); the summary starts with what the report covers."""
    if sheet.key == "summary":
        return _summary_rows(sheet, decimal, report)
    out = [[header(c) for c in sheet.columns]]
    keys = [c.key for c in sheet.columns]
    for values in sheet.df[keys].itertuples(index=False):
        out.append([cell(v, c.kind, decimal) for c, v in zip(sheet.columns, values, strict=True)])
    return out


def _summary_rows(sheet: Sheet, decimal: str, report: Report | None) -> list[list[str]]:
    out = [["Key number", "This period", "Previous period", "Change", "Change (%)", "Where"]]
    if report is not None:
        i = report.info
        for label, value in (
            ("Site", i.site),
            ("Period", i.period),
            ("Compared with", i.previous),
            ("Cameras", i.cameras),
            ("People", i.people),
            ("Times in", i.timezone),
        ):
            out.append([label, csv_text(value), "", "", "", ""])
    for r in sheet.df.itertuples(index=False):
        kind: ColumnKind = r.kind
        unit = UNITS.get(kind, "")
        change = r.change * (100.0 if kind == "share" else 1.0) if not is_blank(r.change) else None
        out.append(
            [
                csv_text(str(r.metric) + unit),
                cell(r.value, kind, decimal),
                cell(r.previous, kind, decimal),
                cell(change, "float" if kind != "text" else "text", decimal),
                cell(r.change_share, "share", decimal),
                cell(r.note, "text", decimal),
            ]
        )
    return out


def write_csv(
    report: Report,
    folder: str | Path,
    *,
    sep: str = ";",
    decimal: str | None = None,
    prefix: str = "",
) -> list[Path]:
    """Write one ``<prefix><sheet key>.csv`` per sheet into ``folder`` (created if missing).

    Args:
        report: the built report.
        folder: where the files go.
        sep: field separator: ``;``, ``,`` or a tab.
        decimal: decimal mark, ``,`` or ``.`` (default: :func:`default_decimal`).
        prefix: put before every file name (it is sanitised too).

    Returns:
        The files written, in sheet order.

    Raises:
        UserError: a bad separator/decimal pair, or the folder or a file cannot be written
            (exit code 2 for the options).
    """
    if sep not in SEPARATORS:
        raise UserError(f"--sep: use ';', ',' or a tab, not {sep!r}", 2)
    decimal = decimal or default_decimal(sep)
    if decimal not in (",", "."):
        raise UserError(f"--decimal: use ',' or '.', not {decimal!r}", 2)
    if decimal == sep:
        raise UserError(f"the CSV separator and the decimal mark cannot both be {sep!r}", 2)
    base = Path(folder).expanduser()
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create the folder {base} ({e.strerror or e})", 2) from None
    if not base.is_dir():
        raise UserError(f"{base} is not a folder", 2)
    written = []
    for sheet in report.sheets:
        name = safe_filename(f"{prefix}{sheet.key}.csv")
        path = path_inside(base, name)
        try:
            write_csv_file(path, rows(sheet, decimal, report), sep=sep)
        except OSError as e:
            raise UserError(f"cannot write {path} ({e.strerror or e})") from None
        written.append(path)
    return written
