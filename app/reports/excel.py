"""Write a :class:`~app.reports.builder.Report` as one Excel workbook (XlsxWriter).

* **Summary** first: what the report covers (site, period, compared period, cameras, people, time
  zone) and the key numbers next to the previous period with the change, then links to every sheet.
* One sheet per topic: a bold header row that stays in view (frozen) with a filter, column widths
  that fit the values, Excel number formats (counts ``#,##0``, durations ``[h]:mm:ss`` — real
  times a manager can sum —, shares ``0.0%``, dates and hours), landscape printing one page wide
  with the site and period in the page header.
* Native Excel charts next to the tables of footfall (columns: in and out per hour and per day)
  and queues (lines: mean queue length per hour).
* Safe text: every text cell is written as a string, never as a formula; text that a spreadsheet
  could run (``=``, ``+``, ``-``, ``@``, tab, CR first) also gets Excel's quote-prefix style, so
  even editing the cell keeps it text (see :mod:`app.reports.safe`).

The file is written next to its final name and renamed into place, so a crash never leaves half a
workbook under the real name.

Example:
    >>> import tempfile, pathlib
    >>> from app.store.db import open_store
    >>> from app.reports.builder import build_report
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "r.xlsx"
    >>> write_xlsx(build_report(open_store("sqlite://"), 0.0, 86400.0, tz=None), out).name
    'r.xlsx'
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from app import __version__
from app.errors import UserError
from app.reports.builder import Report
from app.reports.safe import is_risky, sheet_name
from app.reports.sheets import ColumnKind, Sheet, is_blank

NUMBER_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "float": "#,##0.0",
    "share": "0.0%",
    "duration": "[h]:mm:ss",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "hour": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd ddd",
}
#: Widths (characters) the formatted values of a kind need.
KIND_WIDTH: dict[str, int] = {
    "int": 8,
    "float": 8,
    "share": 8,
    "duration": 9,
    "datetime": 19,
    "hour": 16,
    "date": 14,
}
CHANGE_FORMATS: dict[str, str] = {
    "int": "+#,##0;-#,##0;0",
    "float": "+#,##0.0;-#,##0.0;0",
    "duration": '+#,##0.0" s";-#,##0.0" s";0" s"',
    "share": '+0.0" pp";-0.0" pp";0" pp"',
}
HEADER_BG = "#1F4E78"
SECONDS_PER_DAY = 86400.0


class _Formats:
    """The workbook's cell formats, made once per workbook."""

    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": "Calibri", "font_size": 11, "valign": "top"}
        self.wb = wb
        self.text = wb.add_format(base)
        self.text_safe = wb.add_format({**base, "quote_prefix": True})
        self.header = wb.add_format(
            {
                **base,
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": HEADER_BG,
                "text_wrap": True,
                "border": 1,
            }
        )
        self.header_safe = wb.add_format(
            {**base, "bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_BG, "text_wrap": True,
             "border": 1, "quote_prefix": True}
        )  # fmt: skip
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "font_color": HEADER_BG})
        self.label = wb.add_format({**base, "bold": True})
        self.note = wb.add_format({**base, "italic": True, "font_color": "#7F7F7F"})
        self.link = wb.add_format({**base, "font_color": "#0563C1", "underline": 1})
        self.kinds = {k: wb.add_format({**base, "num_format": f}) for k, f in NUMBER_FORMATS.items()}
        self.changes = {k: wb.add_format({**base, "num_format": f}) for k, f in CHANGE_FORMATS.items()}
        self.change_share = wb.add_format({**base, "num_format": "+0.0%;-0.0%;0.0%"})




def write_text(ws: Worksheet, row: int, col: int, value: Any, fmt: _Formats, *, header: bool = False) -> None:
    """Write text as a string cell (never a formula); risky text also gets the quote-prefix style."""
    text = str(value)
    risky = is_risky(text)
    style = (fmt.header_safe if risky else fmt.header) if header else (fmt.text_safe if risky else fmt.text)
    ws.write_string(row, col, text, style)


