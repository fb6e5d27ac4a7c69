"""The issue's check on the demo video: with a few pictures of the red jackets as the staff uniform,
the red-jacket people come out as staff and the others as customers, and customer numbers leave them out.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.cli.commands import demo_config_path
from app.cli.main import main
from app.config import load_config, save_config
from app.store import stats
from app.store.db import open_store
from app.store.roles import find_track, track

PEOPLE = Path(__file__).resolve().parents[1] / "models" / "data" / "vtest_people.csv"


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x1, y1 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x2, y2 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area - inter)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_red_jackets_are_staff_on_the_demo_video(
    tmp_path: Path, demo_video: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with PEOPLE.open(encoding="utf-8") as f:
        people = list(csv.DictReader(line for line in f if not line.startswith("#")))
    # the uniform: two pictures each of the two people in red jackets (tracks 58 and 72 of the list)
    examples = [r for r in people if r["track"] in ("58", "72")][::3]
    assert len(examples) == 4
    frames: dict[int, np.ndarray] = {}
    cap = cv2.VideoCapture(str(demo_video))
    for i in range(max(int(r["frame"]) for r in examples) + 1):
        ok, img = cap.read()
        assert ok
        frames[i] = img
    folder = tmp_path / "uniform"
    folder.mkdir()
    for k, r in enumerate(examples):
        x, y, w, h = (float(r[c]) for c in ("x", "y", "w", "h"))
        crop = frames[int(r["frame"])][
            max(int(y - 0.1 * h), 0) : int(y + 1.1 * h), max(int(x - 0.1 * w), 0) : int(x + 1.1 * w)
        ]
        cv2.imwrite(str(folder / f"red{k}.png"), crop)
    cfg = load_config(demo_config_path())
    cam = cfg.cameras[0]
    cam.modules.pose.enabled = False  # keypoints are not needed here, and cost minutes on a CPU
    cfg.roles.uniform_dir = str(folder)
    save_config(cfg, tmp_path / "site.yaml")

    out = tmp_path / "out"
    code = main(["analyze", cam.id, "--config", str(tmp_path / "site.yaml"), "--out", str(out),
                 "--mot", str(out / "t.csv"), "--no-progress"])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "staff/customer roles from: uniform from 4 example(s)" in printed

    mot = np.loadtxt(out / "t.csv", delimiter=",", usecols=range(7))
    mot = mot[mot[:, 6] > 0]  # the detector's boxes: a hidden person's interpolated box (confidence 0) names no sighting
    store = open_store(f"sqlite:///{out / 'storesight.db'}")
    unmatched: list[dict[str, str]] = []
    got: dict[int, tuple[str, str]] = {}  # labelled track of the list → (label, role of the matching track)
    for r in people:
        rows = mot[mot[:, 0] == int(r["frame"]) + 1]
        x, y, w, h = (float(r[c]) for c in ("x", "y", "w", "h"))
        boxes = np.column_stack([rows[:, 2], rows[:, 3], rows[:, 2] + rows[:, 4], rows[:, 3] + rows[:, 5]])
        overlap = iou(np.array([x, y, x + w, y + h]), boxes)
        ranked = np.sort(overlap)[::-1] if overlap.size else np.zeros(1)
        second = ranked[1] if ranked.size > 1 else 0.0
        # the track's box is the tracker's estimate: in a crossing it may sit a few pixels off a small
        # person's detection (IoU 0.45 for a 26-px-wide man at frame 662), so a clear best overlap
        # (≥ 0.4, no other box near it) also names the track; its role is checked the same way
        if overlap.size == 0 or not (ranked[0] > 0.7 or (ranked[0] >= 0.4 and second < 0.1)):
            # a sliver of a person at the frame's edge may get no track at all (a track starts on a
            # confident detection); a few such sightings are allowed, not many
            unmatched.append(r)
            continue
        tid = int(rows[overlap.argmax(), 1])
        got[tid] = (r["label"], track(store, find_track(store, cam.id, tid)).role)
    assert len(unmatched) <= 3, unmatched
    wrong = {t: v for t, v in got.items() if v[0] != v[1]}
    assert not wrong, wrong
    assert sum(1 for label, _ in got.values() if label == "staff") >= 3
    staff_in = int(stats.footfall_by_hour(store, role="staff")["in"].sum())
    everyone_in = int(stats.footfall_by_hour(store, role="all")["in"].sum())
    customers_in = int(stats.footfall_by_hour(store)["in"].sum())
    assert staff_in >= 1 and customers_in == everyone_in - staff_in
