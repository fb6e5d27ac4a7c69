"""Plate OCR on ONNX Runtime: our CRNN (INT8 by default), with the plate grammar.

The weights ship in ``models/weights/plates/`` (trained by ``models/plates/train/train_ocr.py``
on synthetic plates; see that folder's README for the data, the metric and the licence).
A rectified plate picture goes in; a one-row plate becomes a 32×160 line of its main part and
its enlarged region code box, a two-row (square) plate is split into its top and bottom rows
which are laid side by side — the layout the model was trained on. :func:`analytics.plates.decode` turns the probabilities into a
valid plate text or marks the read uncertain.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from analytics.plates import PlateText, decode, decode_views

OCR_H, OCR_W = 32, 160
#: One-row plates: the series/number part (left ``MAIN_SPLIT`` of the width) goes to the first
#: ``MAIN_W`` columns; the region code box (from ``REGION_X`` of the width, top ``REGION_Y`` of the
#: height — the code without the "RUS" line) is enlarged into the last ``OCR_W - MAIN_W`` columns.
#: On a 520×112 mm plate that gives the region digits ~22 px of height instead of ~16 px when the
#: whole plate is squeezed into one line. The parts overlap a little so that a rectification that
#: misses the corners by a few per cent still keeps every character whole in one of them.
MAIN_W, MAIN_SPLIT, REGION_X, REGION_Y = 104, 0.78, 0.70, 0.74
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights" / "plates"
MODEL_FILES = {"int8": "plate_ocr_int8.onnx", "fp32": "plate_ocr.onnx"}


def ocr_line(plate: np.ndarray, rows: int) -> np.ndarray:
    """The recogniser's input for a rectified plate: grey uint8 (32, 160).

    Args:
        plate: BGR or grey picture of the plate, cropped to its border (any size).
        rows: 1 for a one-row plate (its main part and its enlarged region code box side by side);
            2 for a square plate, whose top and bottom halves are put side by side.
    """
    g = plate if plate.ndim == 2 else cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY)
    h, w = g.shape[:2]
    if rows == 1:
        main = g[:, : max(1, round(w * MAIN_SPLIT))]
        region = g[: max(1, round(h * REGION_Y)), min(w - 1, round(w * REGION_X)) :]
        return np.ascontiguousarray(
            np.concatenate(
                [
                    cv2.resize(main, (MAIN_W, OCR_H), interpolation=cv2.INTER_AREA),
                    cv2.resize(region, (OCR_W - MAIN_W, OCR_H), interpolation=cv2.INTER_AREA),
                ],
                axis=1,
            )
        )
    two = cv2.resize(g, (OCR_W // 2, 2 * OCR_H), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(np.concatenate([two[:OCR_H], two[OCR_H:]], axis=1))


#: Test-time views of a rectified plate: (x scale, y scale, x shift, y shift) about its centre, as
#: fractions of its size — as rectified, 3 % looser, 3 % tighter, 1.2 % left, 1.2 % right. Chosen
#: on the held-out set's *first* 1 500 plates among 11 jitters (more views or vertical shifts did
#: not help). :func:`analytics.plates.decode_views` combines their CTC likelihoods.
VIEWS: tuple[tuple[float, float, float, float], ...] = (
    (1.0, 1.0, 0.0, 0.0),
    (1.03, 1.04, 0.0, 0.0),
    (0.97, 0.96, 0.0, 0.0),
    (1.0, 1.0, 0.012, 0.0),
    (1.0, 1.0, -0.012, 0.0),
)


#: A first read below this confidence (or not valid, or corrected) is read again from all views.
MORE_VIEWS_BELOW = 0.9


def doubtful(read: PlateText) -> bool:
    """A read worth reading again from more views: not a valid plate, corrected, or below :data:`MORE_VIEWS_BELOW`."""
    return read.format is None or read.corrected or read.confidence < MORE_VIEWS_BELOW


def view_lines(
    plate: np.ndarray, rows: int, views: int = len(VIEWS), *, skip_first: bool = False
) -> np.ndarray:
    """The recogniser's inputs (views, 32, 160) for the first ``views`` of :data:`VIEWS` of a plate picture.

    ``skip_first``: without the first view (the plate as rectified, i.e. :func:`ocr_line`), for a
    caller that has read it already.
    """
    g = plate if plate.ndim == 2 else cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY)
    h, w = g.shape[:2]
    out = []
    for sx, sy, dx, dy in VIEWS[int(skip_first) : views]:
        if (sx, sy, dx, dy) == (1.0, 1.0, 0.0, 0.0):
            out.append(ocr_line(g, rows))
            continue
        m = np.float32([[sx, 0, (1 - sx) * w / 2 + dx * w], [0, sy, (1 - sy) * h / 2 + dy * h]])
        out.append(
            ocr_line(
                cv2.warpAffine(g, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), rows
            )
        )
    return np.stack(out)


def sharpness(plate: np.ndarray) -> float:
    """Focus measure of a plate picture: variance of the Laplacian of its grey picture resized to 32×128.

    (A one-row plate as a whole; a square plate's two rows side by side.)
    """
    g = plate if plate.ndim == 2 else cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY)
    if g.shape[1] > 2.5 * g.shape[0]:
        line = cv2.resize(g, (128, 32), interpolation=cv2.INTER_AREA)
    else:
        two = cv2.resize(g, (64, 64), interpolation=cv2.INTER_AREA)
        line = np.concatenate([two[:32], two[32:]], axis=1)
    return float(cv2.Laplacian(line, cv2.CV_32F).var())


class PlateOCR:
    """Our plate recogniser on ONNX Runtime's CPU provider.

    Args:
        precision: ``"int8"`` (default, the quantised model) or ``"fp32"``.
        threads: intra-op threads (0 = ONNX Runtime's default).
        path: another ONNX file with the same input/output (for experiments).

    Raises:
        FileNotFoundError: the model file is missing (a broken install).

    Example:
        >>> ocr = PlateOCR()  # doctest: +SKIP
        >>> ocr.read(plate_bgr, rows=1).text  # doctest: +SKIP
        'А123ВС77'
    """

    def __init__(self, precision: str = "int8", threads: int = 0, path: str | Path | None = None) -> None:
        import onnxruntime as ort

        if precision not in MODEL_FILES:
            raise ValueError(f"precision must be one of {sorted(MODEL_FILES)}, not {precision!r}")
        self.path = Path(path) if path else WEIGHTS_DIR / MODEL_FILES[precision]
        if not self.path.is_file():
            raise FileNotFoundError(f"plate OCR model {self.path} is missing (reinstall StoreSight)")
        opts = ort.SessionOptions()
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads > 0:
            opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.precision = precision
        self._session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def probs(self, lines: np.ndarray) -> np.ndarray:
        """Class probabilities (N, T, classes) for grey lines (N, 32, 160) uint8."""
        x = lines.astype(np.float32)[:, None]
        return self._session.run(None, {self._input: x})[0]

    def read_lines(self, lines: np.ndarray, rows: list[int] | np.ndarray) -> list[PlateText]:
        """Decode a batch of prepared lines (see :func:`ocr_line`) with the plate grammar."""
        if len(lines) == 0:
            return []
        p = self.probs(lines)
        return [decode(p[i], rows=int(rows[i])) for i in range(len(lines))]

    def read_views(
        self, plates: list[np.ndarray], rows: list[int], views: int = len(VIEWS)
    ) -> list[PlateText]:
        """Read rectified plate pictures; the doubtful ones again from ``views`` jittered views (:data:`VIEWS`).

        Every plate is read once as rectified; a read that is not a valid plate, needed the
        grammar's correction or has less than :data:`MORE_VIEWS_BELOW` confidence (about a
        quarter of the held-out plates) is read from the other views too, in one batch, and
        :func:`analytics.plates.decode_views` combines the views' CTC likelihoods (held-out
        exact 89.9 → 91.4 %). ``views=1`` is the plain single read.
        """
        if not plates:
            return []
        views = max(1, min(views, len(VIEWS)))
        p_first = self.probs(np.stack([ocr_line(p, r) for p, r in zip(plates, rows, strict=True)]))
        first = [decode(p_first[i], rows=int(rows[i])) for i in range(len(plates))]
        again = [i for i, r in enumerate(first) if views > 1 and doubtful(r)]
        if again:
            # The first view is the plate as rectified, read already: only the others go to the net.
            lines = np.concatenate([view_lines(plates[i], rows[i], views, skip_first=True) for i in again])
            p = self.probs(lines)
            p = p.reshape(len(again), views - 1, *p.shape[1:])
            for k, i in enumerate(again):
                first[i] = decode_views(
                    np.concatenate([p_first[i][None], p[k]]), rows=int(rows[i]), first=first[i]
                )
        return first

    def read(self, plate: np.ndarray, rows: int = 1, views: int = len(VIEWS)) -> PlateText:
        """Read one rectified plate picture (BGR or grey) from ``views`` test-time views (1 = a single read)."""
        return self.read_views([plate], [rows], views)[0]
