"""The model catalogue, manifests, mAP on hand-built boxes, label formats and the commands' errors."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from analytics.detection_eval import evaluate
from app.errors import UserError
from app.modelhub.cli import import_model
from app.modelhub.labels import (
    Labelled,
    read_labels_from,
    write_cvat,
    write_labelme,
    write_labelstudio,
    write_yolo,
)
from models.catalog import (
    Capability,
    ModelEntry,
    capabilities,
    catalogue,
    register_capability,
    register_provider,
    remove_model,
    write_bench,
)
from models.datasets import load_dataset, read_labels
from tests.cli_support import one_error_line, run_cli

# --- mAP -----------------------------------------------------------------------------------------


def test_map_of_a_perfect_detector_is_one_and_misses_lower_it() -> None:
    gt = [(np.array([[0, 0, 10, 10], [20, 20, 40, 40]]), np.array([0, 1]))]
    perfect = [(gt[0][0], np.array([0.9, 0.8]), gt[0][1])]
    r = evaluate(perfect, gt, num_classes=2)
    assert r.map50 == pytest.approx(1.0) and r.map50_95 == pytest.approx(1.0)
    # class 1 missed, a false positive scored above class 0's true box
    worse = [(np.array([[0, 0, 10, 10], [60, 60, 70, 70]]), np.array([0.5, 0.9]), np.array([0, 0]))]
    r = evaluate(worse, gt, num_classes=2)
    assert r.ap[1].tolist() == [0.0] * 10
    # class 0: one FP first then the TP: precision 0.5 at recall 1 → AP 0.5
    assert r.ap[0, 0] == pytest.approx(0.5)
    assert r.map50 == pytest.approx(0.25)


def test_a_box_shifted_by_a_fifth_counts_at_iou_50_not_at_95() -> None:
    gt = [(np.array([[0, 0, 100, 100]]), np.array([0]))]
    shifted = [(np.array([[10, 0, 110, 100]]), np.array([0.9]), np.array([0]))]  # IoU 0.818
    r = evaluate(shifted, gt, num_classes=1)
    assert r.ap[0, :7].tolist() == [1.0] * 7 and r.ap[0, 7:].tolist() == [0.0] * 3
    assert r.map50_95 == pytest.approx(0.7)


def test_classes_without_ground_truth_are_left_out() -> None:
    gt = [(np.array([[0, 0, 10, 10]]), np.array([0]))]
    pred = [(np.array([[0, 0, 10, 10], [50, 50, 60, 60]]), np.array([0.9, 0.9]), np.array([0, 2]))]
    r = evaluate(pred, gt, num_classes=3)
    assert np.isnan(r.ap[1, 0]) and np.isnan(r.ap[2, 0]) and r.map50 == pytest.approx(1.0)
    assert list(r.per_class(["a", "b", "c"])) == ["a"]


# --- label formats ----------------------------------------------------------------------------------


@pytest.fixture
def pictures(tmp_path: Path) -> list[Labelled]:
    out = []
    for i in range(6):
        p = tmp_path / "src" / f"frame-{i}.jpg"
        p.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(p), np.full((60, 80, 3), 40 * i, np.uint8))
        out.append(Labelled(p, 80, 60, [("person", 10.0 + i, 5.0, 30.0 + i, 50.0), ("cap", 12.0, 6.0, 20.0, 12.0)]))
    return out


@pytest.mark.parametrize("fmt", ["labelme", "cvat", "labelstudio"])
def test_labels_round_trip_through_each_labelling_tool_format(fmt: str, pictures: list[Labelled], tmp_path: Path) -> None:
    out = tmp_path / fmt
    {"labelme": lambda: write_labelme(pictures, out), "cvat": lambda: write_cvat(pictures, out, ["person", "cap"]),
     "labelstudio": lambda: write_labelstudio(pictures, out)}[fmt]()
    source = {"labelme": out, "cvat": out / "annotations.xml", "labelstudio": out / "tasks.json"}[fmt]
    back = sorted(read_labels_from(fmt, source), key=lambda it: it.image.name)
    assert [it.image.name for it in back] == [it.image.name for it in pictures]
    for a, b in zip(pictures, back, strict=True):
        assert (b.width, b.height) == (80, 60)
        assert [x[0] for x in b.boxes] == ["person", "cap"]
        assert np.allclose([x[1:] for x in b.boxes], [x[1:] for x in a.boxes], atol=0.01)


def test_a_yolo_dataset_is_written_with_both_splits_and_reads_back(pictures: list[Labelled], tmp_path: Path) -> None:
    yaml_path = write_yolo(pictures, tmp_path / "ds", ["person", "cap"], val_share=0.3)
    ds = load_dataset(yaml_path)
    assert ds.names == ("person", "cap")
    train, val = ds.images("train"), ds.images("val")
    assert train and val and len(train) + len(val) == 6
    img = train[0]
    boxes, classes = read_labels(ds.root / "labels" / "train" / img.with_suffix(".txt").name, 80, 60)
    src = next(p for p in pictures if p.image.name == img.name)
    assert classes.tolist() == [0, 1]
    assert np.allclose(boxes, [b[1:] for b in src.boxes], atol=0.01)


def test_a_bad_label_line_is_one_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("0 0.5 0.5 0.2\n")
    with pytest.raises(ValueError, match=r"a.txt:1: not a YOLO label line"):
        read_labels(f, 10, 10)


# --- catalogue, import, remove ------------------------------------------------------------------------


def test_every_capability_is_listed_and_others_can_register(tmp_path: Path) -> None:
    keys = [c.key for c in capabilities()]
    assert {"person_detection", "pose", "plate_detection", "plate_ocr", "reid", "faces", "ppe", "shelves"} <= set(keys)
    register_capability(Capability("test_helmets", "Helmets (test)", "detect", ("helmet",), "test"))
    entry = ModelEntry("helmet-net", "test_helmets", "Helmet net", "ONNX Runtime", None, "test", "MIT", ("helmet",))

    def provider(model_dir: Path | None) -> list[ModelEntry]:
        return [entry]

    register_provider(provider)
    write_bench(tmp_path, {"helmet-net": {"ms": 12.5, "note": "cpu"}})
    got = {e.id: e for e in catalogue(tmp_path)}
    assert got["helmet-net"].speed_ms == 12.5 and got["nanodet"].available
    assert got["yolo11n.pt"].available is False and "model folder" in got["yolo11n.pt"].note


def test_importing_an_onnx_yolo_keeps_its_classes_and_map(tmp_path: Path) -> None:
    from ultralytics import YOLO

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        onnx = Path(YOLO("yolo11n.yaml").export(format="onnx", imgsz=64, simplify=False, dynamic=False, verbose=False))
    onnx = tmp_path / onnx  # yolo11n.yaml exported: 80 classes named 0 … 79
    folder = tmp_path / "models"
    with pytest.raises(UserError, match=r"none of yolo11n\.onnx.s classes") as e:
        import_model(folder, onnx, "plate_detection")  # COCO classes, no plate
    assert e.value.exit_code == 2
    with pytest.raises(UserError, match="the model has no class 'plate'"):
        import_model(folder, onnx, "plate_detection", class_map=["plate=plate"])
    with pytest.raises(UserError, match=r"--classes gives 2 names but yolo11n\.onnx has 80"):
        import_model(folder, onnx, "plate_detection", classes=["a", "b"])
    dest = import_model(folder, onnx, "plate_detection", name="plates-v1", class_map=["2=plate"], licence="AGPL-3.0")
    e2 = next(e for e in catalogue(folder) if e.id == "plates-v1")
    assert e2.classes[2] == "plate" and e2.model_classes[2] == "2"  # built from the yaml: numbered classes and e2.input_size == "64x64"
    assert e2.fmt == "onnx" and e2.kind == "imported" and e2.licence == "AGPL-3.0" and (dest / "yolo11n.onnx").is_file()
    with pytest.raises(UserError, match="exists"):
        import_model(folder, onnx, "plate_detection", name="plates-v1", class_map=["2=plate"])
    with pytest.raises(ValueError, match="built in"):
        remove_model(folder, "nanodet")
    remove_model(folder, "plates-v1")
    assert not dest.exists()


def test_the_commands_refuse_bad_input_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = ["--model-dir", str(tmp_path)]
    cases = [
        (["models", "remove", "nothing", *md], "no imported model 'nothing'"),
        (["models", "import", str(tmp_path / "missing.pt"), "--capability", "ppe", *md], "no such file"),
        (["models", "bench", "no-such-model", *md], "no model 'no-such-model'"),
        (["train", "detect", "--data", str(tmp_path / "none.yaml"), "--epochs", "1", "--device", "cpu", *md],
         "no such dataset file"),
        (["dataset", "import", str(tmp_path), "--format", "cvat", "--out", str(tmp_path / "o")], "not CVAT XML"),
        (["models", "export", "nanodet", *md], "export takes an Ultralytics .pt model"),
    ]
    for argv, text in cases:
        code, _, err = run_cli(capsys, *argv)
        assert code == 2 and text in one_error_line(err), (argv, err)
    code, out, _ = run_cli(capsys, "models", "list", "--json", *md)
    assert code == 0 and '"nanodet"' in out


# --- the dataset builder on a real store ----------------------------------------------------------


def test_frames_of_stored_events_are_exported_prelabelled_and_come_back_as_a_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.config import SiteConfig
    from app.store.db import open_store
    from app.store.records import EventRecord, PhotoRecord
    from app.store.sync import sync_site
    from app.store.writer import StoreWriter
    from models.speed import read_frames
    from tests.conftest import DEMO_VIDEO

    frames = read_frames(DEMO_VIDEO, 3, step=100)
    db = tmp_path / "site.db"
    store = open_store(f"sqlite:///{db}")
    ids = sync_site(store, SiteConfig.model_validate({"site": {"name": "Shop"}, "cameras": [{"id": "door", "source": "x.mp4"}]}))
    with StoreWriter(store, tmp_path) as w:
        run = w.start_run(ids["door"], "x.mp4")
        for i, f in enumerate(frames):
            jpeg = cv2.imencode(".jpg", f)[1].tobytes()
            crop = cv2.imencode(".jpg", f[100:300, 100:200])[1].tobytes()
            photos = (PhotoRecord(jpeg, "frame"), PhotoRecord(crop, "crop", (100, 100, 200, 300)))
            w.put_event(run, EventRecord("door", 1_790_000_000.0 + 60 * i, "footfall", "in", None, None, {}, photos))
        w.flush()
    store.close()
    out = tmp_path / "to-label"
    code, text, err = run_cli(capsys, "dataset", "export", "--db", str(db), "--out", str(out), "--format", "labelme")
    assert code == 0, err
    assert text.startswith("3 frames (") and "0 without a picture" in text
    items = read_labels_from("labelme", out)
    assert len(items) == 3 and all((it.width, it.height) == (768, 576) for it in items)
    assert all(len(it.boxes) >= 2 and {b[0] for b in it.boxes} == {"person"} for it in items)  # people on vtest
    # the labeller adds a class; the labels come back as a YOLO dataset
    items[0].boxes.append(("cart", 5.0, 5.0, 50.0, 40.0))
    write_labelme(items[:1], out)
    ds_dir = tmp_path / "dataset"
    code, text, err = run_cli(capsys, "dataset", "import", str(out), "--format", "labelme", "--out", str(ds_dir))
    assert code == 0, err
    assert "3 pictures" in text and "classes: person, cart" in text
    ds = load_dataset(ds_dir)
    assert ds.names == ("person", "cart") and len(ds.images("train")) + len(ds.images("val")) == 3
    code, _, err = run_cli(capsys, "dataset", "import", str(out), "--format", "labelme", "--out", str(ds_dir))
    assert code == 2 and "choose a new or empty folder" in one_error_line(err)


def test_a_sites_staff_classifier_is_listed_and_timed(tmp_path: Path) -> None:
    from models.roles import RoleClassifier
    from models.speed import measure

    red = [np.full((80, 40, 3), (30, 30, 200), np.uint8)] * 8
    black = [np.full((80, 40, 3), (25, 25, 25), np.uint8)] * 8
    clf, _ = RoleClassifier.train(red + black, [1] * 8 + [0] * 8, epochs=3)
    clf.save(tmp_path / "roles" / "shop.pt")
    entry = next(e for e in catalogue(tmp_path) if e.capability == "staff_roles")
    assert entry.id == "roles/shop" and entry.available and not entry.removable
    frame = np.zeros((200, 200, 3), np.uint8)
    (s,) = measure([entry], [frame, frame], [np.array([[10, 10, 50, 90], [100, 20, 140, 100]])] * 2, threads=1)
    assert s.ms is not None and s.frames == 2 and "PyTorch" in s.note
    (s,) = measure([entry], [frame] * 3, [np.zeros((0, 4))] * 3, threads=1, budget_s=1e-9)  # a slow model
    assert s.frames == 1 and s.note.endswith("1 of 3 frames (time budget)")
