"""The behaviour module package: Posture intervals, reaches into shelves and staff-customer consultations.

Its settings are still in :mod:`app.config` (``cameras[].modules``); its engine code in
:mod:`app.engine.behaviour`.
"""

from app.modules.behaviour.events import CONSULTATION, POSTURE, SHELF_REACH
from app.modules.registry import ModulePackage

PACKAGE = ModulePackage(
    name="behaviour",
    title="Behaviour",
    settings=None,
    build="app.engine.behaviour:build",
    events=(
        POSTURE,
        SHELF_REACH,
        CONSULTATION,
    ),
    order=40,
)
