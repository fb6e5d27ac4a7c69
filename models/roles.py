"""Staff / customer classifier on person crops: a small CNN that trains on CPU in seconds.

The user labels a few dozen tracks as staff or customer (each track brings several crops); the
classifier learns what the store's staff look like beyond the colour of a uniform (an apron, a
badge, a cap). It is one of the cues of :class:`analytics.roles.RoleResolver`, which asks it
about a track every few seconds — never every frame.

The network is four 3×3 convolution blocks on 64×32 crops (the first with stride 2), global
pooling and one logit (≈ 13 k parameters, ≈ 3 MFLOPs a crop): a few hundred crops train in
seconds on one CPU core, and a batch of crops is classified in milliseconds. The file keeps the weights with what they were trained
on (classes, counts, accuracy, date), so a site's model is reloaded as it was saved.

Example:
    >>> import numpy as np
    >>> red = [np.full((80, 40, 3), (30, 30, 200), np.uint8)] * 8
    >>> black = [np.full((80, 40, 3), (25, 25, 25), np.uint8)] * 8
    >>> clf, report = RoleClassifier.train(red + black, [1] * 8 + [0] * 8, epochs=15)
    >>> bool(clf.predict(red[:1])[0] > 0.5), bool(clf.predict(black[:1])[0] < 0.5)
    (True, True)
"""

from __future__ import annotations

import datetime as dt
import math
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

#: Input size of the network (height, width): a standing person's proportions.
INPUT_H, INPUT_W = 64, 32
FORMAT = "storesight-role-classifier/1"


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()

        def block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True),
            )

        self.features = nn.Sequential(
            block(3, 12, stride=2),
            block(12, 16),
            nn.MaxPool2d(2),
            block(16, 24),
            nn.MaxPool2d(2),
            block(24, 32),
        )
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(32, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3))).squeeze(1)


