"""Pick the best detector backend available and say why (Frigate-style plugins).

``auto`` prefers Ultralytics YOLO when its weights are present (the store's GPU
workstation), otherwise the built-in NanoDet that ships with StoreSight. A backend that
fails to load never crashes the app: the next one is tried and the reason is kept.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from models.base import BackendUnavailable, Choice, DetectorBackend, DetectorSettings

log = logging.getLogger(__name__)


#: The DetectorBackend that runs and why (see :class:`models.base.Choice`).
BackendChoice = Choice[DetectorBackend]


def _make(key: str, settings: DetectorSettings, allow_download: bool, requested_key: str) -> DetectorBackend:
    if key == "yolo":
        from models.yolo import YoloBackend

        return YoloBackend(settings, allow_download=allow_download)
    if key == "nanodet":
        from models.nanodet import NanoDetBackend

        # input_size is the YOLO model's; the built-in model keeps its own unless asked for by name.
        return NanoDetBackend(settings if requested_key == "nanodet" else replace(settings, input_size=0))
    raise BackendUnavailable(f"unknown detector backend {key!r}")


def backend_class(key: str) -> type[DetectorBackend]:
    """The backend class registered under ``key`` (``yolo``, ``nanodet``).

    Raises:
        BackendUnavailable: no such backend.
    """
    if key == "yolo":
        import models.yolo
    elif key == "nanodet":
        import models.nanodet  # noqa: F401
    try:
        return DetectorBackend.registry[key]
    except KeyError:
        raise BackendUnavailable(f"unknown detector backend {key!r}") from None


def known_classes(requested: str, model_name: str | None = None) -> tuple[str, ...] | None:
    """The class names a config's detector will have, before loading it; None if only loading tells.

    ``auto`` and ``yolo`` use the YOLO weights' names when they are known from the file name
    (the official COCO weights), the built-in backend's otherwise.

    Example:
        >>> known_classes("nanodet")[:3]
        ('person', 'bicycle', 'car')
        >>> known_classes("yolo", "shelf-items.pt") is None
        True
    """
    if requested in ("auto", "yolo"):
        return backend_class("yolo").known_classes(model_name)
    return backend_class(requested).known_classes(model_name)


def create_detector(
    requested: str, settings: DetectorSettings, *, allow_download: bool = False
) -> BackendChoice:
    """Load the requested backend, falling back to the built-in one.

    Args:
        requested: ``"auto"``, ``"yolo"`` or ``"nanodet"``.
        settings: thresholds, classes and model location.
        allow_download: let Ultralytics fetch missing official weights.

    Returns:
        The chosen backend and the reason it was chosen.

    Raises:
        BackendUnavailable: no backend at all could be loaded.
    """
    order = ["yolo", "nanodet"] if requested in ("auto", "yolo") else [requested, "nanodet"]
    problems: list[str] = []
    for key in dict.fromkeys(order):
        try:
            be = _make(key, settings, allow_download, requested)
        except BackendUnavailable as e:
            problems.append(str(e))
            log.info("detector backend %s unavailable: %s", key, e)
            continue
        if not problems:
            reason = f"using {be.description}"
        else:
            hint = ""
            if key == "nanodet" and "yolo" in order:
                hint = (
                    f"; put {settings.model_name or 'yolo11n.pt'} into the model folder for higher accuracy"
                )
            reason = f"{problems[-1]}: using {be.description}{hint}"
        if requested not in ("auto", key):
            log.warning("detector %s requested but unavailable; %s", requested, reason)
        return BackendChoice(be, reason)
    raise BackendUnavailable("no detector backend could be loaded: " + "; ".join(problems))
