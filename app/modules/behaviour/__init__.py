"""The behaviour module package: posture, shelf reaches, consultations. Its settings are still in app.config."""

from app.modules.behaviour import events as ev
from app.modules.registry import ModulePackage

EVENTS = (
    ev.POSTURE,
    ev.SHELF_REACH,
    ev.CONSULTATION,
)
PACKAGE = ModulePackage("behaviour", "Behaviour", None, "app.engine.behaviour:build", EVENTS, order=40)
