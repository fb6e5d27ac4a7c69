"""The open site config file: one object the pages edit, validate and save through.

Every change is validated like the file itself (pydantic, one clear line on error) and written
atomically to the same YAML file — as a change to the user's file (:mod:`app.yaml_merge`), so its
comments, key order and the defaults it leaves unset survive a save. Video file sources inside the config's folder are written
relative to it again (loading made them absolute), so the folder can be moved.

Example:
    >>> doc = SiteDocument.open(Path("site.yaml"))          # doctest: +SKIP
    >>> doc.replace_camera(doc.config.cameras[0])           # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import QObject, Signal
from ruamel.yaml import YAMLError

from app.config import (
    CameraConfig,
    SiteConfig,
    config_to_dict,
    format_validation_error,
    load_config,
    save_config,
)
from app.errors import ConfigError, UserError
from app.yaml_merge import write_changes

log = logging.getLogger(__name__)


class SiteDocument(QObject):
    """A site config bound to its file.

    Signals:
        changed: the config was replaced (saved, or reloaded).
        cameraChanged(str): one camera's config changed (its zones, thresholds or source).

    Args:
        path: the YAML file (it may not exist yet: it is created on the first save).
        config: the config (already validated).
        saved: whether ``config`` is what the file holds.

    Example:
        >>> doc = SiteDocument.open(Path("missing.yaml"))   # doctest: +SKIP
        >>> doc.config.site.name                           # doctest: +SKIP
        'My store'
    """

    changed = Signal()
    cameraChanged = Signal(str)

    #: Called with a one-line summary before every save (the window sets it to write the audit log).
    on_saved: Callable[[str], None] | None = None

    def __init__(self, path: Path, config: SiteConfig, *, saved: bool = True) -> None:
        super().__init__()
        self.path = Path(path)
        self._config = config
        self.saved = saved

    @classmethod
    def open(cls, path: Path, *, default_name: str = "My store") -> SiteDocument:
        """Load ``path``, or start a new empty site there when the file does not exist.

        Raises:
            ConfigError: the file exists but is invalid (one line).
        """
        if Path(path).is_file():
            return cls(path, load_config(path))
        return cls(path, SiteConfig.model_validate({"site": {"name": default_name}}), saved=False)

    @property
    def config(self) -> SiteConfig:
        """The current (validated) config."""
        return self._config

    def camera(self, camera_id: str) -> CameraConfig | None:
        """The camera with this id, or None."""
        return next((c for c in self._config.cameras if c.id == camera_id), None)

    # --- changes --------------------------------------------------------------------------

    def update(self, config: SiteConfig | dict[str, Any]) -> SiteConfig:
        """Validate ``config`` as a whole, write it to the file and make it current.

        Raises:
            ConfigError: invalid (one line naming the field), or the file cannot be written.
        """
        data = config_to_dict(config) if isinstance(config, SiteConfig) else config
        try:
            new = SiteConfig.model_validate(data)
        except ValidationError as e:
            raise ConfigError(format_validation_error(e)) from None
        self._write(new, self._config if self.saved else None)
        self._config = new
        self.saved = True
        self.changed.emit()
        return new

    def replace_camera(self, camera: CameraConfig) -> SiteConfig:
        """Put this camera's new config in place (same id), validate and save."""
        cams = [camera if c.id == camera.id else c for c in self._config.cameras]
        if not any(c.id == camera.id for c in self._config.cameras):
            raise UserError(f"no camera {camera.id!r} in the config")
        new = self._with_cameras(cams)
        self.cameraChanged.emit(camera.id)
        return new

    def add_camera(self, camera: CameraConfig) -> SiteConfig:
        """Add a camera (its id must be new), validate and save."""
        if self.camera(camera.id) is not None:
            raise ConfigError(f"cameras: camera id {camera.id!r} is used twice")
        new = self._with_cameras([*self._config.cameras, camera])
        self.cameraChanged.emit(camera.id)
        return new

    def remove_camera(self, camera_id: str) -> SiteConfig:
        """Remove a camera from the config (its history stays in the database) and save."""
        new = self._with_cameras([c for c in self._config.cameras if c.id != camera_id])
        self.cameraChanged.emit(camera_id)
        return new

    def reload(self) -> SiteConfig:
        """Read the file again (what another program or person saved)."""
        self._config = load_config(self.path)
        self.saved = True
        self.changed.emit()
        return self._config

    def _with_cameras(self, cams: list[CameraConfig]) -> SiteConfig:
        data = config_to_dict(self._config)
        data["cameras"] = [_camera_dict(c) for c in cams]
        return self.update(data)

    def _write(self, cfg: SiteConfig, old: SiteConfig | None = None) -> None:
        """Save ``cfg``: as a change from ``old`` into the user's file (comments survive), or whole."""
        if self.on_saved is not None:  # the audit log (app/gui/login.py): which top-level parts changed
            before = self._file_dict(old) if old is not None else {}
            after = self._file_dict(cfg)
            parts = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
            self.on_saved(f"{self.path.name}: {', '.join(parts) or 'saved unchanged'}")
        uses_vault = self._uses_vault()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            written = False
            if old is not None and self.path.is_file():
                try:
                    write_changes(self.path, self._file_dict(old), self._file_dict(cfg), trim=_trimmer(cfg))
                    written = True
                except (ValueError, YAMLError) as e:  # the file changed into something else meanwhile
                    log.warning("rewriting %s as a whole: %s", self.path, e)
            if not written:
                save_config(self._file_config(cfg), self.path)
        except OSError as e:
            raise ConfigError(f"cannot save {self.path}: {e.strerror or e.__class__.__name__}") from None
        if uses_vault:  # the site keeps its secrets in the vault: a password typed in the window goes there too
            self._move_typed_secrets()

    def _uses_vault(self) -> bool:
        try:
            return "${keyring:" in self.path.read_text(encoding="utf-8")
        except OSError:
            return False

    def _move_typed_secrets(self) -> None:
        from app.errors import UserError
        from app.vault import Vault, move_secrets

        try:
            moved = move_secrets(self.path, Vault())
        except UserError as e:  # VaultError is a ConfigError, a UserError
            log.warning("secrets typed in the window stay in %s: %s", self.path, e)
            return
        if moved:
            log.info("moved %s into the vault", ", ".join(moved))

    def _file_config(self, cfg: SiteConfig) -> SiteConfig:
        """``cfg`` as the file holds it: video files inside the config's folder written relative to it."""
        base = self.path.resolve().parent
        cams = []
        for c in cfg.cameras:
            if c.kind == "file":
                c = c.model_copy(update={"source": _relative(c.source, base)})
            cams.append(c)
        return cfg.model_copy(update={"cameras": cams})

    def _file_dict(self, cfg: SiteConfig) -> dict[str, Any]:
        from app.vault import protect  # secrets from the vault stay ${keyring:NAME} in the file

        return protect(config_to_dict(self._file_config(cfg)))


