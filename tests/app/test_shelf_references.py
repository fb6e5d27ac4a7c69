"""Shelf references kept in the data folder: stored, survive a restart, re-captured while running; the CLI."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from analytics.types import Detections, Frame
from app.config import SiteConfig
from app.engine.modules import CameraContext
from app.errors import UserError
from app.shelves import references as refs
from app.shelves.module import ShelfGapModule
from app.shelves.sim import make_scene
from models.shelf import ClassicalShelfMeter
from tests.cli_support import one_error_line, run_cli


def test_store_list_and_forget(tmp_path: Path) -> None:
    img = np.random.default_rng(1).integers(0, 255, (60, 80, 3), dtype=np.uint8)
    p = refs.save_reference(tmp_path, "cam1", "shelf_a", img, source="test", ts=1000.0)
    assert p == tmp_path / "shelves" / "cam1" / "shelf_a.png"
    assert np.array_equal(refs.load_reference(tmp_path, "cam1", "shelf_a"), img)  # PNG: lossless
    info = refs.reference_info(tmp_path, "cam1", "shelf_a")
    assert info is not None and (info.captured_at, info.width, info.height, info.source) == (1000.0, 80, 60, "test")
    assert not list(p.parent.glob(".*tmp"))  # no temporary files left
    refs.save_reference(tmp_path, "cam2", "s", img, source="x")
    assert [(r.camera, r.zone) for r in refs.list_references(tmp_path)] == [("cam1", "shelf_a"), ("cam2", "s")]
    assert [r.zone for r in refs.list_references(tmp_path, "cam2")] == ["s"]
    assert refs.delete_reference(tmp_path, "cam1", "shelf_a") and not refs.delete_reference(tmp_path, "cam1", "shelf_a")
    assert refs.load_reference(tmp_path, "cam1", "shelf_a") is None
    with pytest.raises(UserError, match="camera id"):
        refs.reference_path(tmp_path, "../etc", "x")
    with pytest.raises(UserError, match="colour picture"):
        refs.save_reference(tmp_path, "cam1", "z", np.zeros((4, 4), np.uint8), source="x")


def _site(scene, data_dir: Path | None = None) -> SiteConfig:
    return SiteConfig.model_validate({
        "site": {"name": "t"},
        "cameras": [{
            "id": "aisle", "source": "x.mp4",
            "zones": [{"id": "shelf1", "type": "shelf", "points": scene.zone_points}],
            "modules": {"shelf": {"enabled": True, "interval": 1.0, "confirm": 4.0, "clear": 2.0,
                                  "zones": {"shelf1": {"rows": 3, "columns": 4}}}},
        }],
        **({"storage": {"data_dir": str(data_dir)}} if data_dir else {}),
    })  # fmt: skip


def _module(site: SiteConfig, data_dir: Path | None) -> ShelfGapModule:
    cam = site.cameras[0]
    return ShelfGapModule(CameraContext(site, cam, site.effective(cam), data_dir=data_dir))


def _run(mod: ShelfGapModule, images: list[np.ndarray], t0: float) -> list:
    out = []
    for k, img in enumerate(images):
        out += mod.process(Frame("aisle", k, t0 + k * 1.0, img), Detections.empty())
    return out


def test_the_captured_reference_survives_a_restart(tmp_path: Path) -> None:
    """Run 1 captures the full shelf; run 2 starts with a segment already empty and still sees the gap."""
    scene = make_scene(11)
    full = np.ones(len(scene.products), bool)
    seg = np.array([scene.segment_of(p) for p in scene.products])
    gap = full.copy()
    gap[seg == 5] = False
    site = _site(scene)
    first = _run(_module(site, tmp_path), [scene.camera(full)] * 3, 1000.0)
    assert [(e.type, e.payload["source"]) for e in first] == [("reference", "auto")]
    assert refs.reference_info(tmp_path, "aisle", "shelf1").source == "auto"
    # restart: the empty segment must be measured against the stored full shelf, not re-captured
    mod = _module(site, tmp_path)
    second = _run(mod, [scene.camera(gap)] * 12, 2000.0)
    assert not [e for e in second if e.type == "reference"]  # the stored one, not a new capture
    assert mod._shelves[0].stamp == refs.stamp(tmp_path, "aisle", "shelf1")
    starts = [e for e in second if e.type == "gap_start"]
    assert [e.payload["segment"] for e in starts] == [5]
    # without a data folder (as before): nothing is kept, the next start captures again
    assert [e.type for e in _run(_module(site, None), [scene.camera(full)] * 2, 3000.0)] == ["reference"]


def test_a_recapture_is_used_from_the_next_measurement(tmp_path: Path) -> None:
    scene = make_scene(12)
    full = np.ones(len(scene.products), bool)
    seg = np.array([scene.segment_of(p) for p in scene.products])
    gap = full.copy()
    gap[seg == 2] = False
    mod = _module(_site(scene), tmp_path)
    before = _run(mod, [scene.camera(gap)] * 8, 1000.0)  # captured while segment 2 was empty
    assert [e.payload["source"] for e in before if e.type == "reference"] == ["auto"]
    old = mod._shelves[0].meter
    assert _run(mod, [scene.camera(gap)] * 2, 1008.0) == [] and mod._shelves[0].meter is old  # no new file
    refs.save_reference(tmp_path, "aisle", "shelf1", scene.camera(full), source="zone editor")
    after = _run(mod, [scene.camera(gap)] * 2, 1010.0)
    assert [(e.type, e.payload["source"]) for e in after] == [("reference", "zone editor")]
    assert mod._shelves[0].meter is not old
    want = ClassicalShelfMeter(mod._shelves[0].geo, scene.camera(full)).ref
    assert np.allclose(mod._shelves[0].meter.ref.patches, want.patches)  # measured against the new picture


def _config(tmp_path: Path, scene, video: Path) -> Path:
    site = _site(scene, tmp_path / "data").model_dump(mode="json", exclude_none=True)
    site["cameras"][0]["source"] = str(video)
    cfg = tmp_path / "site.yaml"
    cfg.write_text(yaml.safe_dump(site))
    return cfg


def test_cli_captures_lists_and_forgets(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scene = make_scene(11)
    full = scene.camera(np.ones(len(scene.products), bool))
    cv2.imwrite(str(tmp_path / "full.png"), full)
    video = tmp_path / "shelf.avi"  # the camera: a short video of the full shelf
    w = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (full.shape[1], full.shape[0]))
    for _ in range(3):
        w.write(full)
    w.release()
    cfg = _config(tmp_path, scene, video)
    code, out, err = run_cli(capsys, "shelf", "reference", "--config", str(cfg), "--zone", "shelf1", "--no-people")
    assert code == 0, err
    assert "aisle/shelf1: full reference stored (768×576, from the camera)" in out
    stored = refs.load_reference(tmp_path / "data", "aisle", "shelf1")
    assert stored is not None and np.abs(stored.astype(int) - full).mean() < 6  # (MJPG)
    code, out, err = run_cli(
        capsys, "shelf", "reference", "--config", str(cfg), "--zone", "shelf1", "--image", str(tmp_path / "full.png"),
        "--no-people",
    )  # fmt: skip
    assert code == 0 and "from the image full.png" in out
    assert np.array_equal(refs.load_reference(tmp_path / "data", "aisle", "shelf1"), full)
    code, out, _ = run_cli(capsys, "shelf", "reference", "--config", str(cfg), "--list")
    assert code == 0 and "aisle/shelf1: 768×576" in out and "image full.png" in out
    code, out, _ = run_cli(capsys, "shelf", "reference", "--config", str(cfg), "--zone", "shelf1", "--clear")
    assert code == 0 and "forgotten" in out
    assert refs.list_references(tmp_path / "data") == []


def test_cli_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scene = make_scene(11)
    cfg = _config(tmp_path, scene, tmp_path / "missing.avi")
    code, _, err = run_cli(capsys, "shelf", "reference", "--config", str(cfg), "--zone", "nope")
    assert code == 2 and "no such zone" in one_error_line(err)
    code, _, err = run_cli(capsys, "shelf", "reference", "--config", str(cfg), "--zone", "shelf1", "--no-people")
    assert code == 3 and "aisle" in one_error_line(err)
    code, _, err = run_cli(
        capsys, "shelf", "reference", "--config", str(cfg), "--zone", "shelf1", "--image", str(tmp_path / "no.png")
    )
    assert code == 3 and "not found" in one_error_line(err)
    assert refs.list_references(tmp_path / "data") == []
