"""How empty each segment of a shelf is, from one camera frame: classical features, or a YOLO model.

Two backends behind :class:`ShelfMeter` (``measure(image, person_boxes) -> ShelfReading``):

* ``classical`` (built in, offline, CPU): the shelf zone (a 4-corner polygon) is rectified to
  a front view and split into rows (boards) and columns (segments). The lower part of each row
  — where products stand on the board — is cut into narrow cells; for every cell a handful of
  lighting-tolerant features compare it with the *full reference* (the shelf captured when
  full) and with the *back panel* (colour and texture learnt from an empty example):
  zero-mean normalised cross-correlation to the reference (blind to gain and offset),
  edge density relative to the local brightness (gradient / mean), GLCM texture contrast
  and homogeneity, colour difference to the reference after the frame's per-channel gain
  is estimated from unchanged cells (auto exposure, colour temperature), and the colour
  distance to the back panel. A small logistic model (weights in
  ``models/weights/shelf/cells.json``, trained by ``models/train/shelf_cells.py`` on
  generated shelves) turns them into "this cell shows the back panel". A segment's empty
  fraction is the share of its visible cells that do.
* ``yolo`` (primary when present): an Ultralytics model of products or gaps in the model
  folder (``shelf.pt``, classes named ``product``/``object`` and/or ``gap``/``empty``): a
  segment's empty fraction is the share of its width not covered by product boxes (or
  covered by gap boxes). **Plumbing only**: no such model was available to test here.

A segment that a person's box (grown by a margin) touches is not measured; neither are the
cells above a *board strip* that changed against the reference (taking products leaves the
boards as they were, a person the detector missed hides them), and cells moving since the
previous frame are left out — a segment with too few still cells is not measured at all
(``valid`` False), so people in front never make a gap.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import ArrayLike

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).resolve().parent / "weights" / "shelf" / "cells.json"
ROW_PX = 48  # rectified height of one row
CELLS_PER_SEGMENT = 12
CELL_W = 6
BAND = (0.42, 0.9)  # part of a row's height measured: where products stand, above the board
BOARD = (0.93, 1.0)  # the board under the products: it does not change when products are taken
FEATURES = (
    "zncc_ref",
    "edge_ratio",
    "edge_cur",
    "glcm_contrast",
    "glcm_homogeneity",
    "colour_diff_ref",
    "panel_colour_dist",
    "panel_edge_ratio",
    "std_ratio",
)


@dataclass(frozen=True, slots=True)
class ShelfReading:
    """One frame's measurement of a shelf zone.

    Attributes:
        fraction: (S,) empty fraction per segment (row-major: row 0 = top), NaN where not measured.
        valid: (S,) whether the segment was measured (enough of it visible).
        visible: (S,) share of each segment's cells that were visible.
        cells: (rows, columns × cells) empty probability per cell, NaN where hidden.
    """

    fraction: np.ndarray
    valid: np.ndarray
    visible: np.ndarray
    cells: np.ndarray


def _gray(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)


def glcm_stats(gray: np.ndarray, *, levels: int = 8) -> tuple[float, float]:
    """Contrast and homogeneity of a patch's grey-level co-occurrence matrix (Haralick).

    Horizontal and vertical neighbours at distance 1, symmetric, normalised; the patch is
    quantised into ``levels`` grey levels between its own 2nd and 98th percentile (so the
    texture, not the brightness, is measured).

    Example:
        >>> flat = np.full((8, 8), 100.0)
        >>> glcm_stats(flat)
        (0.0, 1.0)
    """
    lo, hi = np.percentile(gray, (2, 98))
    if hi - lo < 4.0:
        return 0.0, 1.0
    q = np.clip(((gray - lo) / (hi - lo) * levels).astype(np.int64), 0, levels - 1)
    pairs = np.concatenate(
        [
            (q[:, :-1] * levels + q[:, 1:]).ravel(),
            (q[:-1, :] * levels + q[1:, :]).ravel(),
        ]
    )
    m = np.bincount(pairs, minlength=levels * levels).reshape(levels, levels).astype(np.float64)
    m = m + m.T
    m /= m.sum()
    i, j = np.indices((levels, levels))
    d = (i - j) ** 2
    return float((m * d).sum()), float((m / (1.0 + d)).sum())


def glcm_cells(patches: np.ndarray, *, levels: int = 8) -> np.ndarray:
    """:func:`glcm_stats` of many patches at once: (..., h, w) → (..., 2) contrast, homogeneity."""
    lead = patches.shape[:-2]
    p = patches.reshape(-1, *patches.shape[-2:]).astype(np.float32)
    n = len(p)
    lo, hi = np.percentile(p.reshape(n, -1), (2, 98), axis=1)
    span = hi - lo
    flat = span < 4.0
    q = ((p - lo[:, None, None]) / np.maximum(span, 1e-6)[:, None, None] * levels).astype(np.int64)
    q = np.clip(q, 0, levels - 1)
    base = (np.arange(n) * levels * levels)[:, None]
    pairs = np.concatenate(
        [(q[:, :, :-1] * levels + q[:, :, 1:]).reshape(n, -1), (q[:, :-1, :] * levels + q[:, 1:, :]).reshape(n, -1)],
        axis=1,
    )
    m = np.bincount((pairs + base).ravel(), minlength=n * levels * levels).reshape(n, levels, levels)
    m = (m + m.transpose(0, 2, 1)).astype(np.float64)
    m /= m.sum(axis=(1, 2), keepdims=True)
    i, j = np.indices((levels, levels))
    d = (i - j) ** 2
    out = np.stack([(m * d).sum(axis=(1, 2)), (m / (1.0 + d)).sum(axis=(1, 2))], axis=-1)
    out[flat] = (0.0, 1.0)
    return out.reshape(*lead, 2).astype(np.float32)


class ShelfGeometry:
    """A shelf zone's 4 corners (pixels, TL TR BR BL), its rows and segments per row.

    Rectifies frames and masks to the zone's front view (``rows × ROW_PX`` high).
    """

    def __init__(self, corners: ArrayLike, *, rows: int, columns: int) -> None:
        c = np.asarray(corners, dtype=np.float32).reshape(-1, 2)
        if c.shape != (4, 2):
            raise ValueError(f"a shelf zone needs 4 corners (TL, TR, BR, BL), got {len(c)}")
        if rows < 1 or columns < 1:
            raise ValueError("rows and columns must be ≥ 1")
        self.corners = c
        self.rows, self.columns = int(rows), int(columns)
        self.width = self.columns * CELLS_PER_SEGMENT * CELL_W
        self.height = self.rows * ROW_PX
        dst = np.float32([[0, 0], [self.width, 0], [self.width, self.height], [0, self.height]])
        self.to_front = cv2.getPerspectiveTransform(c, dst)
        self.to_frame = np.linalg.inv(self.to_front)

    @property
    def segments(self) -> int:
        """Rows × columns."""
        return self.rows * self.columns

    def rectify(self, image: np.ndarray) -> np.ndarray:
        """The zone's front view of a frame."""
        return cv2.warpPerspective(image, self.to_front, (self.width, self.height), flags=cv2.INTER_AREA)

    def rectify_mask(self, mask: np.ndarray) -> np.ndarray:
        """A frame-sized bool mask in the front view."""
        m = cv2.warpPerspective(
            mask.astype(np.uint8) * 255, self.to_front, (self.width, self.height), flags=cv2.INTER_NEAREST
        )
        return m > 0

    def segment_polygon(self, index: int) -> np.ndarray:
        """A segment's 4 corners in frame pixels."""
        r, c = divmod(index, self.columns)
        sw = self.width / self.columns
        pts = np.float32(
            [[c * sw, r * ROW_PX], [(c + 1) * sw, r * ROW_PX], [(c + 1) * sw, (r + 1) * ROW_PX], [c * sw, (r + 1) * ROW_PX]]
        )
        return cv2.perspectiveTransform(pts[None], self.to_frame)[0]

    def cell_span(self, r: int, k: int) -> tuple[int, int, int, int]:
        """Cell ``k`` of row ``r`` as y1, y2, x1, x2 in the front view."""
        y1 = r * ROW_PX + round(BAND[0] * ROW_PX)
        y2 = r * ROW_PX + round(BAND[1] * ROW_PX)
        return y1, y2, k * CELL_W, (k + 1) * CELL_W


