"""The embedded age/gender model (face-api AgeGenderNet on ONNX Runtime) on real labelled faces."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.faces import age_band
from models.faces.age_gender import MODEL_PATH, AgeGenderModel
from tests.fixtures_faces import picture

#: picture → (gender, youngest, oldest age at the photograph); see benchmarks/faces_age_gender.py.
LABELLED = {
    "obama": ("male", 47, 55),
    "obama3": ("male", 47, 55),
    "biden": ("male", 66, 74),
    "grace_hopper": ("female", 76, 79),
    "astronaut": ("female", 40, 44),
}


def test_model_file_is_small_and_licensed() -> None:
    assert MODEL_PATH.stat().st_size < 1_000_000
    folder = MODEL_PATH.parent
    assert "MIT License" in (folder / "LICENSE").read_text()
    assert "face-api" in (folder / "README.md").read_text()


def test_dlib_backend_estimates_age_and_gender_on_real_faces(dlib_backend) -> None:
    assert dlib_backend.has_attributes and "age and gender" in dlib_backend.describe()
    for name, (gender, lo, hi) in LABELLED.items():
        img = picture(name)
        faces = dlib_backend.detect(img)
        [a] = dlib_backend.attributes(img, faces[:1])
        assert a.gender == gender, (name, a)
        assert 0.5 <= a.gender_score <= 1.0
        # a regression with ~5 years' error upstream: within 15 years of the known range
        assert lo - 15 <= a.age <= hi + 15, (name, a.age)
        assert age_band(a.age) is not None


def test_model_batches_consistently_and_depends_on_input() -> None:
    """Different inputs give different outputs (not a constant graph); a batch equals single runs."""
    m = AgeGenderModel()
    grey = np.full((1, 112, 112, 3), 128, np.uint8)
    face_like = np.random.default_rng(0).integers(0, 256, (1, 112, 112, 3)).astype(np.uint8)
    both = m.predict(np.concatenate([grey, face_like]))
    one = m.predict(grey)[0]
    assert both[0].age == pytest.approx(one.age, abs=1e-3)
    assert both[0].age != pytest.approx(both[1].age, abs=1e-2)
    assert m.predict(np.zeros((0, 112, 112, 3), np.uint8)) == []


def test_backend_without_attributes_returns_empty(dlib_backend) -> None:
    from models.faces.dlib_backend import DlibFaceBackend

    b = DlibFaceBackend("hog", attributes=False)
    img = picture("obama")
    [a] = b.attributes(img, b.detect(img)[:1])
    assert not b.has_attributes and a.age is None and a.gender is None