def write_value(ws: Worksheet, row: int, col: int, value: Any, kind: ColumnKind, fmt: _Formats,
                style: Format | None = None) -> None:  # fmt: skip
    """Write one value of a kind with its number format (blank for None/NaN/NaT)."""
    if kind == "text":
        if is_blank(value):
            ws.write_blank(row, col, None, fmt.text)
        else:
            write_text(ws, row, col, value, fmt)
        return
    style = style or fmt.kinds[kind]
    if is_blank(value):
        ws.write_blank(row, col, None, style)
    elif kind in ("datetime", "hour", "date"):
        v = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        ws.write_datetime(row, col, v, style)
    elif kind == "duration":
        ws.write_number(row, col, float(value) / SECONDS_PER_DAY, style)
    else:
        ws.write_number(row, col, float(value), style)


def _shown(value: Any, kind: ColumnKind) -> int:
    if is_blank(value):
        return 0
    if kind == "text":
        return max((len(line) for line in str(value).splitlines()), default=0)
    if kind in ("int", "float"):
        return max(KIND_WIDTH[kind], len(f"{float(value):,.1f}"))
    return KIND_WIDTH[kind]


def _widths(sheet: Sheet) -> list[float]:
    out = []
    for c in sheet.columns:
        longest = max((_shown(v, c.kind) for v in sheet.df[c.key]), default=0)
        header = min(len(c.header), 22)  # long headers wrap
        out.append(float(min(max(longest, header, 6) + 2, 60)))
    return out


def _page_setup(ws: Worksheet, report: Report, title: str) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.6)

    def esc(s: str) -> str:
        return s.replace("&", "&&")[:80]

    ws.set_header(f"&L{esc(report.info.site)}&C{esc(title)}&R{esc(report.info.period)}")
    ws.set_footer("&LStoreSight&RPage &P of &N")


