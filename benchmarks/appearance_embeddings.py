"""Is the detector's own feature map a better appearance embedding than colour histograms? (issue 12)

Measured on the hand-checked ground truth of both tracking clips (``tests/data/tracking/vtest_gt.txt`` and
``crossings_gt.txt``), before anything is plugged into the tracker:

- **embeddings per GT box**: the colour histograms the tracker uses (:func:`models.appearance.
  body_colour_features`) against intermediate feature maps of the shipped NanoDet, exposed as extra graph
  outputs of an in-memory copy of ``models/weights/nanodet/nanodet.onnx`` (the file is not changed). Each map
  is ROI-averaged inside the box (ROI-align: 4 × 8 bilinear samples per part) over the upper body (15–50 % of
  the height) and the lower body (50–85 %), the middle 60 % of the width (as the colour histograms), the two
  parts concatenated and L2-normalised. ``/c``: centred first on the mean embedding of the *other* clip
  (so nothing is fitted to the clip measured), then L2-normalised. ``colour+X w``: the distance
  ``(1 - w) · colour + w · X``. ``/z``: each channel standardised by the other clip's mean and standard
  deviation, then L2-normalised;
- **pairs**: a query box at frame f against the boxes at an earlier labelled frame f' (1–30 frames, up to
  3 s, back; the demo's labels are every 20th frame plus two full-rate stretches, the clip's every frame) of
  the same person (positive) and of the people close to the query at f (centres within 1.5 body heights;
  negative) — the choice the tracker has to make. ``AUC`` = P(negative distance > positive distance);
  ``rank-1`` = the nearest of these earlier boxes is the same person; ``merged``: the same, for query boxes
  overlapping another person's (IoU > 0.3), where switches happen;
- **episodes**: the merged-box episodes of the demo's remaining ID switches (the identity-lag note,
  ``docs/notes/2026-12-06/issue-12-session5-lag.md``): for each box of the two people in the merged frames,
  whether it is closer to its own look before the crossing than to the other person's (mean distance to
  3 frames where they were apart);
- **cost**: the network's ms per frame with and without the extra output (one thread), and the ms per person
  of the pooling against the colour histograms.

Usage: .venv/bin/python benchmarks/appearance_embeddings.py [--cache /tmp/appearance_embeddings.pkl]
"""

from __future__ import annotations

import argparse
import itertools
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.mot_eval import iou_matrix, read_mot  # noqa: E402
from models.appearance import body_colour_features  # noqa: E402
from models.nanodet import _INV_STD_BGR, _MEAN_BGR, DEFAULT_MODEL_PATH  # noqa: E402

SIZE = 416
DATA = ROOT / "tests" / "data" / "tracking"
CLIPS = {
    "demo": (ROOT / "resources" / "demo" / "vtest.avi", DATA / "vtest_gt.txt"),
    "crossings": (DATA / "crossings.avi", DATA / "crossings_gt.txt"),
}
#: how far back the earlier boxes of a choice may lie, in frames (3 s at the clips' 10 fps)
BACK = 30
#: NanoDet (ShuffleNetV2 backbone, PAN neck) tensors: name -> (graph tensor, what it is)
LAYERS = {
    "S4": ("PartitionedCall/onnx_tf_prefix_Concat_12:0", "backbone stage 1, stride 4, 64 ch"),
    "B8": ("PartitionedCall/onnx_tf_prefix_Concat_27:0", "backbone stage 2, stride 8, 128 ch"),
    "B16": ("PartitionedCall/onnx_tf_prefix_Concat_42:0", "backbone stage 3, stride 16, 256 ch"),
    "B32": ("PartitionedCall/onnx_tf_prefix_Concat_62:0", "backbone stage 4, stride 32, 512 ch"),
    "P8": ("PartitionedCall/onnx_tf_prefix_Add_107:0", "PAN output, stride 8, 128 ch"),
    "P16": ("PartitionedCall/onnx_tf_prefix_Add_128:0", "PAN output, stride 16, 128 ch"),
    "H8": ("PartitionedCall/onnx_tf_prefix_LeakyRelu_151:0", "head conv, stride 8, 128 ch"),
}
#: (x from, x to, y from, y to) as fractions of the box: upper body, lower body
PARTS = ((0.2, 0.8, 0.15, 0.5), (0.2, 0.8, 0.5, 0.85))
#: the merged-box episodes: (GT a, GT b, merged frames, frames before where a and b are apart (a, b))
EPISODES = (
    (18, 26, (141,), (121,), (150, 151, 152)),  # labels every 20th frame only: b's look is after
    (1, 28, (154, 155, 156, 157), (150, 151, 152), (150, 151, 152)),
    (4, 5, (162, 163, 164, 165, 166, 167), (157, 158, 159), (157, 158, 159)),
    (4, 12, (162, 163, 164, 165, 166, 167), (157, 158, 159), (157, 158, 159)),
    (11, 26, (162, 163, 164, 165, 166), (158, 159, 160), (158, 159, 160)),
)
MIX_WEIGHTS = (0.2, 0.35)


