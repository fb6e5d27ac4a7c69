"""The built-in NanoDet detector on real images: Ultralytics' sample photos and the vtest video.

Reference boxes were drawn by hand (looking at the pictures), not taken from any detector.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from analytics.types import PERSON, Detections
from models.base import BackendUnavailable, DetectorSettings
from models.nanodet import DEFAULT_MODEL_PATH, NanoDetBackend, nms

BUS = 5

# bus.jpg (810x1080): four people (two cut by the image border) and the bus.
BUS_PERSONS = np.array([[55, 397, 245, 900], [224, 404, 344, 860], [667, 385, 810, 880], [0, 547, 73, 880]])
BUS_BUS = np.array([13, 229, 800, 740])

# vtest.avi frames (768x576): every person visible, occluded ones included.
VTEST_PERSONS = {
    50: [[504, 217, 540, 306], [667, 257, 713, 369], [550, 216, 590, 303], [372, 178, 405, 259],
         [405, 178, 433, 255], [432, 177, 458, 247]],
    250: [[372, 229, 419, 325], [596, 254, 638, 355], [548, 189, 576, 261], [191, 150, 223, 225],
          [36, 173, 64, 244], [632, 123, 658, 183], [655, 130, 678, 184]],
    450: [[484, 183, 516, 258], [558, 243, 595, 335], [311, 206, 338, 290]],
}  # fmt: skip


def _asset(name: str) -> Path:
    """An Ultralytics sample image, found without importing ultralytics (it pulls in torch)."""
    spec = importlib.util.find_spec("ultralytics")
    assert spec is not None and spec.submodule_search_locations, "ultralytics is not installed"
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / name
    assert path.is_file(), f"missing sample image {path}"
    return path


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area = lambda z: (z[:, 2] - z[:, 0]) * (z[:, 3] - z[:, 1])  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


def _matched(dets: np.ndarray, refs: np.ndarray, thr: float = 0.5) -> int:
    """How many reference boxes a distinct detection overlaps by IoU >= thr (greedy)."""
    if len(dets) == 0:
        return 0
    iou = _iou(refs, dets)
    used: set[int] = set()
    n = 0
    for row in iou:
        for j in np.argsort(-row):
            if row[j] < thr:
                break
            if int(j) not in used:
                used.add(int(j))
                n += 1
                break
    return n


@pytest.fixture(scope="module")
def all_classes() -> NanoDetBackend:
    return NanoDetBackend(DetectorSettings(classes=(), confidence=0.35, threads=2))


@pytest.fixture(scope="module")
def persons() -> NanoDetBackend:
    return NanoDetBackend(DetectorSettings(classes=(PERSON,), confidence=0.4, threads=2))


@pytest.fixture(scope="module")
def bus_image() -> np.ndarray:
    img = cv2.imread(str(_asset("bus.jpg")))
    assert img is not None
    return img


@pytest.fixture(scope="module")
def vtest_frames(demo_video: Path) -> dict[int, np.ndarray]:
    cap = cv2.VideoCapture(str(demo_video))
    frames: dict[int, np.ndarray] = {}
    i = 0
    while len(frames) < len(VTEST_PERSONS):
        ok, frame = cap.read()
        assert ok, f"vtest.avi ended at frame {i}"
        if i in VTEST_PERSONS:
            frames[i] = frame
        i += 1
    cap.release()
    return frames


def test_bundled_model_is_there_and_described(all_classes: NanoDetBackend) -> None:
    assert DEFAULT_MODEL_PATH.is_file()
    assert all_classes.input_size == 416
    assert "NanoDet" in all_classes.description and "416" in all_classes.description
    assert NanoDetBackend.type_key == "nanodet"


def test_outputs_identified_by_shape(all_classes: NanoDetBackend) -> None:
    roles = sorted((kind, stride) for _, kind, stride in all_classes._layout)
    assert roles == [("cls", 8), ("cls", 16), ("cls", 32), ("reg", 8), ("reg", 16), ("reg", 32)]


def test_bus_finds_people_and_the_bus(all_classes: NanoDetBackend, bus_image: np.ndarray) -> None:
    dets = all_classes.predict(bus_image)
    assert isinstance(dets, Detections)
    assert dets.xyxy.dtype == np.float32 and dets.class_id.dtype == np.int32
    people = dets[dets.class_id == PERSON]
    assert len(people) >= 4
    assert _matched(people.xyxy, BUS_PERSONS) >= 4
    buses = dets[dets.class_id == BUS]
    assert len(buses) == 1, f"class ids found: {dets.class_id.tolist()}"
    assert _iou(buses.xyxy, BUS_BUS)[0, 0] > 0.7
    h, w = bus_image.shape[:2]
    assert (dets.xyxy >= 0).all() and (dets.xyxy[:, [0, 2]] <= w).all() and (dets.xyxy[:, [1, 3]] <= h).all()
    assert (dets.xyxy[:, 2] > dets.xyxy[:, 0]).all() and (dets.xyxy[:, 3] > dets.xyxy[:, 1]).all()


def test_zidane_two_people(persons: NanoDetBackend) -> None:
    img = cv2.imread(str(_asset("zidane.jpg")))
    dets = persons.predict(img)
    assert len(dets) >= 2
    assert (dets.class_id == PERSON).all()
    # The man on the right (x 740..1140): a distinct, well-placed box.
    assert _iou(dets.xyxy, [[745, 40, 1145, 715]]).max() > 0.6


@pytest.mark.parametrize("index", sorted(VTEST_PERSONS))
def test_vtest_people(persons: NanoDetBackend, vtest_frames: dict[int, np.ndarray], index: int) -> None:
    frame = vtest_frames[index]
    refs = np.array(VTEST_PERSONS[index])
    dets = persons.predict(frame)
    h, w = frame.shape[:2]
    assert (dets.xyxy >= 0).all() and (dets.xyxy[:, [0, 2]] <= w).all() and (dets.xyxy[:, [1, 3]] <= h).all()
    found = _matched(dets.xyxy, refs)
    assert found >= len(refs) - 1, f"frame {index}: {found} of {len(refs)} people found"
    assert len(dets) - found <= 1, f"frame {index}: {len(dets) - found} detections match nobody"


def test_class_filter(bus_image: np.ndarray) -> None:
    only_bus = NanoDetBackend(DetectorSettings(classes=(BUS,), confidence=0.35, threads=2)).predict(bus_image)
    assert len(only_bus) == 1 and only_bus.class_id.tolist() == [BUS]
    both = NanoDetBackend(DetectorSettings(classes=(PERSON, BUS), confidence=0.35)).predict(bus_image)
    assert set(both.class_id.tolist()) == {PERSON, BUS}
    none = NanoDetBackend(DetectorSettings(classes=(1,), confidence=0.35)).predict(bus_image)  # bicycle
    assert len(none) == 0


def test_confidence_threshold(all_classes: NanoDetBackend, bus_image: np.ndarray) -> None:
    low = all_classes.predict(bus_image)
    high = NanoDetBackend(DetectorSettings(classes=(), confidence=0.7)).predict(bus_image)
    assert 0 < len(high) < len(low)
    assert (high.confidence >= 0.7).all() and (low.confidence >= 0.35).all()
    assert (high.confidence <= 1).all()
    nothing = NanoDetBackend(DetectorSettings(classes=(), confidence=0.99)).predict(bus_image)
    assert len(nothing) == 0


def test_nms_leaves_one_box_per_person(all_classes: NanoDetBackend, bus_image: np.ndarray) -> None:
    people = all_classes.predict(bus_image)
    people = people[people.class_id == PERSON]
    iou = _iou(people.xyxy, people.xyxy)
    np.fill_diagonal(iou, 0)
    assert iou.max() <= all_classes.settings.iou


def test_blank_image_gives_empty_detections(persons: NanoDetBackend) -> None:
    dets = persons.predict(np.zeros((480, 640, 3), np.uint8))
    assert len(dets) == 0 and dets.xyxy.shape == (0, 4)


def test_input_size_is_configurable(bus_image: np.ndarray) -> None:
    small = NanoDetBackend(DetectorSettings(classes=(PERSON, BUS), input_size=320))
    assert small.input_size == 320 and "320x320" in small.description
    dets = small.predict(bus_image)
    assert (dets.class_id == PERSON).sum() >= 2
    assert NanoDetBackend(DetectorSettings(input_size=400)).input_size == 416  # multiple of 32


def test_missing_model_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="not found"):
        NanoDetBackend(DetectorSettings(), model_path=tmp_path / "nanodet.onnx")


def test_corrupt_model_is_unavailable(tmp_path: Path) -> None:
    bad = tmp_path / "nanodet.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(BackendUnavailable, match="cannot load NanoDet model"):
        NanoDetBackend(DetectorSettings(), model_path=bad)


def test_without_onnxruntime_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    with pytest.raises(BackendUnavailable, match="onnxruntime"):
        NanoDetBackend(DetectorSettings())


def test_nms_is_greedy_and_class_agnostic_by_itself() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 10], [50, 50, 60, 60]], np.float32)
    keep = nms(boxes, np.array([0.5, 0.9, 0.4, 0.3], np.float32), 0.5)
    assert keep.tolist() == [1, 3]
    assert nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 0.5).tolist() == []
