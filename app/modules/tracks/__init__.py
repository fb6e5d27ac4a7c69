"""The tracks module package: Every track (first/last seen, path) with its start/end events and a crop.

Its settings are still in :mod:`app.config` (``cameras[].modules``); its engine code in
:mod:`app.engine.modules`.
"""

from app.modules.registry import ModulePackage
from app.modules.tracks.events import TRACK_END, TRACK_START

PACKAGE = ModulePackage(
    name="tracks",
    title="Tracks",
    settings=None,
    build="app.engine.modules:build_tracks",
    events=(
        TRACK_START,
        TRACK_END,
    ),
    order=10,
)
