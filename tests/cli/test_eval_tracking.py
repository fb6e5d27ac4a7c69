"""``storesight eval-tracking``: prints the metrics; bad files give one message and exit code 2."""

from pathlib import Path

import pytest

from app.cli.main import main

TRUTH = Path(__file__).resolve().parents[1] / "data" / "tracking" / "vtest_gt.txt"


def test_truth_against_itself(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval-tracking", "--mot", str(TRUTH), "--truth", str(TRUTH)]) == 0
    out = capsys.readouterr().out
    assert "IDF1                      1.000" in out and "ID switches               0" in out


def test_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.mot"
    bad.write_text("frame,id\n")
    assert main(["eval-tracking", "--mot", str(bad), "--truth", str(TRUTH)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("storesight: error:") and "x.mot:1" in err and "Traceback" not in err


def test_frame_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval-tracking", "--mot", str(TRUTH), "--truth", str(TRUTH), "--frames", "690-720"]) == 0
    assert "(31 labelled frames)" in capsys.readouterr().out
    assert main(["eval-tracking", "--mot", str(TRUTH), "--truth", str(TRUTH), "--frames", "5-x"]) == 2
    assert main(["eval-tracking", "--mot", str(TRUTH), "--truth", str(TRUTH), "--frames", "2-3"]) == 2


def test_switch_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the truth with GT ids 4 and 12 swapped from frame 163 on: two switches at 163, listed
    rows = []
    for line in TRUTH.read_text().splitlines():
        f, i, *rest = line.split(",")
        if int(f) >= 163 and i in ("4", "12"):
            i = "12" if i == "4" else "4"
        rows.append(",".join([f, i, *rest]))
    mot = tmp_path / "swapped.mot"
    mot.write_text("\n".join(rows) + "\n")
    assert main(["eval-tracking", "--mot", str(mot), "--truth", str(TRUTH), "--switches"]) == 0
    out = capsys.readouterr().out
    assert "ID switches               2" in out
    assert "   163  GT 4    4 -> 12" in out and "   163  GT 12   12 -> 4" in out
