"""Synthetic Russian licence plates (GOST R 50577 layouts) for training and testing the plate OCR.

Everything is drawn from a seed, so a set is reproducible: :func:`random_text` picks a plate
kind and a valid text, :func:`render_plate` draws the flat plate at 1 px per millimetre
(white type 1 / 1А, yellow taxi 1Т, trailer 2, blue police 20, square motorcycle 4),
:func:`degrade` puts it through what a parking camera does to it (a rectification that
missed the corners by a few per cent, low resolution, blur, noise, JPEG, night IR, dirt,
partial occlusion), and :func:`models.plates.ocr.ocr_line` turns it into the recogniser's 32×160 grey line
(one-row plates: main part + enlarged region code; two-row plates split into their rows, laid side by side).

Fonts: free fonts from Debian (``fonts-dejavu-core``/``-extra``, ``fonts-liberation``,
``fonts-opendin``) or matplotlib's bundled DejaVu. The real plate font (RoadNumbers) is not
free, so the training fonts are DIN-like and condensed sans faces, and the held-out fonts are
faces the model never saw. The letters are drawn with their Latin look-alike glyphs, which
is what a plate shows.

:class:`Style` fixes the distortion ranges: ``Style.train()`` for training and
``Style.heldout()`` for evaluation (other fonts, other seeds, kinds of distortion the
training never drew: salt-and-pepper noise, steeper motion blur, screw-head occlusions) and
``Style.heldout_hard()`` (also beyond the training's severity: lower resolution, stronger blur,
worse JPEG — many of those plates are hard for a person too).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from analytics.plates import DIGITS, FORMATS, LATIN_LOOKALIKES, LETTERS, REGIONS_3, to_latin
from models.plates.ocr import OCR_H, OCR_W, ocr_line

TRAIN_FONTS = (
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "LiberationSansNarrow-Bold.ttf",
    "OSP-DIN.ttf",
)
HELDOUT_FONTS = ("LiberationSans-Bold.ttf", "DejaVuSansCondensed.ttf", "LiberationMono-Bold.ttf")

_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/opendin",
)


def _font_dirs() -> list[Path]:
    dirs = [Path(d) for d in os.environ.get("STORESIGHT_FONT_DIRS", "").split(os.pathsep) if d]
    dirs += [Path(d) for d in _FONT_DIRS]
    try:
        import matplotlib

        dirs.append(Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf")
    except ImportError:  # pragma: no cover - matplotlib comes with ultralytics
        pass
    return dirs


def find_fonts(names: tuple[str, ...]) -> list[Path]:
    """The font files among ``names`` that exist here (first folder that has each wins)."""
    found = []
    for name in names:
        for d in _font_dirs():
            if (d / name).is_file():
                found.append(d / name)
                break
    return found


# --- text -----------------------------------------------------------------------------------


def random_region(rng: np.random.Generator) -> str:
    """A region code: mostly two digits, a quarter three digits (e.g. 777, 199)."""
    if rng.random() < 0.25:
        return str(rng.choice(sorted(REGIONS_3)))
    return f"{int(rng.integers(1, 100)):02d}"


def random_text(rng: np.random.Generator, kind: str | None = None) -> tuple[str, str, int]:
    """A valid plate: (text, kind, rows). Kinds are the names in :data:`analytics.plates.FORMATS`.

    ``private`` plates are two-row (type 1А) a third of the time.
    """
    kinds = [name for name, _, _ in FORMATS]
    if kind is None:
        kind = str(rng.choice(kinds, p=[0.5, 0.12, 0.12, 0.08, 0.18]))
    series = {name: s for name, s, _ in FORMATS}[kind]
    body = "".join(
        LETTERS[int(rng.integers(len(LETTERS)))] if c == "L" else DIGITS[int(rng.integers(10))]
        for c in series
    )
    rows = 2 if kind == "moto" or (kind == "private" and rng.random() < 0.33) else 1
    return body + random_region(rng), kind, rows


# --- drawing --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _glyph(font_path: str, ch: str) -> np.ndarray:
    """The glyph's ink as a tight uint8 mask (255 = ink), drawn large."""
    font = ImageFont.truetype(font_path, 160)
    img = Image.new("L", (220, 240), 0)
    ImageDraw.Draw(img).text((20, 10), ch, font=font, fill=255)
    a = np.asarray(img)
    ys, xs = np.nonzero(a > 40)
    return np.ascontiguousarray(a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1])


