#!/usr/bin/env bash
# Smoke-check the CUDA edition (not in CI: ~5 GB, a 20–40 min build on 2 cores). Run after
#   PYTHON=.venv/bin/python bash installer/build-linux.sh cuda --no-tar
# It starts the built program as a user would (no venv on PATH, a scratch data folder) and prints:
# sizes; --version; `doctor` (edition cuda, the GPU line: on a machine without an NVIDIA driver it
# must say that everything runs on the CPU); ONNX Runtime's CUDA provider inside the bundle
# (which of its libraries resolve: on a machine without a driver only libcuda.so.1 may be missing);
# the GPU selection path for real (NanoDet with device=auto → the CUDA provider is asked for, cannot
# start without a driver, the CPU runs; YOLO from its yaml on the CUDA build of PyTorch → CPU);
# a missing video → exit 3 in one line; the window's start-up time offscreen.
#
#   bash installer/check-cuda-bundle.sh [dist/cuda/storesight]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP="${1:-$ROOT/dist/cuda/storesight}"
EXE="$APP/storesight"
[ -x "$EXE" ] || { echo "check-cuda-bundle.sh: no program at $EXE (build it: bash installer/build-linux.sh cuda)" >&2; exit 2; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
run() {  # the bundle as a user starts it: no Python, no venv
  env -i PATH=/usr/bin:/bin HOME="$TMP" STORESIGHT_DATA_DIR="$TMP/data" QT_QPA_PLATFORM=offscreen LANG=C.UTF-8 "$@"
}
fail=0
check() { if eval "$2"; then echo "PASS  $1"; else echo "FAIL  $1"; fail=1; fi; }

echo "== $(date -u +%FT%TZ) $(uptime)"
echo "== sizes"
du -sh "$APP" | sed 's/^/folder: /'
du -sh "$APP"/_internal/{torch,nvidia,torchvision,onnxruntime,cv2,PySide6,ultralytics} 2>/dev/null | sort -h
ls -la "$ROOT"/dist/storesight-cuda_*_amd64.deb 2>/dev/null | awk '{printf "deb: %s %.0f MB\n", $9, $5/1048576}'

echo "== --version"
t0=$(date +%s.%N); v="$(run "$EXE" --version 2>&1)"; rc=$?; t1=$(date +%s.%N)
echo "$v  (rc $rc, $(echo "$t1 - $t0" | bc) s)"
check "--version" "[ $rc = 0 ] && [[ \"$v\" == StoreSight* ]]"

echo "== doctor"
run "$EXE" doctor > "$TMP/doctor.txt" 2> "$TMP/doctor.err"; rc=$?
cat "$TMP/doctor.txt"; echo "-- doctor stderr (ONNX Runtime's own log lines):"; cat "$TMP/doctor.err"
run "$EXE" doctor --json > "$TMP/doctor.json" 2>/dev/null
check "doctor exit 0 (warnings allowed)" "[ $rc = 0 ]"
check "doctor: edition cuda" "grep -q '\"edition\": \"cuda\"' '$TMP/doctor.json'"
check "doctor: onnxruntime GPU build" "grep -q 'GPU build (.*CUDAExecutionProvider' '$TMP/doctor.txt'"
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  check "doctor: a GPU is used" "grep -q 'GPU:' '$TMP/doctor.txt'"
else
  check "doctor: no GPU → one clear line that the CPU runs" "grep -q 'CUDA edition without a usable NVIDIA GPU: everything runs on the CPU' '$TMP/doctor.txt'"
  check "doctor: the CUDA provider was asked for and fell back to the CPU" "grep -q 'run on CPU: CUDA on GPU 0 did not start (' '$TMP/doctor.txt'"
  check "doctor: ... and says why: only the driver is missing" "grep -q 'did not start (libcuda.so.1: cannot open shared object file' '$TMP/doctor.txt'"
fi

echo "== ONNX Runtime's CUDA provider inside the bundle: unresolved libraries (the bootloader's LD_LIBRARY_PATH + RUNPATHs)"
PROV="$(find "$APP/_internal" -name 'libonnxruntime_providers_cuda.so' | head -1)"
echo "provider: ${PROV#"$APP"/}"
# torch is imported first (models/runtime.py): its CUDA libraries are loaded from the bundle's
# nvidia/ folders; so they are searched here the same way
LIBS="$APP/_internal:$(find "$APP/_internal/nvidia" -type d -name lib | tr '\n' ':')"
missing="$(LD_LIBRARY_PATH="$LIBS" ldd "$PROV" | grep 'not found' | awk '{print $1}' | sort -u | tr '\n' ' ')"
echo "not found: ${missing:-(none)}"
check "only the driver's libcuda.so.1 may be missing" "[ -z \"\$(echo $missing | tr ' ' '\n' | grep -v '^libcuda.so.1$' | grep .)\" ]"

VIDEO="$APP/_internal/resources/demo/vtest.avi"
echo "== GPU selection path for real: NanoDet, device auto, 40 frames"
run "$EXE" bench "$VIDEO" --backend nanodet --frames 40 > "$TMP/b1.txt" 2> "$TMP/b1.err"; rc=$?
tail -n 12 "$TMP/b1.txt"; grep -v '^\s*$' "$TMP/b1.err" | tail -n 6
check "bench nanodet (auto device) rc 0" "[ $rc = 0 ]"
echo "== YOLO (yolo11n.yaml, random weights: speed only) on the CUDA build of PyTorch, device auto, 20 frames"
run "$EXE" bench "$VIDEO" --backend yolo --yolo-model yolo11n.yaml --frames 20 > "$TMP/b2.txt" 2> "$TMP/b2.err"; rc=$?
tail -n 12 "$TMP/b2.txt"; grep -v '^\s*$' "$TMP/b2.err" | tail -n 6
check "bench yolo (auto device) rc 0" "[ $rc = 0 ]"
check "YOLO really ran (not the NanoDet fallback)" "grep -q '^detector: using Ultralytics YOLO yolo11n.yaml' '$TMP/b2.txt'"
check "on the CUDA build of PyTorch" "grep -q '^detector ran on: PyTorch [0-9.]*+cu[0-9]* on ' '$TMP/b2.txt'"

echo "== a missing video"
run "$EXE" analyze "$TMP/missing.mp4" > /dev/null 2> "$TMP/m.err"; rc=$?
cat "$TMP/m.err"
check "missing video → exit 3, one line, no traceback" "[ $rc = 3 ] && ! grep -q Traceback '$TMP/m.err' && [ \$(grep -c 'storesight: error:' '$TMP/m.err') = 1 ]"

echo "== window start-up (offscreen, shown then quit), 3 starts"
for i in 1 2 3; do
  t0=$(date +%s.%N); run env STORESIGHT_QUIT_WHEN_SHOWN=1 "$EXE" gui --db "$TMP/w.db" > /dev/null 2>&1; rc=$?; t1=$(date +%s.%N)
  echo "start $i: $(echo "$t1 - $t0" | bc) s (rc $rc)"
done
echo "== $(uptime)"
[ $fail = 0 ] && echo "ALL PASSED" || echo "SOME CHECKS FAILED"
exit $fail
