"""INT8 static quantisation of the built-in NanoDet with ONNX Runtime (reproduces ``nanodet-int8.onnx``).

Development-time tool (needs ``onnx``, which ``scripts/setup.sh --test`` installs; the app only
needs ``onnxruntime`` to run the result). Steps:

1. Load ``models/weights/nanodet/nanodet.onnx`` and fold its float16 weights + ``Cast`` back into
   float32 initializers (the quantiser only quantises float32 weights); fix the input to
   ``[1, 3, S, S]`` (S = 416) so calibration and shape inference see static shapes.
2. ``onnxruntime.quantization.quant_pre_process`` (shape inference, graph optimisation).
3. Calibrate on frames of the demo video ``resources/demo/vtest.avi``, preprocessed exactly as
   :meth:`models.nanodet.NanoDetBackend.preprocess` does (every ``--every``-th frame of the first
   ``--calib-frames`` frames; MinMax calibration by default, ``--method percentile`` also works).
4. ``quantize_static`` in QDQ format, **convolutions only**: weights int8 per channel, their
   input activations uint8 per tensor. Everything else (``Pad``, ``LeakyRelu``, ``Concat``,
   ``Resize``, ``Add``, the ``Sigmoid`` of the scores, the output reshapes) stays float. Quantising
   every op (the tool's default) ruined the model: the person scores of a frame with seven people
   fell from 0.84 to 0.04 — caught by the check below, which compares detections, not mean score
   differences (those looked fine: 0.005).
5. Check on frames NOT used for calibration: per frame the highest person score and the number
   of cells scoring ≥ 0.35 for a person, float vs INT8; the size and sha256.

Usage (from the repository root):
    python models/convert/quantize_nanodet.py --out models/weights/nanodet/nanodet-int8.onnx

The input height/width are fixed at ``--size`` (416): the quantised model runs at that size only.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from models.nanodet import _INV_STD_BGR, _MEAN_BGR, DEFAULT_MODEL_PATH  # noqa: E402

DEMO_VIDEO = ROOT / "resources" / "demo" / "vtest.avi"


def preprocess(image: np.ndarray, size: int) -> np.ndarray:
    """The network input of one BGR frame, as :meth:`NanoDetBackend.preprocess` makes it."""
    resized = cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR)
    blob = cv2.dnn.blobFromImage(resized)
    blob -= _MEAN_BGR.reshape(1, 3, 1, 1)
    blob *= _INV_STD_BGR.reshape(1, 3, 1, 1)
    return blob


def demo_frames(first: int, last: int, every: int) -> list[np.ndarray]:
    """Frames ``first, first+every, …`` (< ``last``) of the demo video."""
    cap = cv2.VideoCapture(str(DEMO_VIDEO))
    out: list[np.ndarray] = []
    i = 0
    while i < last:
        ok, img = cap.read()
        if not ok:
            break
        if i >= first and (i - first) % every == 0:
            out.append(img)
        i += 1
    cap.release()
    return out


def float32_model(src: Path, dst: Path, size: int) -> None:
    """Fold float16 initializers + Cast into float32 initializers; fix the input to 1x3xSxS."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(src))
    inits = {i.name: i for i in m.graph.initializer}
    keep = []
    for n in m.graph.node:
        if n.op_type == "Cast" and n.input[0] in inits:
            arr = numpy_helper.to_array(inits[n.input[0]])
            if arr.dtype == np.float16:
                new = numpy_helper.from_array(arr.astype(np.float32), n.output[0])
                m.graph.initializer.append(new)
                continue
        keep.append(n)
    del m.graph.node[:]
    m.graph.node.extend(keep)
    used = {i for n in m.graph.node for i in n.input}
    for init in list(m.graph.initializer):
        if init.name not in used:
            m.graph.initializer.remove(init)
    dims = m.graph.input[0].type.tensor_type.shape.dim
    for d, v in zip(dims, (1, 3, size, size), strict=True):
        d.ClearField("dim_param")
        d.dim_value = v
    onnx.checker.check_model(m)
    onnx.save(m, str(dst))


class _Reader:
    """Calibration data: preprocessed demo frames, one at a time."""

    def __init__(self, name: str, frames: list[np.ndarray], size: int) -> None:
        self._it = iter([{name: preprocess(f, size)} for f in frames])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._it, None)


def main(argv: list[str] | None = None) -> int:
    """Quantise, check, print the size and sha256."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_MODEL_PATH)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--size", type=int, default=416)
    ap.add_argument("--calib-frames", type=int, default=400, help="calibrate on the first N frames")
    ap.add_argument("--every", type=int, default=8, help="every k-th of them (default 8: 50 frames)")
    ap.add_argument("--method", choices=["minmax", "percentile", "entropy"], default="minmax")
    args = ap.parse_args(argv)

    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as tmp:
        f32 = Path(tmp) / "f32.onnx"
        pre = Path(tmp) / "pre.onnx"
        float32_model(args.src, f32, args.size)
        quant_pre_process(str(f32), str(pre), skip_symbolic_shape=True)
        m = onnx.load(str(pre))
        name = m.graph.input[0].name
        frames = demo_frames(0, args.calib_frames, args.every)
        print(
            f"calibration: {len(frames)} frames of {DEMO_VIDEO.name} (0–{args.calib_frames - 1}, every {args.every})"
        )
        method = {
            "minmax": CalibrationMethod.MinMax,
            "percentile": CalibrationMethod.Percentile,
            "entropy": CalibrationMethod.Entropy,
        }[args.method]
        quantize_static(
            str(pre),
            str(args.out),
            _Reader(name, frames, args.size),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=method,
            op_types_to_quantize=["Conv"],
        )
        ref = ort.InferenceSession(str(f32), providers=["CPUExecutionProvider"])
    q = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    held_out = demo_frames(args.calib_frames, args.calib_frames + 400, 40)
    worst = 0.0
    print("held-out frame: best person score float / int8, person cells >= 0.35 float / int8")
    for k, img in enumerate(held_out):
        x = {name: preprocess(img, args.size)}
        a, b = ref.run(None, x), q.run(None, x)
        pa = np.concatenate([o[0, :, 0] for o in a if o.shape[-1] == 80])  # person scores, all strides
        pb = np.concatenate([o[0, :, 0] for o in b if o.shape[-1] == 80])
        worst = max(worst, abs(float(pa.max() - pb.max())))
        print(f"  {args.calib_frames + 40 * k:4d}: {pa.max():.2f} / {pb.max():.2f}, "
              f"{int((pa >= 0.35).sum())} / {int((pb >= 0.35).sum())}")  # fmt: skip
    data = args.out.read_bytes()
    print(f"largest difference of a frame's best person score: {worst:.3f}")
    if worst > 0.15:
        print("the INT8 model does not agree with the float one: do not use it", file=sys.stderr)
        return 1
    print(f"{args.out}: {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
