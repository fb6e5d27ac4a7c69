"""Build an ONNX age + gender model from ``@vladmandic/face-api``'s ``age_gender_model`` weights.

Development-time tool (needs ``onnx`` and ``onnxruntime``, both in the dev venv; no TensorFlow).
The npm package ships the weights of face-api.js's ``AgeGenderNet`` (MIT licence) as a TF.js
*weights manifest* (no graph): ``model/age_gender_model-weights_manifest.json`` +
``model/age_gender_model.bin``, 8-bit quantised (``value = q * scale + min`` per tensor). The graph
is written here from the package's own source (``src/xception/TinyXception.ts``,
``src/ageGenderNet/AgeGenderNet.ts``):

* input: RGB 0–255, 112 x 112 (face-api pads the face crop to a square, centred, then resizes
  bilinearly); minus the mean RGB ``(122.782, 117.001, 104.298)``, divided by 255;
* TinyXception(2): conv 3x3/2 + ReLU; two reduction blocks (separable convs, max-pool 3x3/2 and a
  1x1/2 expansion conv as the shortcut; the first without the input ReLU); two main blocks (three
  ReLU + separable conv, residual); an exit reduction block; separable conv + ReLU → 7 x 7 x 512;
* average pool 7x7 → 512 features; ``fc/age`` → age in years (regression); ``fc/gender`` → softmax,
  index 0 = male, 1 = female.

TensorFlow's ``SAME`` padding puts the odd pixel at the end: ONNX ``auto_pad=SAME_UPPER`` is the
same. The weights stay 8-bit in the file (``uint8`` initializer → ``Cast`` → ``Mul(scale)`` →
``Add(min)``), so the file is as small as the package's (≈ 0.45 MB) and the values are exact.

Usage:
    npm pack @vladmandic/face-api@1.7.15 && tar xzf vladmandic-face-api-1.7.15.tgz
    python models/convert/convert_face_api_age_gender.py --package package \
        --out models/weights/age_gender/age_gender.onnx
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

MEAN_RGB = (122.782, 117.001, 104.298)
INPUT_SIZE = 112


def load_weights(package: Path) -> dict[str, np.ndarray]:
    """Read the manifest and the .bin; return float32 tensors (quantised ones dequantised).

    Also returns, under ``name + '#q'``, the raw uint8 codes with scale and min for the graph.
    """
    model_dir = package / "model"
    manifest = json.loads((model_dir / "age_gender_model-weights_manifest.json").read_text())
    out: dict[str, Any] = {}
    for group in manifest:
        data = b"".join((model_dir / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q:
                dt = np.dtype(q["dtype"])
                raw = np.frombuffer(data, dtype=dt, count=n, offset=offset).reshape(w["shape"])
                offset += n * dt.itemsize
                out[w["name"]] = raw.astype(np.float32) * q["scale"] + q["min"]
                out[w["name"] + "#q"] = (raw.copy(), float(q["scale"]), float(q["min"]))
            else:
                raw = np.frombuffer(data, dtype=np.float32, count=n, offset=offset).reshape(w["shape"])
                offset += n * 4
                out[w["name"]] = raw.copy()
        if offset != len(data):
            raise SystemExit(f"manifest/bin size mismatch: read {offset} of {len(data)} bytes")
    return out


class _Builder:
    """Small helper that emits ONNX nodes and 8-bit initializers."""

    def __init__(self, weights: dict[str, Any]) -> None:
        self.w = weights
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.k = 0

    def _name(self, base: str) -> str:
        self.k += 1
        return f"{base}_{self.k}"

    def tensor(self, name: str, layout: str) -> str:
        """An initializer for weight ``name`` transposed to ONNX layout; returns its float output name."""
        from onnx import TensorProto, helper, numpy_helper

        perm = {"conv": (3, 2, 0, 1), "dw": (2, 3, 0, 1), "fc": (0, 1), "bias": None}[layout]
        qkey = name + "#q"
        if qkey in self.w:
            codes, scale, vmin = self.w[qkey]
            codes = codes.transpose(perm) if perm else codes
            base = name.replace("/", "_")
            self.inits.append(numpy_helper.from_array(np.ascontiguousarray(codes), base + "_q"))
            self.inits.append(numpy_helper.from_array(np.array(scale, np.float32), base + "_scale"))
            self.inits.append(numpy_helper.from_array(np.array(vmin, np.float32), base + "_min"))
            self.nodes += [
                helper.make_node("Cast", [base + "_q"], [base + "_f"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [base + "_f", base + "_scale"], [base + "_s"]),
                helper.make_node("Add", [base + "_s", base + "_min"], [base]),
            ]
            return base
        arr = self.w[name]
        arr = arr.transpose(perm) if perm else arr
        base = name.replace("/", "_")
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, dtype=np.float32), base))
        return base

    def node(self, op: str, inputs: list[str], **attrs: Any) -> str:
        from onnx import helper

        out = self._name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv(self, x: str, prefix: str, stride: int) -> str:
        w = self.tensor(prefix + "/filters", "conv")
        b = self.tensor(prefix + "/bias", "bias")
        k = self.w[prefix + "/filters"].shape[0]
        return self.node("Conv", [x, w, b], kernel_shape=[k, k], strides=[stride, stride],
                         auto_pad="SAME_UPPER")

    def sep_conv(self, x: str, prefix: str) -> str:
        dw = self.tensor(prefix + "/depthwise_filter", "dw")
        ch = self.w[prefix + "/depthwise_filter"].shape[2]
        out = self.node("Conv", [x, dw], kernel_shape=[3, 3], strides=[1, 1], group=ch,
                        auto_pad="SAME_UPPER")
        pw = self.tensor(prefix + "/pointwise_filter", "conv")
        b = self.tensor(prefix + "/bias", "bias")
        return self.node("Conv", [out, pw, b], kernel_shape=[1, 1])

    def relu(self, x: str) -> str:
        return self.node("Relu", [x])

    def reduction(self, x: str, prefix: str, activate_input: bool = True) -> str:
        out = self.relu(x) if activate_input else x
        out = self.sep_conv(out, prefix + "/separable_conv0")
        out = self.sep_conv(self.relu(out), prefix + "/separable_conv1")
        out = self.node("MaxPool", [out], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")
        return self.node("Add", [out, self.conv(x, prefix + "/expansion_conv", 2)])

    def main_block(self, x: str, prefix: str) -> str:
        out = self.sep_conv(self.relu(x), prefix + "/separable_conv0")
        out = self.sep_conv(self.relu(out), prefix + "/separable_conv1")
        out = self.sep_conv(self.relu(out), prefix + "/separable_conv2")
        return self.node("Add", [out, x])


def build_model(weights: dict[str, Any]) -> Any:
    """The AgeGenderNet graph: input ``image`` [N,3,112,112] RGB 0–255 → ``age`` [N,1], ``gender`` [N,2]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    b = _Builder(weights)
    b.inits.append(numpy_helper.from_array(np.array(MEAN_RGB, np.float32).reshape(1, 3, 1, 1), "mean_rgb"))
    b.inits.append(numpy_helper.from_array(np.array(1.0 / 255.0, np.float32), "inv255"))
    x = b.node("Sub", ["image", "mean_rgb"])
    x = b.node("Mul", [x, "inv255"])
    x = b.relu(b.conv(x, "entry_flow/conv_in", 2))
    x = b.reduction(x, "entry_flow/reduction_block_0", activate_input=False)
    x = b.reduction(x, "entry_flow/reduction_block_1")
    for i in range(2):
        x = b.main_block(x, f"middle_flow/main_block_{i}")
    x = b.reduction(x, "exit_flow/reduction_block")
    x = b.relu(b.sep_conv(x, "exit_flow/separable_conv"))
    x = b.node("AveragePool", [x], kernel_shape=[7, 7], strides=[2, 2])
    feat = b.node("Flatten", [x], axis=1)
    age_w = b.tensor("fc/age/weights", "fc")
    age_b = b.tensor("fc/age/bias", "bias")
    g_w = b.tensor("fc/gender/weights", "fc")
    g_b = b.tensor("fc/gender/bias", "bias")
    age = b.node("Add", [b.node("MatMul", [feat, age_w]), age_b])
    logits = b.node("Add", [b.node("MatMul", [feat, g_w]), g_b])
    b.nodes.append(helper.make_node("Identity", [age], ["age"]))
    b.nodes.append(helper.make_node("Softmax", [logits], ["gender"], axis=1))
    graph = helper.make_graph(
        b.nodes, "face_api_age_gender",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", 3, INPUT_SIZE, INPUT_SIZE])],
        [helper.make_tensor_value_info("age", TensorProto.FLOAT, ["n", 1]),
         helper.make_tensor_value_info("gender", TensorProto.FLOAT, ["n", 2])],
        b.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="storesight convert_face_api_age_gender.py")
    model.ir_version = 8
    for k, v in {
        "source": "@vladmandic/face-api 1.7.15 model/age_gender_model (face-api.js AgeGenderNet)",
        "licence": "MIT",
        "input": "RGB 0-255, face crop padded to a centred square, resized to 112x112 bilinear",
        "outputs": "age: years (regression); gender: softmax [male, female]",
    }.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
    onnx.checker.check_model(model)
    return model