def _box_mask(boxes: np.ndarray, h: int, w: int, margin: float) -> np.ndarray:
    mask = np.zeros((h, w), bool)
    for x1, y1, x2, y2 in np.asarray(boxes, np.float64).reshape(-1, 4):
        mx, my = (x2 - x1) * margin, (y2 - y1) * margin
        mask[max(0, int(y1 - my)) : max(0, int(np.ceil(y2 + my))), max(0, int(x1 - mx)) : max(0, int(np.ceil(x2 + mx)))] = True
    return mask


@dataclass(frozen=True, slots=True)
class _CellStats:
    mean: np.ndarray  # (R, K, 3)
    std: np.ndarray  # (R, K)
    edge: np.ndarray  # (R, K) mean |gradient| / (mean grey + 8)
    patches: np.ndarray  # (R, K, h, w) grey
    board: np.ndarray  # (R, K, 3) mean colour of the board strip under each cell


def _cell_stats(front: np.ndarray, geo: ShelfGeometry) -> _CellStats:
    gray = _gray(front)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt(gx * gx + gy * gy)
    k_cells = geo.width // CELL_W
    y1, y2, _, _ = geo.cell_span(0, 0)
    bh = y2 - y1
    means = np.empty((geo.rows, k_cells, 3), np.float32)
    patches = np.empty((geo.rows, k_cells, bh, CELL_W), np.float32)
    edge = np.empty((geo.rows, k_cells), np.float32)
    for r in range(geo.rows):
        ya, yb, _, _ = geo.cell_span(r, 0)
        band = front[ya:yb].astype(np.float32).reshape(bh, k_cells, CELL_W, 3)
        means[r] = band.mean(axis=(0, 2))
        g = gray[ya:yb].reshape(bh, k_cells, CELL_W)
        patches[r] = g.transpose(1, 0, 2)
        m = mag[ya:yb].reshape(bh, k_cells, CELL_W).mean(axis=(0, 2))
        edge[r] = m / (g.mean(axis=(0, 2)) + 8.0)
    std = patches.std(axis=(2, 3))
    board = np.empty((geo.rows, k_cells, 3), np.float32)
    for r in range(geo.rows):
        yb1 = r * ROW_PX + round(BOARD[0] * ROW_PX)
        yb2 = r * ROW_PX + round(BOARD[1] * ROW_PX)
        board[r] = front[yb1:yb2].astype(np.float32).reshape(yb2 - yb1, k_cells, CELL_W, 3).mean(axis=(0, 2))
    return _CellStats(means, std, edge, patches, board)