def _put(canvas: np.ndarray, mask: np.ndarray, x: float, y: float, w: float, h: float, color) -> None:
    w_i, h_i = max(2, round(w)), max(2, round(h))
    m = cv2.resize(mask, (w_i, h_i), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    x0, y0 = round(x), round(y)
    region = canvas[y0 : y0 + h_i, x0 : x0 + w_i]
    m = m[: region.shape[0], : region.shape[1], None]
    region[:] = (region * (1 - m) + np.array(color, np.float32) * m).astype(canvas.dtype)


_COLORS = {  # background, ink (BGR)
    "private": ((245, 245, 245), (20, 20, 20)),
    "trailer": ((245, 245, 245), (20, 20, 20)),
    "moto": ((245, 245, 245), (20, 20, 20)),
    "taxi": ((40, 205, 245), (20, 20, 20)),
    "police": ((160, 80, 20), (250, 250, 250)),
}


def _chars(
    canvas: np.ndarray,
    text: str,
    x: float,
    baseline: float,
    font: str,
    color,
    *,
    digit_h: float,
    letter_h: float,
    width: float,
    gap: float,
    weight: float,
) -> float:
    """Draw ``text`` from ``x`` with bottoms on ``baseline``; returns the x after the last char."""
    for ch in text:
        is_digit = ch.isdigit()
        h = digit_h if is_digit else letter_h
        g = _glyph(font, ch if is_digit else LATIN_LOOKALIKES[LETTERS.index(ch)])
        w = width * (0.82 if ch == "1" else 1.0) * weight
        _put(canvas, g, x + (width - w) / 2, baseline - h, w, h, color)
        x += width + gap
    return x


def _flag_rus(canvas: np.ndarray, x: float, y: float, w: float, h: float, font: str, ink) -> None:
    """The "RUS" mark and the tricolour under the region code."""
    _chars_latin(canvas, "RUS", x, y, w * 0.62, h, font, ink)
    fx, fw = x + w * 0.66, w * 0.34
    for k, c in enumerate(((250, 250, 250), (160, 60, 0), (30, 30, 200))):
        y0 = round(y + k * h / 3)
        cv2.rectangle(canvas, (round(fx), y0), (round(fx + fw), round(y0 + h / 3)), c, -1)
    cv2.rectangle(canvas, (round(fx), round(y)), (round(fx + fw), round(y + h)), (90, 90, 90), 1)


def _chars_latin(
    canvas: np.ndarray, text: str, x: float, y: float, w: float, h: float, font: str, ink
) -> None:
    cw = w / len(text)
    for k, ch in enumerate(text):
        _put(canvas, _glyph(font, ch), x + k * cw + cw * 0.08, y, cw * 0.84, h, ink)


def plate_size(rows: int, kind: str) -> tuple[int, int]:
    """(width, height) in mm: 520×112 one-row, 290×170 square car (1А), 245×160 motorcycle (4)."""
    if rows == 1:
        return 520, 112
    return (245, 160) if kind == "moto" else (290, 170)


def render_plate(text: str, kind: str, rows: int, font: str | Path, *, weight: float = 1.0) -> np.ndarray:
    """Draw a flat plate (BGR, 1 px per mm, with its black border).

    Args:
        text: canonical plate text (Cyrillic letters), valid for ``kind``.
        kind: a format name from :data:`analytics.plates.FORMATS`.
        rows: 1 or 2 (two-row: square type 1А for ``private``, type 4 for ``moto``).
        font: a TrueType file.
        weight: character width factor (0.85–1.1: condensed … wide faces).
    """
    font = str(font)
    series_len = len({n: s for n, s, _ in FORMATS}[kind])
    body, region = text[:series_len], text[series_len:]
    w, h = plate_size(rows, kind)
    bg, ink = _COLORS[kind]
    c = np.empty((h, w, 3), np.uint8)
    c[:] = bg
    cv2.rectangle(c, (3, 3), (w - 4, h - 4), ink, 3)
    if rows == 1:
        rx = 402
        cv2.line(c, (rx, 4), (rx, h - 5), ink, 3)
        n = len(body)
        cw, gap = (44.0, 8.0) if n <= 6 else (40.0, 6.0)
        total = n * cw + (n - 1) * gap
        x = 16 + (rx - 16 - total) / 2
        _chars(c, body, x, 96, font, ink, digit_h=76, letter_h=58, width=cw, gap=gap, weight=weight)
        rw = 32.0 if len(region) == 3 else 40.0
        rg = 3.0
        x = rx + (w - 4 - rx - (len(region) * rw + (len(region) - 1) * rg)) / 2
        _chars(c, region, x, 70, font, ink, digit_h=58, letter_h=58, width=rw, gap=rg, weight=weight)
        _flag_rus(c, rx + 14, 78, w - rx - 30, 20, font, ink)
        return c
    # Two rows: the first four characters on top, the rest below with the region.
    top, bottom = body[:4], body[4:]
    mid = h // 2
    cw, gap = (52.0, 10.0) if kind == "private" else (46.0, 10.0)
    x = (w - (4 * cw + 3 * gap)) / 2
    _chars(
        c, top, x, mid - 6, font, ink, digit_h=mid - 20, letter_h=mid - 32, width=cw, gap=gap, weight=weight
    )
    bw = 44.0
    rw = 30.0 if len(region) == 3 else 38.0
    x = 14 + (w * 0.45 - 14 - (2 * bw + 6)) / 2
    _chars(
        c, bottom, x, h - 14, font, ink, digit_h=mid - 32, letter_h=mid - 32, width=bw, gap=6, weight=weight
    )
    rx = w * 0.47
    x = rx + (w - 8 - rx - (len(region) * rw + (len(region) - 1) * 3)) / 2
    _chars(
        c, region, x, h - 34, font, ink, digit_h=mid - 40, letter_h=mid - 40, width=rw, gap=3, weight=weight
    )
    _flag_rus(c, rx + 14, h - 32, w - 8 - rx - 28, 16, font, ink)
    return c


# --- degradations ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Style:
    """Ranges of the distortions (what a camera and the weather do to a plate).

    Attributes:
        fonts: font file names to draw with.
        width_px: plate width in the camera image, pixels (low resolution at the low end).
        corner_jitter: how far the rectification misses each corner, fraction of the plate size.
        blur_sigma: Gaussian blur sigma range (pixels of the camera image).
        motion_len: motion blur length range (pixels); ``motion_angle`` its angle range (degrees).
        noise_sigma: Gaussian noise range (grey levels); ``salt_pepper``: fraction of pixels flipped.
        jpeg_quality: JPEG quality range.
        p_ir: probability of a night infrared picture; ``p_dirt``, ``p_occlusion`` likewise.
        occlusion: ``"bar"`` (tow bar, frame edge) or ``"screws"`` (bolts, stickers) or both.
        p_low_res: probability that the width is drawn from the lowest third of ``width_px``
            instead of the whole range (0 draws no extra random number, so sets stay as before).
    """

    fonts: tuple[str, ...] = TRAIN_FONTS
    width_px: tuple[int, int] = (44, 260)
    corner_jitter: float = 0.05
    blur_sigma: tuple[float, float] = (0.0, 1.2)
    motion_len: tuple[int, int] = (0, 7)
    motion_angle: tuple[float, float] = (-20.0, 20.0)
    noise_sigma: tuple[float, float] = (0.0, 10.0)
    salt_pepper: float = 0.0
    jpeg_quality: tuple[int, int] = (25, 95)
    p_ir: float = 0.2
    p_dirt: float = 0.3
    p_occlusion: float = 0.15
    occlusion: tuple[str, ...] = field(default=("bar",))
    p_low_res: float = 0.0

    @staticmethod
    def train() -> Style:
        """What the OCR is trained on (a third of the plates drawn in the low-resolution end, where errors are)."""
        return Style(p_low_res=0.35)

    @staticmethod
    def heldout() -> Style:
        """Evaluation: other fonts, and kinds of distortion the training never drew, as strong as its own.

        Salt-and-pepper noise, screw-head/sticker occlusions and motion blur at 20–45° (training:
        Gaussian noise, bars, ±20°), with resolution, blur and compression inside the training ranges.
        """
        return Style(
            fonts=HELDOUT_FONTS,
            width_px=(50, 240),
            corner_jitter=0.05,
            blur_sigma=(0.0, 1.1),
            motion_len=(0, 7),
            motion_angle=(20.0, 45.0),
            noise_sigma=(0.0, 3.0),
            salt_pepper=0.005,
            jpeg_quality=(30, 90),
            p_ir=0.2,
            p_dirt=0.3,
            p_occlusion=0.2,
            occlusion=("screws",),
        )

    @staticmethod
    def heldout_hard() -> Style:
        """Evaluation beyond the training ranges: lower resolution, stronger blur, steep motion blur, worse JPEG."""
        return Style(
            fonts=HELDOUT_FONTS,
            width_px=(40, 240),
            corner_jitter=0.06,
            blur_sigma=(0.3, 1.4),
            motion_len=(0, 9),
            motion_angle=(20.0, 70.0),
            noise_sigma=(0.0, 4.0),
            salt_pepper=0.01,
            jpeg_quality=(20, 80),
            p_ir=0.25,
            p_dirt=0.35,
            p_occlusion=0.2,
            occlusion=("screws",),
        )


def _motion_kernel(length: int, angle: float) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    m = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    k = cv2.warpAffine(k, m, (length, length))
    return k / max(k.sum(), 1e-6)


def _dirt(img: np.ndarray, rng: np.random.Generator) -> None:
    h, w = img.shape[:2]
    overlay = img.copy()
    for _ in range(int(rng.integers(3, 12))):
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        ax, ay = int(rng.integers(4, w // 8 + 5)), int(rng.integers(3, h // 5 + 4))
        shade = int(rng.integers(60, 150))
        cv2.ellipse(
            overlay,
            (cx, cy),
            (ax, ay),
            float(rng.uniform(0, 180)),
            0,
            360,
            (shade, shade + 10, shade + 20),
            -1,
        )
    a = float(rng.uniform(0.15, 0.45))
    cv2.addWeighted(overlay, a, img, 1 - a, 0, dst=img)
    # A mud gradient along the bottom.
    if rng.random() < 0.5:
        g = np.linspace(0, float(rng.uniform(0.2, 0.5)), h, dtype=np.float32)[:, None, None]
        img[:] = (img * (1 - g) + np.array([60, 80, 90], np.float32) * g).astype(np.uint8)


def _occlude(img: np.ndarray, rng: np.random.Generator, kinds: tuple[str, ...]) -> None:
    h, w = img.shape[:2]
    kind = kinds[int(rng.integers(len(kinds)))]
    color = tuple(int(v) for v in rng.integers(0, 80, 3))
    if kind == "bar":  # a frame edge or tow bar over the top or bottom eighth
        bh = int(h * rng.uniform(0.06, 0.16))
        y0 = 0 if rng.random() < 0.5 else h - bh
        cv2.rectangle(img, (0, y0), (w, y0 + bh), color, -1)
    else:  # bolts / small stickers
        for _ in range(int(rng.integers(1, 3))):
            x = int(rng.uniform(0.1, 0.9) * w)
            y = int(rng.choice([0.08, 0.92]) * h)
            cv2.circle(img, (x, y), max(2, int(h * rng.uniform(0.05, 0.09))), color, -1)


def _ir(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Night infrared: grey, the retro-reflective plate glows, ink stays dark, halo and low contrast."""
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    g = 255 * (g / 255.0) ** float(rng.uniform(0.5, 0.9))
    g = g * float(rng.uniform(0.6, 1.1)) + float(rng.uniform(-20, 40))
    g = cv2.GaussianBlur(g, (0, 0), float(rng.uniform(0.3, 1.0)))
    return cv2.cvtColor(np.clip(g, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def degrade(plate: np.ndarray, rng: np.random.Generator, style: Style) -> np.ndarray:
    """What a camera delivers after localisation and a slightly wrong rectification (BGR).

    The plate (with a margin of car body) is warped onto its canonical rectangle at a random
    camera resolution with each corner off by up to ``style.corner_jitter``, then blurred,
    lit, dirtied, occluded, compressed; the result has the plate's aspect ratio.
    """
    h, w = plate.shape[:2]
    img = plate.copy()
    if rng.random() < style.p_dirt:
        _dirt(img, rng)
    if rng.random() < style.p_occlusion:
        _occlude(img, rng, style.occlusion)
    # Car body around the plate, so a loose rectification shows some of it.
    pad = int(0.25 * h)
    tex = rng.integers(0, 30, (12, 40, 3), dtype=np.uint8) + rng.integers(0, 225, 3).astype(np.uint8)
    body = cv2.resize(tex, (w + 2 * pad, h + 2 * pad), interpolation=cv2.INTER_NEAREST)
    body[pad : pad + h, pad : pad + w] = img
    lo, hi = style.width_px
    if style.p_low_res > 0 and rng.random() < style.p_low_res:
        hi = lo + (hi - lo) // 3
    out_w = int(rng.integers(lo, hi))
    out_h = max(8, round(out_w * h / w))
    src = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    jit = rng.uniform(-style.corner_jitter, style.corner_jitter, (4, 2)) * np.float32([w, h])
    jit[:, 1] *= 1.5
    m = cv2.getPerspectiveTransform(
        (src + jit).astype(np.float32), np.float32([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]])
    )
    small = cv2.warpPerspective(
        body, m, (out_w, out_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    s = float(rng.uniform(*style.blur_sigma))
    if s > 0.2:
        small = cv2.GaussianBlur(small, (0, 0), s)
    ml = min(int(rng.integers(style.motion_len[0], style.motion_len[1] + 1)), out_w // 22)
    if ml >= 2:
        small = cv2.filter2D(small, -1, _motion_kernel(ml, float(rng.uniform(*style.motion_angle))))
    if rng.random() < style.p_ir:
        small = _ir(small, rng)
    else:  # daylight: brightness, contrast, a shadow gradient, colour cast
        f = small.astype(np.float32) * float(rng.uniform(0.5, 1.2)) + float(rng.uniform(-40, 30))
        if rng.random() < 0.4:
            ramp = np.linspace(float(rng.uniform(0.4, 1.0)), 1.0, out_w, dtype=np.float32)
            f *= (ramp if rng.random() < 0.5 else ramp[::-1])[None, :, None]
        f *= rng.uniform(0.85, 1.15, 3).astype(np.float32)
        small = np.clip(f, 0, 255).astype(np.uint8)
    ns = float(rng.uniform(*style.noise_sigma))
    if ns > 0.5:
        small = np.clip(small + rng.normal(0, ns, small.shape), 0, 255).astype(np.uint8)
    if style.salt_pepper > 0:
        flip = rng.random(small.shape[:2]) < rng.uniform(0, style.salt_pepper)
        small[flip] = rng.choice([0, 255], size=(int(flip.sum()), 1))
    q = int(rng.integers(*style.jpeg_quality))
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else small


@dataclass(frozen=True, slots=True)
class Sample:
    """One synthetic plate: its text, kind, rows, the degraded crop (BGR) and the OCR input."""

    text: str
    kind: str
    rows: int
    crop: np.ndarray
    line: np.ndarray


def make_sample(
    rng: np.random.Generator, style: Style, fonts: list[Path], *, kind: str | None = None
) -> Sample:
    """Draw one plate with a random valid text and degrade it."""
    return make_samples(rng, style, fonts, kind=kind)[0]


def make_samples(
    rng: np.random.Generator, style: Style, fonts: list[Path], *, kind: str | None = None, views: int = 1
) -> list[Sample]:
    """Draw one plate with a random valid text and ``views`` independent degradations of it.

    Drawing the flat plate is half the cost of a sample, so training streams take two views.
    """
    text, kind, rows = random_text(rng, kind)
    font = fonts[int(rng.integers(len(fonts)))]
    plate = render_plate(text, kind, rows, font, weight=float(rng.uniform(0.85, 1.1)))
    out = []
    for _ in range(views):
        crop = degrade(plate, rng, style)
        out.append(Sample(text, kind, rows, crop, ocr_line(crop, rows)))
    return out


def make_set(n: int, seed: int, style: Style) -> tuple[np.ndarray, list[str], np.ndarray]:
    """``n`` samples: OCR inputs (n, 32, 160) uint8, canonical texts, rows per sample.

    Raises:
        RuntimeError: none of the style's fonts is installed here (the message names them).
    """
    fonts = find_fonts(style.fonts)
    if not fonts:
        raise RuntimeError(
            f"no font of {', '.join(style.fonts)} found (install fonts-dejavu-core, fonts-dejavu-extra, "
            "fonts-liberation, fonts-opendin, or matplotlib)"
        )
    rng = np.random.default_rng(seed)
    x = np.empty((n, OCR_H, OCR_W), np.uint8)
    texts, rows = [], np.empty(n, np.int8)
    for i in range(n):
        s = make_sample(rng, style, fonts)
        x[i], rows[i] = s.line, s.rows
        texts.append(s.text)
    return x, texts, rows


def latin(text: str) -> str:
    """Alias of :func:`analytics.plates.to_latin` for file names and logs."""
    return to_latin(text)


# --- scenes: a car with a plate, for localisation tests and the demo clip -----------------------


@dataclass(frozen=True, slots=True)
class Scene:
    """A generated picture of a car's rear with a plate.

    Attributes:
        image: BGR picture.
        text: the plate's canonical text; ``kind``, ``rows`` its layout.
        corners: (4, 2) float32 plate corners in the picture (TL, TR, BR, BL).
        car_box: (4,) x1, y1, x2, y2 of the car.
    """

    image: np.ndarray
    text: str
    kind: str
    rows: int
    corners: np.ndarray
    car_box: np.ndarray


def render_scene(
    rng: np.random.Generator,
    *,
    size: tuple[int, int] = (640, 480),
    text: str | None = None,
    kind: str | None = None,
    rows: int | None = None,
    font: str | Path | None = None,
    car_center: tuple[float, float] | None = None,
    car_width: float | None = None,
    yaw: float | None = None,
) -> Scene:
    """Draw a car's rear on asphalt with a plate on its bumper, seen slightly from the side.

    Args:
        rng: random generator (colours, texture, anything not given).
        size: picture (width, height).
        text: the plate's text (a random valid plate when None, with ``kind`` and ``rows``).
        kind: plate format name (random when None).
        rows: 1 or 2 (with ``text``).
        font: plate font (the first training font found when None).
        car_center: car centre in pixels.
        car_width: car width in pixels.
        yaw: horizontal view angle in degrees (-35..35): the car turns, the plate gets a perspective.
    """
    w, h = size
    if text is None:
        text, kind, rows = random_text(rng, kind)
    assert kind is not None and rows is not None
    if font is None:
        font = find_fonts(TRAIN_FONTS)[0]
    img = np.empty((h, w, 3), np.uint8)
    img[:] = rng.integers(70, 110)
    img = cv2.add(img, cv2.resize(rng.integers(0, 25, (h // 8, w // 8, 3), dtype=np.uint8), (w, h)))
    for x in range(int(rng.integers(0, 80)), w, 160):  # parking bay lines
        cv2.line(img, (x, h), (x + 60, h // 3), (200, 200, 200), 3)
    cw = float(car_width if car_width is not None else rng.uniform(0.45, 0.7) * w)
    cx, cy = car_center if car_center is not None else (w / 2 + rng.uniform(-0.1, 0.1) * w, h * 0.55)
    ch = cw * 0.75
    # The car's rear, drawn flat in its own frame (cw × ch), then warped with the yaw.
    flat = np.zeros((round(ch), round(cw), 3), np.uint8)
    color = tuple(int(v) for v in rng.integers(20, 230, 3))
    fw, fh = flat.shape[1], flat.shape[0]
    cv2.rectangle(flat, (0, int(fh * 0.35)), (fw, fh - int(fh * 0.08)), color, -1)
    roof = np.array(
        [[fw * 0.12, fh * 0.36], [fw * 0.22, fh * 0.02], [fw * 0.78, fh * 0.02], [fw * 0.88, fh * 0.36]]
    )
    cv2.fillPoly(flat, [roof.astype(np.int32)], color)
    win = np.array(
        [[fw * 0.18, fh * 0.33], [fw * 0.26, fh * 0.07], [fw * 0.74, fh * 0.07], [fw * 0.82, fh * 0.33]]
    )
    cv2.fillPoly(flat, [win.astype(np.int32)], (40, 35, 30))
    for lx in (0.03, 0.80):
        cv2.rectangle(
            flat, (int(fw * lx), int(fh * 0.42)), (int(fw * (lx + 0.17)), int(fh * 0.52)), (30, 30, 200), -1
        )
    cv2.rectangle(flat, (0, int(fh * 0.78)), (fw, fh - int(fh * 0.08)), (30, 30, 30), -1)  # bumper
    for wx in (0.04, 0.78):  # wheels
        cv2.rectangle(
            flat, (int(fw * wx), fh - int(fh * 0.1)), (int(fw * (wx + 0.18)), fh - 1), (15, 15, 15), -1
        )
    pw_mm, ph_mm = plate_size(rows, kind)
    plate = render_plate(text, kind, rows, font)
    pw = fw * (0.30 if rows == 1 else 0.19)
    ph = pw * ph_mm / pw_mm
    px0, py0 = fw / 2 - pw / 2, fh * 0.62 - ph / 2
    pc = np.float32([[px0, py0], [px0 + pw, py0], [px0 + pw, py0 + ph], [px0, py0 + ph]])
    mp = cv2.getPerspectiveTransform(np.float32([[0, 0], [pw_mm, 0], [pw_mm, ph_mm], [0, ph_mm]]), pc)
    mask = cv2.warpPerspective(np.full((ph_mm, pw_mm), 255, np.uint8), mp, (fw, fh))
    warped = cv2.warpPerspective(plate, mp, (fw, fh), flags=cv2.INTER_AREA)
    flat[mask > 127] = warped[mask > 127]
    # Yaw: one side of the car nearer (taller) than the other.
    a = float(yaw if yaw is not None else rng.uniform(-25, 25))
    k = np.sin(np.radians(a)) * 0.35
    shrink = np.cos(np.radians(a))
    x0, x1 = cx - cw * shrink / 2, cx + cw * shrink / 2
    dst = np.float32(
        [
            [x0, cy - ch / 2 * (1 - k)],
            [x1, cy - ch / 2 * (1 + k)],
            [x1, cy + ch / 2 * (1 + k)],
            [x0, cy + ch / 2 * (1 - k)],
        ]
    )
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [fw, 0], [fw, fh], [0, fh]]), dst)
    car = cv2.warpPerspective(flat, m, (w, h), flags=cv2.INTER_LINEAR)
    car_mask = cv2.warpPerspective(np.full((fh, fw), 255, np.uint8), m, (w, h))
    body = car_mask > 0
    shape_mask = cv2.warpPerspective((flat.sum(axis=2) > 0).astype(np.uint8) * 255, m, (w, h)) > 127
    sel = body & shape_mask
    img[sel] = car[sel]
    corners = cv2.perspectiveTransform(pc[None], m)[0].astype(np.float32)
    xs, ys = dst[:, 0], dst[:, 1]
    box = np.array([xs.min(), ys.min(), xs.max(), ys.max()], np.float32)
    img = cv2.GaussianBlur(img, (0, 0), 0.6)
    return Scene(img, text, kind, rows, corners, box)


def render_clip(
    rng: np.random.Generator,
    frames: int = 24,
    *,
    size: tuple[int, int] = (640, 480),
    text: str | None = None,
    kind: str | None = None,
    rows: int | None = None,
    font: str | Path | None = None,
) -> list[Scene]:
    """A car driving towards the camera and turning: its plate grows and changes angle, frames get motion blur.

    The same plate on every frame (``text``/``kind``/``rows`` or a random one); every third
    frame is blurred as by motion, so single frames disagree and the vote has work to do.
    """
    if text is None:
        text, kind, rows = random_text(rng, kind)
    out = []
    for i in range(frames):
        f = i / max(frames - 1, 1)
        center = (size[0] * (0.35 + 0.3 * f), size[1] * (0.45 + 0.1 * f))
        width = size[0] * (0.42 + 0.25 * f)
        yaw = 28 - 50 * f
        s = render_scene(
            rng,
            size=size,
            text=text,
            kind=kind,
            rows=rows,
            font=font,
            car_center=center,
            car_width=width,
            yaw=yaw,
        )
        if i % 3 == 1:
            img = cv2.filter2D(
                s.image, -1, _motion_kernel(int(rng.integers(5, 11)), float(rng.uniform(-10, 10)))
            )
            s = Scene(img, s.text, s.kind, s.rows, s.corners, s.car_box)
        out.append(s)
    return out


def paste_plate(image: np.ndarray, plate: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """``image`` with ``plate`` warped onto the quadrilateral ``corners`` (TL, TR, BR, BL)."""
    ph, pw = plate.shape[:2]
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]]), np.float32(corners))
    h, w = image.shape[:2]
    warped = cv2.warpPerspective(plate, m, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (w, h)) > 127
    out = image.copy()
    out[mask] = warped[mask]
    return out


def camera_clip(
    car: np.ndarray,
    plate_corners: np.ndarray,
    text: str,
    kind: str,
    rows: int,
    font: str | Path,
    frames: int = 20,
    *,
    seed: int = 0,
) -> list[np.ndarray]:
    """A clip of a real car photo with a generated plate on it, the car approaching the camera.

    The plate is drawn onto ``plate_corners`` of ``car``; each frame zooms in a little more
    (the car comes closer) and pans, with JPEG-like noise and some motion blur, so a real
    detector sees a real car and the plate stage reads a plate whose text is known.
    """
    rng = np.random.default_rng(seed)
    plate = render_plate(text, kind, rows, font)
    plate = (cv2.GaussianBlur(plate, (0, 0), 2.0).astype(np.float32) * 0.85).astype(np.uint8)  # a dusty plate
    base = paste_plate(car, plate, plate_corners)
    h, w = base.shape[:2]
    out = []
    for i in range(frames):
        f = i / max(frames - 1, 1)
        z = 1.0 + 0.35 * f
        m = np.float32([[z, 0, (1 - z) * w / 2 + 15 * np.sin(3 * f)], [0, z, (1 - z) * h / 2]])
        img = cv2.GaussianBlur(cv2.warpAffine(base, m, (w, h), borderMode=cv2.BORDER_REFLECT), (0, 0), 0.8)
        if i % 4 == 2:
            img = cv2.filter2D(img, -1, _motion_kernel(5, float(rng.uniform(-15, 15))))
        img = np.clip(img.astype(np.int16) + rng.integers(-4, 5, img.shape), 0, 255).astype(np.uint8)
        out.append(img)
    return out
