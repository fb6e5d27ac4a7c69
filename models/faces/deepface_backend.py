"""The primary face backend: deepface (ArcFace or Facenet512 embeddings, age and gender models).

deepface (0.0.103) runs its models on one of three engines: ONNX Runtime (already a StoreSight
dependency), PyTorch (also one) or TensorFlow. StoreSight picks the engine whose weights are there,
ONNX first: ``$DEEPFACE_HOME/.deepface/weights`` (``~`` by default) holds ``arcface_weights.onnx``
(or ``.pth`` / ``.h5``), ``age_model_weights.onnx``, ``gender_model_weights.onnx``… deepface
downloads them the first time a model is built, on a machine with internet. StoreSight never lets
it download during analysis: the backend is only built when the files are already there, and
otherwise says which file is missing and how to get it (:func:`missing_weights`). Detection uses
deepface's ``opencv`` detector (Haar cascades shipped with OpenCV: no download) and its eye alignment.

deepface declares ``opencv-contrib-python-headless``, a second OpenCV distribution that would
overwrite the ``cv2`` of ``opencv-python`` (with 5.x, which has no ``cv2/data``), and TensorFlow
only as an extra. So it is installed with ``--no-deps`` plus the four small packages it imports
(``scripts/setup.sh --deepface``; ~7 MB, no TensorFlow): see ``docs/faces.md``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.faces.base import FaceAttributes, FaceBackend, FaceBox, FacesUnavailable

#: Embedding model → (weights file stem, dimension, cosine threshold from deepface's own table).
MODELS: dict[str, tuple[str, int, float]] = {
    "ArcFace": ("arcface_weights", 512, 0.68),
    "Facenet512": ("facenet512_weights", 512, 0.30),
}
AGE_WEIGHTS = "age_model_weights"
GENDER_WEIGHTS = "gender_model_weights"
#: deepface's engines in the order StoreSight tries them, with the package each needs and its weights' suffix.
ENGINES: dict[str, tuple[str, str]] = {
    "onnx": ("onnxruntime", ".onnx"),
    "tensorflow": ("tensorflow", ".h5"),
    "pytorch": ("torch", ".pth"),
}
ENGINE_ENV = "DEEPFACE_BACKEND_ENGINE"


def weights_dir() -> Path:
    """Where deepface keeps its weights: ``$DEEPFACE_HOME/.deepface/weights`` (``~`` by default)."""
    return Path(os.environ.get("DEEPFACE_HOME") or Path.home()) / ".deepface" / "weights"


def installed() -> bool:
    """Whether the ``deepface`` package is importable (without importing it)."""
    return importlib.util.find_spec("deepface") is not None


def _engines() -> list[str]:
    forced = os.environ.get(ENGINE_ENV, "").strip().lower()
    if forced:
        return [forced] if forced in ENGINES else []
    return [e for e, (pkg, _) in ENGINES.items() if importlib.util.find_spec(pkg) is not None]


def missing_weights(model: str = "ArcFace", attributes: bool = True, engine: str = "onnx") -> list[str]:
    """The weight files this backend needs on ``engine`` that are not in :func:`weights_dir`."""
    suffix = ENGINES[engine][1]
    need = [MODELS[model][0]] + ([AGE_WEIGHTS, GENDER_WEIGHTS] if attributes else [])
    return [n + suffix for n in need if not (weights_dir() / (n + suffix)).is_file()]


def pick_engine(model: str) -> str:
    """The first engine (ONNX, TensorFlow, PyTorch; or ``$DEEPFACE_BACKEND_ENGINE``) with the model's weights.

    Raises:
        FacesUnavailable: no engine has them (the message names the file to get).
    """
    engines = _engines()
    for e in engines:
        if not missing_weights(model, attributes=False, engine=e):
            return e
    want = missing_weights(model, attributes=False, engine=engines[0] if engines else "onnx")
    hint = (
        f"deepface weights missing in {weights_dir()}: {', '.join(want)} — on a computer with internet run "
        f'`DEEPFACE_BACKEND_ENGINE={engines[0] if engines else "onnx"} python -c "from deepface import DeepFace; '
        f"DeepFace.build_model('{model}'); DeepFace.build_model('Age', task='facial_attribute'); "
        f"DeepFace.build_model('Gender', task='facial_attribute')\"` once (it downloads them there), "
        f"or copy the files into that folder"
    )
    raise FacesUnavailable(hint)


class DeepFaceBackend(FaceBackend):
    """deepface: OpenCV detection, eye alignment, ArcFace / Facenet512 embeddings, age and gender.

    Args:
        model: ``ArcFace`` or ``Facenet512``.
        attributes: also load the age and gender models (when their weights are present).

    Raises:
        FacesUnavailable: deepface not installed, or the embedding model's weights are missing.
    """

    name = "deepface"
    metric = "cosine"

    def __init__(self, model: str = "ArcFace", *, attributes: bool = True) -> None:
        if model not in MODELS:
            raise FacesUnavailable(f"unknown deepface model {model!r} (one of {', '.join(MODELS)})")
        if not installed():
            raise FacesUnavailable(
                "deepface is not installed (scripts/setup.sh installs it; see docs/faces.md)"
            )
        engine = pick_engine(model)
        os.environ[ENGINE_ENV] = engine  # deepface reads it once, at its first model
        from deepface import DeepFace

        self._df = DeepFace
        self.engine = engine
        self.model = model
        self.dim, self.threshold = MODELS[model][1], MODELS[model][2]
        self.has_attributes = attributes and not missing_weights(model, attributes=True, engine=engine)
        DeepFace.build_model(model)  # loads the weights now, not on the first face
        if self.has_attributes:
            DeepFace.build_model("Age", task="facial_attribute")
            DeepFace.build_model("Gender", task="facial_attribute")

    def describe(self) -> str:
        """One line including deepface's engine."""
        return f"{super().describe()}, {self.engine} engine"

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        """Faces found by deepface's OpenCV detector, aligned by the eyes, largest first."""
        found = self._df.extract_faces(
            image, detector_backend="opencv", align=True, enforce_detection=False, color_face="bgr",
            normalize_face=False,
        )  # fmt: skip
        faces = []
        for f in found:
            a = f["facial_area"]
            if float(f.get("confidence") or 0.0) <= 0.0 and a["w"] >= image.shape[1] - 1:
                continue  # enforce_detection=False returns the whole picture when it found nothing
            box = np.array([a["x"], a["y"], a["x"] + a["w"], a["y"] + a["h"]], np.float32)
            eyes = [a.get("left_eye"), a.get("right_eye")]
            marks = None
            if all(e is not None for e in eyes):
                e = np.array(eyes, np.float32)
                nose = np.array([e[:, 0].mean(), box[1] + 0.62 * (box[3] - box[1])], np.float32)
                marks = np.vstack([e, nose[None]])
            chip = np.clip(f["face"], 0, 255).astype(np.uint8)
            faces.append(FaceBox(box, float(f.get("confidence") or 0.0), marks, chip))
        faces.sort(key=lambda f: -f.width * f.height)
        return faces

    def _chips(self, image: np.ndarray, faces: Sequence[FaceBox]) -> list[np.ndarray]:
        chips = []
        for f in faces:
            if f.native is not None:
                chips.append(f.native)
            else:
                x1, y1, x2, y2 = (round(float(v)) for v in f.box)
                chips.append(image[max(0, y1) : y2, max(0, x1) : x2])
        return chips

    def embed(self, image: np.ndarray, faces: Sequence[FaceBox]) -> np.ndarray:
        """Embeddings of the aligned face chips (no second detection)."""
        out = np.zeros((len(faces), self.dim), np.float32)
        for i, chip in enumerate(self._chips(image, faces)):
            rep = self._df.represent(
                chip, model_name=self.model, detector_backend="skip", enforce_detection=False
            )
            out[i] = np.asarray(rep[0]["embedding"], np.float32)
        return out

    def attributes(self, image: np.ndarray, faces: Sequence[FaceBox]) -> list[FaceAttributes]:
        """Age (years) and gender per face chip, from deepface."""
        if not self.has_attributes:
            return super().attributes(image, faces)
        out = []
        for chip in self._chips(image, faces):
            r = self._df.analyze(
                chip, actions=("age", "gender"), detector_backend="skip", enforce_detection=False, silent=True
            )[0]
            g = "female" if r.get("dominant_gender") == "Woman" else "male"
            p = float(r.get("gender", {}).get("Woman" if g == "female" else "Man", 0.0)) / 100.0
            out.append(FaceAttributes(float(r["age"]), g, p))
        return out
