"""The retail module package: line crossings, zone stays, visits, the heatmap.

Its four sections are ``cameras[].modules.footfall``, ``zones``, ``visits`` and ``heatmap``; its
report sheets (:mod:`app.reports.sheets`) open the workbook after the summary.
"""

from app.modules.registry import ModulePackage, Section
from app.modules.retail.events import EVENTS
from app.modules.retail.settings import FootfallSettings, HeatmapSettings, VisitsSettings, ZonesSettings

SECTIONS = (
    Section("footfall", "Footfall", FootfallSettings),
    Section("zones", "Zones", ZonesSettings),
    Section("visits", "Visits", VisitsSettings),
    Section("heatmap", "Heatmap", HeatmapSettings),
)
PACKAGE = ModulePackage(
    "retail",
    "Footfall, zones, visits, heatmap",
    None,
    "app.engine.retail:build",
    EVENTS,
    sheets=tuple(
        f"app.reports.sheets:{fn}"
        for fn in ("footfall_by_hour", "footfall_by_day", "occupancy", "dwell", "visits", "funnel")
    ),
    order=20,
    sections=SECTIONS,
)
