"""A module package that plugs in with no edit anywhere else (the example of docs/how-to-add-a-module.md).

"Head count": the most people in a camera's view so far, as an event each time it rises (from
``min_people`` on), and a report sheet of those peaks. Found through ``STORESIGHT_MODULES=headcount``.
"""

from app.modules.registry import ModulePackage
from headcount.events import HEADCOUNT_PEAK
from headcount.settings import HeadcountSettings

PACKAGE = ModulePackage(
    name="headcount",
    title="Head count",
    settings=HeadcountSettings,
    build="headcount.module:build",
    events=(HEADCOUNT_PEAK,),
    sheets=("headcount.sheets:peaks",),
    panel="headcount.panel:panel",
)