def session_with_outputs(names: list[str]) -> Any:
    """The shipped NanoDet with extra graph outputs, in memory, on one thread."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(DEFAULT_MODEL_PATH))
    for n in names:
        model.graph.output.append(onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def blob(image: np.ndarray) -> np.ndarray:
    """The network input, as ``NanoDetBackend.preprocess`` makes it."""
    b = cv2.dnn.blobFromImage(cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR))
    b -= _MEAN_BGR.reshape(1, 3, 1, 1)
    b *= _INV_STD_BGR.reshape(1, 3, 1, 1)
    return b


def _axis_weights(pos: np.ndarray, n: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Mean bilinear weights of sample positions along one axis of n cells, over the cells they touch."""
    p = np.clip(pos, 0, n - 1.001)
    i0 = p.astype(np.int64)
    a = p - i0
    lo, hi = int(i0.min()), int(i0.max()) + 2
    wts = np.zeros(hi - lo)
    np.add.at(wts, i0 - lo, (1 - a) / len(p))
    np.add.at(wts, i0 + 1 - lo, a / len(p))
    return wts, (lo, hi)


def roi_embedding(fmap: np.ndarray, box: np.ndarray, scale: tuple[float, float], gx: int = 4, gy: int = 8) -> np.ndarray:
    """ROI-align average of a (C, H, W) map over the box's upper and lower body, concatenated (not normalised).

    Args:
        fmap: one feature map of a network input of ``SIZE`` px.
        box: x1 y1 x2 y2 in image pixels.
        scale: network px per image px (x, y).
        gx: samples across a part.
        gy: samples down a part.
    """
    _, h, w = fmap.shape
    st = SIZE / w
    x1, y1, x2, y2 = (float(v) for v in box)
    bw, bh = x2 - x1, y2 - y1
    out = []
    for fx1, fx2, fy1, fy2 in PARTS:
        xs = (x1 + (fx1 + (fx2 - fx1) * (np.arange(gx) + 0.5) / gx) * bw) * scale[0] / st - 0.5
        ys = (y1 + (fy1 + (fy2 - fy1) * (np.arange(gy) + 0.5) / gy) * bh) * scale[1] / st - 0.5
        # the mean of the bilinear samples is separable: row weights x map x column weights
        wy, (r0, r1) = _axis_weights(ys, h)
        wx, (c0, c1) = _axis_weights(xs, w)
        out.append(np.einsum("r,crk,k->c", wy, fmap[:, r0:r1, c0:c1], wx))
    return np.concatenate(out).astype(np.float32)


def extract(video: Path, truth: Path) -> dict[str, np.ndarray]:
    """Per GT box: frame, id, box, colour features and every layer's raw ROI embedding."""
    gt = read_mot(truth)
    sess = session_with_outputs([t for t, _ in LAYERS.values()])
    cap = cv2.VideoCapture(str(video))
    rows: dict[str, list] = {"frame": [], "id": [], "box": [], "colour": [], **{k: [] for k in LAYERS}}
    frame, last = 0, max(gt)
    while frame < last:
        ok, image = cap.read()
        if not ok:
            break
        frame += 1
        if frame not in gt:
            continue
        ids, boxes = gt[frame]
        maps = sess.run([t for t, _ in LAYERS.values()], {sess.get_inputs()[0].name: blob(image)})
        scale = (SIZE / image.shape[1], SIZE / image.shape[0])
        rows["colour"].extend(body_colour_features(image, boxes))
        for i, b in zip(ids, boxes, strict=True):
            rows["frame"].append(frame)
            rows["id"].append(int(i))
            rows["box"].append(b)
            for k, m in zip(LAYERS, maps, strict=True):
                rows[k].append(roi_embedding(m[0], b, scale))
    cap.release()
    return {k: np.asarray(v) for k, v in rows.items()}


def l2(a: np.ndarray) -> np.ndarray:
    """Rows L2-normalised."""
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)


