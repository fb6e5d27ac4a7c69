"""The module registry: every analytics module is a package that declares itself here.

A module package (``app/modules/<name>/`` for the built-in ones, any importable package for a
plug-in) has in its ``__init__.py`` one :class:`ModulePackage`::

    PACKAGE = ModulePackage(
        name="headcount",                       # its section: cameras[].modules.headcount
        title="Head count",
        settings=HeadcountSettings,             # a ModuleSettings model (extra="forbid")
        sections=(),                            # more config sections it owns (retail: footfall…)
        build="headcount.module:build",         # ctx -> list[Module], imported when a camera starts
        events=(HEADCOUNT_PEAK,),               # its catalogue entries (app.events.EventType)
        sheets=("headcount.sheets:peaks",),     # report sheets: scope -> Sheet | None
    )

Packages are found without editing anything: the subpackages of :mod:`app.modules`, the
``storesight.modules`` entry point group (an installed plug-in), and the packages named in the
``STORESIGHT_MODULES`` environment variable (comma-separated; a folder of your own on
``PYTHONPATH``). The config's ``modules`` section gets one field per package (its settings model,
``extra="forbid"``: one-line errors name the field), the pipeline builds each camera's modules
from :func:`build_modules`, a report is the summary and then the packages' sheets, the event
catalogue knows their events and the main window shows their panels (:func:`panels`).

The built-in modules are packages like any other: their settings are in
``app/modules/<name>/settings.py``; :mod:`app.config` keeps the site, cameras, storage and core.

Example:
    >>> [p.name for p in packages().values()][:3]
    ['tracks', 'retail', 'queue']
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from app.config_types import StrictModel, enabled_field
from app.events import EventType

if TYPE_CHECKING:
    from app.engine.modules import CameraContext, Module

log = logging.getLogger(__name__)

ENV_VAR = "STORESIGHT_MODULES"
ENTRY_POINTS = "storesight.modules"


class ModuleSettings(StrictModel):
    """Base of a module package's settings (one section under ``cameras[].modules``).

    Unknown keys are refused (``extra="forbid"``); field titles and descriptions are what the
    GUI shows as labels and tooltips. A section that must agree with the camera (its zones)
    overrides :meth:`check_camera`.
    """

    enabled: bool = enabled_field(False, "Run this module on the camera.")

    def check_camera(self, camera: Any) -> None:
        """Check this section against its camera (a :class:`~app.config.CameraConfig`).

        Raises:
            ValueError: one line, starting with the section's field path (``modules.queue…``).
        """
        return None


@dataclass(frozen=True, slots=True)
class Section:
    """A config section under ``cameras[].modules`` that a package owns besides its own.

    Attributes:
        key: its key (``footfall``).
        title: its name for people.
        model: its settings model.
    """

    key: str
    title: str
    model: type[BaseModel]


@dataclass(frozen=True, slots=True)
class ModulePackage:
    """What a module package brings.

    Attributes:
        name: its config key under ``cameras[].modules`` (and the engine module's name).
        title: its name for people (the config's field title, the GUI).
        settings: its settings model (the section ``cameras[].modules.<name>``); None for a
            package without settings of its own.
        build: ``"package.module:function"``: ``function(ctx) -> list[Module]`` for one camera
            (an empty list when the module is off there); None for a package without a module
            (the role stage's events).
        events: its event types (declared in the catalogue by importing them).
        sheets: ``"package.module:function"`` report sheets, ``function(scope) -> Sheet | None``.
        panel: ``"package.module:function"`` making its GUI panel (optional).
        order: where it runs among the modules (lower first; also the sections' and sheets' order).
        sections: further sections under ``cameras[].modules`` it owns (the retail package:
            ``footfall``, ``zones``, ``visits``, ``heatmap``), after its own.
        panel_order: where its tab sits among the package panels (None: ``order``); the shelf
            package runs before the plates and faces ones but its tab comes after theirs.
    """

    name: str
    title: str
    settings: type[BaseModel] | None
    build: str | None
    events: tuple[EventType, ...] = ()
    sheets: tuple[str, ...] = ()
    panel: str | None = None
    order: int = 100
    sections: tuple[Section, ...] = ()
    panel_order: int | None = None

    @property
    def tab_order(self) -> int:
        """Where its panel's tab sits among the package panels (``panel_order``, else ``order``)."""
        return self.order if self.panel_order is None else self.panel_order


def _load(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


_PACKAGES: dict[str, ModulePackage] | None = None


def _candidates() -> list[str]:
    import app.modules as builtin

    names = [f"app.modules.{m.name}" for m in pkgutil.iter_modules(builtin.__path__) if m.ispkg]
    names += [ep.value for ep in entry_points(group=ENTRY_POINTS)]
    names += [n.strip() for n in os.environ.get(ENV_VAR, "").split(",") if n.strip()]
    return names


def packages() -> dict[str, ModulePackage]:
    """Every module package found (name → package), in running order; found once per process.

    Raises:
        ImportError: a package named in ``STORESIGHT_MODULES`` cannot be imported.
        ValueError: two packages with the same name.
    """
    global _PACKAGES
    if _PACKAGES is None:
        found: dict[str, ModulePackage] = {}
        for name in _candidates():
            pkg = getattr(importlib.import_module(name), "PACKAGE", None)
            if not isinstance(pkg, ModulePackage):
                continue
            if pkg.name in found:
                raise ValueError(f"module package {pkg.name!r} is declared twice ({name})")
            found[pkg.name] = pkg
        _PACKAGES = dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))
    return _PACKAGES


def plugin_settings() -> dict[str, ModulePackage]:
    """The packages that bring their own settings model (their config sections)."""
    return {n: p for n, p in packages().items() if p.settings is not None}


def config_sections() -> list[Section]:
    """Every section of ``cameras[].modules``, in running order: each package's own, then its others.

    Raises:
        ValueError: two packages claim the same section.
    """
    out: dict[str, Section] = {}
    for pkg in packages().values():
        own = [Section(pkg.name, pkg.title, pkg.settings)] if pkg.settings is not None else []
        for sec in (*own, *pkg.sections):
            if sec.key in out:
                raise ValueError(f"config section modules.{sec.key} is declared twice ({pkg.name})")
            out[sec.key] = sec
    return list(out.values())


def panel_packages() -> list[ModulePackage]:
    """The packages with a GUI panel (``panel=``), in tab order (``panel_order``, else ``order``)."""
    return sorted((p for p in packages().values() if p.panel), key=lambda p: (p.tab_order, p.order, p.name))


def panels() -> list[tuple[ModulePackage, Callable[..., Any]]]:
    """The packages' GUI panel makers (``panel=``), in tab order, imported now."""
    return [(p, _load(p.panel)) for p in panel_packages() if p.panel]


def build_modules(ctx: CameraContext) -> list[Module]:
    """The modules of one camera: every package's ``build(ctx)``, in running order."""
    mods: list[Module] = []
    for pkg in packages().values():
        if pkg.build is None:
            continue
        builder: Callable[[CameraContext], list[Module]] = _load(pkg.build)
        mods.extend(builder(ctx))
    return mods


def report_sheets() -> list[Callable[..., Any]]:
    """The module packages' report sheets, in workbook order: by package ``order``, each package's in its order."""
    return [_load(s) for p in packages().values() for s in p.sheets]
