"""The Ultralytics path, exercised offline with a model built from its yaml (random weights)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from analytics.types import Detections
from models.base import BackendUnavailable, DetectorSettings
from models.registry import create_detector
from models.ultra import find_weights
from models.yolo import YoloBackend


@pytest.fixture(scope="module")
def yolo_yaml() -> YoloBackend:
    import torch

    torch.manual_seed(0)  # random weights, but the same ones every run: the tests below never skip by chance
    return YoloBackend(
        DetectorSettings(model_name="yolo11n.yaml", confidence=0.0001, classes=(), device="cpu")
    )


def test_yaml_model_runs_and_returns_detections(yolo_yaml: YoloBackend, demo_video: Path) -> None:
    cap = cv2.VideoCapture(str(demo_video))
    ok, frame = cap.read()
    cap.release()
    assert ok
    dets = yolo_yaml.predict(frame)
    assert isinstance(dets, Detections)
    assert dets.xyxy.dtype == np.float32 and dets.xyxy.shape[1] == 4
    if len(dets):  # random weights: boxes, if any, are inside the frame and scores valid
        assert (dets.xyxy[:, 2] <= frame.shape[1] + 1).all() and (dets.confidence <= 1).all()
    assert "random weights" in yolo_yaml.description


def test_missing_weights_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match=r"yolo11n\.pt not found"):
        find_weights("yolo11n.pt", str(tmp_path))


def test_registry_falls_back_to_builtin_and_says_why(tmp_path: Path) -> None:
    choice = create_detector("auto", DetectorSettings(model_dir=str(tmp_path), model_name="yolo11n.pt"))
    assert choice.backend.type_key == "nanodet"
    assert "yolo11n.pt not found" in choice.reason and "NanoDet" in choice.reason


def test_registry_uses_yolo_when_weights_present(tmp_path: Path) -> None:
    choice = create_detector("yolo", DetectorSettings(model_name="yolo11n.yaml", device="cpu"))
    assert choice.backend.type_key == "yolo"
    assert choice.reason.startswith("using Ultralytics YOLO yolo11n.yaml")


def test_corrupt_weights_fall_back(tmp_path: Path) -> None:
    bad = tmp_path / "yolo11n.pt"
    bad.write_bytes(b"not a model")
    choice = create_detector(
        "auto", DetectorSettings(model_dir=str(tmp_path), model_name="yolo11n.pt", device="cpu")
    )
    assert choice.backend.type_key == "nanodet"
    assert f"yolo11n.pt in {tmp_path} is incomplete (11 of 5,613,764 bytes)" in choice.reason
    bad = tmp_path / "mine.pt"  # a weights file with a name of its own is not pinned: loading tells
    bad.write_bytes(b"not a model")
    choice = create_detector("auto", DetectorSettings(model_dir=str(tmp_path), model_name="mine.pt", device="cpu"))
    assert choice.backend.type_key == "nanodet" and "cannot load YOLO model mine.pt" in choice.reason


def test_partial_or_damaged_official_weights_are_refused_before_loading(tmp_path: Path) -> None:
    """A copy cut short (an interrupted copy to 50 tills) or of the right size but other bytes."""
    from models.catalog import catalogue
    from models.checksums import PINNED

    pin = PINNED["yolo11n.pt"]
    path = tmp_path / "yolo11n.pt"
    with path.open("wb") as f:  # the first 2 MB of a file of the right length: a partial copy
        f.truncate(2_000_000)
    with pytest.raises(BackendUnavailable, match=r"incomplete \(2,000,000 of 5,613,764 bytes\).*download it again"):
        find_weights("yolo11n.pt", str(tmp_path))
    with path.open("r+b") as f:
        f.truncate(pin.size)
    with pytest.raises(BackendUnavailable, match=r"is damaged \(SHA-256 [0-9a-f]{12}…, expected 0ebbc80d4a76…\)"):
        find_weights("yolo11n.pt", str(tmp_path))
    entry = next(e for e in catalogue(tmp_path) if e.id == "yolo11n.pt")
    assert entry.available is False and "is damaged" in entry.note
    with path.open("ab") as f:
        f.write(b"x")
    with pytest.raises(BackendUnavailable, match="is not the official file"):
        find_weights("yolo11n.pt", str(tmp_path))


@pytest.mark.parametrize(("yaml", "names"), [("yolo11n.yaml", 80), ("yolo11n-pose.yaml", 1)])
def test_a_network_built_from_an_official_yaml_has_its_class_names(yaml: str, names: int) -> None:
    be = YoloBackend(DetectorSettings(model_name=yaml, device="cpu", threads=1))
    assert len(be.class_names) == names and be.class_names[0] == "person"


def test_detector_features_reach_the_tracker(yolo_yaml: YoloBackend, demo_video: Path) -> None:
    """Every YOLO box carries the detector's own feature (with_reid, model auto); the appearance tracker
    uses them instead of colour histograms. Random weights: plumbing only, not accuracy."""
    from models.tracking import Tracker, TrackerSettings

    cap = cv2.VideoCapture(str(demo_video))
    frames = [cap.read()[1] for _ in range(3)]
    cap.release()
    tracker = Tracker(
        TrackerSettings(appearance=True, track_high_thresh=0.0, track_low_thresh=0.0, new_track_thresh=0.0),
        rate=10.0,
    )
    for frame in frames:
        dets = yolo_yaml.predict(frame)
        assert len(dets), "the seeded random network finds boxes in every frame of the clip"
        feats = dets.data["reid"]
        assert feats.ndim == 2 and len(feats) == len(dets) and np.isfinite(feats).all()
        sub = dets[dets.confidence >= np.median(dets.confidence)]
        assert sub.data["reid"].shape == (len(sub), feats.shape[1])  # sliced with the boxes
        out = tracker.update(dets, frame)
        assert len(out) and (out.tracker_id >= 1).all()
    tracks = tracker._impl.tracked_stracks
    assert tracks and all(t.smooth_feat is not None and len(t.smooth_feat) == feats.shape[1] for t in tracks)


def test_a_yolo_that_cannot_run_falls_back_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """E.g. a bundle without torchvision's compiled ops: the first inference raises RuntimeError."""

    def broken(self: YoloBackend) -> float:
        raise RuntimeError("operator torchvision::nms does not exist")

    monkeypatch.setattr(YoloBackend, "warm_up", broken)
    choice = create_detector("auto", DetectorSettings(model_name="yolo11n.yaml", device="cpu", threads=1))
    assert choice.backend.type_key == "nanodet"
    assert "YOLO yolo11n.yaml cannot run here (RuntimeError: operator torchvision::nms does not exist)" in choice.reason
