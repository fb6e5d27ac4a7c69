"""Can the window open on this Linux desktop? Names the system library Qt's X11 plugin is missing.

Qt draws on an X11 desktop through its ``xcb`` platform plugin (``libqxcb.so``), which links a
family of small system libraries (``libxcb-cursor``, ``libxcb-icccm``…). A fresh Debian/Ubuntu
machine often lacks some of them; Qt then only says "could not load the Qt platform plugin xcb".
:func:`missing_libraries` asks the dynamic linker (``ldd``) which of the plugin's libraries cannot
be found and :func:`check_display` turns that into one sentence with the ``apt-get`` line to fix
it. ``scripts/setup.sh`` installs the same list (:data:`DEBIAN_PACKAGES`).

Example:
    >>> missing_libraries()      # doctest: +SKIP
    ['libxcb-icccm.so.4', 'libxcb-keysyms.so.1']
    >>> check_display().ok       # doctest: +SKIP
    False
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: The shared library file → the Debian/Ubuntu package that provides it (Qt 6's xcb plugin).
DEBIAN_PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


@dataclass(frozen=True, slots=True)
class DisplayCheck:
    """What :func:`check_display` found.

    Attributes:
        ok: the X11 plugin's libraries are all there (or the check does not apply here).
        missing: library files the dynamic linker cannot find.
        packages: Debian packages that provide them.
        message: one sentence for the user.
        plugin: the plugin file checked (None: not found or not Linux).
    """

    ok: bool
    missing: tuple[str, ...]
    packages: tuple[str, ...]
    message: str
    plugin: Path | None


def qt_plugin_files() -> list[Path]:
    """PySide6's X11 platform plugin and the Qt library behind it (empty when not installed)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    files = [qt / "plugins" / "platforms" / "libqxcb.so", *sorted((qt / "lib").glob("libQt6XcbQpa.so*"))]
    return [f for f in files if f.is_file()][:2]


def missing_libraries(files: list[Path] | None = None) -> list[str]:
    """Shared libraries of ``files`` (default: the xcb plugin) the dynamic linker cannot find.

    Raises:
        RuntimeError: ``ldd`` is not available or fails (the check cannot be made).
    """
    files = qt_plugin_files() if files is None else files
    ldd = shutil.which("ldd")
    if ldd is None:
        raise RuntimeError("ldd is not installed")
    missing: list[str] = []
    for f in files:
        try:
            out = subprocess.run([ldd, str(f)], capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError) as e:
            raise RuntimeError(f"ldd failed: {e}") from None
        for line in out.stdout.splitlines():
            name, sep, where = line.strip().partition("=>")
            if sep and "not found" in where and name.strip() not in missing:
                missing.append(name.strip())
    return missing


def check_display() -> DisplayCheck:
    """Whether Qt's X11 plugin can load here; a clear message naming what is missing otherwise.

    Only Linux uses the plugin; elsewhere (and when PySide6 is not installed) the check passes.
    """
    if not sys.platform.startswith("linux"):
        return DisplayCheck(True, (), (), "not Linux: Qt uses the system's own window platform", None)
    files = qt_plugin_files()
    if not files:
        return DisplayCheck(True, (), (), "PySide6's X11 plugin is not installed", None)
    try:
        missing = missing_libraries(files)
    except RuntimeError as e:
        return DisplayCheck(True, (), (), f"could not check the X11 plugin's libraries ({e})", files[0])
    if not missing:
        return DisplayCheck(True, (), (), "Qt's X11 plugin finds every library it needs", files[0])
    packages = tuple(dict.fromkeys(DEBIAN_PACKAGES.get(m, m) for m in missing))
    message = (
        f"the window cannot open: Qt's X11 plugin needs {', '.join(missing)}, which "
        f"{'is' if len(missing) == 1 else 'are'} not installed. On Debian/Ubuntu: "
        f"sudo apt-get install {' '.join(packages)}  (or run scripts/setup.sh)"
    )
    return DisplayCheck(False, tuple(missing), packages, message, files[0])


def uses_xcb() -> bool:
    """Whether Qt would open the window through X11 here (Linux, no other platform chosen)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0]
    if platform:
        return platform == "xcb"
    if not sys.platform.startswith("linux"):
        return False
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")
