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
