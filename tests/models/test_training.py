"""Training, export and the module: a tiny generated dataset trains one epoch on the CPU, exports to ONNX,
loads in the detector, and the ONNX boxes match PyTorch's on a test picture.

Real Ultralytics training (no stubs, no downloads): 32 pictures of 96x96 px at imgsz 64 keep it to
seconds. The accuracy of one epoch is meaningless; the plumbing and the numbers' presence are what
is checked here, and the export's fidelity.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest
import torch
from ultralytics import YOLO

from app.modelhub.jobs import TrainJob, TrainSpec, run_training
from models.base import DetectorSettings
from models.catalog import Manifest, catalogue
from models.yolo import YoloBackend
from models.yolo_tools import model_info, predict_boxes

NAMES = ("red", "blue")


def make_dataset(root: Path, n_train: int = 24, n_val: int = 8, size: int = 96, seed: int = 0) -> Path:
    """Red and blue rectangles on dark noise, YOLO format; returns data.yaml."""
    rng = np.random.default_rng(seed)
    for split, n in (("train", n_train), ("val", n_val)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(n):
            img = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
            lines = []
            for _ in range(int(rng.integers(1, 3))):
                c = int(rng.integers(0, 2))
                w, h = (int(v) for v in rng.integers(size // 6, size // 2, 2))
                x, y = int(rng.integers(0, size - w)), int(rng.integers(0, size - h))
                cv2.rectangle(img, (x, y), (x + w, y + h), (0, 0, 255) if c == 0 else (255, 200, 0), -1)
                lines.append(f"{c} {(x + w / 2) / size:.5f} {(y + h / 2) / size:.5f} {w / size:.5f} {h / size:.5f}")
            cv2.imwrite(str(root / "images" / split / f"{i:03d}.jpg"), img)
            (root / "labels" / split / f"{i:03d}.txt").write_text("\n".join(lines) + "\n")
    (root / "data.yaml").write_text(
        f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n  0: red\n  1: blue\n"
    )
    return root / "data.yaml"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One epoch of yolo11n.yaml on the tiny set, registered with an ONNX export."""
    root = tmp_path_factory.mktemp("train")
    data = make_dataset(root / "ds")
    spec = TrainSpec(
        data=str(data), model="yolo11n.yaml", epochs=1, imgsz=64, device="cpu", batch=8, name="boxes",
        capability="shelves", model_dir=str(root / "models"), class_map=(("red", "product"), ("blue", "gap")),
        export_onnx=True,
    )
    messages: list[dict] = []
    done = run_training(spec, messages.append, lambda: False)
    return {"done": done, "messages": messages, "root": root, "data": data}


def test_training_registers_the_model_with_its_metrics(trained: dict) -> None:
    done, folder = trained["done"], Path(trained["done"]["folder"])
    assert done["kind"] == "done" and not done["stopped"] and done["epochs_done"] == 1
    kinds = [m["kind"] for m in trained["messages"]]
    assert kinds.count("epoch") == 1 and kinds.count("batch") == 3  # 24 pictures, batch 8
    m = Manifest.load(folder)
    assert m.kind == "trained" and m.fmt == "pytorch" and m.classes == list(NAMES)
    assert set(m.metrics) >= {"mAP50", "mAP50-95", "precision", "recall", "per_class"}
    assert 0.0 <= m.metrics["mAP50"] <= 1.0 and 0.0 <= m.metrics["mAP50-95"] <= m.metrics["mAP50"]
    assert (folder / "results.csv").is_file() and (folder / m.file).is_file()
    entries = {e.id: e for e in catalogue(folder.parent)}
    assert entries["boxes"].classes == ("product", "gap") and entries["boxes"].model_classes == NAMES
    assert entries["boxes-onnx"].fmt == "onnx" and entries["boxes-onnx"].kind == "exported"
    assert entries["boxes-onnx"].input_size == "64x64"


def test_the_onnx_export_gives_the_same_boxes_as_pytorch(trained: dict) -> None:
    root = trained["root"]
    pt = Path(trained["done"]["folder"]) / "boxes.pt"
    onnx = next((root / "models" / "boxes-onnx").glob("*.onnx"))
    info = model_info(onnx)
    assert info.classes == NAMES and info.task == "detect" and info.input_size == 64
    img = cv2.imread(str(next((trained["data"].parent / "images" / "val").glob("*.jpg"))))
    # every candidate box the network gives (before NMS): (1, 4 + classes, anchors), in input pixels
    x = cv2.resize(img, (64, 64))[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255
    net = YOLO(str(pt)).model.float().eval()
    with torch.no_grad():
        raw_pt = net(torch.from_numpy(x.copy()))[0].numpy()
    sess = ort.InferenceSession(str(onnx), providers=["CPUExecutionProvider"])
    raw_onnx = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    assert raw_pt.shape == raw_onnx.shape == (1, 4 + len(NAMES), 84)  # 8x8 + 4x4 + 2x2 cells at 64 px
    assert np.abs(raw_pt[:, :4] - raw_onnx[:, :4]).max() < 0.01  # box coordinates, pixels
    assert np.abs(raw_pt[:, 4:] - raw_onnx[:, 4:]).max() < 1e-4  # class scores
    # and the boxes after NMS, as the detector gives them (above a threshold away from the cut)
    a = predict_boxes(pt, img, imgsz=64)
    b = predict_boxes(onnx, img, imgsz=64)
    assert len(a) and len(b)
    for p, q in ((a, b), (b, a)):
        for row in p[p[:, 4] >= 0.002]:  # every box has its twin: same class, ~same place and score
            d = np.abs(q[:, :4] - row[:4]).max(axis=1) + 100 * (q[:, 5] != row[5]) + 100 * np.abs(q[:, 4] - row[4])
            assert d.min() < 0.5, (row, q)


def test_the_exported_model_loads_in_the_detector_with_its_class_map(trained: dict) -> None:
    onnx = next((trained["root"] / "models" / "boxes-onnx").glob("*.onnx"))
    be = YoloBackend(DetectorSettings(model_name=str(onnx), classes=(), confidence=0.001, input_size=64, device="cpu"))
    assert be.class_names == ("product", "gap")  # the manifest's map: red → product, blue → gap
    img = cv2.imread(str(next((trained["data"].parent / "images" / "val").glob("*.jpg"))))
    d = be.predict(img)
    assert len(d) and set(d.data["class_name"]) <= {"product", "gap"}


def test_a_training_job_on_a_worker_process_stops_when_asked(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "ds", n_train=48, n_val=4)
    spec = TrainSpec(
        data=str(data), model="yolo11n.yaml", epochs=20, imgsz=64, device="cpu", batch=8, name="stopped",
        capability="shelves", model_dir=str(tmp_path / "models"),
    )
    job = TrainJob(spec)
    job.start()
    seen: list[dict] = []
    try:
        while job.result is None:
            for m in job.poll(1.0):
                seen.append(m)
                if m["kind"] == "batch":
                    job.stop()
    finally:
        job.kill()
    assert job.result is not None and job.result["kind"] == "done", job.result
    # asked after the first batch; an epoch lasts about a second here, so it ends within the next few
    assert job.result["stopped"] and 1 <= job.result["epochs_done"] <= 5
    batches = [m for m in seen if m["kind"] == "batch"]
    assert batches[0]["batches"] == 6 and batches[-1]["epoch"] <= job.result["epochs_done"]
    manifest = json.loads((tmp_path / "models" / "stopped" / "manifest.json").read_text())
    assert manifest["notes"]["stopped"] is True and manifest["notes"]["epochs"] == 20
