"""``storesight bench``: exactly N frames, and the threads and warm-up each backend really had."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_support import one_error_line, run_cli


def _bench(capsys: pytest.CaptureFixture[str], video: Path, out: Path, *extra: str) -> tuple[str, dict]:
    code, stdout, err = run_cli(capsys, "bench", str(video), "--json", str(out), *extra)
    assert code == 0, err
    return stdout, json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_frames_n_analyses_exactly_n_frames_on_the_given_threads(
    capsys: pytest.CaptureFixture[str], demo_video: Path, tmp_path: Path
) -> None:
    # 23 is not a multiple of the decode buffer (8): frames queued after the limit must not be analysed.
    out, rep = _bench(
        capsys, demo_video, tmp_path / "b.json", "--frames", "23", "--backend", "nanodet", "--threads", "1"
    )
    assert rep["frames"] == 23 and rep["analysed"] == 23
    assert "frames: 23 decoded, 23 analysed" in out
    for name in ("detect", "track", "analytics"):
        assert rep["stages"][name]["runs"] == 23
    (det,) = rep["backends"]
    assert det["type_key"] == "nanodet" and det["threads"] == 1
    assert "detector ran on: ONNX Runtime" in out and ", 1 thread (read back" in out
    assert det["warmup_ms"] > 0 and "detector warm-up at load:" in out
    assert rep["fps"] > 0 and "end-to-end:" in out and "load average:" in out


@pytest.mark.slow
def test_yolo_and_pose_report_the_threads_they_ran_on(
    capsys: pytest.CaptureFixture[str], demo_video: Path, tmp_path: Path
) -> None:
    """YOLO from its yaml (random weights) on 2 threads; --pose puts MoveNet on the same setting."""
    out, rep = _bench(
        capsys,
        demo_video,
        tmp_path / "b.json",
        *("--frames", "9", "--stride", "2", "--backend", "yolo", "--yolo-model", "yolo11n.yaml"),
        *("--threads", "2", "--pose"),
    )
    assert rep["frames"] == 9 and rep["analysed"] == 5
    det, pose = rep["backends"]
    assert det["type_key"] == "yolo" and det["threads"] == 2 and "PyTorch" in det["runtime"]
    assert pose["type_key"] == "movenet" and pose["threads"] == 2
    assert det["warmup_ms"] > 0 and pose["warmup_ms"] > 0
    assert "pose ran on: ONNX Runtime" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--threads", "99"), "--threads"),
        (("--json", "/no/such/folder/b.json"), "--json"),
    ],
)
def test_bad_bench_options(
    capsys: pytest.CaptureFixture[str], demo_video: Path, args: tuple[str, ...], message: str
) -> None:
    code, _, err = run_cli(capsys, "bench", str(demo_video), *args)
    assert code == 2
    assert message in one_error_line(err)
