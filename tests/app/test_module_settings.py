"""Every module's settings come from its package; every stage is configured the same way; the error limit is config.

The ``modules`` section of a camera is built from the module packages' sections (the built-in ones
in ``app/modules/<name>/settings.py``); ``app/config.py`` defines none of them. Pose, roles,
plates, faces and PPE share one stage-settings model (``every``, ``off_thread``), and the camera
pipeline runs a stage on its own thread when its settings say so. ``engine.fault_limit`` is the
error limit of the fault guard.
"""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest
import yaml

from app.config import ModulesConfig, SiteConfig, config_to_dict, format_validation_error, load_config
from app.engine.pipeline import CameraPipeline
from app.engine.roles import RoleStage
from app.engine.runner import choose_detector
from app.engine.sources import make_source
from app.engine.stages import OffThreadStage, inner
from app.errors import ConfigError
from app.modules.registry import config_sections, packages
from app.modules.stage_settings import StageSettings
from tests.fixtures_pipeline import ListSink, vtest_clip

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo" / "site.yaml"


def _site(**extra: object) -> SiteConfig:
    data: dict[str, object] = {"site": {"name": "S"}, "cameras": [{"id": "cam", "source": "v.mp4"}]}
    data.update(extra)
    return SiteConfig.model_validate(data)


def _error(data: dict[str, object]) -> str:
    with pytest.raises(Exception) as e:
        SiteConfig.model_validate(data)
    return format_validation_error(e.value, data)  # type: ignore[arg-type]


def test_every_modules_section_comes_from_a_package_and_none_from_app_config() -> None:
    keys = [s.key for s in config_sections()]
    assert keys == list(ModulesConfig.model_fields)
    assert keys[:9] == ["tracks", "footfall", "zones", "visits", "heatmap", "queue", "pose", "behaviour", "service"]
    owners = {s.key: s.model.__module__ for s in config_sections()}
    assert owners["footfall"] == owners["heatmap"] == "app.modules.retail.settings"
    assert owners["queue"] == "app.modules.queue.settings" and owners["pose"] == "app.modules.pose.settings"
    assert not any(m.startswith("app.config") for m in owners.values())
    # app/config.py keeps the site, cameras, storage and core: no module settings class is defined there
    tree = ast.parse((ROOT / "app" / "config.py").read_text(encoding="utf-8"))
    classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    assert not classes & {"TracksSettings", "QueueSettings", "PoseStageSettings", "BehaviourSettings", "RolesConfig"}
    assert {"SiteConfig", "CameraConfig", "StorageConfig", "EngineConfig"} <= classes


def test_the_demo_site_file_reads_the_same_and_round_trips(tmp_path: Path) -> None:
    cfg = load_config(DEMO)
    raw = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    mods = raw["cameras"][0].get("modules", {})
    for key, section in mods.items():  # every key the file sets is read into the package's model
        got = getattr(cfg.cameras[0].modules, key)
        for field, value in section.items():
            if not isinstance(value, (dict, list)):
                assert getattr(got, field) == value, (key, field)
    again = SiteConfig.model_validate(config_to_dict(cfg))
    assert again == cfg


def test_module_errors_stay_one_line_naming_camera_section_and_field() -> None:
    base = {"site": {"name": "S"}, "cameras": [{"id": "door", "source": "v.mp4"}]}
    cam = base["cameras"][0]  # type: ignore[index]
    cam["modules"] = {"footfall": {"min_frame": 2}}
    assert _error(base) == "camera door: modules.footfall.min_frame: unknown key (check the spelling)"
    cam["modules"] = {"behaviour": {"reach": {"gap": -1}}}
    assert _error(base) == "camera door: modules.behaviour.reach.gap: Input should be greater than or equal to 0"
    cam["modules"] = {"plates": {"off_thread": "sometimes"}}
    assert _error(base) == (
        "camera door: modules.plates.off_thread: Input should be 'auto', 'always' or 'never'"
    )
    cam["modules"] = {"queue": {"checkouts": [{"queue": "nope"}]}}
    assert _error(base) == (
        "camera door: modules.queue.checkouts[0].queue: 'nope' is not a zone of type 'queue' on this camera"
    )


