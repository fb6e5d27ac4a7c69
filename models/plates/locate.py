"""Find licence plates in a vehicle crop and rectify them from their four corners.

Two backends behind :func:`create_locator`:

* **YOLO** (primary): Ultralytics weights trained for plates, from the model folder
  (``plate*.pt`` / ``plate*.onnx`` or a name given in the config). Its boxes are refined to four
  corners like the Haar ones.
* **Haar + contours** (embedded default, offline, ships with OpenCV 4.x): OpenCV's
  ``haarcascade_russian_plate_number.xml`` proposes boxes; bright, rectangular, text-bearing
  regions found by thresholding and contours propose more (the cascade misses square plates
  and steep angles), and the same search on the inverted picture proposes dark plates with light
  characters (blue police plates, GOST type 20), kept only when a dark plate rectangle is found
  around them. Each proposal is refined to the plate's four corners (the largest
  quadrilateral of the plate's background inside the box) and scored.

:func:`rectify` warps the quadrilateral onto the canonical plate (one-row 520×112 mm or square
290×170 mm proportions) and says how many rows it has. The OCR then picks, among the best
few candidates, the one that reads as a valid plate (see :class:`models.plates.reader.PlateReader`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

#: Search margin around a dark plate's character band, fraction of its size: the white divider of a blue
#: plate splits its band, so the band is often only the series and number (~75 % of the plate).
DARK_PAD = 0.3
#: The dark branch's black-hat kernel width, fraction of the crop's width (a character of a one-row
#: plate on a vehicle crop is ~1/43 of it: twice that so whole strokes stand out).
DARK_CHAR_FRAC = 1 / 20

#: Aspect ratio (width / height) above which a plate is one-row.
ONE_ROW_MIN_ASPECT = 2.6


@dataclass(frozen=True, slots=True)
class PlateCandidate:
    """A possible plate in an image.

    Attributes:
        corners: (4, 2) float32, TL, TR, BR, BL in image pixels.
        score: 0–1, how plate-like (detector score or the contour heuristics).
        source: ``"yolo"``, ``"haar"``, ``"contour"`` or ``"dark"`` (the dark-plate search).
    """

    corners: np.ndarray
    score: float
    source: str

    @property
    def box(self) -> np.ndarray:
        """Axis-aligned x1, y1, x2, y2."""
        return _corners_box(self.corners)

    @property
    def rows(self) -> int:
        """1 for a one-row plate, 2 for a square one (from the corners' aspect ratio)."""
        c = self.corners
        w = (np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2
        h = (np.linalg.norm(c[3] - c[0]) + np.linalg.norm(c[2] - c[1])) / 2
        return 1 if w / max(h, 1e-6) >= ONE_ROW_MIN_ASPECT else 2


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Four points as TL, TR, BR, BL (by sums and differences of coordinates)."""
    pts = np.asarray(pts, np.float32).reshape(4, 2)
    s = pts.sum(axis=1)
    d = pts[:, 1] - pts[:, 0]
    return np.float32([pts[s.argmin()], pts[d.argmin()], pts[s.argmax()], pts[d.argmax()]])


def rectify(image: np.ndarray, corners: np.ndarray, rows: int | None = None) -> tuple[np.ndarray, int]:
    """Warp the plate quadrilateral onto its canonical rectangle.

    Args:
        image: BGR picture.
        corners: (4, 2) TL, TR, BR, BL.
        rows: force the layout; None takes it from the corners' aspect ratio.

    Returns:
        (plate picture, rows): one-row plates come out 4.64:1, square ones 1.7:1, at about
        the resolution the camera gave them (at least 24 px high).
    """
    c = order_corners(corners)
    if rows is None:
        rows = PlateCandidate(c, 0, "").rows
    h_px = max(24.0, (np.linalg.norm(c[3] - c[0]) + np.linalg.norm(c[2] - c[1])) / 2)
    h = round(min(h_px, 160))
    w = round(h * (520 / 112 if rows == 1 else 290 / 170))
    m = cv2.getPerspectiveTransform(c, np.float32([[0, 0], [w, 0], [w, h], [0, h]]))
    return cv2.warpPerspective(
        image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    ), rows


# --- the embedded default -----------------------------------------------------------------------


def _cascade_path() -> Path | None:
    data = getattr(cv2, "data", None)
    if data is None:
        return None
    p = Path(data.haarcascades) / "haarcascade_russian_plate_number.xml"
    return p if p.is_file() else None


def _text_score(gray_plate: np.ndarray) -> float:
    """How much a rectified grey plate looks like a row of characters: 0–1."""
    g = cv2.resize(gray_plate, (128, 32) if gray_plate.shape[1] > 2 * gray_plate.shape[0] else (80, 48))
    _, bw = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(bw)
    hh = g.shape[0]
    chars = 0
    for i in range(1, n):
        _, _, w, h, area = stats[i]
        if 0.25 * hh <= h <= 0.9 * hh and 0.15 * h <= w <= 1.2 * h and area > 6:
            chars += 1
    return min(chars, 8) / 8


def refine_corners(gray: np.ndarray, box: np.ndarray, pad: float = 0.15) -> np.ndarray | None:
    """The plate's four corners inside (a padded) ``box``.

    Candidates are the outer contours of Otsu's bright and dark regions (white/yellow plates
    and blue ones) with the characters closed into the plate; a contour that touches the
    padded box's edge is the car, not the plate. The most rectangular contour of a plate's
    proportions and of a size close to the box wins.

    Returns:
        (4, 2) float32 corners in image pixels, or None when no plate-shaped region is found.
    """
    h_img, w_img = gray.shape[:2]
    x1, y1, x2, y2 = (float(v) for v in box)
    bw, bh = x2 - x1, y2 - y1
    x1, y1 = max(0, int(x1 - pad * bw)), max(0, int(y1 - pad * bh * 2))
    x2, y2 = min(w_img, int(x2 + pad * bw)), min(h_img, int(y2 + pad * bh * 2))
    roi = gray[y1:y2, x1:x2]
    if roi.shape[0] < 8 or roi.shape[1] < 16:
        return None
    rh, rw = roi.shape[:2]
    best, best_score = None, 0.0
    for binary in _thresholds(roi):
        cnts, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in cnts:
            area = cv2.contourArea(c)
            if area < 0.25 * bw * bh:
                continue
            x, y, cw, ch = cv2.boundingRect(c)
            if x <= 0 or y <= 0 or x + cw >= rw or y + ch >= rh:
                continue  # touches the search window: the car body or the background
            (mw, mh) = cv2.minAreaRect(c)[1]
            if min(mw, mh) < 6:
                continue
            rect = area / max(mw * mh, 1.0)
            aspect = max(mw, mh) / max(min(mw, mh), 1.0)
            if rect < 0.75 or not 1.2 <= aspect <= 6.5:
                continue
            score = rect * min(1.0, area / (bw * bh))
            if score > best_score:
                best, best_score = _quad(c), score
    if best is None:
        return None
    return order_corners(best + np.float32([x1, y1]))


def _thresholds(roi: np.ndarray) -> list[np.ndarray]:
    blur = cv2.GaussianBlur(roi, (3, 3), 0)
    _, otsu = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    k = max(3, roi.shape[0] // 5) | 1
    # Close the characters into the plate's background so the plate is one blob; both polarities.
    # The wide kernel also bridges the divider and the dark flag of the region box (else the
    # main field alone wins and the region code is cut off).
    kernels = [cv2.getStructuringElement(cv2.MORPH_RECT, size) for size in ((k, k), (2 * k + 1, k))]
    return [cv2.morphologyEx(b, cv2.MORPH_CLOSE, kern) for kern in kernels for b in (otsu, 255 - otsu)]


def _quad(contour: np.ndarray) -> np.ndarray:
    """Four corners of a plate-shaped contour: the quadrilateral that best covers its convex hull.

    Candidates are polygon approximations with four vertices and the minimum-area rectangle; the
    one with the highest overlap (IoU) with the hull wins (an approximation that cut a corner off
    skews the rectified plate and crops the region code).
    """
    hull = cv2.convexHull(contour).astype(np.float32)
    hull_area = max(cv2.contourArea(hull), 1.0)
    peri = cv2.arcLength(hull, True)
    quads = [cv2.boxPoints(cv2.minAreaRect(contour)).astype(np.float32)]
    for eps in (0.02, 0.04, 0.06):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            quads.append(order_corners(approx.reshape(4, 2).astype(np.float32)))

    def iou(q: np.ndarray) -> float:
        qa = cv2.contourArea(q)
        inter, _ = cv2.intersectConvexConvex(hull.reshape(-1, 2), q.reshape(-1, 2))
        return float(inter / max(qa + hull_area - inter, 1e-6))

    return max(quads, key=iou)


class HaarContourLocator:
    """Embedded default: OpenCV's Russian-plate Haar cascade plus contour proposals, refined to corners.

    Args:
        dark_plates: also search for dark plates with light characters (blue police plates): the
            bright-plate search on the inverted picture with a wider kernel; a proposal counts only
            when :func:`refine_corners` finds the plate's rectangle around it (on generated cars
            ~1–3 ms more per vehicle crop, ``benchmarks/plates_locate.py``).

    Raises:
        RuntimeError: the cascade file is missing (OpenCV 5 dropped ``cv2.data``).
    """

    name = "haar"

    def __init__(self, dark_plates: bool = True) -> None:
        path = _cascade_path()
        if path is None:
            raise RuntimeError(
                "OpenCV's haarcascade_russian_plate_number.xml not found (needs opencv-python 4.x)"
            )
        self._cascade = cv2.CascadeClassifier(str(path))
        self.dark_plates = dark_plates

    def find(self, image: np.ndarray, max_candidates: int = 4) -> list[PlateCandidate]:
        """Plate candidates in a BGR picture (a vehicle crop or a whole frame), best first."""
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        h, w = gray.shape[:2]
        scale = 1.0
        if max(h, w) > 800:
            scale = 800 / max(h, w)
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        props: list[tuple[np.ndarray, float, str]] = []
        hits = self._cascade.detectMultiScale(gray, scaleFactor=1.15, minNeighbors=3, minSize=(30, 10))
        for x, y, bw, bh in hits if len(hits) else []:
            props.append((np.float32([x, y, x + bw, y + bh]), 0.6, "haar"))
        props += [(b, 0.4, "contour") for b in _bright_boxes(gray)]
        if self.dark_plates:
            # Light characters on a dark plate (blue police plates, which the black-hat above cannot
            # see): the same search on the inverted picture with a wider kernel (session 7, `loc7`;
            # it replaced ocr7's narrow-kernel inverted proposals: held-out crops read 79.7 → 87.8 %).
            props += [(b, 0.4, "dark") for b in _bright_boxes(255 - gray, DARK_CHAR_FRAC)]
        out: list[PlateCandidate] = []
        for box, base, source in props:
            dark = source == "dark"
            # A dark proposal whose rectangle is a part of it (a plate on a body of about its own grey,
            # blue on red) keeps the proposal: the light characters' band, closed with the wide kernel.
            corners = _fit_corners(gray, box, DARK_PAD if dark else 0.15, min_iou=0.5 if dark else 0.0)
            if corners is None:
                if dark:
                    continue  # a dark plate is a dark rectangle around its characters: none found here
                corners = _box_corners(box)
            if not _aspect_ok(corners):
                continue
            plate, _ = rectify(gray, corners)
            score = base * 0.5 + 0.5 * _text_score(255 - plate if source == "dark" else plate)
            out.append(PlateCandidate(corners / scale, float(score), source))
        return _dedupe(sorted(out, key=lambda c: -c.score))[:max_candidates]


def _aspect_ok(c: np.ndarray) -> bool:
    w = (np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2
    h = (np.linalg.norm(c[3] - c[0]) + np.linalg.norm(c[2] - c[1])) / 2
    a = w / max(h, 1e-6)
    return 1.1 <= a <= 7.0 and h >= 8


def _bright_boxes(gray: np.ndarray, char_frac: float = 1 / 40) -> list[np.ndarray]:
    """Boxes of bright, plate-proportioned blobs that contain dark strokes (plate background + characters).

    Args:
        gray: grey picture (inverted: dark plates with light characters).
        char_frac: the black-hat kernel's width, fraction of the picture's width (strokes narrower
            than it stand out).
    """
    h, w = gray.shape[:2]
    out = []
    # Black-hat highlights dark characters on a bright background; closing joins them into a band.
    kw = max(9, int(w * char_frac)) | 1
    bh = cv2.morphologyEx(
        gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, max(5, kw // 3) | 1))
    )
    _, t = cv2.threshold(bh, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    t = cv2.morphologyEx(
        t, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, max(3, kw // 4) | 1))
    )
    cnts, _ = cv2.findContours(t, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for c in cnts:
        x, y, bw, bhh = cv2.boundingRect(c)
        if bw < 20 or bhh < 8 or bw * bhh > 0.25 * w * h:
            continue
        a = bw / bhh
        if 1.1 <= a <= 7.5:
            out.append(np.float32([x, y, x + bw, y + bhh]))
    out.sort(key=lambda b: -(b[2] - b[0]) * (b[3] - b[1]))
    return out[:8]


def _dedupe(cands: list[PlateCandidate], iou: float = 0.5) -> list[PlateCandidate]:
    kept: list[PlateCandidate] = []
    for c in cands:
        b = c.box
        if all(_iou(b, k.box) < iou for k in kept):
            kept.append(c)
    return kept


def _corners_box(c: np.ndarray) -> np.ndarray:
    """Axis-aligned x1, y1, x2, y2 around (4, 2) corners."""
    return np.array([c[:, 0].min(), c[:, 1].min(), c[:, 0].max(), c[:, 1].max()], np.float32)


def _box_corners(b: np.ndarray) -> np.ndarray:
    """The (4, 2) corners TL, TR, BR, BL of an x1, y1, x2, y2 box."""
    return np.float32([[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]])


def _fit_corners(gray: np.ndarray, box: np.ndarray, pad: float, *, min_iou: float = 0.0) -> np.ndarray | None:
    """:func:`refine_corners` inside ``box`` (None: no plate quadrilateral found there).

    A quadrilateral whose bounds overlap ``box`` at IoU under ``min_iou`` (a part of the plate) gives the
    box's own corners instead.
    """
    corners = refine_corners(gray, box, pad=pad)
    if corners is not None and min_iou > 0 and _iou(_corners_box(corners), box) < min_iou:
        return _box_corners(box)
    return corners


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


# --- the primary backend --------------------------------------------------------------------------

#: File names looked for in the model folder, in order.
YOLO_PLATE_NAMES = ("plates.pt", "plate.pt", "license_plate.pt", "plates.onnx", "plate.onnx")


def find_yolo_plate_weights(model_dir: str | Path | None, name: str | None = None) -> Path | None:
    """The plate detector weights in the model folder (``name`` if given, else a known name), or None."""
    if not model_dir:
        return None
    d = Path(model_dir).expanduser()
    for n in [name] if name else YOLO_PLATE_NAMES:
        if n and (d / n).is_file():
            return d / n
    return None


class YoloPlateLocator:
    """Primary backend: an Ultralytics YOLO model trained for plates (class 0 or a class named like 'plate').

    Args:
        weights: ``.pt`` or ``.onnx`` file.
        confidence: minimum box score.
        device: Ultralytics device string (``"cpu"``, ``"0"``…), None = Ultralytics' choice.

    Raises:
        RuntimeError: ultralytics is not installed or the weights do not load.
    """

    name = "yolo"

    def __init__(self, weights: str | Path, confidence: float = 0.4, device: str | None = None) -> None:
        try:
            from ultralytics import YOLO
        except ImportError as e:  # pragma: no cover - ultralytics is a dependency
            raise RuntimeError(f"ultralytics is not installed: {e}") from e
        try:
            self._model = YOLO(str(weights), task="detect")
        except Exception as e:
            raise RuntimeError(f"plate weights {weights} did not load: {e}") from e
        self.weights = Path(weights)
        self.confidence = confidence
        self.device = device
        names = getattr(self._model, "names", None) or {0: "plate"}
        plate_ids = [int(k) for k, v in dict(names).items() if "plate" in str(v).lower()]
        self._classes = plate_ids or [0]

    def find(self, image: np.ndarray, max_candidates: int = 4) -> list[PlateCandidate]:
        """Plate candidates (box corners refined to the plate's quadrilateral when possible)."""
        res = self._model.predict(
            image, conf=self.confidence, classes=self._classes, verbose=False, device=self.device
        )[0]
        boxes = res.boxes
        if boxes is None or len(boxes) == 0:
            return []
        xyxy = boxes.xyxy.cpu().numpy().astype(np.float32)
        conf = boxes.conf.cpu().numpy()
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        out = []
        for b, s in zip(xyxy, conf, strict=True):
            corners = _fit_corners(gray, b, 0.08, min_iou=0.5)
            if corners is None:
                corners = _box_corners(b)
            out.append(PlateCandidate(corners, float(s), "yolo"))
        return sorted(out, key=lambda c: -c.score)[:max_candidates]


@dataclass(frozen=True, slots=True)
class LocatorChoice:
    """The plate locator that runs and a sentence for the user about why."""

    locator: HaarContourLocator | YoloPlateLocator
    reason: str


def create_locator(
    requested: str = "auto", model_dir: str | Path | None = None, weights_name: str | None = None
) -> LocatorChoice:
    """Load the requested plate locator (``auto``, ``yolo``, ``haar``), falling back to the embedded one."""
    reason = ""
    if requested in ("auto", "yolo"):
        weights = find_yolo_plate_weights(model_dir, weights_name)
        if weights is not None:
            try:
                return LocatorChoice(YoloPlateLocator(weights), f"YOLO plate detector {weights.name}")
            except RuntimeError as e:
                reason = f"{e}; "
                log.warning("plate YOLO weights failed, using the built-in locator: %s", e)
        else:
            where = f" in {model_dir}" if model_dir else " (no model folder set)"
            reason = f"no YOLO plate weights ({'/'.join(YOLO_PLATE_NAMES[:2])}){where}; "
    return LocatorChoice(
        HaarContourLocator(),
        reason + "using the built-in Haar cascade + contour plate locator (CPU, offline)",
    )
