"""Location of bundled resources (demo video and config, icons, styles)."""

from __future__ import annotations

import os
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources/`` folder: ``$STORESIGHT_RESOURCES`` or the one beside the ``app`` package."""
    env = os.environ.get("STORESIGHT_RESOURCES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "resources"
