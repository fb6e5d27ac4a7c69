"""``storesight doctor``: every check on real databases; failures give exit 1, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import doctor
from app.config import SiteConfig
from app.store.db import open_store
from app.store.migrate import downgrade, head_revision
from tests.cli_support import one_error_line, run_cli

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default data folder is an empty temp folder (never the user's)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("STORESIGHT_DATA_DIR", str(folder))
    return folder


def _checks(out: str) -> dict[str, dict]:
    doc = json.loads(out)
    return {c["name"]: c for c in doc["checks"]} | {"_status": doc["status"]}


def test_fresh_install_is_ok_and_creates_nothing(capsys: pytest.CaptureFixture[str], _data_dir: Path) -> None:
    code, out, err = run_cli(capsys, "doctor", "--json")
    assert code == 0, err
    c = _checks(out)
    assert c["_status"] in ("ok", "warn")
    assert set(c) >= {"versions", "backend", "gpu", "paths", "database", "disk"}
    assert c["versions"]["data"]["libraries"]["onnxruntime"]
    assert c["backend"]["data"]["runs"] == "nanodet"  # no YOLO weights in the fresh model folder
    assert c["paths"]["data"]["data_dir"] == str(_data_dir)
    assert "does not exist yet" in c["database"]["detail"]
    assert c["disk"]["data"]["free_bytes"] > 0
    assert not _data_dir.exists()  # looking changes nothing


def test_current_database_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    open_store(f"sqlite:///{db}").close()
    code, out, _ = run_cli(capsys, "doctor", "--db", str(db))
    assert code == 0
    lines = {ln.split("]")[1].split(":")[0].strip(): ln for ln in out.splitlines() if ln.startswith("[")}
    assert lines["database"].startswith("[OK  ]")
    assert f"schema {head_revision()} (current)" in lines["database"]
    assert out.strip().splitlines()[-1] in ("overall: ok", "overall: warn")


def test_old_schema_is_a_warning_and_is_not_migrated(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    store = open_store(f"sqlite:///{db}")
    downgrade(store.engine, "0005")
    store.close()
    code, out, _ = run_cli(capsys, "doctor", "--db", str(db), "--json")
    assert code == 0
    c = _checks(out)["database"]
    assert c["status"] == "warn" and c["data"]["revision"] == "0005"
    assert "a backup is made first" in c["detail"]
    code, out, _ = run_cli(capsys, "doctor", "--db", str(db), "--json")
    assert _checks(out)["database"]["data"]["revision"] == "0005"  # still: doctor never migrates


def test_a_file_that_is_not_a_database_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "broken.db"
    db.write_bytes(b"this is not a database at all" * 200)
    code, out, err = run_cli(capsys, "doctor", "--db", str(db))
    assert code == 1
    assert "Traceback" not in out + err
    bad = [ln for ln in out.splitlines() if ln.startswith("[FAIL] database")]
    assert len(bad) == 1 and "broken.db" in bad[0]
    assert out.strip().endswith("overall: fail")


def test_bad_config_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "site.yaml"
    cfg.write_text("site: {name: ''}\n")
    code, _, err = run_cli(capsys, "doctor", "--config", str(cfg))
    assert code == 2
    assert "site" in one_error_line(err)


def test_site_config_in_the_data_folder_is_used(capsys: pytest.CaptureFixture[str], _data_dir: Path) -> None:
    _data_dir.mkdir()
    (_data_dir / "site.yaml").write_text("site: {name: Shop}\ndetector: {backend: nanodet}\n")
    code, out, _ = run_cli(capsys, "doctor", "--json")
    assert code == 0
    c = _checks(out)
    assert c["paths"]["data"]["config"] == str(_data_dir / "site.yaml")
    assert c["backend"]["data"]["requested"] == "nanodet" and c["backend"]["status"] == "ok"


def test_disk_thresholds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Usage:
        def __init__(self, free: int) -> None:
            self.free, self.total, self.used = free, 100 * 1024**3, 0

    for free, status in ((50 * 1024**3, "ok"), (2 * 1024**3, "warn"), (100 * 1024**2, "fail")):
        monkeypatch.setattr(doctor.shutil, "disk_usage", lambda p, f=free: Usage(f))
        assert doctor.check_disk(tmp_path / "not" / "yet").status == status


def test_no_backend_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    import models.nanodet

    monkeypatch.setattr(models.nanodet, "DEFAULT_MODEL_PATH", Path("/nonexistent/nanodet.onnx"))
    site = SiteConfig.model_validate({"site": {"name": "s"}, "detector": {"backend": "nanodet"}})
    c = doctor.check_backends(site)
    assert c.status == "fail" and c.data["runs"] is None
    assert "model file missing" in c.detail


def test_models_check_tells_a_partial_yolo_file(capsys: pytest.CaptureFixture[str], _data_dir: Path) -> None:
    from app import paths

    folder = paths.model_dir(_data_dir)
    folder.mkdir(parents=True)
    (folder / "yolo11n.pt").write_bytes(b"\0" * 4096)  # a copy cut short
    code, out, _ = run_cli(capsys, "doctor")
    line = next(ln for ln in out.splitlines() if ln.startswith("[WARN] models:"))
    assert "yolo11n.pt" in line and "incomplete (4,096 of 5,613,764 bytes)" in line and "download it again" in line
    assert code == 0  # a warning: the built-in detector runs
    (folder / "yolo11n.pt").unlink()
    c = doctor.check_models(folder)
    assert c.status == "ok" and "built-in detector runs" in c.detail


def test_onnx_runtime_line_names_the_build() -> None:
    line, on_gpu = doctor.onnx_gpu_status()
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():  # the CUDA edition / onnxruntime-gpu
        assert "GPU build" in line and "the built-in models run on" in line
    else:
        assert line.startswith(f"{ort.__version__}, CPU build") and on_gpu is False


def test_plates_too_small_are_a_warning(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A plate-reading camera whose stored reads are ~70 px wide: a warning naming it; a wide one: ok."""
    from app.store.records import EventRecord
    from app.store.sync import sync_site
    from app.store.writer import StoreWriter

    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        "site: {name: Parking}\ndetector: {backend: nanodet}\ncameras:\n"
        "  - {id: gate, source: gate.mp4, modules: {plates: {enabled: true}}}\n"
        "  - {id: yard, source: yard.mp4, modules: {plates: {enabled: true}}}\n"
        "  - {id: shop, source: shop.mp4}\n"
    )
    from app.config import load_config

    db = tmp_path / "p.db"
    store = open_store(f"sqlite:///{db}")
    ids = sync_site(store, load_config(cfg))
    with StoreWriter(store, tmp_path) as w:
        for cam, px in (("gate", 70.0), ("yard", 180.0)):
            run = w.start_run(ids[cam], f"{cam}.mp4")
            for i in range(6):
                payload = {"text": f"А{100 + i}ВС77", "confidence": 0.95, "uncertain": False, "plate_px": px + i}
                w.put_event(run, EventRecord(cam, 1_790_000_000.0 + i, "plates", "read", None, None, payload, ()))
        w.flush()
    store.close()
    code, out, _ = run_cli(capsys, "doctor", "--config", str(cfg), "--db", str(db), "--json")
    assert code == 0  # a warning, not a failure
    c = _checks(out)["plates"]
    assert c["status"] == "warn"
    assert c["detail"].startswith("plates on camera gate are 72 px wide (median of the last 6 reads)")
    assert "yard" not in c["detail"] and "zoom in or move the camera" in c["detail"]
    assert c["data"]["plate_px"] == {"gate": 72.5, "yard": 182.5} and c["data"]["cameras"] == ["gate", "yard"]
    # No camera reads plates: no plates line at all.
    assert "plates" not in {x.name for x in doctor.diagnose(None, f"sqlite:///{db}")}