def _trimmer(cfg: SiteConfig):  # type: ignore[no-untyped-def]
    """Makes a new list item of ``cfg`` (a camera, a zone…) minimal: the values the user set."""

    def trim(path: tuple[str | int, ...], item: dict[str, Any]) -> dict[str, Any]:
        node: Any = cfg
        try:
            for step in path:
                node = node[step] if isinstance(step, int) else getattr(node, step)
        except (AttributeError, IndexError, TypeError):
            return item
        if not isinstance(node, BaseModel):
            return item
        keep = set(node.model_dump(exclude_defaults=True, exclude_none=True)) | {"id", "name", "type"}
        return {k: v for k, v in item.items() if k in keep}

    return trim


def _camera_dict(camera: CameraConfig) -> dict[str, Any]:
    data = camera.model_dump(mode="json", exclude_none=True)
    if camera.password is not None:
        data["password"] = camera.password.get_secret_value()
    return data


def _relative(source: str, base: Path) -> str:
    """A file path relative to ``base`` when it lies inside it, else unchanged."""
    p = Path(source).expanduser()
    if not p.is_absolute():
        return source
    try:
        rel = p.resolve().relative_to(base)
    except (ValueError, OSError):
        return source
    return rel.as_posix() if os.sep == "/" else str(rel)