def preprocess(crops: Sequence[np.ndarray]) -> torch.Tensor:
    """BGR uint8 crops → a normalised (N, 3, 64, 32) float tensor (RGB)."""
    batch = np.empty((len(crops), INPUT_H, INPUT_W, 3), np.float32)
    for i, c in enumerate(crops):
        if c is None or c.size == 0:
            batch[i] = 0.5
            continue
        img = cv2.resize(c, (INPUT_W, INPUT_H), interpolation=cv2.INTER_AREA)
        batch[i] = img[:, :, ::-1] / 255.0
    t = torch.from_numpy(batch).permute(0, 3, 1, 2)
    return (t - 0.45) / 0.25


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random mirror, shift (±3 px) and brightness/contrast (±20 %) of a batch."""
    n = x.shape[0]
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    pad = nn.functional.pad(x, (3, 3, 3, 3), mode="replicate")
    dx, dy = (int(v) for v in torch.randint(0, 7, (2,), generator=gen))
    x = pad[:, :, dy : dy + INPUT_H, dx : dx + INPUT_W]
    gain = 1.0 + (torch.rand(n, 1, 1, 1, generator=gen) - 0.5) * 0.4
    bias = (torch.rand(n, 1, 1, 1, generator=gen) - 0.5) * 0.4
    return x * gain + bias


@dataclass(frozen=True, slots=True)
class TrainReport:
    """How a training went.

    Attributes:
        samples: crops trained on.
        staff: crops labelled staff.
        customers: crops labelled customer.
        epochs: passes over the data.
        seconds: wall-clock training time (both passes when a validation was made).
        train_accuracy: accuracy on the training crops after training.
        val_accuracy: accuracy on held-out groups (tracks) in a separate run, None if too few.
        val_samples: crops held out for that run.
    """

    samples: int
    staff: int
    customers: int
    epochs: int
    seconds: float
    train_accuracy: float
    val_accuracy: float | None
    val_samples: int


def _fit(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    seed: int,
    batch: int = 32,
    on_epoch: Callable[[], None] | None = None,
) -> _Net:
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = _Net()
    pos = float(y.sum())
    neg = float(len(y) - pos)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(neg / max(pos, 1.0)))
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-3)
    steps = max(1, epochs * math.ceil(len(y) / batch))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=gen)
        for k in range(0, len(y), batch):
            idx = order[k : k + batch]
            if len(idx) < 2:  # BatchNorm needs two
                continue
            opt.zero_grad()
            loss = loss_fn(net(_augment(x[idx], gen)), y[idx])
            loss.backward()
            opt.step()
            sched.step()
        if on_epoch is not None:
            on_epoch()
    net.eval()
    return net


def _accuracy(net: _Net, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.inference_mode():
        p = torch.sigmoid(net(x))
    return float(((p >= 0.5).float() == y).float().mean()) if len(y) else math.nan


class RoleClassifier:
    """A trained staff/customer classifier.

    Args:
        net: the network (eval mode).
        meta: what it was trained on (saved with it).

    Example:
        >>> clf = RoleClassifier.load("site.pt")  # doctest: +SKIP
        >>> clf.predict([crop])  # doctest: +SKIP
        array([0.93], dtype=float32)
    """

    def __init__(self, net: nn.Module, meta: dict[str, Any] | None = None) -> None:
        self.net = net.eval()
        self.meta = dict(meta or {})

    @classmethod
    def train(
        cls,
        crops: Sequence[np.ndarray],
        labels: Sequence[int],
        *,
        groups: Sequence[Any] | None = None,
        epochs: int = 20,
        seed: int = 0,
        val_share: float = 0.25,
        threads: int = 1,
        progress: Callable[[float], None] | None = None,
    ) -> tuple[RoleClassifier, TrainReport]:
        """Train on BGR person crops labelled 1 = staff, 0 = customer.

        With ``groups`` (the track of every crop), a share of the groups of each class is held out
        in a first run to measure accuracy on people the network has not seen (crops of one track
        are never split); the returned model is then trained on everything.

        Args:
            crops: BGR uint8 person crops of any size.
            labels: 1 for staff, 0 for customer, one per crop.
            groups: optional group (track) key per crop, for the held-out accuracy.
            epochs: passes over the data.
            seed: random seed (training is repeatable on one machine).
            val_share: share of groups held out for the accuracy run.
            threads: CPU threads for training (restored afterwards; 0 keeps PyTorch's setting).
                One is fastest for this small network unless the cores are idle.
            progress: called with the share done (0–1) after every epoch (of both runs), on the
                calling thread.

        Raises:
            ValueError: fewer than two crops of either class, or mismatched lengths.
        """
        y_np = np.asarray(labels, dtype=np.float32).reshape(-1)
        if len(crops) != len(y_np):
            raise ValueError("one label per crop")
        n_staff, n_cust = int(y_np.sum()), int(len(y_np) - y_np.sum())
        if n_staff < 2 or n_cust < 2:
            raise ValueError(f"need at least 2 crops of each role (staff {n_staff}, customer {n_cust})")
        t0 = time.perf_counter()
        x = preprocess(crops)
        y = torch.from_numpy(y_np)
        val_acc, val_n = None, 0
        old_threads = torch.get_num_threads()
        if threads > 0:
            torch.set_num_threads(threads)
        held = _held_out(list(groups), y_np, val_share, seed) if groups is not None else None
        runs = 2 if held is not None and held.any() else 1
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(min(1.0, done / (runs * max(epochs, 1))))

        try:
            if held is not None and held.any():
                m = torch.from_numpy(held)
                trial = _fit(x[~m], y[~m], epochs=epochs, seed=seed, on_epoch=tick)
                val_acc, val_n = _accuracy(trial, x[m], y[m]), int(held.sum())
            net = _fit(x, y, epochs=epochs, seed=seed, on_epoch=tick)
        finally:
            torch.set_num_threads(old_threads)
        report = TrainReport(
            samples=len(y_np),
            staff=n_staff,
            customers=n_cust,
            epochs=epochs,
            seconds=time.perf_counter() - t0,
            train_accuracy=_accuracy(net, x, y),
            val_accuracy=val_acc,
            val_samples=val_n,
        )
        meta = {"format": FORMAT, "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "input": [INPUT_H, INPUT_W], "classes": ["customer", "staff"], **asdict(report)}  # fmt: skip
        return cls(net, meta), report

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Probability of staff for each BGR crop, (N,) float32."""
        if not len(crops):
            return np.zeros(0, np.float32)
        with torch.inference_mode():
            return torch.sigmoid(self.net(preprocess(crops))).numpy().astype(np.float32)

    def save(self, path: str | Path, **extra: Any) -> Path:
        """Write weights and metadata (``extra`` is added to it) to ``path``, atomically."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        self.meta.update(extra)
        tmp = p.with_name(p.name + ".tmp")
        torch.save({"meta": self.meta, "state": self.net.state_dict()}, tmp)
        tmp.replace(p)
        return p

    @classmethod
    def load(cls, path: str | Path) -> RoleClassifier:
        """Read a classifier written by :meth:`save`.

        Raises:
            ValueError: the file is not a StoreSight role classifier (or is damaged).
        """
        try:
            data = torch.load(Path(path), map_location="cpu", weights_only=True)
            if not isinstance(data, dict) or data.get("meta", {}).get("format") != FORMAT:
                raise ValueError("not a StoreSight role classifier")
            net = _Net()
            net.load_state_dict(data["state"])
        except (OSError, RuntimeError, KeyError, EOFError, ValueError, TypeError, pickle.UnpicklingError) as e:  # fmt: skip
            raise ValueError(f"cannot read the role classifier {path}: {e}") from None
        return cls(net, data["meta"])


def _held_out(groups: list[Any], y: np.ndarray, share: float, seed: int) -> np.ndarray:
    """A mask of crops whose groups are held out: ``share`` of each class's groups, at least one."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(groups), bool)
    for label in (0.0, 1.0):
        keys = sorted({g for g, v in zip(groups, y, strict=True) if v == label}, key=str)
        if len(keys) < 3:  # too few people of this role to spare one
            return np.zeros(len(groups), bool)
        k = max(1, round(share * len(keys)))
        chosen = {keys[i] for i in rng.choice(len(keys), size=k, replace=False)}
        held |= np.array([g in chosen and v == label for g, v in zip(groups, y, strict=True)])
    return held
