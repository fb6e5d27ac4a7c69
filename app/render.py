"""Pictures for a store manager: a heatmap and people's paths over the camera's background.

Each picture has a title bar (what, which camera, which period), the camera's zones outlined
and labelled (entrance lines with an arrow pointing "in"), and a legend: the heatmap's colour
scale in seconds, or the paths' colour scale in clock time. Drawn with OpenCV only (no Qt, no
matplotlib), BGR uint8 arrays in, BGR uint8 arrays out; :func:`encode_png` makes the file bytes.

OpenCV's fonts are ASCII only: a name that is not ASCII (after dropping accents) is replaced
by its config id, which always is.

Example:
    >>> import numpy as np
    >>> grid = np.zeros((72, 96), np.float32); grid[30:40, 40:50] = 5.0
    >>> pic = heatmap_picture(grid, width=768, height=576, cell=8, title="Heatmap", subtitle="")
    >>> pic.shape[1], pic.dtype
    (960, dtype('uint8'))
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from analytics.geometry import side_of_line
from analytics.heatmap import colorize, gaussian_blur, overlay
from app.config import ZoneType

#: Pictures are at least this wide, so the text stays readable on small cameras.
MIN_WIDTH = 960
HEADER = 76
FOOTER = 96
FONT = cv2.FONT_HERSHEY_SIMPLEX
TITLE_FONT = cv2.FONT_HERSHEY_DUPLEX
BAR_BG = (38, 34, 30)
TEXT = (245, 245, 245)
MUTED = (190, 190, 190)

#: Outline colours (BGR) per zone type (the one table: :class:`app.config.ZoneType`).
ZONE_COLORS: dict[str, tuple[int, int, int]] = {t.value: t.bgr for t in ZoneType}

_PUNCT = str.maketrans({"–": "-", "—": "-", "→": "->", "←": "<-", "·": "|", "…": "...", "×": "x", "≥": ">="})


@dataclass(frozen=True, slots=True)
class ZoneShape:
    """A zone or line to draw: ``points`` in 0–1 of the frame, ``type`` as in the config."""

    config_id: str
    label: str
    type: str
    points: Sequence[Sequence[float]]

    @property
    def is_line(self) -> bool:
        """Whether it is a directed line."""
        return self.type in ("entrance_line", "line")


def ascii_text(text: str, fallback: str = "") -> str:
    """``text`` as ASCII for OpenCV's fonts: accents dropped, arrows/dashes spelled out.

    Returns ``fallback`` when letters would still be lost (e.g. Cyrillic), else the text.

    Example:
        >>> ascii_text("Café – entrée"), ascii_text("Касса", "checkout")
        ('Cafe - entree', 'checkout')
    """
    t = unicodedata.normalize("NFKD", text.translate(_PUNCT))
    t = "".join(c for c in t if not unicodedata.combining(c))
    if t.isascii():
        return t
    return fallback or t.encode("ascii", "replace").decode("ascii")


def _put(
    img: np.ndarray,
    text: str,
    org: tuple[int, int],
    scale: float,
    color: tuple[int, int, int],
    thick: int = 1,
    font: int = FONT,
    shadow: bool = False,
) -> None:
    text = ascii_text(text)
    if shadow:
        cv2.putText(img, text, (org[0] + 1, org[1] + 1), font, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.putText(img, text, org, font, scale, color, thick, cv2.LINE_AA)


def _text_size(text: str, scale: float, thick: int = 1, font: int = FONT) -> tuple[int, int]:
    (w, h), _ = cv2.getTextSize(ascii_text(text), font, scale, thick)
    return w, h


def picture_size(width: int, height: int) -> tuple[int, int, float]:
    """(picture width, image-area height, scale) for a ``width`` × ``height`` camera frame."""
    scale = max(1.0, MIN_WIDTH / width)
    return round(width * scale), round(height * scale), scale


def fit_background(background: np.ndarray | None, width: int, height: int) -> np.ndarray:
    """The background resized to ``width`` × ``height`` (a plain grey picture when there is none)."""
    if background is None:
        img = np.full((height, width, 3), 96, np.uint8)
        _put(img, "no background picture stored for this camera", (16, height - 16), 0.6, TEXT, shadow=True)
        return img
    if background.ndim == 2:
        background = cv2.cvtColor(background, cv2.COLOR_GRAY2BGR)
    if background.shape[:2] != (height, width):
        interp = cv2.INTER_LINEAR if background.shape[1] < width else cv2.INTER_AREA
        background = cv2.resize(background, (width, height), interpolation=interp)
    return background.copy()


def _frame(image: np.ndarray, title: str, subtitle: str) -> tuple[np.ndarray, int]:
    """Put ``image`` on a canvas with a title bar and room for a legend; return it and the footer's top."""
    h, w = image.shape[:2]
    canvas = np.empty((HEADER + h + FOOTER, w, 3), np.uint8)
    canvas[:] = BAR_BG
    canvas[HEADER : HEADER + h] = image
    _put(canvas, title, (16, 32), _fit(title, 0.85, w - 32, TITLE_FONT), TEXT, 1, TITLE_FONT)
    _put(canvas, subtitle, (16, 60), _fit(subtitle, 0.52, w - 32), MUTED, 1)
    return canvas, HEADER + h


