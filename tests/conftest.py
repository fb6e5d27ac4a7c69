"""Shared pytest setup: offscreen Qt, fixtures for real RTSP and PostgreSQL servers, one demo run."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the window keeps its geometry and last tab in QSettings: tests never read or write the user's
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="storesight-test-config-")

pytest_plugins = ["tests.fixtures_rtsp", "tests.fixtures_pg", "tests.fixtures_demo"]

ROOT = Path(__file__).resolve().parents[1]
DEMO_VIDEO = ROOT / "resources" / "demo" / "vtest.avi"


@pytest.fixture(autouse=True, scope="session")
def _gpu_probe_once() -> Iterator[None]:
    """Ask once per session whether PyTorch sees a CUDA GPU, with the real probe.

    :func:`app.gui.backend_status.gpu_status` starts a child process that imports torch (about
    2.5 s of CPU each time); ``doctor``, the settings page and the models CLI ask it in many
    tests, and the machine's answer does not change during a session.
    """
    from app.gui import backend_status

    real = backend_status.gpu_status
    answers: dict[str, str] = {}

    def once(timeout: float = 60.0) -> str:
        if "answer" not in answers:
            answers["answer"] = real(timeout)
        return answers["answer"]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(backend_status, "gpu_status", once)
        yield


@pytest.fixture(scope="session")
def demo_video() -> Path:
    """The bundled pedestrian video (768x576, 10 fps, 795 frames)."""
    assert DEMO_VIDEO.is_file(), f"demo video missing: {DEMO_VIDEO}"
    return DEMO_VIDEO
