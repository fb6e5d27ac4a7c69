"""The tracks module package: every track with its start/end events and a crop."""

from app.modules.registry import ModulePackage
from app.modules.tracks.events import EVENTS
from app.modules.tracks.settings import TracksSettings

PACKAGE = ModulePackage(
    "tracks", "Tracks", TracksSettings, "app.engine.modules:build_tracks", EVENTS, order=10
)