def _fit(text: str, scale: float, width: int, font: int = FONT) -> float:
    """``scale``, made smaller if needed so that ``text`` fits in ``width`` pixels."""
    tw, _ = _text_size(text, scale, 1, font)
    return scale if tw <= width else scale * width / tw


def draw_zones(
    img: np.ndarray,
    zones: Sequence[ZoneShape],
    *,
    origin: tuple[int, int] = (0, 0),
    size: tuple[int, int] | None = None,
) -> None:
    """Outline and label zones on ``img`` (in place); lines get an arrow towards their "in" side.

    Args:
        img: the picture (BGR).
        zones: zones with 0–1 points.
        origin: top-left pixel of the camera image inside ``img``.
        size: (width, height) of the camera image inside ``img``; default the whole picture.
    """
    w, h = size or (img.shape[1], img.shape[0])
    ox, oy = origin
    to_px = np.array([w, h], dtype=np.float64)
    labels: list[tuple[ZoneShape, np.ndarray, np.ndarray | None]] = []
    for z in zones:
        pts = np.asarray(z.points, dtype=np.float64).reshape(-1, 2) * to_px + (ox, oy)
        color = ZONE_COLORS.get(z.type, (220, 220, 220))
        if z.is_line and len(pts) >= 2:
            a, b = pts[0], pts[1]
            ia, ib = tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int))
            cv2.line(img, ia, ib, (0, 0, 0), 7, cv2.LINE_AA)
            cv2.line(img, ia, ib, color, 3, cv2.LINE_AA)
            mid = (a + b) / 2
            d = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
            n = np.array([-d[1], d[0]])
            if side_of_line([mid + n], a=a, b=b)[0] < 0:
                n = -n  # point to the right side: crossing into it is "in"
            tip = mid + n * 48
            im, it = tuple(np.round(mid).astype(int)), tuple(np.round(tip).astype(int))
            cv2.arrowedLine(img, im, it, (0, 0, 0), 6, cv2.LINE_AA, tipLength=0.35)
            cv2.arrowedLine(img, im, it, color, 3, cv2.LINE_AA, tipLength=0.35)
            labels.append((z, tip, n))
        elif len(pts) >= 3:
            poly = [np.round(pts).astype(np.int32)]
            cv2.polylines(img, poly, True, (0, 0, 0), 5, cv2.LINE_AA)
            cv2.polylines(img, poly, True, color, 2, cv2.LINE_AA)
            labels.append((z, np.array([pts[:, 0].min() + 8, pts[:, 1].min() + 8]), None))
    taken: list[tuple[int, int, int, int]] = []
    for z, at, away in labels:
        taken.append(_label(img, z, at, away, ZONE_COLORS.get(z.type, (220, 220, 220)), taken))


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label(
    img: np.ndarray,
    z: ZoneShape,
    at: np.ndarray,
    away: np.ndarray | None,
    color: tuple[int, int, int],
    taken: Sequence[tuple[int, int, int, int]] = (),
) -> tuple[int, int, int, int]:
    """A zone's name in a dark box: top-left at ``at``, or beyond ``at`` in the direction ``away``.

    The box moves down (then up) past the boxes already ``taken`` so labels never cover each other.

    Returns:
        The box drawn: (x0, y0, x1, y1).
    """
    text = ascii_text(z.label, z.config_id)
    if z.is_line:
        text += ": in"
    scale = 0.55
    tw, th = _text_size(text, scale)
    bw, bh = tw + 10, th + 10
    x, y = float(at[0]), float(at[1])
    if away is not None:  # centre the box on a point 8 px beyond ``at``, pushed out along ``away``
        reach = abs(away[0]) * bw / 2 + abs(away[1]) * bh / 2 + 8
        x, y = x + away[0] * reach - bw / 2, y + away[1] * reach - bh / 2
    x = int(np.clip(x, 2, img.shape[1] - bw - 2))
    lo, hi = HEADER + 2, img.shape[0] - FOOTER - bh - 2
    y0 = int(np.clip(y, lo, hi))
    y = y0
    for step in range(1, 40):  # the nearest free place below, else above
        if not any(_overlaps((x, y, x + bw, y + bh), t) for t in taken):
            break
        y = int(np.clip(y0 + (step + 1) // 2 * (bh + 2) * (1 if step % 2 else -1), lo, hi))
    box = img[y : y + th + 10, x : x + tw + 10]
    box[:] = (box * 0.35).astype(np.uint8)
    cv2.rectangle(img, (x, y), (x + tw + 9, y + th + 9), color, 1, cv2.LINE_AA)
    _put(img, text, (x + 5, y + th + 4), scale, TEXT)
    return (x, y, x + bw, y + bh)


def _colorbar(img: np.ndarray, x: int, y: int, w: int, h: int, colormap: str) -> None:
    ramp = np.tile(np.linspace(0.0, 1.0, w), (h, 1))
    img[y : y + h, x : x + w] = colorize(ramp, colormap=colormap, max_alpha=1.0)[..., 2::-1]
    cv2.rectangle(img, (x - 1, y - 1), (x + w, y + h), (120, 120, 120), 1)


#: Where a colour scale has its ticks (share of its length).
_TICKS = (0, 0.25, 0.5, 0.75, 1.0)


def _with_scale(
    img: np.ndarray,
    title: str,
    subtitle: str,
    zones: Sequence[ZoneShape],
    caption: str,
    colormap: str,
    labels: Sequence[str],
) -> tuple[np.ndarray, int, int]:
    """A picture framed with its title, its zones drawn, and a captioned colour scale in the footer.

    Returns:
        The canvas, the footer's top row and the x where the footer's right-hand notes start.
    """
    ph, pw = img.shape[:2]
    canvas, foot = _frame(img, title, subtitle)
    draw_zones(canvas, zones, origin=(0, HEADER), size=(pw, ph))
    x, y, bw = 16, foot + 34, min(420, pw // 2)
    _put(canvas, caption, (x, foot + 22), 0.55, TEXT)
    _colorbar(canvas, x, y, bw, 16, colormap)
    _ticks(canvas, x, y + 16, bw, labels)
    return canvas, foot, x + bw + 40


def _ticks(img: np.ndarray, x: int, y: int, w: int, labels: Sequence[str]) -> None:
    """Tick marks under a colour bar; a label that would touch the previous one is left out."""
    right = -(10**9)
    for i, text in enumerate(labels):
        px = x + round(i * (w - 1) / max(len(labels) - 1, 1))
        cv2.line(img, (px, y), (px, y + 5), TEXT, 1)
        tw, _ = _text_size(text, 0.45)
        left = int(np.clip(px - tw // 2, 2, img.shape[1] - tw - 2))
        if left <= right + 6 and i != len(labels) - 1:
            continue
        _put(img, text, (left, y + 20), 0.45, TEXT)
        right = left + tw


def format_seconds(s: float) -> str:
    """Seconds for a legend: ``0``, ``0.15``, ``2.5``, ``12``, ``2.5 min``, ``1.5 h``."""
    if s >= 5400:
        return f"{s / 3600:.1f} h"
    if s >= 120:
        return f"{s / 60:.1f} min"
    if s == 0:
        return "0"
    if s < 1:
        return f"{s:.2f}"
    return f"{s:.1f}" if s < 10 else f"{s:.0f}"


def heatmap_picture(
    grid: np.ndarray,
    *,
    width: int,
    height: int,
    cell: int,
    title: str,
    subtitle: str,
    background: np.ndarray | None = None,
    zones: Sequence[ZoneShape] = (),
    colormap: str = "jet",
    sigma: float = 1.5,
    percentile: float = 99.0,
    max_alpha: float = 0.65,
    note: str = "",
) -> np.ndarray:
    """A heatmap over the background, with zones, a title and a colour scale in seconds.

    The grid is blurred by ``sigma`` cells; the colour scale runs from 0 to the ``percentile``
    of the blurred non-zero cells (hotter cells get the top colour), labelled in seconds spent
    per cell (``cell`` × ``cell`` pixels of the analysed frame).

    Args:
        grid: seconds per cell, (ceil(height/cell), ceil(width/cell)).
        width: analysed frame width in pixels.
        height: analysed frame height.
        cell: cell side in pixels of the analysed frame.
        title: first line of the title bar.
        subtitle: second line (site, period, who).
        background: BGR picture of the camera's view (any size), or None.
        zones: zones to outline and label.
        colormap: a key of :data:`analytics.heatmap.COLORMAPS`.
        sigma: blur in cells.
        percentile: top of the colour scale, a percentile of the non-zero cells.
        max_alpha: opacity of the hottest places.
        note: extra text at the right of the legend (e.g. total time).

    Returns:
        The picture, BGR uint8, at least :data:`MIN_WIDTH` wide.
    """
    pw, ph, scale = picture_size(width, height)
    base = fit_background(background, pw, ph)
    blurred = gaussian_blur(np.asarray(grid, dtype=np.float64), sigma=sigma)
    nz = blurred[blurred > 0]
    top = float(np.percentile(nz, percentile)) if len(nz) else 0.0
    norm = np.clip(blurred / top, 0.0, 1.0) if top > 0 else np.zeros_like(blurred)
    rows, cols = norm.shape
    up = cv2.resize(
        norm.astype(np.float32),
        (round(cols * cell * scale), round(rows * cell * scale)),
        interpolation=cv2.INTER_LINEAR,
    )[:ph, :pw]
    if up.shape != (ph, pw):
        up = np.pad(up, ((0, ph - up.shape[0]), (0, pw - up.shape[1])))
    img = overlay(base, colorize(up, colormap=colormap, max_alpha=max_alpha), bgr=True)
    labels = [format_seconds(top * f) for f in _TICKS]
    labels[-1] = f">= {labels[-1]}" if top > 0 else labels[-1]
    canvas, foot, side = _with_scale(
        img, title, subtitle, zones, "Time people spent at each spot (seconds)", colormap, labels
    )
    _put(
        canvas,
        f"per {cell}x{cell} px square of the camera picture, smoothed;",
        (side, foot + 40),
        0.45,
        MUTED,
    )
    _put(canvas, "transparent = nobody stood there", (side, foot + 60), 0.45, MUTED)
    if note:
        _put(canvas, ascii_text(note), (side, foot + 80), 0.45, MUTED)
    return canvas


#: Paths drawn at most in one picture (more cover every pixel).
MAX_PATHS = 250


def paths_picture(
    paths: Sequence[np.ndarray],
    *,
    width: int,
    height: int,
    title: str,
    subtitle: str,
    start: float,
    end: float,
    tz: dt.tzinfo | None = None,
    background: np.ndarray | None = None,
    zones: Sequence[ZoneShape] = (),
    colormap: str = "jet",
    max_paths: int = MAX_PATHS,
) -> np.ndarray:
    """People's paths over a faded background, coloured by when each person was first seen.

    More than ``max_paths`` paths (weeks of a busy store) cover every pixel; then an evenly spread
    sample of ``max_paths`` of them (by start time) is drawn and the legend says so.

    Args:
        paths: (N, 3) arrays of ``ts, x, y`` (pixels of the analysed frame), one per person.
        width: analysed frame width in pixels.
        height: analysed frame height.
        title: first line of the title bar.
        subtitle: second line.
        start: start of the colour scale (epoch seconds), usually the period's start.
        end: end of the colour scale.
        tz: time zone of the clock times in the legend (None: the computer's).
        background: BGR picture of the camera's view, or None.
        zones: zones to outline and label.
        colormap: a key of :data:`analytics.heatmap.COLORMAPS`.
        max_paths: draw at most this many paths.

    Returns:
        The picture, BGR uint8.
    """
    total = len(paths)
    paths = sorted(paths, key=lambda p: float(p[0, 0]) if len(p) else 0.0)
    if total > max_paths:
        paths = [paths[i] for i in np.linspace(0, total - 1, max_paths).round().astype(int)]
    pw, ph, scale = picture_size(width, height)
    base = fit_background(background, pw, ph)
    gray = cv2.cvtColor(cv2.cvtColor(base, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR).astype(np.float32)
    img = (gray * 0.55 + 255 * 0.25).astype(np.uint8)  # faded, so the colours stand out
    span = max(end - start, 1e-9)
    lut = colorize(np.linspace(0, 1, 256), colormap=colormap, max_alpha=1.0)[:, 2::-1]
    for p in paths:
        if len(p) < 2:
            continue
        color = tuple(int(c) for c in lut[int(np.clip((p[0, 0] - start) / span, 0, 1) * 255)])
        xy = np.round(p[:, 1:3] * scale).astype(np.int32)
        cv2.polylines(img, [xy], False, color, 2, cv2.LINE_AA)
        cv2.circle(img, tuple(xy[0].tolist()), 4, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(img, tuple(xy[0].tolist()), 4, color, 1, cv2.LINE_AA)
        back = _point_back(xy, 14.0)
        if back is not None:
            seg = float(np.hypot(*(xy[-1] - back)))
            cv2.arrowedLine(
                img,
                tuple(back.tolist()),
                tuple(xy[-1].tolist()),
                color,
                2,
                cv2.LINE_AA,
                tipLength=min(0.9, 10.0 / max(seg, 1.0)),
            )
    canvas, foot, side = _with_scale(
        img,
        title,
        subtitle,
        zones,
        "Colour = when the person was first seen",
        colormap,
        [_clock(start + span * f, span, tz) for f in _TICKS],
    )
    cv2.circle(canvas, (side + 6, foot + 36), 4, (255, 255, 255), -1, cv2.LINE_AA)
    _put(canvas, "where a person appeared", (side + 22, foot + 41), 0.45, MUTED)
    cv2.arrowedLine(canvas, (side, foot + 58), (side + 13, foot + 58), TEXT, 2, cv2.LINE_AA, tipLength=0.5)
    _put(canvas, "where they were last seen", (side + 22, foot + 63), 0.45, MUTED)
    drawn = (
        f"{len(paths)} of {total} tracks (a sample over the period)"
        if total > len(paths)
        else f"{total} tracks (one person may leave several)"
    )
    _put(canvas, drawn, (side, foot + 85), 0.45, MUTED)
    return canvas


def _point_back(xy: np.ndarray, dist: float) -> np.ndarray | None:
    """The last path point at least ``dist`` px before the end (for the end arrow), or None."""
    d = np.hypot(*(xy - xy[-1]).T)
    far = np.flatnonzero(d >= dist)
    return xy[far[-1]] if len(far) else None


def _clock(ts: float, span: float, tz: dt.tzinfo | None) -> str:
    t = dt.datetime.fromtimestamp(ts, tz)
    if span > 2 * 86400:
        return t.strftime("%d.%m %H:%M")
    return t.strftime("%H:%M" if span > 3 * 3600 else "%H:%M:%S")


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of a BGR picture.

    Raises:
        ValueError: OpenCV could not encode it.
    """
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise ValueError("could not encode the picture as PNG")
    return buf.tobytes()


def decode_image(data: bytes) -> np.ndarray | None:
    """A BGR picture from JPEG/PNG bytes, or None if they are not a readable image."""
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return None if arr is None or not arr.size else arr
