"""One camera in the live grid: its latest frame with boxes, track ids, keypoints, zones and status.

The tile only paints what the engine already computed (a :class:`~app.engine.engine.CameraSnapshot`);
it never decodes or infers. The frame is turned into a QImage once per new frame (``seq``), and
repainting happens only when something changed.
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from analytics.tracks import hidden_mask
from app.engine.engine import CameraSnapshot
from app.engine.sources import CameraStatus
from app.gui.qt_util import ROLE_COLORS, zone_color
from app.gui.shapes import free_spot, line_normal

#: COCO-17 skeleton edges (keypoint index pairs).
SKELETON = (
    (5, 6), (5, 7), (7, 9), (6, 8), (8, 10), (5, 11), (6, 12), (11, 12),
    (11, 13), (13, 15), (12, 14), (14, 16), (0, 1), (0, 2), (1, 3), (2, 4),
)  # fmt: skip

STATUS_COLORS = {
    CameraStatus.LIVE: "#38d26b",
    CameraStatus.CONNECTING: "#4aa3ff",
    CameraStatus.RECONNECTING: "#ffb020",
    CameraStatus.FAILED: "#ff4d4d",
    CameraStatus.ENDED: "#9aa0a6",
}
HEADER = 26


class CameraTile(QWidget):
    """Paints one camera's live picture and overlays.

    Signals:
        doubleClicked(str): the camera id (the grid shows it alone, or goes back).

    Example:
        >>> tile = CameraTile("entrance", "Entrance")           # doctest: +SKIP
        >>> tile.set_snapshot(engine.snapshot("entrance"))      # doctest: +SKIP
    """

    doubleClicked = Signal(str)

    def __init__(self, camera_id: str = "", label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)
        self.camera_id = camera_id
        self.label = label
        self.show_zones = True
        self.idle_text = "Analysis is not running: press Start"
        self._snap: CameraSnapshot | None = None
        self._image: QImage | None = None
        self._image_seq = -1
        self._pixels: np.ndarray | None = None
        self._zones_key: tuple[object, ...] = ()
        self._zones_pix: QPixmap | None = None
        self._key: tuple[object, ...] = ()
        self.paint_count = 0

    def set_camera(self, camera_id: str, label: str) -> None:
        """Show another camera in this tile."""
        if camera_id != self.camera_id:
            self.camera_id, self.label = camera_id, label
            self._snap, self._image, self._image_seq, self._key = None, None, -1, ()
            self.update()
        elif label != self.label:
            self.label = label
            self.update()

    def set_snapshot(self, snap: CameraSnapshot | None) -> bool:
        """Take the camera's latest state; repaint only if it changed. Returns whether it did."""
        key = (
            None
            if snap is None
            else (snap.seq, snap.state.status, snap.state.reason, snap.result, round(snap.analysis_fps))
        )
        if key == self._key:
            return False
        self._key = key  # type: ignore[assignment]
        if snap is not None and (self._snap is None or snap.state != self._snap.state):
            self.setToolTip(f"{self.label}: {snap.status_text}\n{snap.state.reason}\n{snap.backend}".strip())
        self._snap = snap
        self.update()
        return True

    def snapshot(self) -> CameraSnapshot | None:
        """What the tile shows."""
        return self._snap

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Ask the grid to show this camera alone (or to go back to the grid)."""
        self.doubleClicked.emit(self.camera_id)

    # --- painting -------------------------------------------------------------------------

    def _frame_image(self) -> QImage | None:
        """The newest frame scaled to the tile (with OpenCV, once per frame), as a QImage."""
        s = self._snap
        if s is None or s.frame is None:
            return None
        h, w = s.frame.image.shape[:2]
        r = self.image_rect(w, h)
        size = (max(1, round(r.width())), max(1, round(r.height())))
        if (
            s.seq != self._image_seq
            or self._image is None
            or (self._image.width(), self._image.height()) != size
        ):
            # linear is ten times faster than area averaging and as good down to half size
            interp = cv2.INTER_AREA if size[0] < w / 2 else cv2.INTER_LINEAR
            small = cv2.resize(s.frame.image, size, interpolation=interp)
            self._pixels = small  # the QImage below uses this buffer: keep it alive
            self._image = QImage(small.data, size[0], size[1], small.strides[0], QImage.Format.Format_BGR888)
            self._image_seq = s.seq
        return self._image

    def image_rect(self, iw: int, ih: int) -> QRectF:
        """Where a ``iw`` × ``ih`` frame is drawn (below the header, aspect kept)."""
        w, h = self.width(), self.height() - HEADER
        scale = min(w / iw, h / ih)
        return QRectF((w - iw * scale) / 2, HEADER + (h - ih * scale) / 2, iw * scale, ih * scale)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Frame, zones, people (box, id, keypoints), then the header with the status."""
        self.paint_count += 1
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#111315"))
        img = self._frame_image()
        s = self._snap
        if img is not None and s is not None and s.frame is not None:
            fh, fw = s.frame.image.shape[:2]
            r = self.image_rect(fw, fh)
            p.drawImage(r.topLeft(), img)  # already the tile's size: a plain copy
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            sx, sy = r.width() / fw, r.height() / fh
            if self.show_zones:
                p.drawPixmap(r.topLeft(), self._zone_layer(r, s))
            self._paint_people(p, r, sx, sy, s)
        else:
            p.setPen(QColor("#9aa0a6"))
            body = QRectF(0, HEADER, self.width(), self.height() - HEADER)
            text = (
                self.idle_text
                if s is None
                else (s.status_text if s.state.reason else "waiting for the first picture…")
            )
            p.drawText(
                body.adjusted(12, 0, -12, 0), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text
            )
        self._paint_header(p, s)
        p.end()

    def _zone_layer(self, r: QRectF, s: CameraSnapshot) -> QPixmap:
        """The zones drawn once into a transparent layer of the picture's size (they rarely change)."""
        key = (round(r.width()), round(r.height()), tuple(s.camera.zones))
        if self._zones_key != key or self._zones_pix is None:
            pix = QPixmap(key[0], key[1])
            pix.fill(Qt.GlobalColor.transparent)
            p = QPainter(pix)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_zones(p, QRectF(0, 0, r.width(), r.height()), s)
            p.end()
            self._zones_key, self._zones_pix = key, pix
        return self._zones_pix

    def _paint_zones(self, p: QPainter, r: QRectF, s: CameraSnapshot) -> None:
        placed: list[tuple[float, float, float, float]] = []
        for z in s.camera.zones:
            pts = [QPointF(r.x() + x * r.width(), r.y() + y * r.height()) for x, y in z.points]
            color = zone_color(z.type.value, 200)
            pen = QPen(color, 2)
            if z.type.is_line:
                p.setPen(pen)
                p.drawLine(pts[0], pts[1])
                nx, ny = line_normal(a=(pts[0].x(), pts[0].y()), b=(pts[1].x(), pts[1].y()))
                mid = (pts[0] + pts[1]) / 2
                p.drawLine(mid, QPointF(mid.x() + nx * 18, mid.y() + ny * 18))
            else:
                p.setPen(pen)
                p.setBrush(zone_color(z.type.value, 28))
                p.drawPolygon(QPolygonF(pts))
                p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QColor(255, 255, 255, 220))
            f = QFont(self.font())
            f.setPointSizeF(max(7.0, f.pointSizeF() - 1))
            p.setFont(f)
            fm = p.fontMetrics()
            w, h = fm.horizontalAdvance(z.label), fm.height()
            x, y = (
                (pts[0].x() + 4, pts[0].y() - h)
                if z.type.is_line
                else (min(q.x() for q in pts) + 4, min(q.y() for q in pts) + 2)
            )
            x = min(max(x, r.left() + 2), r.right() - w - 2)  # keep the name inside the picture
            y = max(y, r.top() + 2)
            x, y = free_spot((x, y, w, h), taken=placed, bottom=r.bottom())
            placed.append((x, y, w, h))
            p.drawText(QPointF(x, y + fm.ascent()), z.label)

    def _paint_people(self, p: QPainter, r: QRectF, sx: float, sy: float, s: CameraSnapshot) -> None:
        d = s.detections
        if not len(d):
            return
        f = QFont(self.font())
        f.setBold(True)
        p.setFont(f)
        fm = p.fontMetrics()
        roles = s.roles
        names = d.names()
        hidden = hidden_mask(d)
        for i in range(len(d)):
            x1, y1, x2, y2 = (float(v) for v in d.xyxy[i])
            tid = int(d.tracker_id[i])
            role = roles.get(tid, "unknown")
            color = QColor(ROLE_COLORS.get(role, ROLE_COLORS["unknown"]))
            box = QRectF(r.x() + x1 * sx, r.y() + y1 * sy, (x2 - x1) * sx, (y2 - y1) * sy)
            # hidden behind someone (the identity lag's interpolated box): dashed
            p.setPen(QPen(color, 2, Qt.PenStyle.DashLine if hidden[i] else Qt.PenStyle.SolidLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(box)
            name = str(names[i])
            text = f"#{tid}" if tid >= 0 else name
            if name != "person" and tid >= 0:
                text += f" {name}"
            tw, th = fm.horizontalAdvance(text) + 6, fm.height()
            tag = QRectF(box.x(), max(r.y(), box.y() - th), tw, th)
            p.fillRect(tag, color)
            p.setPen(QColor("#000000"))
            p.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)
            if d.keypoints is not None:
                self._paint_keypoints(p, r, sx, sy, d.keypoints[i], color)

    def _paint_keypoints(self, p: QPainter, r: QRectF, sx: float, sy: float, kps, color: QColor) -> None:  # type: ignore[no-untyped-def]
        pts = [(QPointF(r.x() + float(x) * sx, r.y() + float(y) * sy), float(c)) for x, y, c in kps.tolist()]
        p.setPen(QPen(color, 2))
        for a, b in SKELETON:
            if a < len(pts) and b < len(pts) and pts[a][1] > 0.3 and pts[b][1] > 0.3:
                p.drawLine(pts[a][0], pts[b][0])
        p.setBrush(QColor("#ffffff"))
        p.setPen(Qt.PenStyle.NoPen)
        for q, c in pts:
            if c > 0.3:
                p.drawEllipse(q, 2.5, 2.5)

    def _paint_header(self, p: QPainter, s: CameraSnapshot | None) -> None:
        bar = QRectF(0, 0, self.width(), HEADER)
        p.fillRect(bar, QColor("#24282c"))
        status = s.state.status if s is not None else CameraStatus.ENDED
        if s is not None and s.result == "failed":
            status = CameraStatus.FAILED
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(QColor(STATUS_COLORS.get(status, "#9aa0a6")))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QPointF(12, HEADER / 2), 5, 5)
        f = QFont(self.font())
        f.setBold(True)
        p.setFont(f)
        p.setPen(QColor("#f0f0f0"))
        fm = p.fontMetrics()
        name = fm.elidedText(
            self.label or self.camera_id, Qt.TextElideMode.ElideRight, int(self.width() * 0.45)
        )
        p.drawText(QRectF(24, 0, self.width() - 30, HEADER), Qt.AlignmentFlag.AlignVCenter, name)
        left = 24 + fm.horizontalAdvance(name) + 12
        p.setFont(self.font())
        fm = p.fontMetrics()
        text = "not running" if s is None else s.status_text
        if s is not None and s.backend and s.state.status == CameraStatus.LIVE:
            text += f" · {s.backend.split(' (')[0]}"
        avail = int(self.width() - left - 8)
        p.setPen(QColor("#c8ccd0"))
        p.drawText(
            QRectF(left, 0, avail, HEADER),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            fm.elidedText(text, Qt.TextElideMode.ElideMiddle, avail),
        )
