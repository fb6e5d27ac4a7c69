"""Pick the face backend that can run here, and say why.

``auto`` prefers deepface when it is installed and its weights are present (a store's workstation
that had internet once); otherwise the embedded dlib backend, which ships in packages and works offline.

Example:
    >>> choice = create_face_backend("dlib")  # doctest: +SKIP
    >>> choice.reason  # doctest: +SKIP
    'dlib (dlib-resnet-v1, 128-D, euclidean ≤ 0.5, no age/gender model), HOG detector'
"""

from __future__ import annotations

import logging

from models.base import Choice
from models.faces.base import FaceBackend, FacesUnavailable

log = logging.getLogger(__name__)

BACKENDS = ("auto", "deepface", "dlib")


#: The FaceBackend that runs and why (see :class:`models.base.Choice`).
FaceBackendChoice = Choice[FaceBackend]


def create_face_backend(
    requested: str = "auto", *, model: str = "ArcFace", detector: str = "hog", attributes: bool = True
) -> FaceBackendChoice:
    """Load the requested face backend (``auto``: deepface when ready, else dlib).

    Args:
        requested: ``auto``, ``deepface`` or ``dlib``.
        model: deepface's embedding model (``ArcFace``, ``Facenet512``).
        detector: dlib's detector (``hog``, ``mmod``).
        attributes: load deepface's age and gender models too.

    Raises:
        FacesUnavailable: the requested backend (or, for ``auto``, every backend) cannot run.
    """
    if requested not in BACKENDS:
        raise FacesUnavailable(f"unknown face backend {requested!r} (one of {', '.join(BACKENDS)})")
    why = ""
    if requested in ("auto", "deepface"):
        from models.faces.deepface_backend import DeepFaceBackend

        try:
            b = DeepFaceBackend(model, attributes=attributes)
            return FaceBackendChoice(b, b.describe())
        except FacesUnavailable as e:
            if requested == "deepface":
                raise
            why = f"{e}; "
        except Exception as e:  # TensorFlow failing to load is not the user's fault: fall back, say so
            if requested == "deepface":
                raise FacesUnavailable(f"deepface failed to load: {type(e).__name__}: {e}") from None
            why = f"deepface failed to load ({type(e).__name__}: {e}); "
    from models.faces.dlib_backend import DlibFaceBackend

    b = DlibFaceBackend(detector)
    reason = f"{why}using {b.describe()}" if why else b.describe()
    log.info("faces: %s", reason)
    return FaceBackendChoice(b, reason)
