"""Vehicle picture → plate text: locate candidates, rectify each, read them all, keep the best valid read."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analytics.plates import PlateText
from models.plates.locate import LocatorChoice, PlateCandidate, create_locator, rectify
from models.plates.ocr import PlateOCR, sharpness


@dataclass(frozen=True, slots=True)
class PlateRead:
    """The plate read on one picture.

    Attributes:
        text: the OCR read with its grammar check (``text.text`` is '' when nothing was read).
        corners: (4, 2) plate corners in the picture, None when no plate was found.
        rows: 1 or 2.
        plate: the rectified plate picture (BGR), None when no plate was found.
        sharpness: focus measure of the plate picture.
        locate_ms: time spent finding the plate; ``ocr_ms`` reading the candidates.
    """

    text: PlateText
    corners: np.ndarray | None
    rows: int
    plate: np.ndarray | None
    sharpness: float
    locate_ms: float = 0.0
    ocr_ms: float = 0.0
    candidates: int = field(default=0)

    @property
    def found(self) -> bool:
        """A valid plate text was read with at least :data:`MIN_CONFIDENCE`."""
        return bool(self.text.text) and _usable(self.text)


_NOTHING = PlateText("", 0.0, (), None)


class PlateReader:
    """Locator + OCR.

    Args:
        locator: ``"auto"`` (YOLO plate weights from ``model_dir`` when present, else the built-in),
            ``"yolo"`` or ``"haar"``.
        model_dir: folder with user-supplied weights.
        precision: OCR model, ``"int8"`` or ``"fp32"``.
        threads: ONNX Runtime threads (0 = default).
        max_candidates: how many plate candidates per picture are read.
        views: test-time views for a doubtful read (:data:`models.plates.ocr.VIEWS`; 1 = none, the
            default: a camera's passage is voted over many frames already, and the combined read's
            damped confidence made the vote uncertain; ``storesight plates read`` uses
            ``len(VIEWS)`` for still pictures).
    """

    def __init__(
        self,
        locator: str = "auto",
        model_dir: str | Path | None = None,
        precision: str = "int8",
        threads: int = 0,
        max_candidates: int = 4,
        views: int = 1,
    ) -> None:
        self.choice: LocatorChoice = create_locator(locator, model_dir)
        self.ocr = PlateOCR(precision, threads=threads)
        self.max_candidates = max_candidates
        self.views = views

    def read(self, image: np.ndarray) -> PlateRead:
        """The best plate on a BGR picture (a vehicle crop or a whole frame)."""
        t0 = time.perf_counter()
        cands = self.choice.locator.find(image, self.max_candidates)
        h, w = image.shape[:2]
        if w >= 2.5 * h or max(h, w) <= 400:
            # Maybe the picture *is* a plate (a cropped plate photo): the whole picture is a candidate
            # too, with a low score so a plate found inside it still wins.
            whole = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
            cands = [*cands, PlateCandidate(whole, 0.05, "whole")]
        t1 = time.perf_counter()
        if not cands:
            return PlateRead(_NOTHING, None, 1, None, 0.0, (t1 - t0) * 1000, 0.0, 0)
        # Each candidate is read as found and slightly looser/tighter (the corners are only
        # known to a few per cent; the OCR costs ~0.2 ms a line, the locator ~50 ms a picture).
        quads = [
            (i, q)
            for i, c in enumerate(cands)
            for q in ([c.corners] if c.source == "whole" else corner_variants(c.corners))
        ]
        rows_of = [cands[i].rows for i, _ in quads]
        plates = [rectify(image, q, r) for (_, q), r in zip(quads, rows_of, strict=True)]
        # A doubtful read is read again from jittered views of its plate picture (PlateOCR.read_views).
        reads = self.ocr.read_views([p for p, _ in plates], [r for _, r in plates], self.views)
        t2 = time.perf_counter()
        usable = [k for k in range(len(quads)) if _usable(reads[k])]
        # A confident valid read wins; with none, the locator's best candidate stands (its read
        # is then reported as uncertain rather than a forced read of some other patch).
        best = max(usable, key=lambda k: _rank(reads[k], cands[quads[k][0]])) if usable else 0
        plate, rows = plates[best]
        return PlateRead(
            reads[best],
            quads[best][1],
            rows,
            plate,
            sharpness(plate),
            (t1 - t0) * 1000,
            (t2 - t1) * 1000,
            len(cands),
        )


def corner_variants(corners: np.ndarray) -> list[np.ndarray]:
    """The quadrilateral as found, 5 % looser and 4 % tighter (about its centre)."""
    c = np.asarray(corners, np.float32)
    mid = c.mean(axis=0)
    return [c] + [
        (mid + (c - mid) * np.float32([sx, sy])).astype(np.float32) for sx, sy in ((1.05, 1.1), (0.96, 0.94))
    ]


#: Below this confidence a read does not count as a plate (``found`` is False; the CLI prints ``-``).
MIN_CONFIDENCE = 0.2


def _usable(read: PlateText) -> bool:
    return read.format is not None and read.confidence >= MIN_CONFIDENCE


def _rank(read: PlateText, cand: PlateCandidate) -> tuple[bool, float]:
    """Uncorrected reads first, then confidence × locator score."""
    return (not read.corrected, read.confidence * (0.5 + 0.5 * cand.score))
