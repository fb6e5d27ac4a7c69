"""The retail module package: Line crossings, zone stays, store visits and the heatmap of one camera.

Its settings are still in :mod:`app.config` (``cameras[].modules``); its engine code in
:mod:`app.engine.retail`.
"""

from app.modules.registry import ModulePackage
from app.modules.retail.events import FOOTFALL_IN, FOOTFALL_OUT, VISIT, ZONE_DWELL, ZONE_ENTER

PACKAGE = ModulePackage(
    name="retail",
    title="Footfall, zones, visits, heatmap",
    settings=None,
    build="app.engine.retail:build",
    events=(
        FOOTFALL_IN,
        FOOTFALL_OUT,
        ZONE_ENTER,
        ZONE_DWELL,
        VISIT,
    ),
    order=20,
)
