#!/usr/bin/env bash
# The capacity of one GPU box: N cameras at 1080p through `storesight serve`'s engine, YOLO on the GPU.
# Needs an NVIDIA driver, the CUDA build of torch (the registry's, see MODELS.md) and, for the ONNX
# path, onnxruntime-gpu. Prints the GPU, what the detector chose and why, then one line per N:
#   cameras held: K of N at F fps each, p95 frame-to-event latency X s, CPU Y %, RSS Z MB
# Usage: benchmarks/gpu.sh [YOLO_WEIGHTS=yolo11n.pt] [FPS=10] [SECONDS=30] [NS="4 8 12 16 24 32"]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
WEIGHTS=${YOLO_WEIGHTS:-yolo11n.pt}
FPS=${FPS:-10}
SECONDS_=${SECONDS:-30}
NS=${NS:-"4 8 12 16 24 32"}
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu.sh: no NVIDIA GPU here (nvidia-smi missing or finds none); run it on the GPU box" >&2
  exit 3
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
uptime
"$PY" - <<'PYEOF'
import onnxruntime as ort, torch
print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
print("onnxruntime", ort.__version__, "providers", ort.get_available_providers())
from models.runtime import ort_providers
print("ONNX Runtime would use:", ort_providers("auto")[1])
PYEOF
for n in $NS; do
  echo "--- $n cameras, 1920x1080, $FPS fps, YOLO $WEIGHTS on the GPU"
  PYTHONPATH=$PWD "$PY" -m app.cli.main bench --cameras "$n" --fps "$FPS" --seconds "$SECONDS_" \
    --resolution 1920x1080 --backend yolo --yolo-model "$WEIGHTS" | grep -E "^detector:|^cameras held:"
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
done
uptime
