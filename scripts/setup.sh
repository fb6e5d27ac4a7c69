#!/usr/bin/env bash
# Set up StoreSight in ./.venv from a fresh clone (idempotent: re-runs take seconds).
#   scripts/setup.sh            Python environment for the app and the demo
#   scripts/setup.sh --test     also the Debian packages the tests start for real
#                               (PostgreSQL server, GStreamer RTSP server, Xvfb for the real-display GUI tests)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# --- Debian packages ------------------------------------------------------------------------
# Qt's X11 platform plugin (libqxcb.so) links these; a missing one stops the window from opening
# ("could not load the Qt platform plugin xcb"). Same list as app/gui/platform_check.py; check with
# `storesight gui --check`.
DEBS_RUNTIME="libgl1 libegl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0 \
libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
libxcb-render0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 libxcb-util1 libxcb-shm0 libxcb-sync1 \
libxcb-xfixes0 libxcb-glx0"
DEBS_TEST="postgresql python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp gstreamer1.0-plugins-base \
gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav \
xvfb xauth"
# RabbitMQ: tests/bus start a private broker (live signals between two services, a restart mid-run).
DEBS_TEST="$DEBS_TEST rabbitmq-server"
# The OS keyring test (tests/app/test_vault_keyring.py): a real Secret Service in a private D-Bus session.
DEBS_TEST="$DEBS_TEST gnome-keyring dbus-daemon dbus-bin"
# Free fonts the synthetic licence-plate generator draws with (training fonts and held-out fonts).
DEBS_TEST="$DEBS_TEST fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-opendin"
# The installer tests: makensis compiles the Windows installer script (installer/windows/storesight.nsi);
# zstd compresses the Linux bundle (installer/build-linux.sh).
DEBS_TEST="$DEBS_TEST nsis zstd"
# ... and runs it under 64-bit Wine around a stand-in payload cross-compiled with mingw-w64
# (tests/installer/test_wine_install.py; ~100 MB download).
DEBS_TEST="$DEBS_TEST wine wine64 gcc-mingw-w64-x86-64-win32"
debs="$DEBS_RUNTIME"
[ $want_test = 1 ] && debs="$debs $DEBS_TEST"
missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for p in $debs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
  done
fi
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  say "installing Debian packages:$missing"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  $SUDO apt-get clean  # the downloaded .deb files (~1 GB with Wine) are not needed once installed
fi

# --- Python ----------------------------------------------------------------------------------
PY=""
for c in python3.13 python3.12 python3.11 python3; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PY="$c"; break
  fi
done
[ -n "$PY" ] || { echo "StoreSight needs Python 3.11 or newer (python3.11 not found)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=".venv/.storesight-installed"
sig="$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sig" ]; then
  say "installing Python packages (first time: a few minutes, torch is large)"
  # No pip cache: torch's CUDA build and its libraries are ~6 GB; a cached second copy only fills the disk.
  export PIP_NO_CACHE_DIR=1
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[dev,faces]"
  # deepface, the primary face backend (runs on ONNX Runtime; docs/faces.md): it declares
  # opencv-contrib-python-headless, a second cv2 that would replace opencv-python's, so it goes in
  # without its declared dependencies; the ones it imports come with the faces extra.
  .venv/bin/python -m pip install -q -c constraints.txt --no-deps deepface
  echo "$sig" > "$stamp"
fi
say "ready: $(.venv/bin/storesight --version)"