def _zncc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=(-1, -2), keepdims=True)
    b = b - b.mean(axis=(-1, -2), keepdims=True)
    num = (a * b).sum(axis=(-1, -2))
    den = np.sqrt((a * a).sum(axis=(-1, -2)) * (b * b).sum(axis=(-1, -2))) + 1e-3
    return num / den


def _chroma(mean: np.ndarray) -> np.ndarray:
    return mean / (mean.sum(axis=-1, keepdims=True) + 1e-3)


@dataclass(frozen=True, slots=True)
class PanelModel:
    """The back panel's look, learnt from an empty example: chromaticity, relative brightness, edges."""

    chroma: np.ndarray  # (3,)
    edge: float

    @staticmethod
    def learn(example: np.ndarray, geo: ShelfGeometry) -> PanelModel:
        """From an image of the empty shelf (the whole zone, or its empty part, same camera)."""
        st = _cell_stats(geo.rectify(example), geo)
        ch = _chroma(st.mean.reshape(-1, 3))
        return PanelModel(np.median(ch, axis=0), float(np.median(st.edge)))


class ClassicalShelfMeter:
    """The built-in backend: features per cell against a full reference, a logistic model per cell.

    Args:
        geometry: the zone.
        reference: a frame of the full shelf, nobody in front (same camera, any light).
        empty_example: a frame of the empty shelf (or None: then the panel is unknown, the
            panel features are neutral and only the change against the reference counts).
        weights: path of the cell model's JSON.
        person_margin: grow person boxes by this share of their size (shadows, loose boxes).
        min_visible: a segment no person box touches is measured when at least this share of its
            cells is still (not moving since the previous frame).

    Example:
        >>> geo = ShelfGeometry([[0, 0], [288, 0], [288, 48], [0, 48]], rows=1, columns=4)
        >>> rng = np.random.default_rng(0)
        >>> full = np.full((48, 288, 3), 200, np.uint8)  # a light panel, 12 products with a label line
        >>> for x in range(0, 288, 24):
        ...     full[10:45, x + 2 : x + 22] = rng.integers(30, 230, 3)
        ...     full[30:33, x + 5 : x + 15] = 20
        >>> now = full.copy(); now[:, 144:] = 200  # the right half taken away
        >>> meter = ClassicalShelfMeter(geo, full)
        >>> meter.measure(now, np.zeros((0, 4))).fraction.round(2).tolist()
        [0.0, 0.0, 1.0, 1.0]
    """

    type_key = "classical"

    def __init__(
        self,
        geometry: ShelfGeometry,
        reference: np.ndarray,
        *,
        empty_example: np.ndarray | None = None,
        weights: Path = WEIGHTS,
        person_margin: float = 0.12,
        min_visible: float = 0.8,
        board_change: float = 0.25,
    ) -> None:
        self.geo = geometry
        self.ref = _cell_stats(geometry.rectify(reference), geometry)
        self.panel = PanelModel.learn(empty_example, geometry) if empty_example is not None else None
        w = json.loads(Path(weights).read_text(encoding="utf-8"))
        if tuple(w["features"]) != FEATURES:
            raise ValueError(f"{weights}: features {w['features']} do not match this code's {FEATURES}")
        self.coef = np.asarray(w["coef"], np.float32)
        self.bias = float(w["bias"])
        self.mu = np.asarray(w["mean"], np.float32)
        self.sd = np.asarray(w["scale"], np.float32)
        self.person_margin = person_margin
        self.min_visible = min_visible
        self.board_change = board_change
        self._prev: _CellStats | None = None
        self._ref_glcm = self._glcm(self.ref)

    @staticmethod
    def _glcm(st: _CellStats) -> np.ndarray:
        return glcm_cells(st.patches)

    def features(self, image: np.ndarray) -> tuple[np.ndarray, _CellStats]:
        """(R, K, F) features of every cell of ``image`` (see :data:`FEATURES`) and its cell stats."""
        cur = _cell_stats(self.geo.rectify(image), self.geo)
        ref = self.ref
        zn = _zncc(cur.patches, ref.patches)
        flat = (cur.std < 3.0) & (ref.std < 3.0)
        zn = np.where(flat, 1.0, zn)  # two flat patches: no texture to compare
        # per-channel gain of this frame against the reference, from cells that did not change
        stable = (zn > 0.8) & (ref.std > 4.0)
        ratio = cur.mean / (ref.mean + 1.0)
        gain = np.median(ratio[stable], axis=0) if stable.sum() >= 8 else np.median(ratio.reshape(-1, 3), axis=0)
        self._gain = gain
        cur_n = cur.mean / gain
        colour = np.abs(cur_n - ref.mean).sum(axis=-1) / (ref.mean.sum(axis=-1) + 30.0)
        edge_ratio = np.log((cur.edge + 0.01) / (ref.edge + 0.01))
        std_ratio = np.log((cur.std / (cur.mean.mean(-1) + 8) + 0.005) / (ref.std / (ref.mean.mean(-1) + 8) + 0.005))
        glcm = self._glcm(cur)
        if self.panel is not None:
            panel_dist = np.abs(_chroma(cur.mean) - self.panel.chroma).sum(axis=-1) * 10.0
            panel_edge = np.log((cur.edge + 0.01) / (self.panel.edge + 0.01))
        else:
            panel_dist = np.full(zn.shape, 0.5, np.float32)
            panel_edge = np.zeros(zn.shape, np.float32)
        feats = np.stack(
            [zn, edge_ratio, cur.edge, glcm[..., 0], glcm[..., 1], colour, panel_dist, panel_edge, std_ratio],
            axis=-1,
        ).astype(np.float32)
        return feats, cur

    def probability(self, feats: np.ndarray) -> np.ndarray:
        """Empty probability per cell from its features."""
        z = ((feats - self.mu) / self.sd) @ self.coef + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def hidden(self, image: np.ndarray, person_boxes: ArrayLike, cur: _CellStats) -> tuple[np.ndarray, np.ndarray]:
        """(R, K) cells behind a person's box, and (R, K) cells moving since the previous frame."""
        person = _person_cells(self.geo, image.shape[:2], person_boxes, self.person_margin)
        person |= self.board_hidden(cur)
        motion = np.zeros_like(person)
        if self._prev is not None:
            moved = _zncc(cur.patches, self._prev.patches)
            bright = np.abs(np.log((cur.mean.mean(-1) + 8) / (self._prev.mean.mean(-1) + 8)))
            glob = np.median(bright)
            motion = ((moved < 0.5) & ((cur.std > 4) | (self._prev.std > 4))) | (np.abs(bright - glob) > 0.25)
            # motion spreads: a moving thing covers its neighbours too
            motion = cv2.dilate(motion.astype(np.uint8), np.ones((1, 5), np.uint8)) > 0
        return person, motion

    def board_hidden(self, cur: _CellStats) -> np.ndarray:
        """(R, K) cells above a board strip that changed: something stands in front (a person the detector missed).

        Taking products away leaves the boards as they were; a person or a cart in front hides them.
        The cells of the board's row and of the row above it count as hidden, grown by 2 cells sideways.
        """
        gain = getattr(self, "_gain", np.ones(3, np.float32))
        ref = self.ref.board
        diff = np.abs(cur.board / np.maximum(gain, 1e-3) - ref).sum(axis=-1) / (ref.sum(axis=-1) + 30.0)
        changed = diff > self.board_change
        hidden = changed | np.vstack([changed[1:], np.zeros_like(changed[:1])])  # its row and the one above
        return cv2.dilate(hidden.astype(np.uint8), np.ones((1, 5), np.uint8)) > 0

    def forget(self) -> None:
        """Forget the previous frame (the next one is unrelated: no motion is looked for)."""
        self._prev = None

    def measure(self, image: np.ndarray, person_boxes: ArrayLike) -> ShelfReading:
        """Empty fraction per segment of one frame (BGR, the reference's size) with the frame's person boxes."""
        feats, cur = self.features(image)
        prob = self.probability(feats)
        person, motion = self.hidden(image, person_boxes, cur)
        self._prev = cur
        return _reading(prob, person, motion, self.geo, self.min_visible)


