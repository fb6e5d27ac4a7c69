"""The plate recogniser: a small convolutional CRNN (CNN → sequence convs → per-column classes) trained with CTC loss.

Input (N, 1, 32, 160) grey in 0–255 (:func:`models.plates.ocr.ocr_line`); output (N, 40, 23) class
probabilities (one time step per 4 columns), class 0 = the CTC blank, then
:data:`analytics.plates.ALPHABET`. About 0.15 M parameters, ~14 M multiply-adds. Fully
convolutional: any input width works, which let the 32×160 model start from the 32×128 one.
"""

from __future__ import annotations

import torch
from torch import nn

from analytics.plates import ALPHABET

NUM_CLASSES = 1 + len(ALPHABET)


def _cbr(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class CRNN(nn.Module):
    """Small fully convolutional CRNN for 32-px-high plate lines (see :func:`models.plates.ocr.ocr_line`).

    The recurrent part of the classic CRNN is replaced by 1-D convolutions along the sequence
    (a receptive field of ~9 columns ≈ two characters): on CPU it trains several times faster
    than an LSTM, and every layer quantises to INT8.

    Args:
        widths: channels of the 2-D conv blocks, then of the sequence convs.
    """

    def __init__(self, widths: tuple[int, ...] = (16, 32, 64, 64, 96)) -> None:
        super().__init__()
        c1, c2, c3, c4, c5 = widths
        self.cnn = nn.Sequential(
            nn.Conv2d(1, c1, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c1), nn.ReLU(inplace=True),  # 16×64
            nn.Conv2d(c1, c2, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c2), nn.ReLU(inplace=True),  # 8×32
            *_cbr(c2, c3), nn.MaxPool2d((2, 1)),  # 4×32
            *_cbr(c3, c4), nn.MaxPool2d((2, 1)),  # 2×32
            nn.Conv2d(c4, c5, (2, 1), bias=False), nn.BatchNorm2d(c5), nn.ReLU(inplace=True),  # 1×32
            nn.Conv2d(c5, c5, (1, 3), padding=(0, 1), bias=False), nn.BatchNorm2d(c5), nn.ReLU(inplace=True),
            nn.Conv2d(c5, c5, (1, 3), padding=(0, 1), bias=False), nn.BatchNorm2d(c5), nn.ReLU(inplace=True),
            nn.Conv2d(c5, NUM_CLASSES, 1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, T=width/4, classes)."""
        return self.cnn(x).squeeze(2).permute(0, 2, 1)


def widen_from(net: CRNN, old: dict[str, torch.Tensor]) -> None:
    """Load a narrower CRNN's state dict into ``net`` so that ``net`` computes the same function.

    Each old conv/batch-norm occupies the first channels of the wider layer; the new channels keep
    their random incoming weights, and every weight *from* a new channel starts at zero, so the
    wider model starts exactly where the narrow one ended and training fills the new channels in.
    """
    new = net.state_dict()
    for key, t in old.items():
        w = new[key]
        if key.endswith("num_batches_tracked"):
            w.copy_(t)
            continue
        if w.dim() == 4:  # conv weight (out, in, kh, kw)
            w[:, t.shape[1] :] = 0.0
        w[tuple(slice(0, n) for n in t.shape)] = t
    net.load_state_dict(new)


class Exported(nn.Module):
    """What goes into ONNX: uint8-range float input (N, 1, 32, 160) → softmax probabilities (N, 40, classes)."""

    def __init__(self, net: CRNN) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Probabilities from 0–255 grey input."""
        return torch.softmax(self.net(x / 255.0), dim=-1)
