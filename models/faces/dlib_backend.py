"""The embedded face backend: dlib's detectors, 5-point alignment and ResNet 128-D descriptor.

Weights come from the ``face_recognition_models`` package (Davis King's dlib models, CC0 / public
domain): ``shape_predictor_5_face_landmarks.dat`` (alignment), ``dlib_face_recognition_resnet_model_v1.dat``
(descriptor; 99.38 % on LFW by its author) and ``mmod_human_face_detector.dat`` (CNN detector). The
package also holds the 68-point landmark model, which is **not used**: its training data (iBUG 300-W)
forbids commercial use. The package's ``__init__`` imports ``pkg_resources`` (gone from setuptools ≥ 81),
so the model folder is found with :func:`importlib.util.find_spec` without importing it.

Distances are Euclidean between 128-D descriptors; dlib's author uses 0.6 as "same person". Our
threshold (0.5, stricter: fewer false matches) is measured in ``benchmarks/faces_verify.py``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from models.faces.base import FaceAttributes, FaceBackend, FaceBox, FacesUnavailable

#: The model files this backend loads (never the 68-point model).
SHAPE_MODEL = "shape_predictor_5_face_landmarks.dat"
EMBED_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
MMOD_MODEL = "mmod_human_face_detector.dat"
INSTALL_HINT = "install the faces extra: pip install 'storesight[faces]' (dlib-bin, face_recognition_models)"


def model_dir() -> Path:
    """The ``face_recognition_models/models`` folder, found without importing the package.

    Raises:
        FacesUnavailable: the package is not installed, or its files are missing.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FacesUnavailable(f"face models not installed: {INSTALL_HINT}")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    for name in (SHAPE_MODEL, EMBED_MODEL):
        if not (folder / name).is_file():
            raise FacesUnavailable(f"face model file missing: {folder / name} ({INSTALL_HINT})")
    return folder


class DlibFaceBackend(FaceBackend):
    """dlib HOG or MMOD detection → 5-point alignment → ResNet 128-D embedding.

    Args:
        detector: ``hog`` (fast, frontal faces ≥ ~40 px with one upsampling) or ``mmod`` (CNN, finds
            turned faces too, ~10x slower on a CPU).
        upsample: times the picture is doubled before detection (finds smaller faces, slower).
        max_side: pictures larger than this (pixels, longer side) are shrunk for detection only;
            landmarks and embeddings use the full picture.
        jitters: dlib's re-sampling of each face for the embedding (0: one pass; more is slower and
            slightly more accurate).

    Raises:
        FacesUnavailable: dlib or the model files are missing.
    """

    name = "dlib"
    model = "dlib-resnet-v1"
    dim = 128
    metric = "euclidean"
    threshold = 0.5

    def __init__(
        self,
        detector: str = "hog",
        *,
        upsample: int = 1,
        max_side: int = 1024,
        jitters: int = 0,
        attributes: bool = True,
    ) -> None:
        try:
            import dlib
        except ImportError:
            raise FacesUnavailable(f"dlib is not installed: {INSTALL_HINT}") from None
        folder = model_dir()
        self._dlib = dlib
        if detector == "hog":
            self._hog = dlib.get_frontal_face_detector()
            self._cnn = None
        elif detector == "mmod":
            if not (folder / MMOD_MODEL).is_file():
                raise FacesUnavailable(f"face model file missing: {folder / MMOD_MODEL}")
            self._hog = None
            self._cnn = dlib.cnn_face_detection_model_v1(str(folder / MMOD_MODEL))
        else:
            raise FacesUnavailable(f"unknown dlib face detector {detector!r} (hog or mmod)")
        self.detector = detector
        self.upsample = upsample
        self.max_side = max_side
        self.jitters = jitters
        self._shape = dlib.shape_predictor(str(folder / SHAPE_MODEL))
        self._rec = dlib.face_recognition_model_v1(str(folder / EMBED_MODEL))
        self.model_folder = folder
        # the age/gender model is loaded at its first use: enrolment and identification never need
        # it (and an ONNX Runtime session made next to dlib on a Qt pool thread crashed dlib there)
        self._age_gender: Any = None
        if attributes:
            from models.faces.age_gender import available

            self.has_attributes = available()

    def describe(self) -> str:
        """One line including the detector."""
        return f"{super().describe()}, {self.detector.upper()} detector"

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        """Faces in a BGR picture with 5-point landmarks (eye, eye, nose), largest first."""
        if image is None or image.ndim != 3 or image.shape[0] < 8 or image.shape[1] < 8:
            return []
        rgb = np.ascontiguousarray(image[:, :, ::-1])
        h, w = rgb.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        small = (
            cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
            if scale < 1
            else rgb
        )
        dlib = self._dlib
        if self._hog is not None:
            rects, scores, _ = self._hog.run(small, self.upsample, 0.0)
            found = list(zip(rects, scores, strict=True))
        else:
            found = [(d.rect, d.confidence) for d in self._cnn(small, self.upsample)]
        faces = []
        for rect, score in found:
            x1, y1, x2, y2 = (v / scale for v in (rect.left(), rect.top(), rect.right(), rect.bottom()))
            x1, y1, x2, y2 = max(0.0, x1), max(0.0, y1), min(float(w), x2), min(float(h), y2)
            if x2 - x1 < 4 or y2 - y1 < 4:
                continue
            full = dlib.rectangle(round(x1), round(y1), round(x2), round(y2))
            shape = self._shape(rgb, full)
            pts = np.array([[p.x, p.y] for p in shape.parts()], np.float32)  # 2 corners per eye, nose
            marks = np.stack([pts[0:2].mean(axis=0), pts[2:4].mean(axis=0), pts[4]])
            faces.append(FaceBox(np.array([x1, y1, x2, y2], np.float32), float(score), marks, shape))
        faces.sort(key=lambda f: -f.width * f.height)
        return faces

    def embed(self, image: np.ndarray, faces: Sequence[FaceBox]) -> np.ndarray:
        """128-D descriptors of the faces, each aligned by its 5 landmarks to a 150-px chip."""
        if not faces:
            return np.zeros((0, self.dim), np.float32)
        rgb = np.ascontiguousarray(image[:, :, ::-1])
        shapes = self._dlib.full_object_detections()
        for f in faces:
            if f.native is None:
                b = f.box
                shapes.append(self._shape(rgb, self._dlib.rectangle(*(round(float(v)) for v in b))))
            else:
                shapes.append(f.native)
        vecs = self._rec.compute_face_descriptor(rgb, shapes, self.jitters)
        # copy through Python floats: numpy's buffer view of a dlib vector crashed now and then on pool threads
        return np.asarray([list(v) for v in vecs], np.float32).reshape(len(faces), self.dim)

    def attributes(self, image: np.ndarray, faces: Sequence[FaceBox]) -> list[FaceAttributes]:
        """Age and gender per face, from the embedded face-api model on dlib's aligned chips."""
        if not self.has_attributes or not faces:
            return super().attributes(image, faces)
        from models.faces.age_gender import CHIP_PADDING, CHIP_SIZE, AgeGenderModel

        if self._age_gender is None:
            self._age_gender = AgeGenderModel()

        rgb = np.ascontiguousarray(image[:, :, ::-1])
        chips = []
        for f in faces:
            shape = f.native
            if shape is None:
                shape = self._shape(rgb, self._dlib.rectangle(*(round(float(v)) for v in f.box)))
            chips.append(np.asarray(self._dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING)))
        return self._age_gender.predict(np.stack(chips))