def test_every_stage_has_the_shared_cadence_and_off_thread_settings() -> None:
    site = _site(
        roles={"every": 2, "off_thread": "always"},
        cameras=[{"id": "cam", "source": "v.mp4", "modules": {
            "pose": {"off_thread": "auto"}, "faces": {"off_thread": False}, "plates": {"every": 3},
            "ppe": {"off_thread": True},
        }}],
    )  # fmt: skip
    m = site.cameras[0].modules
    stages = {"pose": m.pose, "faces": m.faces, "plates": m.plates, "ppe": m.ppe, "roles": site.roles}
    assert all(isinstance(s, StageSettings) for s in stages.values())
    assert {k: s.off_thread for k, s in stages.items()} == {
        "pose": "auto", "faces": "never", "plates": "auto", "ppe": "always", "roles": "always",
    }  # fmt: skip
    assert (m.plates.every, site.roles.every, m.faces.every, m.ppe.every) == (3, 2, 3, 2)  # own defaults kept
    # a file has no frame rate to keep: auto runs inline there, off-thread on a live camera
    assert not m.pose.runs_off_thread("file") and m.pose.runs_off_thread("rtsp")
    assert _site().cameras[0].modules.faces.off_thread == "always"  # the faces default stays off-thread
    for key in ("pose", "faces", "plates", "ppe"):
        with pytest.raises(Exception, match="less than or equal to 100"):
            _site(cameras=[{"id": "cam", "source": "v.mp4", "modules": {key: {"every": 101}}}])


def test_the_fault_limit_is_a_config_field() -> None:
    assert _site().engine.fault_limit == 5
    assert _site(engine={"fault_limit": 2}).engine.fault_limit == 2
    data = {"site": {"name": "S"}, "engine": {"fault_limit": 0}}
    assert _error(data) == "engine.fault_limit: Input should be greater than or equal to 1"


def test_a_bad_stage_setting_in_a_file_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "site.yaml"
    cfg.write_text("site: {name: S}\nversion: 1\nroles: {off_thread: maybe}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(cfg)
    assert str(e.value) == f"{cfg}: roles.off_thread: Input should be 'auto', 'always' or 'never'"


@pytest.mark.timeout(240)
def test_the_role_stage_runs_off_the_camera_thread_when_configured(tmp_path: Path) -> None:
    """``roles.off_thread: always``: the role stage runs on its own thread and its map still reaches every frame."""
    site = SiteConfig.model_validate(
        {
            "site": {"name": "Off"},
            "detector": {"backend": "nanodet", "threads": 1},
            "roles": {"off_thread": "always"},
            "cameras": [{"id": "walk", "source": str(vtest_clip(tmp_path / "c.avi", 20)),
                         "zones": [{"id": "back", "type": "staff_only",
                                    "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]}]}],
        }
    )  # fmt: skip
    cam = site.cameras[0]
    source = make_source(cam, fail_fast=True)
    source.open_check()
    frames: list = []
    pipe = CameraPipeline(site, cam, source, choose_detector(site, cam).backend, ListSink(), 1, on_frame=frames.append)
    roles = [s for s in pipe.stages if isinstance(inner(s), RoleStage)]
    assert len(roles) == 1 and isinstance(roles[0], OffThreadStage) and roles[0].name == "roles"
    worker = roles[0]._thread
    summary = pipe.run(threading.Event())
    source.close()
    assert summary.status == "complete" and summary.faults == ""
    assert "roles" in summary.stages  # its own timing line, as inline
    later = [f for f in frames[5:] if len(f.detections)]
    assert later and all("roles" in f.detections.metadata for f in later)  # the map is carried over
    assert all("role" in f.detections.data for f in later)  # per-track arrays joined by track id
    assert not worker.is_alive()  # closed with the run
    assert packages()["roles"].settings is None  # roles are a site section, not cameras[].modules