def reference_forward(weights: dict[str, np.ndarray], image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A plain numpy forward pass (NHWC, TensorFlow SAME padding) to check the ONNX graph against."""

    def pad_same(x: np.ndarray, k: int, s: int, value: float = 0.0) -> np.ndarray:
        h, w = x.shape[1:3]
        ph = max((-(-h // s) - 1) * s + k - h, 0)
        pw = max((-(-w // s) - 1) * s + k - w, 0)
        return np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)),
                      constant_values=value)

    def conv(x: np.ndarray, f: np.ndarray, s: int) -> np.ndarray:
        k = f.shape[0]
        xp = pad_same(x, k, s)
        h = (xp.shape[1] - k) // s + 1
        w = (xp.shape[2] - k) // s + 1
        out = np.zeros((x.shape[0], h, w, f.shape[3]), np.float32)
        for i in range(k):
            for j in range(k):
                patch = xp[:, i:i + s * h:s, j:j + s * w:s, :]
                out += patch @ f[i, j]
        return out

    def dwconv(x: np.ndarray, f: np.ndarray) -> np.ndarray:
        xp = pad_same(x, 3, 1)
        h, w = x.shape[1:3]
        out = np.zeros_like(x)
        for i in range(3):
            for j in range(3):
                out += xp[:, i:i + h, j:j + w, :] * f[i, j, :, 0]
        return out

    def sep(x: np.ndarray, p: str) -> np.ndarray:
        y = dwconv(x, weights[p + "/depthwise_filter"])
        return y @ weights[p + "/pointwise_filter"][0, 0] + weights[p + "/bias"]

    def maxpool(x: np.ndarray) -> np.ndarray:
        xp = pad_same(x, 3, 2, -np.inf)
        h = (xp.shape[1] - 3) // 2 + 1
        w = (xp.shape[2] - 3) // 2 + 1
        out = np.full((x.shape[0], h, w, x.shape[3]), -np.inf, np.float32)
        for i in range(3):
            for j in range(3):
                out = np.maximum(out, xp[:, i:i + 2 * h:2, j:j + 2 * w:2, :])
        return out

    relu = lambda a: np.maximum(a, 0)  # noqa: E731

    def red(x: np.ndarray, p: str, act: bool = True) -> np.ndarray:
        out = relu(x) if act else x
        out = sep(out, p + "/separable_conv0")
        out = maxpool(sep(relu(out), p + "/separable_conv1"))
        return out + conv(x, weights[p + "/expansion_conv/filters"], 2) + weights[p + "/expansion_conv/bias"]

    x = (image.astype(np.float32) - np.array(MEAN_RGB, np.float32)) / 255.0
    x = relu(conv(x, weights["entry_flow/conv_in/filters"], 2) + weights["entry_flow/conv_in/bias"])
    x = red(x, "entry_flow/reduction_block_0", act=False)
    x = red(x, "entry_flow/reduction_block_1")
    for i in range(2):
        p = f"middle_flow/main_block_{i}"
        out = sep(relu(x), p + "/separable_conv0")
        out = sep(relu(out), p + "/separable_conv1")
        x = sep(relu(out), p + "/separable_conv2") + x
    x = red(x, "exit_flow/reduction_block")
    x = relu(sep(x, "exit_flow/separable_conv"))
    feat = x.mean(axis=(1, 2))
    age = feat @ weights["fc/age/weights"] + weights["fc/age/bias"]
    logits = feat @ weights["fc/gender/weights"] + weights["fc/gender/bias"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return age, e / e.sum(axis=1, keepdims=True)


def main() -> int:
    """Build, save and check the model; print its size and sha256."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", type=Path, required=True, help="unpacked npm package folder")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    import onnx
    import onnxruntime as ort

    weights = load_weights(args.package)
    model = build_model(weights)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(args.out))
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (2, INPUT_SIZE, INPUT_SIZE, 3)).astype(np.float32)
    sess = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    age, gender = sess.run(None, {"image": img.transpose(0, 3, 1, 2)})
    ref_age, ref_gender = reference_forward(weights, img)
    d = max(float(np.abs(age - ref_age).max()), float(np.abs(gender - ref_gender).max()))
    print(f"ONNX vs numpy reference on random input: max abs diff {d:.2e}")
    if d > 1e-3:
        raise SystemExit("ONNX graph does not match the reference forward pass")
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