def _person_cells(geo: ShelfGeometry, shape: tuple[int, int], boxes: ArrayLike, margin: float) -> np.ndarray:
    """(R, K) cells any part of whose row-column a person's box (grown by ``margin``) covers."""
    h, w = shape
    front = geo.rectify_mask(_box_mask(np.asarray(boxes, np.float32).reshape(-1, 4), h, w, margin))
    k_cells = geo.width // CELL_W
    return front.reshape(geo.rows, ROW_PX, k_cells, CELL_W).any(axis=(1, 3))


def _reading(
    prob: np.ndarray, person: np.ndarray, motion: np.ndarray, geo: ShelfGeometry, min_visible: float
) -> ShelfReading:
    """Segments touched by a person are not measured; others when ≥ ``min_visible`` of their cells are still."""
    hidden = person | motion
    cells = np.where(hidden, np.nan, prob)
    per = cells.reshape(geo.rows, geo.columns, -1)
    vis = (~np.isnan(per)).mean(axis=-1).reshape(-1)
    touched = person.reshape(geo.rows, geo.columns, -1).any(axis=-1).reshape(-1)
    empty = np.nan_to_num(per > 0.5, nan=0.0).sum(axis=-1).reshape(-1)
    seen = (~np.isnan(per)).sum(axis=-1).reshape(-1)
    valid = (vis >= min_visible) & ~touched
    frac = np.where(valid, empty / np.maximum(seen, 1), np.nan)
    return ShelfReading(frac, valid, vis, cells)


