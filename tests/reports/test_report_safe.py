"""Safe export: formula-like text, file names and sheet names."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import UserError
from app.reports.safe import csv_text, is_risky, path_inside, safe_filename, sheet_name


@pytest.mark.parametrize(
    ("text", "risky"),
    [
        ('=HYPERLINK("http://x","y")', True),
        ("+1", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\tcmd", True),
        ("\rcmd", True),
        ("Dairy", False),
        ("a=b", False),
        ("", False),
        (" =1", False),  # Excel does not read this as a formula
        ("Молочный отдел", False),
    ],
)
def test_risky_text(text: str, risky: bool) -> None:
    assert is_risky(text) is risky
    assert csv_text(text) == ("'" + text if risky else text)


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("report.xlsx", "report.xlsx"),
        ("../../etc/passwd", "etc_passwd"),
        ("..\\..\\Windows\\win.ini", "Windows_win.ini"),
        ("/abs/path.csv", "abs_path.csv"),
        ("Store: Moscow/Arbat 2026-11-20.xlsx", "Store_ Moscow_Arbat 2026-11-20.xlsx"),
        ('a<b>c|d?e*f"g.csv', "a_b_c_d_e_f_g.csv"),
        ("CON.csv", "CON_.csv"),
        ("com1", "com1_"),
        ("  .hidden  ", "hidden"),
        ("...", "report"),
        ("", "report"),
        ("tab\there\nnew", "tab_here_new"),
        ("Магазин №1.xlsx", "Магазин №1.xlsx"),
    ],
)
def test_safe_filename(name: str, clean: str) -> None:
    assert safe_filename(name) == clean


def test_long_names_keep_their_extension() -> None:
    name = safe_filename("x" * 500 + ".xlsx")
    assert len(name) == 120 and name.endswith("xxxx.xlsx")


def test_path_inside_stays_in_the_folder(tmp_path: Path) -> None:
    assert path_inside(tmp_path, "../../x.csv") == tmp_path.resolve() / "x.csv"
    (tmp_path / "link.csv").symlink_to("/tmp/elsewhere.csv")
    with pytest.raises(UserError, match="outside the folder"):
        path_inside(tmp_path, "link.csv")


def test_sheet_names() -> None:
    taken: set[str] = set()
    assert sheet_name("Queues: waits/alerts?", taken) == "Queues_ waits_alerts_"
    assert sheet_name("A" * 40, taken) == "A" * 31
    assert sheet_name("a" * 40, taken) == "a" * 27 + " (2)"  # names are unique without regard to case
    assert sheet_name("'quoted'") == "quoted"
