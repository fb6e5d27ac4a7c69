"""Print the config's schema, defaults and one-line errors as JSON, to diff before/after a refactor.

Covers every pydantic model in :mod:`app.config`, :mod:`app.config_types`, the module packages'
``settings`` modules and the shelf/objects settings: its JSON schema (titles, descriptions, bounds,
defaults, field order), its defaults, and the one-line message
(:func:`app.config.format_validation_error`) for a few bad values of every field; then the demo
site file read and written back. A settings refactor that keeps the schema should print the same.

Usage (from the repository root)::

    PYTHONPATH=$PWD python scripts/config_snapshot.py > after.json
    diff before.json after.json
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import sys
from typing import Any

from pydantic import BaseModel, ValidationError

import app.modules
from app import config

BAD_VALUES: tuple[Any, ...] = (-1e9, 1e9, "x", None, [], 0, -1, 0.5, 2)


def _models() -> dict[str, type[BaseModel]]:
    names = ["app.config", "app.config_types", "app.shelves.settings", "app.objects.settings"]
    names += [m.name for m in pkgutil.walk_packages(app.modules.__path__, "app.modules.") if "settings" in m.name]
    found: dict[str, type[BaseModel]] = {}
    for name in names:
        for obj in vars(importlib.import_module(name)).values():
            if inspect.isclass(obj) and issubclass(obj, BaseModel) and obj.__module__.startswith("app."):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def _errors(cls: type[BaseModel]) -> dict[str, str]:
    out = {}
    for field in cls.model_fields:
        for bad in BAD_VALUES:
            data = {field: bad}
            try:
                cls.model_validate(data)
                out[f"{field}={bad!r}"] = "ok"
            except ValidationError as e:
                out[f"{field}={bad!r}"] = config.format_validation_error(e, data)
    return out


def snapshot() -> dict[str, Any]:
    """The snapshot as a JSON-ready dict."""
    out: dict[str, Any] = {}
    for name, cls in sorted(_models().items()):
        try:
            defaults: Any = cls().model_dump(mode="json")
        except ValidationError:
            defaults = "needs values"
        out[name] = {"schema": cls.model_json_schema(), "defaults": defaults, "errors": _errors(cls)}
    out["demo site.yaml"] = config.config_to_dict(config.load_config("resources/demo/site.yaml"))
    return out


if __name__ == "__main__":
    json.dump(snapshot(), sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")
