"""The face tests' shared backend (loaded once per session)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def dlib_backend():
    """The embedded backend (dlib HOG + 5-point + ResNet), loaded once."""
    from models.faces.dlib_backend import DlibFaceBackend

    return DlibFaceBackend("hog")
