"""The built-in PPE classifier: colour and texture features of the head and torso regions.

A hi-vis vest is a large area of fluorescent yellow-lime or orange (very saturated and bright,
brighter than any dyed shirt under the same light) usually crossed by silver retroreflective
stripes; a hard hat is a smooth, uniformly coloured dome (white, yellow, orange, red, blue,
green) where hair (dark, textured) or skin would otherwise be. :func:`vest_features` and
:func:`helmet_features` measure exactly that on a region's pixels; two logistic regressions
(:class:`ColourModel`, weights in ``models/weights/ppe/colour.json``, made by
``models/ppe/train_colour.py`` from rendered people, see ``docs/ppe.md``) turn them into a
probability.

Taught colours: pictures of the site's own vests (``ppe.vest_examples``: crops of people wearing
them, like the staff uniform examples) add their dominant torso hue to the vest colours, for a
hi-vis colour the built-in ranges do not cover (a blue or pink vest).

Example:
    >>> img = np.zeros((40, 30, 3), np.uint8); img[:] = (0, 255, 200)  # BGR fluorescent lime
    >>> f = vest_features(img)
    >>> bool(f[0] > 0.9)  # hi-vis fraction
    True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

#: The trained weights bundled with the package.
DEFAULT_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "ppe" / "colour.json"

#: Only what a vest IS (hi-vis colour, glow, stripes): how dark the rest of the clothes are would be a
#: shortcut learnt from the demo's dark coats, and any bright shirt would pass for a vest.
VEST_FEATURES = ("hivis", "hivis_yellow", "hivis_orange", "fluor", "stripe", "stripe_rows")
HELMET_FEATURES = ("uniform", "helmet_colour", "white", "skin", "dark", "texture", "top_bright", "sat_mean")
#: Regions smaller than this (pixels a side) give no features: the item is "unknown".
MIN_SIDE = 4


def _hsv(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
    return hsv[..., 0].astype(np.int16), hsv[..., 1].astype(np.int16), hsv[..., 2].astype(np.int16)


def hivis_mask(img: np.ndarray, extra_hues: tuple[tuple[int, int], ...] = ()) -> np.ndarray:
    """Pixels of a fluorescent yellow-lime or orange (and of the taught hue ranges, OpenCV 0–179)."""
    h, s, v = _hsv(img)
    bright = (s >= 110) & (v >= 120)
    m = bright & (((h >= 20) & (h <= 48)) | ((h >= 4) & (h < 20) & (s >= 150)))
    for lo, hi in extra_hues:
        m |= bright & (((h >= lo) & (h <= hi)) if lo <= hi else ((h >= lo) | (h <= hi)))
    return m


def vest_features(img: np.ndarray, extra_hues: tuple[tuple[int, int], ...] = ()) -> np.ndarray:
    """The vest features (:data:`VEST_FEATURES`) of a torso region (BGR)."""
    h, s, v = _hsv(img)
    n = max(h.size, 1)
    bright = (s >= 110) & (v >= 120)
    yellow = bright & (h >= 20) & (h <= 48)
    orange = bright & (h >= 4) & (h < 20) & (s >= 150)
    hivis = hivis_mask(img, extra_hues)
    # fluorescent: a hi-vis hue, saturated AND brighter than the region's own median (dyes do not glow)
    fluor = hivis & (s >= 140) & (v >= max(150, int(np.median(v)) + 10))
    stripe = (s < 70) & (v >= np.percentile(v, 85)) & (v >= 150)
    rows = stripe.mean(axis=1) if stripe.shape[0] else np.zeros(1)
    stripe_rows = float(np.mean(rows > 0.3))
    return np.array(
        [hivis.sum() / n, yellow.sum() / n, orange.sum() / n, fluor.sum() / n, stripe.sum() / n, stripe_rows],
        np.float32,
    )


def helmet_features(img: np.ndarray) -> np.ndarray:
    """The helmet features (:data:`HELMET_FEATURES`) of the dome region above the eyes (BGR)."""
    h, s, v = _hsv(img)
    n = max(h.size, 1)
    white = (s < 50) & (v >= 170)
    coloured = (s >= 110) & (v >= 100)
    skin = (h <= 25) & (s >= 40) & (s < 170) & (v >= 60) & (v < 235) & ~coloured
    dark = v < 70
    # uniform: the largest share of one hue bin among coloured pixels, or of white
    if coloured.sum():
        hist = np.bincount((h[coloured] // 12).ravel(), minlength=15)
        uniform = max(float(hist.max()) / n, float(white.sum()) / n)
    else:
        uniform = float(white.sum()) / n
    gray = v.astype(np.float32)
    texture = float(np.abs(np.diff(gray, axis=1)).mean() / 255.0) if gray.shape[1] > 1 else 0.0
    top = v[: max(1, v.shape[0] // 2)]
    return np.array(
        [uniform, (coloured | white).sum() / n, white.sum() / n, skin.sum() / n, dark.sum() / n,
         texture, float(np.mean(top >= 150)), float(s.mean() / 255.0)],
        np.float32,
    )  # fmt: skip


def crop(image: np.ndarray, box: np.ndarray) -> np.ndarray | None:
    """The pixels of ``box`` (clipped to the image), None when smaller than :data:`MIN_SIDE`."""
    H, W = image.shape[:2]
    x1, y1 = max(0, round(box[0])), max(0, round(box[1]))
    x2, y2 = min(W, round(box[2])), min(H, round(box[3]))
    if x2 - x1 < MIN_SIDE or y2 - y1 < MIN_SIDE:
        return None
    return image[y1:y2, x1:x2]


@dataclass(slots=True)
class Logistic:
    """A logistic regression on standardised features."""

    mean: np.ndarray
    std: np.ndarray
    w: np.ndarray
    b: float

    def prob(self, x: np.ndarray) -> np.ndarray:
        """Probabilities of rows of ``x``."""
        z = ((np.atleast_2d(x) - self.mean) / self.std) @ self.w + self.b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    @classmethod
    def fit(
        cls, x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, steps: int = 3000, lr: float = 0.5
    ) -> Logistic:
        """Fit by gradient descent (deterministic: zero start, full batch)."""
        x = np.asarray(x, np.float64)
        y = np.asarray(y, np.float64)
        mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
        z = (x - mean) / std
        w, b = np.zeros(x.shape[1]), 0.0
        for _ in range(steps):
            p = 1.0 / (1.0 + np.exp(-np.clip(z @ w + b, -30, 30)))
            g = p - y
            w -= lr * (z.T @ g / len(y) + l2 * w)
            b -= lr * float(g.mean())
        return cls(mean, std, w, b)

    def to_json(self) -> dict[str, list[float] | float]:
        """JSON-ready dict."""
        return {"mean": self.mean.tolist(), "std": self.std.tolist(), "w": self.w.tolist(), "b": self.b}

    @classmethod
    def from_json(cls, d: dict) -> Logistic:
        """From :meth:`to_json`'s dict."""
        return cls(np.asarray(d["mean"]), np.asarray(d["std"]), np.asarray(d["w"]), float(d["b"]))


