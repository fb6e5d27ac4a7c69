"""The behaviour module package: posture, shelf reaches, consultations."""

from app.modules.behaviour.events import EVENTS
from app.modules.behaviour.settings import BehaviourSettings
from app.modules.registry import ModulePackage

PACKAGE = ModulePackage(
    "behaviour", "Behaviour", BehaviourSettings, "app.engine.behaviour:build", EVENTS, order=40
)
