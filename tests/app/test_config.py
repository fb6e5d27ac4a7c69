from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from app.config import SiteConfig, ZoneType, load_config, save_config
from app.errors import ConfigError

GOOD = {
    "version": 1,
    "site": {"name": "Shop 1"},
    "cameras": [
        {
            "id": "entrance",
            "source": "video.mp4",
            "stride": 2,
            "zones": [
                {"id": "door", "type": "entrance_line", "points": [[0.5, 0.1], [0.5, 0.9]]},
                {"id": "dept_a", "type": "department", "points": [[0, 0], [0.5, 0], [0.5, 0.5]]},
            ],
        }
    ],
}


def write(tmp_path: Path, data: object, name: str = "site.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data, encoding="utf-8")
    return p


def test_good_config_loads_and_resolves_relative_source(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    cam = cfg.cameras[0]
    assert cam.stride == 2
    assert cam.source == str(tmp_path.resolve() / "video.mp4")
    assert cam.zones[0].type is ZoneType.ENTRANCE_LINE and cam.zones[0].type.is_line
    eff = cfg.effective(cam)
    assert eff.classes == ["person"] and eff.confidence == 0.35 and eff.box_expand == 0.1


def _bad(**changes: object) -> dict:
    import copy

    data = copy.deepcopy(GOOD)
    cam = data["cameras"][0]
    for k, v in changes.items():
        cam[k] = v
    return data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_bad(stride=0), "camera entrance: stride: Input should be greater than or equal to 1"),
        (_bad(strid=2), "camera entrance: strid: unknown key"),
        (_bad(classes=["persn"]), "camera entrance: classes: unknown class 'persn'"),
        (_bad(confidence=1.5), "camera entrance: confidence: Input should be less than or equal to 1"),
        (_bad(box_expand=-0.1), "camera entrance: box_expand"),
        (
            _bad(zones=[{"id": "l", "type": "entrance_line", "points": [[0, 0], [1, 1], [0, 1]]}]),
            "camera entrance, zone l: entrance_line needs exactly 2 points",
        ),
        (
            _bad(zones=[{"id": "z", "type": "department", "points": [[0, 0], [2, 0], [0, 1]]}]),
            "camera entrance, zone z: points[1][0]: Input should be less than or equal to 1",
        ),
        (
            _bad(zones=[{"id": "z", "type": "kitchen", "points": [[0, 0], [1, 0], [0, 1]]}]),
            "camera entrance, zone z: type",
        ),
        ({"version": 1, "cameras": []}, "site: required field is missing"),
        ({**GOOD, "version": 7}, "this StoreSight reads config version 1, the file has 7"),
    ],
)
def test_bad_config_gives_one_line_naming_the_field(tmp_path: Path, data: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as ei:
        load_config(write(tmp_path, data))
    msg = str(ei.value)
    assert expected in msg
    assert "\n" not in msg
    assert ei.value.exit_code == 2


def test_every_problem_is_listed_by_ids(tmp_path: Path) -> None:
    data = _bad(stride=0, zones=[{"id": "z", "type": "kitchen", "points": [[0, 0], [1, 0], [0, 1]]}])
    with pytest.raises(ConfigError) as ei:
        load_config(write(tmp_path, data))
    msg = str(ei.value)
    assert (
        "2 problems: " in msg and "camera entrance: stride" in msg and "camera entrance, zone z: type" in msg
    )
    assert "\n" not in msg and "[0]" not in msg


def test_duplicate_camera_ids_rejected(tmp_path: Path) -> None:
    data = {**GOOD, "cameras": [GOOD["cameras"][0], GOOD["cameras"][0]]}
    with pytest.raises(ConfigError, match="camera id 'entrance' is used twice"):
        load_config(write(tmp_path, data))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("site: [unclosed", "not valid YAML at line"),
        ("- just\n- a list\n", "must be a YAML mapping"),
    ],
)
def test_unparseable_file(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_config(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_v0_seed_style_config_is_migrated_with_backup(tmp_path: Path) -> None:
    data = {
        "site": {"name": "Old"},
        "confidence_ratio": 0.55,
        "class_list": ["person", "car"],
        "BoundingBox": 0.2,
    }
    p = write(tmp_path, data)
    cfg = load_config(p)
    assert cfg.detector.confidence == 0.55
    assert cfg.detector.classes == ["person", "car"]
    assert cfg.detector.box_expand == 0.2
    assert (tmp_path / "site.yaml.bak").read_text() == yaml.safe_dump(data)
    assert yaml.safe_load(p.read_text())["version"] == 1


def test_credentials_kept_out_of_source_and_repr(tmp_path: Path) -> None:
    data = _bad(source="rtsp://cam.local:554/stream1", username="admin", password="s3cr3t!")
    cfg = load_config(write(tmp_path, data))
    cam = cfg.cameras[0]
    assert cam.kind == "rtsp"
    assert "s3cr3t" not in repr(cam) and "s3cr3t" not in str(cfg.model_dump())
    assert cam.source_url() == "rtsp://admin:s3cr3t%21@cam.local:554/stream1"


def test_save_roundtrip_is_atomic_and_valid(tmp_path: Path) -> None:
    cfg = SiteConfig.model_validate(_bad(password="pw", username="u", source="rtsp://h/s"))
    p = tmp_path / "out.yaml"
    save_config(cfg, p)
    assert not (tmp_path / "out.yaml.tmp").exists()
    again = load_config(p)
    assert again.cameras[0].password is not None and again.cameras[0].password.get_secret_value() == "pw"
    assert again.cameras[0].zones == cfg.cameras[0].zones


def test_usb_kind() -> None:
    cfg = SiteConfig.model_validate({"site": {"name": "x"}, "cameras": [{"id": "c", "source": "0"}]})
    assert cfg.cameras[0].kind == "usb"


def test_classes_are_checked_against_the_chosen_backend() -> None:
    from app.config import SiteConfig, format_validation_error

    base = {"site": {"name": "x"}, "cameras": [{"id": "c", "source": "v.avi"}]}
    with pytest.raises(ValidationError) as e:
        SiteConfig.model_validate(
            {**base, "detector": {"backend": "nanodet", "classes": ["person", "shelf gap"]}}
        )
    line = format_validation_error(e.value)
    assert line.startswith(
        "detector.classes: unknown class 'shelf gap' for the nanodet detector (valid: person,"
    )
    assert "\n" not in line
    # an official YOLO pose model knows people only
    with pytest.raises(ValidationError, match=r"camera c: classes: unknown class 'car'.*valid: person\)"):
        SiteConfig.model_validate(
            {**base, "detector": {"backend": "yolo", "yolo_model": "yolo11n-pose.pt"},
             "cameras": [{"id": "c", "source": "v.avi", "classes": ["car"]}]}
        )  # fmt: skip
    # a custom model's classes are known once it is loaded (the pipeline checks them then)
    cfg = SiteConfig.model_validate(
        {**base, "detector": {"backend": "yolo", "yolo_model": "shelf.pt", "classes": ["gap", "product"]}}
    )
    assert cfg.detector.classes == ["gap", "product"]