def _chart(wb: Workbook, ws_name: str, sheet: Sheet, n: int) -> Any:
    spec = sheet.chart
    assert spec is not None
    keys = [c.key for c in sheet.columns]
    cat = keys.index(spec.category)
    chart = wb.add_chart({"type": spec.kind})
    colors = ["#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B"]
    for i, key in enumerate(spec.series):
        col = keys.index(key)
        series: dict[str, Any] = {
            "name": [ws_name, 0, col],
            "categories": [ws_name, 1, cat, n, cat],
            "values": [ws_name, 1, col, n, col],
        }
        color = colors[i % len(colors)]
        if spec.kind == "column":
            series["fill"] = {"color": color}
            series["gap"] = 60
        else:
            series["line"] = {"color": color, "width": 2.25}
            series["marker"] = {
                "type": "circle",
                "size": 5,
                "fill": {"color": color},
                "border": {"color": color},
            }
        chart.add_series(series)
    kind = sheet.column(spec.category).kind
    axis_format = {"hour": "dd mmm hh:mm", "date": "ddd dd mmm", "datetime": "dd mmm hh:mm"}.get(kind)
    x_axis: dict[str, Any] = {"text_axis": True, "num_font": {"rotation": -45 if n > 8 else 0}}
    if axis_format:
        x_axis["num_format"] = axis_format
    chart.set_x_axis(x_axis)
    chart.set_y_axis(
        {"name": spec.y_title, "min": 0, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
    )
    chart.set_title({"name": spec.title, "name_font": {"size": 13}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 380})
    return chart


def _topic(wb: Workbook, fmt: _Formats, report: Report, sheet: Sheet, name: str) -> None:
    ws = wb.add_worksheet(name)
    for j, c in enumerate(sheet.columns):
        write_text(ws, 0, j, c.header, fmt, header=True)
    ws.set_row(0, 32)
    n = len(sheet.df)
    for i, values in enumerate(sheet.df[[c.key for c in sheet.columns]].itertuples(index=False), start=1):
        for j, (c, v) in enumerate(zip(sheet.columns, values, strict=True)):
            write_value(ws, i, j, v, c.kind, fmt)
    for j, w in enumerate(_widths(sheet)):
        ws.set_column(j, j, w)
    ws.freeze_panes(1, 1 if sheet.columns[0].kind in ("hour", "date", "datetime") else 0)
    if n:
        ws.autofilter(0, 0, n, len(sheet.columns) - 1)
    else:
        ws.write_string(1, 0, sheet.empty_note, fmt.note)
    if sheet.chart is not None and n:
        ws.insert_chart(1, len(sheet.columns) + 1, _chart(wb, name, sheet, n))
    _page_setup(ws, report, sheet.title)
    ws.repeat_rows(0)


SUMMARY_HEADER_ROW = 9


def _summary(wb: Workbook, fmt: _Formats, report: Report, sheet: Sheet, names: dict[str, str]) -> None:
    ws = wb.add_worksheet(names[sheet.key])
    info = report.info
    ws.write_string(0, 0, "StoreSight report", fmt.title)
    write_text(ws, 0, 1, info.site, fmt)
    rows = [
        ("Period", info.period + " (the end is not included)"),
        ("Compared with", info.previous or "—"),
        ("Cameras", info.cameras),
        ("People", info.people),
        ("Times in", info.timezone),
        ("Made", f"{info.made} by StoreSight {__version__}"),
    ]
    if info.warning:  # row 8, above the table at SUMMARY_HEADER_ROW
        rows.append(("Warning", info.warning.removeprefix("warning: ")))
    for i, (label, value) in enumerate(rows, start=2):
        ws.write_string(i, 0, label, fmt.label)
        write_text(ws, i, 1, value, fmt)
    r0 = SUMMARY_HEADER_ROW
    for j, c in enumerate(sheet.columns):
        write_text(ws, r0, j, c.header, fmt, header=True)
    df = sheet.df
    for i, row in enumerate(df.itertuples(index=False), start=r0 + 1):
        kind = row.kind
        write_text(ws, i, 0, row.metric, fmt)
        write_value(ws, i, 1, row.value, kind, fmt)
        write_value(ws, i, 2, row.previous, kind, fmt)
        if kind in CHANGE_FORMATS and not is_blank(row.change):
            change = row.change * (100.0 if kind == "share" else 1.0)
            ws.write_number(i, 3, float(change), fmt.changes[kind])
        else:
            ws.write_blank(i, 3, None, fmt.text)
        write_value(ws, i, 4, row.change_share, "share", fmt, fmt.change_share)
        write_value(ws, i, 5, row.note, "text", fmt)
    ws.freeze_panes(r0 + 1, 0)
    ws.set_column(0, 0, 36)
    ws.set_column(1, 2, 24)
    ws.set_column(3, 4, 12)
    ws.set_column(5, 5, 36)
    r = r0 + len(df) + 2
    ws.write_string(r, 0, "Sheets", fmt.label)
    for k, s in enumerate(report.sheets[1:], start=1):
        ws.write_url(r + k, 0, f"internal:'{names[s.key]}'!A1", fmt.link, string=s.title)
        write_text(ws, r + k, 1, f"{len(s.df)} row(s)" if len(s.df) else s.empty_note, fmt)
    _page_setup(ws, report, sheet.title)
    ws.set_portrait()


def write_xlsx(report: Report, path: str | Path) -> Path:
    """Write the report as an ``.xlsx`` workbook at ``path`` (its folder is created).

    Returns:
        The path written.

    Raises:
        UserError: the file or its folder cannot be written (e.g. the workbook is open in Excel
            on Windows, or the folder is read-only).
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name such as report.xlsx", 2)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create the folder {path.parent} ({e.strerror or e})", 2) from None
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.xlsx")
    options = {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "nan_inf_to_errors": True,
        "constant_memory": False,
    }
    try:
        wb = xlsxwriter.Workbook(str(tmp), options)
        wb.set_properties(
            {
                "title": f"StoreSight report {report.info.period}",
                "subject": report.info.site,
                "author": "StoreSight",
                "comments": f"{report.info.cameras}; {report.info.people}; times in {report.info.timezone}",
                "created": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            }
        )
        fmt = _Formats(wb)
        taken: set[str] = set()
        names = {s.key: sheet_name(s.title, taken) for s in report.sheets}
        for s in report.sheets:
            if s.key == "summary":
                _summary(wb, fmt, report, s, names)
            else:
                _topic(wb, fmt, report, s, names[s.key])
        wb.close()
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {path} ({e.strerror or e})") from None
    except XlsxWriterException as e:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {path} ({e})") from None
    return path
