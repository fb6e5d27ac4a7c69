#!/usr/bin/env bash
# Build the Linux bundle of StoreSight: a PyInstaller one-folder program, a .tar.gz and a .deb.
#
#   bash installer/build-linux.sh            # the CPU edition (no PyTorch/CUDA): dist/cpu/storesight/
#   bash installer/build-linux.sh cuda       # the CUDA edition (PyTorch + Ultralytics from the venv)
#   bash installer/build-linux.sh all        # both
#   ... --no-tar                               # skip the .tar.zst (the smoke test needs only the .deb)
#   ... --no-deb / --pack-only                 # only the folder / only pack an existing folder
#
# Needs a venv with StoreSight's dependencies and PyInstaller (scripts/setup.sh; PyInstaller is
# installed here from constraints.txt if missing). $PYTHON chooses the interpreter (default:
# .venv/bin/python of the checkout). Outputs in dist/:
#   dist/<edition>/storesight/                          the program folder (run dist/cpu/storesight/storesight)
#   dist/storesight-<version>-linux-x86_64-<edition>.tar.zst
#   dist/storesight[-cuda]_<version>_amd64.deb        installs to /opt/storesight, /usr/bin/storesight
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || { echo "build-linux.sh: no Python at $PY (run scripts/setup.sh, or set PYTHON)" >&2; exit 2; }
WHAT="${1:-cpu}"
TAR=1; BUILD=1; DEB=1
for opt in "${@:2}"; do
  case "$opt" in
    --no-tar) TAR=0 ;;
    --no-deb) DEB=0 ;;      # the program folder only (e.g. to check it before packing)
    --pack-only) BUILD=0 ;; # pack an existing dist/<edition>/storesight (no PyInstaller run)
    *) echo "build-linux.sh: unknown option $opt (--no-tar, --no-deb, --pack-only)" >&2; exit 2 ;;
  esac
done
case "$WHAT" in
  cpu) EDITIONS=(cpu) ;;
  cuda) EDITIONS=(cuda) ;;
  all) EDITIONS=(cpu cuda) ;;
  *) echo "usage: bash installer/build-linux.sh [cpu|cuda|all]" >&2; exit 2 ;;
esac
command -v dpkg-deb >/dev/null || { echo "build-linux.sh: dpkg-deb not found (apt-get install dpkg)" >&2; exit 2; }
command -v zstd >/dev/null || { echo "build-linux.sh: zstd not found (apt-get install zstd)" >&2; exit 2; }

if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  echo "[build] installing PyInstaller (pinned in constraints.txt)"
  "$PY" -m pip install -q -c constraints.txt pyinstaller pyinstaller-hooks-contrib
fi
VERSION="$("$PY" -c 'import app; print(app.__version__)')"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

# The CPU edition needs PyTorch too (the ByteTrack/BoT-SORT tracker comes from Ultralytics, which
# imports torch), but its CPU build (~200 MB) instead of the CUDA one (~6 GB with the nvidia-*
# libraries). It is built from a small venv holding only the CPU torch, layered over $PY's packages
# (a .pth file), so nothing in $PY changes. Where the CPU wheel comes from: pip's configured
# find-links/indexes (this build machine: /opt/wheels), else set TORCH_CPU_INDEX, e.g.
# TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu.
TORCH_CPU_SPEC="${TORCH_CPU_SPEC:-torch==2.13.0+cpu}"
# A fresh venv in $1 that sees $PY's packages through a .pth file (so nothing in $PY changes);
# prints its site-packages folder, where the edition's own wheels go (pip --target).
layered_venv() {
  rm -rf "$1"
  "$PY" -m venv --without-pip "$1"
  local own
  own="$("$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  "$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$own/storesight-base.pth"
  echo "$own"
}

cpu_python() {
  local bv="$ROOT/build/venv-cpu"
  if [ ! -x "$bv/bin/python" ] || ! "$bv/bin/python" -c "import torch, sys; sys.exit(bool(torch.version.cuda))" 2>/dev/null; then
    echo "[build] CPU PyTorch for the CPU edition: $TORCH_CPU_SPEC into build/venv-cpu" >&2
    local own
    own="$(layered_venv "$bv")"
    "$bv/bin/python" -m pip install -q --no-deps --target "$own" ${TORCH_CPU_INDEX:+--extra-index-url "$TORCH_CPU_INDEX"} \
      "$TORCH_CPU_SPEC" >&2 || { echo "build-linux.sh: cannot install $TORCH_CPU_SPEC (set TORCH_CPU_INDEX)" >&2; exit 2; }
  fi
  echo "$bv/bin/python"
}

# The CUDA edition runs the ONNX models (NanoDet, MoveNet) on the GPU too: onnxruntime-gpu (same
# version as the venv's CPU onnxruntime, built for the same CUDA major as the venv's torch) and the
# one CUDA library it needs that torch does not bring (cuRAND), layered the same way into
# build/venv-cuda; the venv keeps its CPU onnxruntime.
ORT_GPU_SPEC="${ORT_GPU_SPEC:-onnxruntime-gpu==$("$PY" -c 'import onnxruntime; print(onnxruntime.__version__)' 2>/dev/null || echo 1.31.1)}"
CURAND_SPEC="${CURAND_SPEC:-nvidia-curand~=10.4.0}"
cuda_python() {
  local bv="$ROOT/build/venv-cuda"
  if [ ! -x "$bv/bin/python" ] || ! "$bv/bin/python" -c "import onnxruntime as o, sys; sys.exit('CUDAExecutionProvider' not in o.get_available_providers())" 2>/dev/null; then
    echo "[build] $ORT_GPU_SPEC and $CURAND_SPEC for the CUDA edition into build/venv-cuda" >&2
    local own
    own="$(layered_venv "$bv")"
    "$bv/bin/python" -m pip install -q --no-cache-dir --no-deps --target "$own" "$ORT_GPU_SPEC" "$CURAND_SPEC" >&2 \
      || { echo "build-linux.sh: cannot install $ORT_GPU_SPEC $CURAND_SPEC" >&2; exit 2; }
  fi
  echo "$bv/bin/python"
}