def fractions_from_boxes(
    geo: ShelfGeometry, boxes: ArrayLike, kinds: ArrayLike
) -> np.ndarray:
    """Empty fraction per segment from product (kind 0) and gap (kind 1) boxes in frame pixels.

    A segment's band (where products stand) is empty where no product box covers it, or
    where a gap box covers it; products win where both do.
    """
    k_cells = geo.width // CELL_W
    product = np.zeros((geo.rows, k_cells), bool)
    gap = np.zeros((geo.rows, k_cells), bool)
    b = np.asarray(boxes, np.float32).reshape(-1, 4)
    kinds = np.asarray(kinds, np.int64).reshape(-1)
    has_products = bool((kinds == 0).any())
    for (x1, y1, x2, y2), kind in zip(b, kinds, strict=True):
        quad = np.float32([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])
        fq = cv2.perspectiveTransform(quad[None], geo.to_front)[0]
        fx1, fx2 = fq[:, 0].min(), fq[:, 0].max()
        fy1, fy2 = fq[:, 1].min(), fq[:, 1].max()
        for r in range(geo.rows):
            ya, yb, _, _ = geo.cell_span(r, 0)
            if fy2 < ya or fy1 > yb:
                continue
            centres = (np.arange(k_cells) + 0.5) * CELL_W
            hit = (centres >= fx1) & (centres <= fx2)
            (product if kind == 0 else gap)[r] |= hit
    empty = (~product if has_products else np.zeros_like(product)) | (gap & ~product)
    return empty.reshape(geo.rows, geo.columns, -1).mean(axis=-1).reshape(-1)


