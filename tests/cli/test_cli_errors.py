"""Bad input gets one clear line on stderr and a non-zero exit — never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli_support import one_error_line, run_cli


def test_missing_video(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "analyze", str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "o"))
    assert code == 3
    assert "video file not found" in one_error_line(err)


def test_file_that_is_not_video(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_text("this is not a video\n" * 100)
    code, _, err = run_cli(capsys, "analyze", str(fake), "--out", str(tmp_path / "o"))
    assert code == 3
    assert "not a video" in one_error_line(err)


def test_invalid_config(capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_video: Path) -> None:
    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {"version": 1, "site": {"name": "x"}, "cameras": [{"id": "c", "source": "a", "stride": -1}]}
        )
    )
    code, _, err = run_cli(
        capsys, "analyze", str(demo_video), "--config", str(cfg), "--out", str(tmp_path / "o")
    )
    assert code == 2
    assert "camera c: stride" in one_error_line(err)


def test_unknown_camera_option(capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_video: Path) -> None:
    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        yaml.safe_dump({"version": 1, "site": {"name": "x"}, "cameras": [{"id": "c", "source": "a"}]})
    )
    code, _, err = run_cli(capsys, "analyze", str(demo_video), "--config", str(cfg), "--camera", "zz")
    assert code == 2
    assert "no camera 'zz'" in one_error_line(err)


def test_unwritable_output_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_video: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a file where a folder should be: fails even for root
    code, _, err = run_cli(capsys, "analyze", str(demo_video), "--out", str(blocker / "out"))
    assert code == 1
    assert "output folder is not writable" in one_error_line(err)


def test_unwritable_mot_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_video: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_cli(
        capsys, "analyze", str(demo_video), "--out", str(tmp_path / "o"), "--mot", str(blocker / "t.csv")
    )
    assert code == 1
    assert "--mot: cannot write" in one_error_line(err)


@pytest.mark.timeout(60)
def test_unreachable_rtsp(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"rtsp://admin:hunter2@127.0.0.1:{port}/live"
    code, out, err = run_cli(capsys, "analyze", url, "--out", str(tmp_path / "o"))
    assert code == 3
    line = one_error_line(err)
    assert "hunter2" not in out + err
    assert "127.0.0.1" in line


def test_bad_bench_arguments(capsys: pytest.CaptureFixture[str], demo_video: Path) -> None:
    code, _, err = run_cli(capsys, "bench", str(demo_video), "--stride", "0")
    assert code == 2
    assert "--stride" in one_error_line(err)