def embeddings(rec: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Name -> (N, D) unit rows; ``/c`` centred on the other clip's mean embedding, ``/z`` per channel
    standardised on the other clip's mean and spread."""
    out = {"colour": rec["colour"].astype(np.float64)}
    for k in LAYERS:
        out[k] = l2(rec[k].astype(np.float64))
        ref = l2(other[k].astype(np.float64))
        out[k + "/c"] = l2(out[k] - ref.mean(axis=0))
        out[k + "/z"] = l2((out[k] - ref.mean(axis=0)) / (ref.std(axis=0) + 1e-6))
    return out


def distance(emb: dict[str, np.ndarray], name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine distances of rows a and b (index arrays) under an embedding or a ``colour+X w`` mix."""
    if name.startswith("colour+"):
        layer, w = name[len("colour+") :].split(" ")
        return (1 - float(w)) * distance(emb, "colour", a, b) + float(w) * distance(emb, layer, a, b)
    e = emb[name]
    return 1.0 - np.einsum("ij,ij->i", e[a], e[b])


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(a negative distance > a positive distance), ties half (Mann-Whitney).

    Example:
        >>> auc(np.array([0.1, 0.2]), np.array([0.3, 0.15]))
        0.75
    """
    allv = np.concatenate([pos, neg])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv))
    sv = allv[order]
    i = 0
    while i < len(sv):  # average ranks over ties
        j = i
        while j + 1 < len(sv) and sv[j + 1] == sv[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    rp = ranks[: len(pos)].sum()
    return float(1 - (rp - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def trials(rec: dict[str, np.ndarray], back: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(query, earlier boxes of its own id and of people close to it, which are its own id) per choice."""
    frames = sorted(set(rec["frame"].tolist()))
    by_frame = {f: np.flatnonzero(rec["frame"] == f) for f in frames}
    boxes, ids = rec["box"], rec["id"]
    out = []
    for fi, f in enumerate(frames):
        now = by_frame[f]
        ctr = (boxes[now, :2] + boxes[now, 2:]) / 2
        hgt = boxes[now, 3] - boxes[now, 1]
        near = np.hypot(*(ctr[:, None] - ctr[None]).transpose(2, 0, 1)) < 1.5 * (hgt[:, None] + hgt[None]) / 2
        for qi, q in enumerate(now):
            wanted = set(ids[now[near[qi]]].tolist())  # includes the query's own id
            for g in frames[:fi]:
                if f - g > back:
                    continue
                gal = by_frame[g][np.isin(ids[by_frame[g]], list(wanted))]
                same = ids[gal] == ids[q]
                if same.any() and len(gal) >= 2:
                    out.append((int(q), gal, same))
    return out


def merged(rec: dict[str, np.ndarray]) -> np.ndarray:
    """Whether each box overlaps another person's box of its frame with IoU > 0.3."""
    m = np.zeros(len(rec["id"]), bool)
    for f in set(rec["frame"].tolist()):
        ix = np.flatnonzero(rec["frame"] == f)
        iou = iou_matrix(rec["box"][ix], rec["box"][ix])
        np.fill_diagonal(iou, 0)
        m[ix] = (iou > 0.3).any(axis=1)
    return m


def scores(emb: dict[str, np.ndarray], name: str, tr: list, subset: np.ndarray | None = None) -> tuple[float, float]:
    """AUC over all (query, earlier box) pairs and rank-1 over the choices (optionally only some queries)."""
    if subset is not None:
        tr = [t for t in tr if subset[t[0]]]
    q = np.concatenate([np.full(len(g), t) for t, g, _ in tr])
    g = np.concatenate([g for _, g, _ in tr])
    s = np.concatenate([s for _, _, s in tr])
    d = distance(emb, name, q, g)
    bounds = np.cumsum([0] + [len(x) for _, x, _ in tr])
    r1 = np.mean([s[a:b][np.argmin(d[a:b])] for a, b in itertools.pairwise(bounds)])
    return auc(d[s], d[~s]), float(r1)


def episode_check(rec: dict[str, np.ndarray], emb: dict[str, np.ndarray], name: str) -> tuple[list[str], float, float]:
    """Per episode 'own closer / boxes'; over all: share of boxes closer to their own look, mean margin."""
    where = {(int(f), int(i)): n for n, (f, i) in enumerate(zip(rec["frame"], rec["id"], strict=True))}
    per, margins = [], []
    for a, b, frames, ref_a, ref_b in EPISODES:
        ms = []
        for f in frames:
            for me, other, r_me, r_other in ((a, b, ref_a, ref_b), (b, a, ref_b, ref_a)):
                if (f, me) not in where:
                    continue
                q = where[(f, me)]
                own = [where[(r, me)] for r in r_me if (r, me) in where]
                oth = [where[(r, other)] for r in r_other if (r, other) in where]
                d_own = distance(emb, name, np.full(len(own), q), np.asarray(own)).mean()
                d_oth = distance(emb, name, np.full(len(oth), q), np.asarray(oth)).mean()
                ms.append(d_oth - d_own)
        per.append(f"{sum(m > 0 for m in ms)}/{len(ms)}")
        margins += ms
    m = np.asarray(margins)
    return per, float((m > 0).mean()), float(m.mean())


def cost(video: Path) -> str:
    """Network ms/frame without and with the extra stride-8 output; pooling vs colour ms per person."""
    import onnxruntime as ort

    cap = cv2.VideoCapture(str(video))
    images = [cap.read()[1] for _ in range(30)]
    cap.release()
    blobs = [blob(i) for i in images]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    base = ort.InferenceSession(str(DEFAULT_MODEL_PATH), opts, providers=["CPUExecutionProvider"])
    heads = [o.name for o in base.get_outputs()]
    extra = session_with_outputs([LAYERS["B8"][0]])

    def ms(sess: Any, names: list[str]) -> float:
        for b in blobs[:3]:
            sess.run(names, {"input_1:0": b})
        t = []
        for b in blobs * 2:
            t0 = time.perf_counter()
            sess.run(names, {"input_1:0": b})
            t.append(time.perf_counter() - t0)
        return 1000 * float(np.median(t))

    plain, with_b8 = ms(base, heads), ms(extra, [*heads, LAYERS["B8"][0]])
    fmap = extra.run([LAYERS["B8"][0]], {"input_1:0": blobs[0]})[0][0]
    boxes = np.array([[100, 100, 140, 200], [300, 200, 345, 300], [500, 150, 530, 230], [600, 300, 650, 420]], float)
    scale = (SIZE / images[0].shape[1], SIZE / images[0].shape[0])
    t0 = time.perf_counter()
    for _ in range(300):
        for b in boxes:
            roi_embedding(fmap, b, scale)
    pool = (time.perf_counter() - t0) / (300 * len(boxes))
    t0 = time.perf_counter()
    for _ in range(300):
        body_colour_features(images[0], boxes)
    colour = (time.perf_counter() - t0) / (300 * len(boxes))
    return (
        f"network ms/frame (1 thread, median of 60): {plain:.1f} plain, {with_b8:.1f} with the stride-8 map as an "
        f"extra output; per person: ROI pooling {1000 * pool:.3f} ms, colour histograms {1000 * colour:.3f} ms"
    )


def main() -> None:
    """Print the discriminability table, the episodes table and the cost line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="pickle of the extracted embeddings (made if missing)")
    args = ap.parse_args()
    if args.cache and args.cache.is_file():
        recs = pickle.loads(args.cache.read_bytes())
    else:
        recs = {k: extract(v, t) for k, (v, t) in CLIPS.items()}
        if args.cache:
            args.cache.write_bytes(pickle.dumps(recs))
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for k, (_, what) in LAYERS.items():
        print(f"  {k:4s} {what}")
    embs = {}
    for clip in CLIPS:
        other = next(c for c in CLIPS if c != clip)
        embs[clip] = embeddings(recs[clip], recs[other])
    names_all = ["colour"] + [n for n in embs["demo"] if n != "colour"]
    names_all += [f"colour+{k}/c {w}" for k in LAYERS for w in MIX_WEIGHTS]
    names_all += [f"colour+{k}/z {w}" for k in ("S4", "B8") for w in MIX_WEIGHTS]
    for clip in CLIPS:
        rec, emb = recs[clip], embs[clip]
        tr, mg = trials(rec, BACK), merged(rec)
        n_pairs = sum(len(g) for _, g, _ in tr)
        print(f"\n{clip}: {len(rec['id'])} GT boxes, {len(tr)} choices, {n_pairs} pairs; "
              f"{sum(mg[t] for t, _, _ in tr)} choices with a merged query box")
        print(f"{'embedding':22s} | AUC    rank-1 | merged AUC  rank-1")
        rows = [(n, *scores(emb, n, tr), *scores(emb, n, tr, mg)) for n in names_all]
        for n, a, r, ma, mr in sorted(rows, key=lambda x: -x[1]):
            print(f"{n:22s} | {a:.3f}  {r:.3f}  | {ma:.3f}       {mr:.3f}")
    print("\nmerged-box episodes of the demo's remaining switches: boxes closer to their own look / boxes")
    print(f"{'embedding':22s} | " + "  ".join(f"{a}/{b}" for a, b, *_ in EPISODES) + " | own closer  mean margin")
    for n in names_all:
        per, share, margin = episode_check(recs["demo"], embs["demo"], n)
        print(f"{n:22s} | " + "  ".join(f"{p:>5s}" for p in per) + f" | {share:.2f}        {margin:+.3f}")
    print("\n" + cost(CLIPS["demo"][0]))


if __name__ == "__main__":
    main()
