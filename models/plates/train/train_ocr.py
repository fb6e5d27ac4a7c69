"""Train the plate OCR on synthetic plates, export it to ONNX, quantise it to INT8.

Reproduces ``models/weights/plates/plate_ocr.onnx`` and ``plate_ocr_int8.onnx``::

    PYTHONPATH=. python -m models.plates.train.train_ocr --minutes 22 --out models/weights/plates

Data: an endless stream of synthetic Russian plates from :mod:`models.plates.synth`
(``Style.train()``, training fonts, seed ``--seed``), drawn in a DataLoader worker while the
model trains; validation on 1000 fixed plates of the same style (seed 2). The held-out
evaluation (other fonts, seeds and distortions) is ``benchmarks/plates_ocr_eval.py``.
Training stops after ``--minutes`` of wall time; the learning rate follows a cosine over that
time, so a busier machine trains fewer steps, not a worse schedule. CPU only,
``torch.set_num_threads(2)``.

Needs the development packages ``torch``, ``onnx``, ``onnxscript`` (ONNX export) and
``onnxruntime`` (quantisation). Licence of the weights: AGPL-3.0, like StoreSight (they come
from our own generator, no third-party data).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import replace
from pathlib import Path

# On a shared, busy CPU, OpenMP threads that spin at barriers while their partner is descheduled
# made a training step 3–5× slower; passive waiting fixes that.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, IterableDataset

from analytics.plates import ALPHABET
from models.plates.ocr import OCR_H, OCR_W
from models.plates.synth import Style, find_fonts, make_samples, make_set
from models.plates.train.crnn import CRNN, Exported, widen_from

MAX_LEN = 9


def encode(text: str) -> list[int]:
    """CTC targets of a canonical text (1-based, 0 is the blank)."""
    return [ALPHABET.index(c) + 1 for c in text]


class PlateStream(IterableDataset):
    """Endless synthetic plates: (image (1, 32, 160) float 0–255, padded targets, length).

    Each drawn plate is degraded twice (two views): drawing is half the cost of a sample.
    ``two_row_keep`` < 1 drops that share of the two-row plates from the stream (more one-row
    plates, where the errors are); 1 keeps :func:`models.plates.synth.random_text`'s mix (~35 % two-row).
    """

    def __init__(self, seed: int, style: Style, two_row_keep: float = 1.0) -> None:
        self.seed, self.style, self.two_row_keep = seed, style, two_row_keep

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, info.id if info else 0])
        fonts = find_fonts(self.style.fonts)
        while True:
            samples = make_samples(rng, self.style, fonts, views=2)
            if self.two_row_keep < 1.0 and samples[0].rows == 2 and rng.random() >= self.two_row_keep:
                continue
            for s in samples:
                t = encode(s.text)
                yield (
                    torch.from_numpy(s.line).float()[None],
                    torch.tensor(t + [0] * (MAX_LEN - len(t))),
                    len(t),
                )


def greedy_texts(logits: torch.Tensor) -> list[str]:
    """Greedy CTC decode of (N, T, C) logits."""
    best = logits.argmax(-1).numpy()
    out = []
    for row in best:
        prev, chars = 0, []
        for c in row:
            if c and c != prev:
                chars.append(ALPHABET[c - 1])
            prev = c
        out.append("".join(chars))
    return out


def evaluate(net: nn.Module, x: np.ndarray, texts: list[str]) -> float:
    """Exact-match rate of greedy decoding."""
    net.eval()
    hits = 0
    with torch.no_grad():
        for i in range(0, len(x), 256):
            xb = torch.from_numpy(x[i : i + 256]).float()[:, None] / 255.0
            hits += sum(p == t for p, t in zip(greedy_texts(net(xb)), texts[i : i + 256], strict=True))
    net.train()
    return hits / len(x)


def export(net: CRNN, out: Path, calib: np.ndarray) -> dict[str, str]:
    """Write the FP32 ONNX model and its static INT8 (QDQ, per-channel) quantisation."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    net.eval()
    fp32 = out / "plate_ocr.onnx"
    int8 = out / "plate_ocr_int8.onnx"
    dummy = torch.zeros(1, 1, OCR_H, OCR_W)
    torch.onnx.export(
        Exported(net),
        (dummy,),
        str(fp32),
        input_names=["image"],
        output_names=["probs"],
        dynamic_axes={"image": {0: "n"}, "probs": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    pre = out / "_pre.onnx"
    quant_pre_process(str(fp32), str(pre))

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(
                calib[i : i + 32].astype(np.float32)[:, None] for i in range(0, len(calib), 32)
            )

        def get_next(self):
            b = next(self.batches, None)
            return None if b is None else {"image": b}

    quantize_static(
        str(pre),
        str(int8),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )
    pre.unlink()
    return {"fp32": str(fp32), "int8": str(int8)}


def main() -> None:
    """Train for the time budget, keep the best validation state, export."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=22.0, help="wall-time budget of the training loop")
    ap.add_argument("--out", type=Path, default=Path("models/weights/plates"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1, help="DataLoader processes drawing plates")
    ap.add_argument("--warmup", type=int, default=200, help="linear warm-up steps")
    ap.add_argument("--init", type=Path, help="start from this state dict (plate_ocr.pt) instead of random weights")
    ap.add_argument("--export-only", type=Path, help="export this state dict to ONNX/INT8 and stop")
    ap.add_argument(
        "--widths",
        default="16,32,64,64,96",
        help="channels of the CRNN's blocks; a wider net can start from a narrower --init (see crnn.widen_from)",
    )
    ap.add_argument(
        "--p-low-res",
        type=float,
        default=Style.train().p_low_res,
        help="share of training plates drawn in the lowest third of the width range (Style.train(): 0.35)",
    )
    ap.add_argument(
        "--two-row-keep",
        type=float,
        default=1.0,
        help="share of the stream's two-row plates kept (1: the generator's mix, ~35 %% two-row; 0.5: ~21 %%)",
    )
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    net = CRNN(tuple(int(c) for c in args.widths.split(",")))
    if args.export_only:
        net.load_state_dict(torch.load(args.export_only))
        calib, _, _ = make_set(512, 3, Style.train())
        print(json.dumps(export(net, args.out, calib)))
        return
    if args.init:
        state = torch.load(args.init)
        if all(state[k].shape == v.shape for k, v in net.state_dict().items()):
            net.load_state_dict(state)
        else:
            widen_from(net, state)
    val_x, val_t, _ = make_set(1000, 2, Style.train())
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    loader = DataLoader(
        PlateStream(args.seed, replace(Style.train(), p_low_res=args.p_low_res), args.two_row_keep),
        batch_size=args.batch,
        num_workers=args.workers,
    )
    budget = args.minutes * 60
    t0 = time.monotonic()
    last_eval = t0
    best = (-1.0, None)
    history = []
    step = 0
    running = 0.0
    for x, tg, lens in loader:
        elapsed = time.monotonic() - t0
        if elapsed > budget:
            break
        frac = elapsed / budget
        lr = args.lr * (step / args.warmup if step < args.warmup else 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        logits = net(x / 255.0)
        logp = logits.log_softmax(-1).permute(1, 0, 2)
        loss = ctc(logp, tg, torch.full((x.shape[0],), logits.shape[1], dtype=torch.long), lens)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        step += 1
        if time.monotonic() - last_eval > 120:
            acc = evaluate(net, val_x, val_t)
            last_eval = time.monotonic()
            history.append(
                {"step": step, "seconds": round(last_eval - t0), "loss": round(running, 4), "val_exact": acc}
            )
            print(json.dumps(history[-1]), flush=True)
            torch.save(net.state_dict(), args.out / "plate_ocr_last.pt")  # checkpoints: an abrupt end loses little
            if acc >= best[0]:
                best = (acc, {k: v.clone() for k, v in net.state_dict().items()})
                torch.save(best[1], args.out / "plate_ocr_best.pt")
    acc = evaluate(net, val_x, val_t)
    history.append(
        {"step": step, "seconds": round(time.monotonic() - t0), "loss": round(running, 4), "val_exact": acc}
    )
    print(json.dumps(history[-1]), flush=True)
    if best[1] is not None and best[0] > acc:
        net.load_state_dict(best[1])
        acc = best[0]
    torch.save(net.state_dict(), args.out / "plate_ocr.pt")
    calib, _, _ = make_set(512, 3, Style.train())
    files = export(net, args.out, calib)
    (args.out / "training.json").write_text(
        json.dumps(
            {
                "steps": step,
                "batch": args.batch,
                "samples_seen": step * args.batch,
                "minutes": args.minutes,
                "seed": args.seed,
                "init": str(args.init) if args.init else None,
                "widths": args.widths,
                "p_low_res": args.p_low_res,
                "two_row_keep": args.two_row_keep,
                "lr": args.lr,
                "threads": args.threads,
                "workers": args.workers,
                "val_exact_train_style": acc,
                "history": history,
                "files": files,
                "torch": torch.__version__,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
