"""The tracks module package: every track with its start/end events and a crop."""

from app.modules.registry import ModulePackage
from app.modules.tracks import events as ev
from app.modules.tracks.settings import TracksSettings

EVENTS = (
    ev.TRACK_START,
    ev.TRACK_END,
)
PACKAGE = ModulePackage(
    "tracks", "Tracks", TracksSettings, "app.engine.modules:build_tracks", EVENTS, order=10
)
