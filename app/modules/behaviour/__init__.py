"""The behaviour module package: posture, shelf reaches, consultations."""

from app.modules.behaviour.events import EVENTS
from app.modules.behaviour.settings import BehaviourSettings
from app.modules.registry import ModulePackage

PACKAGE = ModulePackage(
    "behaviour", "Behaviour", BehaviourSettings, "app.engine.behaviour:build", EVENTS,
    sheets=tuple(f"app.reports.behaviour_sheets:{fn}" for fn in ("shelf_engagement", "posture", "consultations")),
    order=40,
)  # fmt: skip
