"""The retail module package: line crossings, zone stays, visits, the heatmap. Its settings are still in app.config."""

from app.modules.registry import ModulePackage
from app.modules.retail import events as ev

EVENTS = (
    ev.FOOTFALL_IN,
    ev.FOOTFALL_OUT,
    ev.ZONE_ENTER,
    ev.ZONE_DWELL,
    ev.VISIT,
)
PACKAGE = ModulePackage(
    "retail", "Footfall, zones, visits, heatmap", None, "app.engine.retail:build", EVENTS, order=20
)
