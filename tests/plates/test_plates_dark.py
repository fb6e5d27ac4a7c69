"""Dark plates with light characters (blue police plates, GOST type 20): the built-in locator finds them
and the real INT8 OCR reads them; white plates are still found."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.plates import plate_format
from models.plates.locate import HaarContourLocator, PlateCandidate, _iou
from models.plates.reader import PlateReader
from models.plates.synth import HELDOUT_FONTS, TRAIN_FONTS, find_fonts, random_text, render_scene


def _car(seed: int, kind: str, plate_px: float) -> tuple[np.ndarray, str, np.ndarray]:
    """A vehicle crop (as the plate stage cuts it) with a one-row plate ~``plate_px`` wide; its text and box."""
    rng = np.random.default_rng(seed)
    text, kind, rows = random_text(rng, kind)
    while rows != 1:
        text, kind, rows = random_text(rng, kind)
    yaw = float(rng.uniform(-20, 20))
    s = render_scene(
        rng,
        size=(1280, 720),
        text=text,
        kind=kind,
        rows=1,
        font=(find_fonts(HELDOUT_FONTS) or find_fonts(TRAIN_FONTS))[0],
        car_center=(640, 380),
        car_width=plate_px / 0.30 / np.cos(np.radians(yaw)),
        yaw=yaw,
    )
    x1, y1, x2, y2 = (int(v) for v in s.car_box)
    x1, y1 = max(0, x1), max(0, y1)
    crop = s.image[y1 : y2 + 1, x1 : x2 + 1]
    return crop, s.text, PlateCandidate(s.corners - np.float32([x1, y1]), 0, "").box


@pytest.fixture(scope="module")
def reader() -> PlateReader:
    return PlateReader("haar")


def test_police_plates_on_cars_are_located_and_read(reader):
    on, off = HaarContourLocator(), HaarContourLocator(dark_plates=False)
    found_on = found_off = read = 0
    cases = [(seed, px) for seed in (1, 2, 3) for px in (100, 140)]
    for seed, px in cases:
        crop, text, box = _car(seed, "police", px)
        assert plate_format(text) == "police"
        found_on += any(_iou(c.box, box) > 0.5 for c in on.find(crop))
        found_off += any(_iou(c.box, box) > 0.5 for c in off.find(crop))
        r = reader.read(crop)
        read += r.found and r.text.text == text
    assert found_on >= 5 and read >= 5  # 6 of 6 / 6 of 6 measured
    assert found_off <= 2  # the bright-plate search alone misses them (0 of 6 measured)


def test_white_and_taxi_plates_still_found_and_read(reader):
    loc = HaarContourLocator()
    found = read = 0
    cases = [(seed, kind) for seed in (4, 5) for kind in ("private", "taxi", "trailer")]
    for seed, kind in cases:
        crop, text, box = _car(seed, kind, 120)
        found += any(_iou(c.box, box) > 0.5 for c in loc.find(crop))
        read += reader.read(crop).text.text == text
    assert found == len(cases) and read >= len(cases) - 1
