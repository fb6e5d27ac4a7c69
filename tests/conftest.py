"""Shared pytest setup: offscreen Qt, fixtures for real RTSP and PostgreSQL servers, one demo run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the window keeps its geometry and last tab in QSettings: tests never read or write the user's
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="storesight-test-config-")

pytest_plugins = ["tests.fixtures_rtsp", "tests.fixtures_pg", "tests.fixtures_demo"]

ROOT = Path(__file__).resolve().parents[1]
DEMO_VIDEO = ROOT / "resources" / "demo" / "vtest.avi"


@pytest.fixture(scope="session")
def demo_video() -> Path:
    """The bundled pedestrian video (768x576, 10 fps, 795 frames)."""
    assert DEMO_VIDEO.is_file(), f"demo video missing: {DEMO_VIDEO}"
    return DEMO_VIDEO
