"""The roles module package: the role stage's decisions (a stage: no module to build).

Its settings are the site's ``roles`` section (:class:`~app.modules.roles.settings.RolesConfig`):
one setup for every camera, so the package declares no ``cameras[].modules`` section.
"""

from app.modules.registry import ModulePackage
from app.modules.roles.events import EVENTS

PACKAGE = ModulePackage("roles", "Staff and customers", None, None, EVENTS, order=5)
