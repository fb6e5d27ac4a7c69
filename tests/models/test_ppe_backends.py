"""PPE backends: the built-in colour classifier on rendered real people, and the YOLO plumbing.

The YOLO PPE model is trained in the test (1 epoch, 8 generated pictures, 64 px): accuracy is not
the point, the path is — a model with hard-hat data-set class names dropped into the model folder
replaces the built-in classifier with no code change, its classes mapped by name or by the config.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from analytics.ppe import decide
from models.base import BackendUnavailable
from models.pose import MoveNetBackend, PoseSettings
from models.ppe.backend import ColourBackend, YoloPpeBackend, create_ppe_backend
from models.ppe.colour import hivis_mask
from models.ppe.evaluate import evaluate, keypoints_for
from models.ppe.synth import collect_people, make_set

NAMES = ["Hardhat", "NO-Hardhat", "Safety Vest", "NO-Safety Vest"]


@pytest.fixture(scope="module")
def people(demo_video: Path):
    return collect_people(demo_video, [60, 300, 560])


def test_colour_backend_tells_rendered_vests_and_helmets_on_demo_people(people) -> None:
    assert len(people) >= 8
    samples = make_set(7, "test", people=people, copies=3)
    assert {s.vest for s in samples} == {True, False} and {s.helmet for s in samples} == {True, False}
    scores = evaluate(
        ColourBackend(), samples, keypoints_for(samples, MoveNetBackend(PoseSettings(threads=1)))
    )
    # far better than chance (a coin: 0.5); the full numbers are `storesight bench --ppe`'s
    assert scores["vest"].precision > 0.6 and scores["vest"].recall > 0.6
    assert scores["helmet"].precision > 0.6 and scores["helmet"].recall > 0.6
    assert scores["vest"].unknown < 0.35


def test_a_taught_vest_colour_is_recognised(people) -> None:
    p = people[0]
    img = p.image.copy()
    kp = p.keypoints
    x1, x2 = int(min(kp[5, 0], kp[6, 0])), int(max(kp[5, 0], kp[6, 0])) + 1
    y1, y2 = int(min(kp[5, 1], kp[6, 1])), int(max(kp[11, 1], kp[12, 1])) + 1
    img[y1:y2, x1:x2] = (255, 140, 30)  # a bright blue vest: not a built-in hi-vis colour
    assert not hivis_mask(img[y1:y2, x1:x2]).any()
    plain = create_ppe_backend("colour").backend
    taught = create_ppe_backend("colour", vest_examples=[img[y1:y2, x1:x2]]).backend
    before = plain.check(img, p.box[None], kp[None])[0].vest
    after = taught.check(img, p.box[None], kp[None])[0].vest
    assert decide(before)[0] != "yes" and decide(after)[0] == "yes"
    assert "taught" in taught.description


def _tiny_yolo(folder: Path) -> Path:
    """Train a YOLO detector with hard-hat data-set class names for 1 epoch on generated pictures."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from ultralytics import YOLO

    data = folder / "data"
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        (data / "images" / split).mkdir(parents=True)
        (data / "labels" / split).mkdir(parents=True)
        for i in range(4):
            img = np.full((64, 64, 3), rng.integers(60, 200), np.uint8)
            rows = []
            for k, colour in enumerate([(0, 220, 250), (40, 40, 200)]):
                x = 16 + 32 * k
                cv2.rectangle(img, (x - 8, 8), (x + 8, 24), colour, -1)
                rows.append(f"{2 * k} {x / 64:.4f} {16 / 64:.4f} {16 / 64:.4f} {16 / 64:.4f}")
            cv2.imwrite(str(data / "images" / split / f"{i}.jpg"), img)
            (data / "labels" / split / f"{i}.txt").write_text("\n".join(rows))
    (data / "data.yaml").write_text(
        f"path: {data}\ntrain: images/train\nval: images/val\nnames: {dict(enumerate(NAMES))}\n"
    )
    model = YOLO("yolo11n.yaml")
    model.train(data=str(data / "data.yaml"), epochs=1, imgsz=64, batch=4, workers=0, device="cpu",
                plots=False, val=False, amp=False, project=str(folder / "runs"), name="ppe", exist_ok=True,
                verbose=False)  # fmt: skip
    out = folder / "models" / "ppe.pt"
    out.parent.mkdir()
    (folder / "runs" / "ppe" / "weights" / "last.pt").rename(out)
    return out.parent


@pytest.fixture(scope="module")
def yolo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny_yolo(tmp_path_factory.mktemp("ppe_yolo"))


def test_a_yolo_ppe_model_in_the_model_folder_replaces_the_builtin(
    yolo_folder: Path, demo_video: Path
) -> None:
    choice = create_ppe_backend("auto", yolo_folder, device="cpu", threads=1, confidence=0.001)
    be = choice.backend
    assert isinstance(be, YoloPpeBackend), choice.reason
    assert choice.reason.startswith("using YOLO PPE model ppe.pt (helmet, no_helmet, no_vest, vest)")
    assert be.meaning == {0: "helmet", 1: "no_helmet", 2: "vest", 3: "no_vest"}  # hard-hat data-set names
    cap = cv2.VideoCapture(str(demo_video))
    ok, frame = cap.read()
    cap.release()
    assert ok
    boxes = np.array([[504, 217, 540, 306], [667, 257, 713, 369]], np.float32)
    out = be.check(frame, boxes)
    assert len(out) == 2
    for r in out:  # 1 epoch: any answer, but well-formed (None: the model saw nothing on that person)
        for p in (r.helmet, r.vest):
            assert p is None or 0.0 <= p <= 1.0
        assert r.regions.head.shape == (4,) and r.regions.torso.shape == (4,)
    assert be.check(frame, np.zeros((0, 4), np.float32)) == []


def test_the_class_map_renames_and_a_model_meaning_nothing_falls_back(yolo_folder: Path) -> None:
    mapped = create_ppe_backend(
        "yolo", yolo_folder, class_map={"NO-Safety Vest": "ignore"}, device="cpu"
    ).backend
    assert isinstance(mapped, YoloPpeBackend) and 3 not in {
        k for k, v in mapped.meaning.items() if v != "ignore"
    }
    nothing = {n: "ignore" for n in NAMES}
    choice = create_ppe_backend("auto", yolo_folder, class_map=nothing, device="cpu")
    assert isinstance(choice.backend, ColourBackend)
    assert "none of its classes" in choice.reason and "built-in colour classifier" in choice.reason
    with pytest.raises(BackendUnavailable, match="none of its classes"):
        create_ppe_backend("yolo", yolo_folder, class_map=nothing, device="cpu")


def test_missing_or_broken_yolo_ppe_model(tmp_path: Path) -> None:
    assert isinstance(create_ppe_backend("auto", tmp_path).backend, ColourBackend)
    with pytest.raises(BackendUnavailable, match="no YOLO PPE model"):
        create_ppe_backend("yolo", tmp_path)
    (tmp_path / "ppe.pt").write_bytes(b"not a model")
    choice = create_ppe_backend("auto", tmp_path)
    assert isinstance(choice.backend, ColourBackend) and "cannot load PPE YOLO model ppe.pt" in choice.reason