# PyInstaller copies a library twice when a hook collects it in its package folder
# (_internal/nvidia/cudnn/lib/...) and the dependency scan also puts it at the top of _internal/
# (cuDNN, NCCL in the CUDA edition: ~0.4 GB). The top copy becomes a relative symbolic link.
dedupe_libs() {
  local app="$1" f top saved=0
  [ -d "$app/_internal/nvidia" ] || return 0
  while IFS= read -r -d '' f; do
    top="$app/_internal/$(basename "$f")"
    if [ -f "$top" ] && [ ! -L "$top" ] && cmp -s "$f" "$top"; then
      saved=$(( saved + $(stat -c %s "$top") ))
      ln -sfn "${f#"$app/_internal/"}" "$top"
    fi
  done < <(find "$app/_internal/nvidia" -type f -name '*.so*' -print0)
  echo "[build] duplicate libraries linked instead of copied: $(( saved / 1048576 )) MB saved"
}

for ED in "${EDITIONS[@]}"; do
  APPDIR="dist/$ED/storesight"
  if [ $BUILD = 1 ]; then
  BPY="$PY"
  if [ "$ED" = cuda ] && ! "$PY" -c "import torch, ultralytics, sys; sys.exit(not torch.version.cuda)" 2>/dev/null; then
    echo "build-linux.sh: the CUDA edition needs the CUDA build of torch and ultralytics in $PY" >&2; exit 2
  fi
  [ "$ED" = cpu ] && BPY="$(cpu_python)"
  [ "$ED" = cuda ] && BPY="$(cuda_python)"
  echo "[build] $ED edition: PyInstaller (a few minutes)"
  start=$(date +%s)
  STORESIGHT_EDITION="$ED" "$BPY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "dist/$ED" --workpath "build/pyinstaller-$ED" installer/storesight.spec
  echo "$ED" > "$APPDIR/EDITION"
  cp LICENSE "$APPDIR/LICENSE"
  dedupe_libs "$APPDIR"
  echo "[build] $ED edition built in $(( $(date +%s) - start )) s: $(du -sh "$APPDIR" | cut -f1)"
  fi
  [ -x "$APPDIR/storesight" ] || { echo "build-linux.sh: no $APPDIR/storesight to pack" >&2; exit 2; }

  # zstd: several times faster than gzip/xz on a ~1 GB folder, similar size to xz -1
  if [ $TAR = 1 ]; then
    tar -C "dist/$ED" -I "zstd -T0 -10" -cf "dist/storesight-$VERSION-linux-x86_64-$ED.tar.zst" storesight
  fi

  [ $DEB = 0 ] && continue
  # .deb: /opt/storesight, /usr/bin/storesight, a desktop entry and the icon
  PKG=storesight; [ "$ED" = cuda ] && PKG=storesight-cuda
  STAGE="build/deb-$ED"
  rm -rf "$STAGE"
  mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/icons/hicolor/256x256/apps" "$STAGE/usr/share/doc/$PKG"
  # hard links (same file system): staging a 5 GB CUDA folder must not need another 5 GB
  cp -al "$APPDIR" "$STAGE/opt/storesight" 2>/dev/null || cp -a "$APPDIR" "$STAGE/opt/storesight"
  ln -s /opt/storesight/storesight "$STAGE/usr/bin/storesight"
  cp installer/linux/storesight.desktop "$STAGE/usr/share/applications/storesight.desktop"
  cp installer/linux/storesight.png "$STAGE/usr/share/icons/hicolor/256x256/apps/storesight.png"
  cp LICENSE "$STAGE/usr/share/doc/$PKG/copyright"
  SIZE_KB=$(du -sk "$STAGE" | cut -f1)
  OTHER=storesight-cuda; [ "$ED" = cuda ] && OTHER=storesight
  sed -e "s/@PACKAGE@/$PKG/" -e "s/@VERSION@/$VERSION/" -e "s/@SIZE@/$SIZE_KB/" -e "s/@OTHER@/$OTHER/" \
    -e "s/@EDITION@/$ED/" installer/linux/control.in > "$STAGE/DEBIAN/control"
  install -m 0755 installer/linux/postinst "$STAGE/DEBIAN/postinst"
  install -m 0755 installer/linux/postrm "$STAGE/DEBIAN/postrm"
  DEB="dist/${PKG}_${VERSION}_amd64.deb"
  # zstd needs dpkg >= 1.21.18 on the target (Debian 12, Ubuntu 22.04+); DEB_COMPRESS=xz for older ones
  COMP="${DEB_COMPRESS:-zstd}"; LEVEL=6; [ "$COMP" = zstd ] && LEVEL=10
  dpkg-deb --build --root-owner-group "-Z$COMP" "-z$LEVEL" "$STAGE" "$DEB" >/dev/null
  rm -rf "$STAGE"
  echo "[build] $DEB: $(du -h "$DEB" | cut -f1)"
  [ $TAR = 1 ] && echo "[build] dist/storesight-$VERSION-linux-x86_64-$ED.tar.zst: $(du -h "dist/storesight-$VERSION-linux-x86_64-$ED.tar.zst" | cut -f1)"
done
echo "[build] done"
