"""The face backend interface: what a face is, and what a backend does with a picture.

Example:
    >>> f = FaceBox(np.array([10.0, 20.0, 60.0, 80.0]), 0.9)
    >>> f.width, f.height
    (50.0, 60.0)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np


class FacesUnavailable(RuntimeError):
    """A face backend cannot run here (package or weights missing); the message says what to do."""


@dataclass(frozen=True, slots=True)
class FaceBox:
    """One face found in a picture.

    Attributes:
        box: x1, y1, x2, y2 in the picture's pixels.
        score: the detector's confidence (its own scale; dlib HOG's is a margin, ≥ 0).
        landmarks: (3, 2) eye, other eye, nose tip in pixels; None when the detector gives none.
        native: the backend's own object for this face (dlib's 5-point shape), for :meth:`FaceBackend.embed`.
    """

    box: np.ndarray
    score: float
    landmarks: np.ndarray | None = None
    native: Any = field(default=None, compare=False, repr=False)

    @property
    def width(self) -> float:
        """Box width in pixels."""
        return float(self.box[2] - self.box[0])

    @property
    def height(self) -> float:
        """Box height in pixels."""
        return float(self.box[3] - self.box[1])


@dataclass(frozen=True, slots=True)
class FaceAttributes:
    """Age and gender of one face, as a backend estimated them (None: not estimated).

    Attributes:
        age: years.
        gender: ``"female"`` or ``"male"``.
        gender_score: the model's probability of that gender (0..1).
    """

    age: float | None = None
    gender: str | None = None
    gender_score: float | None = None


class FaceBackend(ABC):
    """Detect faces, embed them (aligned), and optionally estimate age and gender.

    Subclasses set the class attributes and implement :meth:`detect` and :meth:`embed`.
    Construction raises :class:`FacesUnavailable` with a readable reason when it cannot run.

    Attributes:
        name: the backend's key (``dlib``, ``deepface``).
        model: the embedding model's name (stored with every embedding: vectors of two models never mix).
        dim: embedding length.
        metric: ``euclidean`` or ``cosine`` (see :func:`analytics.faces.distances`).
        threshold: default distance at or below which two faces are the same person.
        has_attributes: whether :meth:`attributes` estimates age and gender.
    """

    name: ClassVar[str] = ""
    model: str = ""
    dim: int = 0
    metric: str = "euclidean"
    threshold: float = 0.5
    has_attributes: bool = False

    @abstractmethod
    def detect(self, image: np.ndarray) -> list[FaceBox]:
        """Faces in a BGR picture, largest first."""

    @abstractmethod
    def embed(self, image: np.ndarray, faces: Sequence[FaceBox]) -> np.ndarray:
        """(N, dim) float32 embeddings of ``faces`` (from :meth:`detect` on the same picture), aligned first."""

    def attributes(self, image: np.ndarray, faces: Sequence[FaceBox]) -> list[FaceAttributes]:
        """Age and gender per face; backends without the models return empty attributes."""
        return [FaceAttributes() for _ in faces]

    def describe(self) -> str:
        """One line: backend, model, metric and threshold."""
        extra = ", age and gender" if self.has_attributes else ", no age/gender model"
        return f"{self.name} ({self.model}, {self.dim}-D, {self.metric} ≤ {self.threshold:g}{extra})"
