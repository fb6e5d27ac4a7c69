"""The pose package: the pose stage's settings (``cameras[].modules.pose``) and the site's pose model.

The keypoints are a stage after tracking (:mod:`app.engine.pose_stage`), so the package builds no
per-frame module; the behaviour package reads what it adds.
"""

from app.modules.pose.settings import PoseStageSettings
from app.modules.registry import ModulePackage

PACKAGE = ModulePackage("pose", "Pose keypoints", PoseStageSettings, None, order=35)