class YoloShelfMeter:
    """The primary backend: an Ultralytics products/gaps model from the model folder (plumbing only).

    Raises:
        FileNotFoundError: no ``shelf.pt``/``shelf.onnx`` in the model folder.
        ImportError: Ultralytics is not installed.
    """

    type_key = "yolo"
    PRODUCT_NAMES = ("product", "object", "item", "sku")
    GAP_NAMES = ("gap", "empty", "void", "out_of_stock")

    def __init__(self, geometry: ShelfGeometry, model_dir: str | Path, *, conf: float = 0.3) -> None:
        folder = Path(model_dir)
        path = next((folder / n for n in ("shelf.pt", "shelf.onnx") if (folder / n).is_file()), None)
        if path is None:
            raise FileNotFoundError(f"no shelf.pt or shelf.onnx in {folder}")
        from ultralytics import YOLO

        self.model = YOLO(str(path))
        self.geo = geometry
        self.conf = conf
        names = {int(k): str(v).lower() for k, v in dict(self.model.names).items()}
        self.kind = {k: (1 if v in self.GAP_NAMES else 0) for k, v in names.items()}

    def measure(self, image: np.ndarray, person_boxes: ArrayLike) -> ShelfReading:
        """Empty fraction per segment from the model's boxes; segments behind people are not measured."""
        res = self.model.predict(image, conf=self.conf, verbose=False)[0]
        xyxy = res.boxes.xyxy.cpu().numpy() if len(res.boxes) else np.zeros((0, 4), np.float32)
        cls = res.boxes.cls.cpu().numpy().astype(int) if len(res.boxes) else np.zeros(0, int)
        frac = fractions_from_boxes(self.geo, xyxy, [self.kind.get(c, 0) for c in cls])
        person = _person_cells(self.geo, image.shape[:2], person_boxes, 0.12)
        valid = ~person.reshape(self.geo.rows, self.geo.columns, -1).any(axis=-1).reshape(-1)
        vis = 1.0 - person.reshape(self.geo.rows, self.geo.columns, -1).mean(axis=-1).reshape(-1)
        return ShelfReading(np.where(valid, frac, np.nan), valid, vis, np.where(person, np.nan, 0.0))


def create_meter(
    geometry: ShelfGeometry,
    reference: np.ndarray,
    *,
    backend: str = "auto",
    model_dir: str | Path | None = None,
    empty_example: np.ndarray | None = None,
) -> tuple[ClassicalShelfMeter | YoloShelfMeter, str]:
    """The best shelf meter available and a sentence saying why.

    ``auto`` takes the YOLO model when ``shelf.pt`` is in the model folder and loads, else the
    classical one; ``classical`` forces the built-in one.
    """
    if backend in ("auto", "yolo") and model_dir:
        try:
            return YoloShelfMeter(geometry, model_dir), f"YOLO shelf model from {model_dir}"
        except (FileNotFoundError, ImportError, RuntimeError) as e:
            reason = f"YOLO shelf model not used ({e}): using the built-in classical shelf meter"
            log.info(reason)
            return ClassicalShelfMeter(geometry, reference, empty_example=empty_example), reason
    why = "built-in classical shelf meter" + (" (no model folder)" if backend != "classical" else "")
    return ClassicalShelfMeter(geometry, reference, empty_example=empty_example), why