@dataclass(slots=True)
class ColourModel:
    """The two classifiers (helmet, vest) and the taught vest hues.

    Attributes:
        helmet: logistic regression on :func:`helmet_features`.
        vest: logistic regression on :func:`vest_features`.
        extra_hues: taught vest hue ranges (OpenCV hue 0–179, inclusive).
        meta: where the weights came from (training seed, metric reached).
    """

    helmet: Logistic
    vest: Logistic
    extra_hues: tuple[tuple[int, int], ...] = ()
    meta: dict = field(default_factory=dict)
    #: Per item, the (no_below, yes_from) tuned on the training renders; probabilities are mapped so
    #: that they fall on the usual 0.4 / 0.6 of :func:`analytics.ppe.decide`.
    thresholds: dict[str, tuple[float, float]] = field(default_factory=dict)

    def calibrated(self, item: str, p: float) -> float:
        """``p`` mapped piecewise-linearly so that the item's tuned thresholds become 0.4 and 0.6.

        Example:
            >>> m = ColourModel(None, None, thresholds={"vest": (0.2, 0.5)})  # type: ignore[arg-type]
            >>> m.calibrated("vest", 0.5), m.calibrated("vest", 0.2), m.calibrated("helmet", 0.3)
            (0.6, 0.4, 0.3)
        """
        lo, hi = self.thresholds.get(item, (0.4, 0.6))
        xs, ys = [0.0, lo, hi, 1.0], [0.0, 0.4, 0.6, 1.0]
        return round(float(np.interp(p, xs, ys)), 6)

    @classmethod
    def load(cls, path: str | Path | None = None) -> ColourModel:
        """Load weights (default: the bundled ``colour.json``).

        Raises:
            FileNotFoundError: the file is missing.
            ValueError: it is not a PPE colour model.
        """
        p = Path(path) if path else DEFAULT_WEIGHTS
        try:
            d = json.loads(p.read_text())
            th = {k: (float(v[0]), float(v[1])) for k, v in d.get("thresholds", {}).items()}
            return cls(Logistic.from_json(d["helmet"]), Logistic.from_json(d["vest"]), meta=d.get("meta", {}),
                       thresholds=th)  # fmt: skip
        except (KeyError, TypeError, json.JSONDecodeError) as e:
            raise ValueError(f"{p.name} is not a PPE colour model ({e})") from None

    def save(self, path: str | Path) -> None:
        """Write the weights as JSON."""
        d = {"helmet": self.helmet.to_json(), "vest": self.vest.to_json(), "meta": self.meta,
             "thresholds": {k: list(v) for k, v in self.thresholds.items()}}  # fmt: skip
        Path(path).write_text(json.dumps(d, indent=1))

    def helmet_prob(self, region: np.ndarray | None) -> float | None:
        """P(helmet) of a head region's pixels (None: too small to tell)."""
        if region is None:
            return None
        return self.calibrated("helmet", float(self.helmet.prob(helmet_features(region))[0]))

    def vest_prob(self, region: np.ndarray | None) -> float | None:
        """P(vest) of a torso region's pixels (None: too small to tell)."""
        if region is None:
            return None
        p = self.calibrated("vest", float(self.vest.prob(vest_features(region))[0]))
        if self.extra_hues:  # a taught colour: its share counts like the built-in hi-vis colours
            share = float(hivis_mask(region, self.extra_hues).mean())
            p = max(p, float(np.clip(share * 2.0, 0.0, 1.0)) if share >= 0.25 else p)
        return p


def dominant_hue(img: np.ndarray, width: int = 8) -> tuple[int, int] | None:
    """The hue range (OpenCV 0–179) of the most common saturated, bright colour of a region.

    Example:
        >>> img = np.zeros((20, 20, 3), np.uint8); img[:] = (255, 80, 0)  # BGR blue
        >>> dominant_hue(img)
        (98, 114)
    """
    h, s, v = _hsv(img)
    m = (s >= 110) & (v >= 110)
    if m.sum() < 0.15 * m.size:
        return None
    hist = np.bincount(h[m].ravel(), minlength=180).astype(np.float64)
    hist = np.convolve(np.concatenate([hist[-5:], hist, hist[:5]]), np.ones(11), "valid")
    c = int(np.argmax(hist))
    return ((c - width) % 180, (c + width) % 180)
