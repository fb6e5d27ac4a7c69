"""``storesight behaviour``, ``snapshot`` and ``bench --pose``; pose through the whole pipeline on real video."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.config import CameraConfig, SiteConfig
from app.engine.pipeline import FrameResult
from app.engine.runner import analyze
from tests.cli_support import one_error_line, run_cli
from tests.fixtures_behaviour import build_behaviour_store

pytestmark = pytest.mark.timeout(600)

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "resources" / "demo" / "site.yaml"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    build_behaviour_store(url, tmp_path).close()
    return url


def section(out: str, title: str) -> str:
    start = out.index(title)
    end = out.find("\n\n", start)
    return out[start : end if end >= 0 else None]


def test_behaviour_prints_shelves_postures_and_uplift(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = run_cli(capsys, "behaviour", "--db", db)
    assert code == 0, err
    assert "times in Europe/Berlin" in out
    shelves = out[out.index("Shelf engagement") :]
    assert re.search(r"Coffee\s+4\s+3\s+2.5 s\s+10.0 s", shelves)
    assert re.search(r"Tea\s+1\s+1\s+6.0 s\s+6.0 s", shelves)
    assert re.search(r"2026-11-20 11:00\s+Coffee\s+3\s+2", shelves)
    assert re.search(r"2026-11-20 12:00\s+Coffee\s+1\s+1", shelves)
    assert re.search(r"walking\s+30.0 s\s+65 %\s+1", section(out, "Posture"))
    assert re.search(r"shop\s+5\s+1/2 \(50 %\)\s+1/3 \(33 %\)\s+\+17 pp", section(out, "Consultations"))


def test_behaviour_for_staff_and_a_period(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, _ = run_cli(
        capsys,
        "behaviour",
        "--db",
        db,
        "--role",
        "staff",
        "--from",
        "2026-11-20T11:00",
        "--to",
        "2026-11-20T11:30",
    )
    assert code == 0
    assert re.search(r"Coffee\s+1\s+1\s+5.0 s", out)
    assert re.search(r"sitting\s+1 min 40 s\s+100 %", out)


def test_behaviour_without_data_is_one_line(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = run_cli(capsys, "behaviour", "--db", db, "--from", "2026-12-01")
    assert (code, err) == (0, "")  # an empty period is "no data", not an error
    assert "no data: no behaviour data" in out
    code, _, err = run_cli(capsys, "behaviour", "--db", db, "--camera", "nope")
    assert code == 2 and "no camera 'nope'" in one_error_line(err)


def test_snapshot_draws_skeletons(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_video: Path
) -> None:
    png = tmp_path / "snap" / "frame.png"
    code, out, err = run_cli(
        capsys, "snapshot", str(demo_video), "--config", str(DEMO_CONFIG), "--at", "25", "--png", str(png)
    )
    assert code == 0, err
    m = re.search(r"(\d+) people, (\d+) with keypoints", out)
    assert m and int(m.group(1)) >= 3 and int(m.group(2)) >= 3
    assert "MoveNet" in err
    pic = cv2.imread(str(png))
    assert pic.shape == (576, 768, 3)
    frame = _frame(demo_video, 250)
    changed = np.abs(pic.astype(int) - frame.astype(int)).max(axis=2) > 60
    assert changed.mean() > 0.002  # zones, boxes and skeletons are drawn


def test_snapshot_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_video: Path) -> None:
    code, _, err = run_cli(
        capsys, "snapshot", str(demo_video), "--at", "500", "--png", str(tmp_path / "a.png")
    )
    assert code == 2 and "ends before 500 s" in one_error_line(err)
    code, _, err = run_cli(capsys, "snapshot", str(demo_video), "--png", str(tmp_path))
    assert code == 2 and "is a folder" in one_error_line(err)
    code, _, err = run_cli(
        capsys, "snapshot", str(tmp_path / "missing.mp4"), "--png", str(tmp_path / "b.png")
    )
    assert code == 3, err


def _frame(video: Path, index: int) -> np.ndarray:
    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, f = cap.read()
    cap.release()
    assert ok
    return f


@pytest.mark.slow
def test_bench_pose_reports_the_pose_stage(capsys: pytest.CaptureFixture[str], demo_video: Path) -> None:
    code, out, err = run_cli(capsys, "bench", str(demo_video), "--pose", "--frames", "60")
    assert code == 0, err
    assert re.search(r"^pose: .*MoveNet", out, re.M)
    assert re.search(r"^pose\s+\d+\.\d+\s+\d+\.\d+\s+\d+\.\d+\s+60$", out, re.M)  # the stage ran on every frame
    m = re.search(r"^pose: (\d+\.\d) people/frame, (\d+\.\d+) ms/person", out, re.M)
    assert m and float(m.group(1)) >= 2.0 and float(m.group(2)) > 0
    assert re.search(r"^end-to-end: \d+\.\d fps", out, re.M)


@pytest.mark.slow
def test_pose_through_the_pipeline_on_real_video(tmp_path: Path, demo_video: Path) -> None:
    """200 frames of vtest with NanoDet, ByteTrack and MoveNet: upright skeletons, posture events stored."""
    clip = tmp_path / "clip.avi"
    cap = cv2.VideoCapture(str(demo_video))
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (768, 576))
    for _ in range(200):
        ok, f = cap.read()
        assert ok
        writer.write(f)
    writer.release()
    cap.release()
    site = SiteConfig.model_validate(
        {"site": {"name": "S"}, "detector": {"backend": "nanodet", "confidence": 0.4}, "cameras": []}
    )
    cam = CameraConfig.model_validate(
        {
            "id": "walkway",
            "source": str(clip),
            "start_time": "2026-11-20T10:00:00+00:00",
            "modules": {"pose": {"enabled": True}},
        }
    )
    upright, seen = 0, 0

    def on_frame(res: FrameResult) -> None:
        nonlocal upright, seen
        kp = res.detections.keypoints
        assert kp is not None and kp.shape == (len(res.detections), 17, 3)
        for k in kp:
            vis = k[:, 2] >= 0.3
            if vis[[0, 5, 6, 11, 12, 15, 16]].all():
                seen += 1
                head, sh, hip, ank = (
                    k[0, 1],
                    k[[5, 6], 1].mean(),
                    k[[11, 12], 1].mean(),
                    k[[15, 16], 1].mean(),
                )
                upright += int(head < sh < hip < ank)

    r = analyze(
        site,
        cam,
        db_url=f"sqlite:///{tmp_path / 'p.db'}",
        data_dir=tmp_path,
        stop=threading.Event(),
        on_frame=on_frame,
    )
    assert r.summary.status == "complete" and "MoveNet" in r.summary.pose
    assert seen > 300 and upright / seen > 0.97, (upright, seen)  # everybody in this clip stands or walks
    con = sqlite3.connect(tmp_path / "p.db")
    postures = dict(
        con.execute(
            "select json_extract(payload, '$.posture'), sum(ts_end - ts) from events where module = 'pose' group by 1"
        ).fetchall()
    )
    assert set(postures) <= {"walking", "standing"} and postures.get("walking", 0) > 30, postures
