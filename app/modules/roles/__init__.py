"""The roles module package: The role stage's decisions (a pipeline stage, not a module: no build).

Its settings are still in :mod:`app.config` (``cameras[].modules``); its engine code in
:mod:`app.engine.roles`.
"""

from app.modules.registry import ModulePackage
from app.modules.roles.events import ROLE_DECISION

PACKAGE = ModulePackage(
    name="roles",
    title="Staff and customers",
    settings=None,
    build=None,
    events=(ROLE_DECISION,),
    order=5,
)
