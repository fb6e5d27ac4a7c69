"""Editing a camera's plate lists (deny / watch / allow + notes): one rule for the GUI and the CLI.

:func:`edit_lists` computes the new settings (validated like the config file);
:func:`save_lists` writes them into the site config file as a change (comments, key order and
the values the user never set survive — :mod:`app.yaml_merge`), the same way the Plates tab
saves through :class:`app.gui.site_document.SiteDocument`.

Example:
    >>> s = edit_lists(PlatesSettings(), {"А123ВС77"}, "deny", "stolen")
    >>> s.deny, s.notes
    (['А123ВС77'], {'А123ВС77': 'stolen'})
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAMLError

from app.config import SiteConfig, config_to_dict, format_validation_error, save_config
from app.errors import ConfigError
from app.modules.plates.settings import LISTS, PlatesSettings
from app.yaml_merge import write_changes


def edit_lists(cfg: PlatesSettings, plates: set[str], which: str | None, note: str = "") -> PlatesSettings:
    """``cfg`` with ``plates`` taken off every list and, when ``which`` is given, put on that list.

    A plate is on one list at a time, so adding a listed plate moves it; its note goes with it
    (replaced by ``note`` when one is given, dropped when it moves without one).

    Args:
        cfg: the camera's plate settings.
        plates: canonical plate texts (see :func:`app.modules.plates.settings.list_plate`).
        which: ``deny``, ``watch`` or ``allow`` to add; None to remove.
        note: why the plate is listed (with ``which`` and one plate only).

    Raises:
        ValueError: ``which`` is not a list name, or several plates given to add.
        pydantic.ValidationError: the result is not valid settings.
    """
    if which is not None and which not in LISTS:
        raise ValueError(f"no plate list {which!r} (lists: {', '.join(LISTS)})")
    if which is not None and len(plates) != 1:
        raise ValueError("add one plate at a time")
    data = cfg.model_dump()
    for name in LISTS:
        data[name] = [p for p in getattr(cfg, name) if p not in plates]
    data["notes"] = {p: n for p, n in cfg.notes.items() if p not in plates}
    if which is not None:
        (plate,) = plates
        data[which].append(plate)
        if note.strip():
            data["notes"][plate] = note.strip()
    return PlatesSettings.model_validate(data)


def entries(cfg: PlatesSettings) -> list[tuple[str, str, str]]:
    """A camera's listed plates: (plate, list, note), deny first, then watch, then allow."""
    return [(p, name, cfg.notes.get(p, "")) for name in LISTS for p in getattr(cfg, name)]


def save_lists(path: Path, config: SiteConfig, camera_id: str, new: PlatesSettings) -> SiteConfig:
    """Write one camera's new plate settings into the config file ``path`` (loaded as ``config``).

    Only what changed is written into the user's file (comments and order survive); a file that
    is no longer the YAML mapping it was is rewritten whole.

    Returns:
        The new site config.

    Raises:
        ConfigError: no such camera, the new config is invalid, or the file cannot be written
            (one line; the file is left as it was).
    """
    cams = []
    for c in config.cameras:
        if c.id == camera_id:
            c = c.model_copy(update={"modules": c.modules.model_copy(update={"plates": new})})
        cams.append(c)
    if not any(c.id == camera_id for c in config.cameras):
        raise ConfigError(f"no camera {camera_id!r} in {path} (cameras: {_ids(config)})")
    old_dict = config_to_dict(config)
    try:
        new_cfg = SiteConfig.model_validate(config_to_dict(config.model_copy(update={"cameras": cams})))
    except ValidationError as e:
        raise ConfigError(format_validation_error(e)) from None
    try:
        try:
            write_changes(path, old_dict, config_to_dict(new_cfg))
        except (ValueError, YAMLError):
            save_config(new_cfg, path)
    except OSError as e:
        raise ConfigError(f"cannot save {path}: {e.strerror or e.__class__.__name__}") from None
    return new_cfg


def _ids(config: SiteConfig) -> str:
    return ", ".join(c.id for c in config.cameras) or "none"
