"""The behaviour module package: posture, shelf reaches, consultations."""

from app.modules.behaviour import events as ev
from app.modules.behaviour.settings import BehaviourSettings
from app.modules.registry import ModulePackage

EVENTS = (
    ev.POSTURE,
    ev.SHELF_REACH,
    ev.CONSULTATION,
)
PACKAGE = ModulePackage(
    "behaviour", "Behaviour", BehaviourSettings, "app.engine.behaviour:build", EVENTS, order=40
)
