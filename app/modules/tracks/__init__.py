"""The tracks module package: every track with its start/end events and a crop. Its settings are still in app.config."""

from app.modules.registry import ModulePackage
from app.modules.tracks import events as ev

EVENTS = (
    ev.TRACK_START,
    ev.TRACK_END,
)
PACKAGE = ModulePackage("tracks", "Tracks", None, "app.engine.modules:build_tracks", EVENTS, order=10)
