"""``storesight ppe check`` on real photos, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.ppe.synth import package_photos
from tests.cli_support import one_error_line, run_cli


@pytest.fixture(scope="module")
def bus() -> Path:
    found = [p for p in package_photos() if p.name == "bus.jpg"]
    if not found:
        pytest.skip("Ultralytics' bus.jpg is not installed")
    return found[0]


def test_check_prints_each_person_with_helmet_and_vest(capsys, bus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(capsys, "ppe", "check", str(bus), "--model-dir", str(tmp_path))
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) >= 3  # the people in front of the bus
    for ln in lines:
        path, person, box, helmet, vest = ln.split("\t")
        assert path == str(bus) and person.startswith("person ")
        assert len(box.split(",")) == 4
        assert helmet.split()[1] in ("yes", "no", "unknown") and vest.split()[1] in ("yes", "no", "unknown")
    code, out, _ = run_cli(capsys, "ppe", "check", str(bus), "--json", "--model-dir", str(tmp_path))
    rows = [json.loads(ln) for ln in out.strip().splitlines()]
    assert code == 0 and len(rows) == len(lines)
    r = rows[0]
    assert set(r) >= {"image", "person", "box", "helmet", "helmet_confidence", "vest", "vest_confidence"}
    assert r["backend"] == "colour" and 0.0 <= r["vest_confidence"] <= 1.0
    x1, y1, x2, y2 = r["box"]
    hx1, _hy1, hx2, hy2 = r["helmet_region"]
    assert x1 - 40 <= hx1 < hx2 <= x2 + 40 and hy2 < y1 + 0.3 * (y2 - y1)  # the head is at the top
    # nobody on the photo wears a hi-vis vest
    assert not any(row["vest"] == "yes" for row in rows)


def test_unreadable_picture_is_exit_3_and_others_still_print(capsys, bus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a picture")
    code, out, err = run_cli(capsys, "ppe", "check", str(bad), str(bus), "--model-dir", str(tmp_path))
    assert code == 3
    assert f"{bad}: cannot read this picture" in err and "Traceback" not in err
    assert str(bus) in out


def test_bad_backend_options_are_one_line_exit_2(capsys, bus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(capsys, "ppe", "check", str(bus), "--class-map", "Hardhat=hat")
    assert code == 2 and "--class-map 'Hardhat=hat'" in one_error_line(err)
    code, _, err = run_cli(
        capsys, "ppe", "check", str(bus), "--ppe-backend", "yolo", "--model-dir", str(tmp_path)
    )
    assert code == 2 and "no YOLO PPE model" in one_error_line(err)
    code, _, err = run_cli(capsys, "ppe")
    assert code == 2 and "give an action" in one_error_line(err)
