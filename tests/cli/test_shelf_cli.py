"""``storesight shelf check`` on rendered shelf pictures, and its bad-input messages."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.shelves.sim import make_scene
from tests.cli_support import one_error_line, run_cli


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, np.ndarray]:
    d = tmp_path_factory.mktemp("shelf")
    scene = make_scene(11)
    full = np.ones(len(scene.products), bool)
    present = full.copy()
    seg_of = np.array([scene.segment_of(p) for p in scene.products])
    present[seg_of == 5] = False  # row 2, segment 2 taken away
    cv2.imwrite(str(d / "full.png"), scene.camera(full))
    cv2.imwrite(str(d / "now.png"), scene.camera(present))
    zone = " ".join(f"{x:.1f},{y:.1f}" for x, y in scene.corners)
    return d / "full.png", d / "now.png", zone, scene.truth(present)


def test_check_prints_fraction_per_segment(capsys: pytest.CaptureFixture[str], pictures) -> None:
    ref, now, zone, truth = pictures
    code, out, err = run_cli(
        capsys, "shelf", "check", "--reference", str(ref), str(now), "--zone", zone, "--rows", "3",
        "--columns", "4", "--json", "--no-people",
    )  # fmt: skip
    assert code == 0, err
    res = json.loads(out)
    segs = res["images"][0]["segments"]
    assert len(segs) == 12 and (segs[5]["row"], segs[5]["column"]) == (2, 2)
    got = np.array([s["empty"] for s in segs])
    assert got[5] > 0.7
    assert np.abs(got - truth).mean() < 0.12
    code, out, _ = run_cli(
        capsys, "shelf", "check", "--reference", str(ref), str(now), "--zone", zone, "--rows", "3", "--no-people"
    )
    assert code == 0 and "row 2:" in out and "%" in out


def test_check_finds_the_person_in_a_real_picture(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A real person (from the demo video) pasted in front: the built-in detector hides those segments."""
    from app.shelves.sim import make_episode

    ep = make_episode(5, minutes=10)
    k = next(i for i in range(len(ep.times)) if len(ep.frame(i).true_boxes) and ep.frame(i).true_boxes[0, 2] > 200)
    cv2.imwrite(str(tmp_path / "ref.png"), ep.reference())
    cv2.imwrite(str(tmp_path / "p.png"), ep.frame(k).image)
    zone = " ".join(f"{x / 768:.4f},{y / 576:.4f}" for x, y in ep.scene.corners)  # 0–1 form
    code, out, err = run_cli(
        capsys, "shelf", "check", "--reference", str(tmp_path / "ref.png"), str(tmp_path / "p.png"),
        "--zone", zone, "--rows", "3", "--json",
    )  # fmt: skip
    assert code == 0, err
    img = json.loads(out)["images"][0]
    assert img["people"] >= 1
    assert any(s["hidden"] for s in img["segments"])


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--zone", "1,2 3,4"], 2, "need 4 corners"),
        (["--zone", "a,b c,d e,f g,h"], 2, "cannot read"),
        (["--zone", "0,0 5000,0 5000,10 0,10"], 2, "outside"),
        (["--zone", "0,0 300,0 300,200 0,200", "--columns", "0"], 2, "--columns"),
    ],
)
def test_bad_arguments(capsys: pytest.CaptureFixture[str], pictures, args: list[str], code: int, words: str) -> None:
    ref, now, _, _ = pictures
    got, _, err = run_cli(capsys, "shelf", "check", "--reference", str(ref), str(now), "--no-people", *args)
    assert got == code
    assert words in one_error_line(err)


def test_missing_and_mismatched_pictures(capsys: pytest.CaptureFixture[str], pictures, tmp_path: Path) -> None:
    ref, now, zone, _ = pictures
    code, _, err = run_cli(capsys, "shelf", "check", "--reference", str(tmp_path / "no.png"), str(now), "--zone", zone)
    assert code == 3 and "not found" in one_error_line(err)
    small = tmp_path / "small.png"
    cv2.imwrite(str(small), np.zeros((100, 100, 3), np.uint8))
    code, _, err = run_cli(capsys, "shelf", "check", "--reference", str(ref), str(small), "--zone", zone)
    assert code == 2 and "same camera" in one_error_line(err)
    code, _, err = run_cli(capsys, "shelf")
    assert code == 2 and "check" in one_error_line(err)
    code, _, err = run_cli(capsys, "bench")
    assert code == 2 and "--shelf" in one_error_line(err)
