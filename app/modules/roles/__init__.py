"""The roles module package: the role stage's decisions (a stage: no module to build). Its settings are still in app.config."""

from app.modules.registry import ModulePackage
from app.modules.roles import events as ev

EVENTS = (ev.ROLE_DECISION,)
PACKAGE = ModulePackage("roles", "Staff and customers", None, None, EVENTS, order=5)
