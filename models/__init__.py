"""Inference backends (person detection, tracking, later pose/face/plates) and their registry."""

import os

# PyTorch's OpenMP worker threads sleep when idle instead of spin-waiting (read once, when torch loads;
# every torch import of the app goes through this package). On a busy 2-core box, spinning workers
# made YOLO on 2 threads 15x slower than on 1 (4.5 s vs 0.3 s a frame); passive, 2 threads ran as fast
# as 1 there and faster on a quiet box. ONNX Runtime sessions get the same ("allow_spinning" = 0).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
