"""Helpers for the report tests: read a workbook back and parse ``storesight stats`` tables."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl


def sheet_rows(path: Path, title: str, header_row: int = 1) -> list[dict[str, Any]]:
    """A sheet's table as dicts keyed by header (openpyxl values; durations are days)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[title]
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    head = rows[0]
    return [dict(zip(head, r, strict=True)) for r in rows[1:] if any(v is not None for v in r)]


def summary_rows(path: Path) -> dict[str, dict[str, Any]]:
    """The summary's key numbers by name."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Summary"]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Key number")
    head = rows[start]
    out = {}
    for r in rows[start + 1 :]:
        if r[0] is None:
            break
        out[str(r[0])] = dict(zip(head, r, strict=True))
    return out


def sheet_xml(path: Path) -> dict[str, str]:
    """The raw XML of every worksheet, shared strings and styles in the .xlsx file."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}


def stats_section(out: str, title: str) -> list[list[str]]:
    """A table printed by ``storesight stats`` as rows of cells (header first, rule dropped)."""
    start = out.index(title)
    end = out.find("\n\n", start)
    lines = out[start : end if end >= 0 else None].splitlines()[1:]
    return [
        re.split(r"\s{2,}", ln.strip()) for ln in lines if ln.strip() and not set(ln.strip()) <= {"-", " "}
    ]


def seconds(cell: Any) -> float | None:
    """A duration cell in seconds (openpyxl gives ``[h]:mm:ss`` cells as timedelta, else days)."""
    if cell is None:
        return None
    if isinstance(cell, dt.timedelta):
        return cell.total_seconds()
    return float(cell) * 86400.0


def printed_seconds(text: str) -> tuple[float, float] | None:
    """A duration as ``storesight stats`` prints it, in seconds, with half its last unit (None for ``-``)."""
    if text == "-":
        return None
    if m := re.fullmatch(r"(\d+\.\d) s", text):
        return float(m[1]), 0.05
    if m := re.fullmatch(r"(\d+) min (\d\d) s", text):
        return int(m[1]) * 60.0 + int(m[2]), 0.5
    m = re.fullmatch(r"(\d+) h (\d\d) min", text)
    assert m, text
    return int(m[1]) * 3600.0 + int(m[2]) * 60.0, 30.0


def same_duration(cell: Any, text: str) -> bool:
    """The workbook's duration is the printed one (within the printed rounding; 1 µs for Excel's storage)."""
    got, want = seconds(cell), printed_seconds(text)
    if got is None or want is None:
        return got is None and want is None
    return abs(got - want[0]) <= want[1] + 1e-6


def same_share(cell: Any, text: str) -> bool:
    """The workbook's share is the printed percentage (``75 %``), within its rounding."""
    if text == "-":
        return cell is None
    return cell is not None and abs(100.0 * float(cell) - float(text.removesuffix(" %"))) <= 0.5 + 1e-9


def _when(t: Any, fmt: str) -> str:
    return "-" if t is None else t.strftime(fmt)


def assert_workbook_equals_stats(xlsx: Path, stats_out: str) -> int:
    """Every number ``storesight stats`` printed (one camera) is the workbook's; returns how many were compared."""
    n = 0
    foot = stats_section(stats_out, "Footfall by hour")
    book = sheet_rows(xlsx, "Footfall by hour")
    if foot[0][0] == "(no line crossings)":
        assert book == []
    else:
        folded = [r for r in foot if r[0].startswith("(")]  # "(N hours without any crossing not shown)"
        head, *body, total = [r for r in foot if not r[0].startswith("(")]
        lines = [h.removesuffix(" in") for h in head[1::2]]
        got = {r["Hour"].strftime("%Y-%m-%d %H:00"): r for r in book}
        quiet = [h for h, r in got.items() if h not in {b[0] for b in body}]
        assert all(not any(v for k, v in got[h].items() if k != "Hour") for h in quiet)  # folded: all zero
        assert len(quiet) == (int(folded[0][0].split()[0].strip("(")) if folded else 0)
        for row in body:
            for i, line in enumerate(lines):
                assert [str(got[row[0]][f"{line}: in"]), str(got[row[0]][f"{line}: out"])] == row[
                    1 + 2 * i : 3 + 2 * i
                ]
                n += 2
        assert total[0] == "total"
        for i, line in enumerate(lines):
            assert str(sum(r[f"{line}: in"] for r in book)) == total[1 + 2 * i]
            assert str(sum(r[f"{line}: out"] for r in book)) == total[2 + 2 * i]
    occ = {r["Zone"]: r for r in sheet_rows(xlsx, "Occupancy")}
    for zone, peak, first, at_level in stats_section(stats_out, "Occupancy peaks")[1:]:
        r = occ[zone]
        assert [str(r["Most people at once"]), _when(r["First reached at"], "%Y-%m-%d %H:%M:%S")] == [
            peak,
            first,
        ]
        assert same_duration(r["Time at that level"] if r["Most people at once"] else None, at_level)
        n += 3
    dwell = {r["Zone"]: r for r in sheet_rows(xlsx, "Dwell by zone")}
    for zone, stays, *times in stats_section(stats_out, "Dwell per zone")[1:]:
        r = dwell[zone]
        keys = ["Mean stay", "Median stay", "90 % of stays shorter than", "Longest stay"]
        assert str(r["Stays"]) == stays
        assert all(same_duration(r[k], t) for k, t in zip(keys, times, strict=True)), (zone, times)
        n += 5
    visits = sheet_rows(xlsx, "Visits")
    printed = stats_section(stats_out, "Visits (time in store")
    if printed[0][0] == "(no visits)":
        assert visits == []
    else:
        assert len(visits) == len(printed) - 1
        for r, (_cam, count, mean, median, p90) in zip(visits, printed[1:], strict=True):
            keys = ["Mean time in store", "Median time in store", "90 % of visits shorter than"]
            assert str(r["Visits"]) == count
            assert all(same_duration(r[k], t) for k, t in zip(keys, [mean, median, p90], strict=True))
            n += 4
    fun = {r["Department"]: r for r in sheet_rows(xlsx, "Funnel")}
    printed = stats_section(stats_out, "Funnel (came in")
    if printed[0][0] != "(no visits)":
        for dept, came, entered, share, then, share2 in printed[1:]:
            r = fun[dept]
            checkout = "-" if r["Then went to a checkout"] is None else str(r["Then went to a checkout"])
            assert [str(r["Came in"]), str(r["Entered the department"]), checkout] == [came, entered, then]
            assert same_share(r["Entered, share"], share) and same_share(r["Conversion to checkout"], share2)
            n += 5
    return n
