"""Helpers of the face tests: the real pictures (tests/data/faces) and a person frame built from one."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

FACES = Path(__file__).resolve().parent / "data" / "faces"


def picture(name: str) -> np.ndarray:
    """A test picture (BGR)."""
    img = cv2.imread(str(FACES / f"{name}.jpg"))
    assert img is not None, name
    return img


def person_frame(name: str, width: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A tall frame with a portrait at the top (head and shoulders) over a grey "body", and its person box."""
    img = picture(name)
    h = round(img.shape[0] * width / img.shape[1])
    top = cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA)
    frame = np.full((max(3 * h, 900), width + 200, 3), 90, np.uint8)
    frame[:h, 100 : 100 + width] = top
    return frame, np.array([100.0, 0.0, 100.0 + width, frame.shape[0] - 1.0], np.float32)


def random_deepface_weights(folder: Path, seed: int = 0) -> None:
    """Random-weight ONNX graphs under deepface's weight names (ArcFace, Age, Gender), for plumbing and speed only.

    Same inputs and outputs as deepface's own ONNX files (NHWC float images; 512-D embedding, 101 age
    probabilities, 2 gender probabilities), so deepface's real code runs end to end here, where its
    weights cannot be downloaded. What they compute is meaningless.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)

    def graph(side: int, out: int, softmax: bool) -> onnx.ModelProto:
        conv = (rng.standard_normal((8, 3, 8, 8)) * 0.05).astype(np.float32)
        cells = 8 * (side // 8) ** 2
        w = (rng.standard_normal((cells, out)) * 0.01).astype(np.float32)
        nodes = [
            helper.make_node("Transpose", ["x"], ["nchw"], perm=[0, 3, 1, 2]),
            helper.make_node("Conv", ["nchw", "k"], ["c"], strides=[8, 8]),
            helper.make_node("Flatten", ["c"], ["f"]),
            helper.make_node("MatMul", ["f", "w"], ["z" if softmax else "y"]),
        ]
        if softmax:
            nodes.append(helper.make_node("Softmax", ["z"], ["y"], axis=1))
        g = helper.make_graph(
            nodes, "random", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", side, side, 3])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", out])],
            [numpy_helper.from_array(conv, "k"), numpy_helper.from_array(w, "w")],
        )  # fmt: skip
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)

    onnx.save(graph(112, 512, False), folder / "arcface_weights.onnx")
    onnx.save(graph(224, 101, True), folder / "age_model_weights.onnx")
    onnx.save(graph(224, 2, True), folder / "gender_model_weights.onnx")


def portrait_video(
    path: Path, names: tuple[str, ...] = ("obama2", "biden"), seconds: float = 4.0, fps: int = 10
) -> Path:
    """A short MJPG video of portraits (a door camera's close view): each person for ``seconds``, a gap between.

    Each portrait moves a few pixels per frame (the tracker sees a person, not a still picture).
    """
    import cv2

    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    for name in names:
        img = picture(name)
        s = 440 / img.shape[0]
        p = cv2.resize(img, (round(img.shape[1] * s), 440), interpolation=cv2.INTER_AREA)
        for k in range(int(seconds * fps)):
            f = np.full((480, 640, 3), 120, np.uint8)
            x = (640 - p.shape[1]) // 2 + (k % 6) - 3
            f[20:460, x : x + p.shape[1]] = p
            out.write(f)
        for _ in range(int(fps)):  # an empty second: the track ends
            out.write(np.full((480, 640, 3), 120, np.uint8))
    out.release()
    return path
