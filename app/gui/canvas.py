"""The zone drawing canvas (labelme-style): a camera picture with polygons and directed lines on it.

Modes are explicit: **edit** (select, drag vertices or whole shapes, double-click an edge to add a
vertex, right-click a vertex to delete it), **polygon** (click the vertices; click the first one,
double-click or press Enter to close) and **line** (two clicks; "in" is crossing it from its left to
its right, shown by an arrow). Escape cancels what is being drawn. Points snap to other vertices
and to the picture's border when snapping is on.

The canvas holds a tuple of frozen :class:`~app.gui.shapes.Shape` objects; every change pushes the
previous tuple on a bounded undo deque. It paints in layers (picture, zones, labels, handles, the
shape being drawn, a hint) and talks outward only through signals.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.gui.qt_util import to_qimage, zone_color
from app.gui.shapes import (
    Point,
    Shape,
    distance,
    free_spot,
    line_normal,
    nearest_edge,
    nearest_vertex,
    new_zone_id,
    shape_at,
    snap,
)


class Mode(StrEnum):
    """What a click on the canvas does."""

    EDIT = "edit"
    POLYGON = "polygon"
    LINE = "line"


HINTS = {
    Mode.EDIT: "Edit: drag a corner or a zone · double-click an edge to add a corner · "
    "right-click a corner to delete it · Del deletes the zone",
    Mode.POLYGON: "New zone: click the corners · click the first corner, double-click or press Enter "
    "to finish · Backspace removes the last corner · Esc cancels",
    Mode.LINE: "New line: click where it starts and where it ends · crossing it towards the arrow "
    "counts as 'in' · Esc cancels",
}


@dataclass(slots=True)
class _Drag:
    shape: int
    vertex: int | None  # None: the whole shape moves
    start: Point  # 0–1
    before: tuple[Shape, ...]


class ZoneCanvas(QWidget):
    """Draw and edit a camera's zones over its picture.

    Signals:
        shapesChanged: the shapes changed (drawing, editing, undo/redo, :meth:`set_shapes`).
        selectionChanged(int): the selected shape's index, -1 for none.
        modeChanged(str): the new :class:`Mode` value.
        shapeCreated(int): a new shape was finished; its index.

    Example:
        >>> canvas = ZoneCanvas()                                         # doctest: +SKIP
        >>> canvas.set_shapes(shapes_from_camera(cam)); canvas.set_mode(Mode.POLYGON)  # doctest: +SKIP
    """

    shapesChanged = Signal()
    selectionChanged = Signal(int)
    modeChanged = Signal(str)
    shapeCreated = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, undo_limit: int = 100) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self._image: QImage | None = None
        self._shapes: tuple[Shape, ...] = ()
        self._undo: deque[tuple[Shape, ...]] = deque(maxlen=undo_limit)
        self._redo: deque[tuple[Shape, ...]] = deque(maxlen=undo_limit)
        self._mode = Mode.EDIT
        self._selected = -1
        self._drawing: list[Point] = []
        self._cursor: Point | None = None
        self._hover_vertex: tuple[int, int] | None = None
        self._drag: _Drag | None = None
        self.snapping = True
        self.pick_radius = 9.0
        self.new_polygon_type = "department"
        self.new_line_type = "entrance_line"
        self.placeholder = "No picture from this camera yet"
        #: Shelf zone id → (rows, segments per row): the segments drawn inside shelf zones of 4 corners.
        self.shelf_grids: dict[str, tuple[int, int]] = {}

    # --- public API -----------------------------------------------------------------------

    def set_image(self, image: QImage | np.ndarray | None) -> None:
        """Show this camera picture under the zones (None: a grey placeholder)."""
        self._image = to_qimage(image) if isinstance(image, np.ndarray) else image
        self.update()

    def has_image(self) -> bool:
        """Whether a camera picture is shown."""
        return self._image is not None and not self._image.isNull()

    def shapes(self) -> tuple[Shape, ...]:
        """The current shapes, in drawing order."""
        return self._shapes

    def set_shapes(self, shapes: Sequence[Shape], *, reset_history: bool = True) -> None:
        """Replace every shape (loading a camera); clears undo/redo unless told otherwise."""
        self._shapes = tuple(shapes)
        if reset_history:
            self._undo.clear()
            self._redo.clear()
        self._drawing.clear()
        self._drag = None
        self._set_selected(-1 if not self._shapes else min(self._selected, len(self._shapes) - 1))
        self.shapesChanged.emit()
        self.update()

    def mode(self) -> Mode:
        """The current mode."""
        return self._mode

    def set_mode(self, mode: Mode | str) -> None:
        """Switch between edit and creating a polygon or a line (drops an unfinished shape)."""
        mode = Mode(mode)
        self._drawing.clear()
        if mode != self._mode:
            self._mode = mode
            self.setCursor(Qt.CursorShape.ArrowCursor if mode == Mode.EDIT else Qt.CursorShape.CrossCursor)
            self.modeChanged.emit(mode.value)
        self.update()

    def selected(self) -> int:
        """Index of the selected shape, -1 for none."""
        return self._selected

    def select(self, index: int) -> None:
        """Select a shape by index (-1: none)."""
        self._set_selected(index if 0 <= index < len(self._shapes) else -1)
        self.update()

    def replace_shape(self, index: int, shape: Shape) -> None:
        """Replace one shape (a new name or type), as one undo step."""
        if not 0 <= index < len(self._shapes) or self._shapes[index] == shape:
            return
        new = list(self._shapes)
        new[index] = shape
        self._commit(tuple(new))

    def delete_selected(self) -> None:
        """Delete the selected shape (one undo step)."""
        if self._selected < 0:
            return
        new = self._shapes[: self._selected] + self._shapes[self._selected + 1 :]
        self._commit(new)
        self._set_selected(-1)

    def reverse_selected(self) -> None:
        """Flip the selected line's direction ("in" becomes "out")."""
        if 0 <= self._selected < len(self._shapes) and self._shapes[self._selected].is_line:
            self.replace_shape(self._selected, self._shapes[self._selected].reversed())

    def can_undo(self) -> bool:
        """Whether there is something to undo."""
        return bool(self._undo)

    def can_redo(self) -> bool:
        """Whether there is something to redo."""
        return bool(self._redo)

    def undo(self) -> None:
        """Go back one change (an unfinished shape is dropped first)."""
        if self._drawing:
            self._drawing.clear()
            self.update()
            return
        if not self._undo:
            return
        self._redo.append(self._shapes)
        self._shapes = self._undo.pop()
        self._after_history()

    def redo(self) -> None:
        """Redo the last undone change."""
        if not self._redo:
            return
        self._undo.append(self._shapes)
        self._shapes = self._redo.pop()
        self._after_history()

    def drawing(self) -> tuple[Point, ...]:
        """Vertices (0–1) of the shape being drawn."""
        return tuple(self._drawing)

    def finish_polygon(self) -> bool:
        """Close the polygon being drawn (needs 3 corners); True if a zone was made."""
        if self._mode != Mode.POLYGON or len(self._drawing) < 3:
            return False
        self._create(self.new_polygon_type, self._drawing)
        return True

    def cancel_drawing(self) -> None:
        """Drop the shape being drawn."""
        self._drawing.clear()
        self.update()

    # --- coordinates ----------------------------------------------------------------------

    def image_rect(self) -> QRectF:
        """Where the picture is drawn in the widget (aspect kept, centred)."""
        w, h = self.width(), self.height()
        iw, ih = (self._image.width(), self._image.height()) if self.has_image() else (4, 3)
        scale = min(w / iw, h / ih)
        dw, dh = iw * scale, ih * scale
        return QRectF((w - dw) / 2, (h - dh) / 2, dw, dh)

    def to_widget(self, p: Point) -> QPointF:
        """A 0–1 point as widget pixels."""
        r = self.image_rect()
        return QPointF(r.x() + p[0] * r.width(), r.y() + p[1] * r.height())

    def to_norm(self, pos: QPointF) -> Point:
        """Widget pixels as a 0–1 point of the picture (clamped to it)."""
        r = self.image_rect()
        x = (pos.x() - r.x()) / max(r.width(), 1e-9)
        y = (pos.y() - r.y()) / max(r.height(), 1e-9)
        return (min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0))

    def _px(self, shapes: Sequence[Shape] | None = None) -> list[list[Point]]:
        r = self.image_rect()
        return [
            [(r.x() + x * r.width(), r.y() + y * r.height()) for x, y in s.points]
            for s in (self._shapes if shapes is None else shapes)
        ]

    def _snapped(self, pos: QPointF, *, exclude: tuple[int, int] | None = None) -> Point:
        """The 0–1 point under ``pos``, snapped to other corners and the border when snapping is on."""
        if not self.snapping:
            return self.to_norm(pos)
        r = self.image_rect()
        targets = [
            v
            for si, pts in enumerate(self._px())
            for vi, v in enumerate(pts)
            if exclude is None or (si, vi) != exclude
        ]
        targets += [(r.x() + x * r.width(), r.y() + y * r.height()) for x, y in self._drawing[:1]]
        local = (pos.x() - r.x(), pos.y() - r.y())
        sx, sy = snap(
            local,
            targets=[(x - r.x(), y - r.y()) for x, y in targets],
            radius=self.pick_radius,
            width=r.width(),
            height=r.height(),
        )
        return (sx / max(r.width(), 1e-9), sy / max(r.height(), 1e-9))

    # --- changes --------------------------------------------------------------------------

    def _commit(self, shapes: tuple[Shape, ...], *, before: tuple[Shape, ...] | None = None) -> None:
        self._undo.append(self._shapes if before is None else before)
        self._redo.clear()
        self._shapes = shapes
        if self._selected >= len(shapes):
            self._set_selected(len(shapes) - 1)
        self.shapesChanged.emit()
        self.update()

    def _after_history(self) -> None:
        if self._selected >= len(self._shapes):
            self._set_selected(len(self._shapes) - 1)
        self.shapesChanged.emit()
        self.update()

    def _set_selected(self, index: int) -> None:
        if index != self._selected:
            self._selected = index
            self.selectionChanged.emit(index)

    def _create(self, kind: str, points: Sequence[Point]) -> None:
        zid = new_zone_id([s.id for s in self._shapes], kind=kind)
        shape = Shape(zid, "", kind, tuple(points))
        self._drawing.clear()
        self._commit((*self._shapes, shape))
        index = len(self._shapes) - 1
        self._set_selected(index)
        self.shapeCreated.emit(index)
        self.update()

    # --- mouse and keys -------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Add a corner (drawing), or pick a corner or zone to drag (edit)."""
        pos = event.position()
        self.setFocus()
        if event.button() == Qt.MouseButton.RightButton:
            self._right_click(pos)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self._mode == Mode.POLYGON:
            first = self._drawing[0] if self._drawing else None
            if (
                first is not None
                and len(self._drawing) >= 3
                and distance((pos.x(), pos.y()), self._xy(first)) <= self.pick_radius
            ):
                self.finish_polygon()
                return
            p = self._snapped(pos)
            if not self._drawing or distance(self._xy(p), self._xy(self._drawing[-1])) > 2:
                self._drawing.append(p)
            self.update()
            return
        if self._mode == Mode.LINE:
            p = self._snapped(pos)
            if self._drawing and distance(self._xy(p), self._xy(self._drawing[0])) <= 2:
                return  # a line needs two different points
            self._drawing.append(p)
            if len(self._drawing) == 2:
                self._create(self.new_line_type, self._drawing)
            self.update()
            return
        px = self._px()
        where = (pos.x(), pos.y())
        hit = None
        if 0 <= self._selected < len(px):  # corners of the selected zone win over others
            own = nearest_vertex([px[self._selected]], point=where, radius=self.pick_radius)
            hit = (self._selected, own[1]) if own is not None else None
        hit = hit or nearest_vertex(px, point=where, radius=self.pick_radius)
        if hit is not None:
            self._set_selected(hit[0])
            self._drag = _Drag(hit[0], hit[1], self.to_norm(pos), self._shapes)
        else:
            closed = [not s.is_line for s in self._shapes]
            si = shape_at(px, point=where, closed=closed, radius=self.pick_radius)
            self._set_selected(-1 if si is None else si)
            if si is not None:
                self._drag = _Drag(si, None, self.to_norm(pos), self._shapes)
        self.update()

    def _xy(self, p: Point) -> Point:
        q = self.to_widget(p)
        return (q.x(), q.y())

    def _right_click(self, pos: QPointF) -> None:
        if self._drawing:
            self._drawing.pop()
            self.update()
            return
        if self._mode != Mode.EDIT:
            return
        hit = nearest_vertex(self._px(), point=(pos.x(), pos.y()), radius=self.pick_radius)
        if hit is None:
            return
        si, vi = hit
        try:
            shape = self._shapes[si].without_point(vi)
        except ValueError:
            return  # a polygon keeps 3 corners, a line 2
        new = list(self._shapes)
        new[si] = shape
        self._set_selected(si)
        self._commit(tuple(new))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Drag a corner or a zone; track the cursor for the drawing preview and hover marks."""
        pos = event.position()
        self._cursor = self.to_norm(pos)
        d = self._drag
        if d is not None and event.buttons() & Qt.MouseButton.LeftButton:
            shapes = list(d.before)
            if d.vertex is not None:
                p = self._snapped(pos, exclude=(d.shape, d.vertex))
                shapes[d.shape] = d.before[d.shape].with_point(d.vertex, p)
            else:
                now = self.to_norm(pos)
                shapes[d.shape] = d.before[d.shape].moved(now[0] - d.start[0], now[1] - d.start[1])
            self._shapes = tuple(shapes)
            self.shapesChanged.emit()
        elif self._mode == Mode.EDIT:
            self._hover_vertex = nearest_vertex(self._px(), point=(pos.x(), pos.y()), radius=self.pick_radius)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """End a drag: one undo step if anything moved."""
        d = self._drag
        self._drag = None
        if d is not None and self._shapes != d.before:
            moved = self._shapes
            self._shapes = d.before
            self._commit(moved, before=d.before)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Finish a polygon (drawing) or add a corner on an edge (edit)."""
        pos = event.position()
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self._mode == Mode.POLYGON:
            if len(self._drawing) >= 3:
                self.finish_polygon()
            else:
                self.mousePressEvent(event)
            return
        if self._mode == Mode.LINE:
            self.mousePressEvent(event)
            return
        hit = nearest_edge(
            self._px(),
            point=(pos.x(), pos.y()),
            radius=self.pick_radius,
            closed=[not s.is_line for s in self._shapes],
        )
        if hit is None or self._shapes[hit[0]].is_line:
            return
        si, at, q = hit
        new = list(self._shapes)
        new[si] = self._shapes[si].with_inserted(at, self.to_norm(QPointF(*q)))
        self._set_selected(si)
        self._commit(tuple(new))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter finishes, Escape cancels, Backspace drops the last corner, Delete deletes the zone."""
        key = event.key()
        if key == Qt.Key.Key_Escape:
            if self._drawing:
                self.cancel_drawing()
            elif self._mode != Mode.EDIT:
                self.set_mode(Mode.EDIT)
            else:
                self.select(-1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish_polygon()
        elif key == Qt.Key.Key_Backspace and self._drawing:
            self._drawing.pop()
            self.update()
        elif key == Qt.Key.Key_Delete and self._mode == Mode.EDIT:
            self.delete_selected()
        else:
            super().keyPressEvent(event)

    # --- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        """Layers: picture, zones, labels, handles of the selection, the shape being drawn, a hint."""
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.fillRect(self.rect(), QColor("#1e2124"))
        r = self.image_rect()
        if self.has_image():
            p.drawImage(r, self._image)
        else:
            p.fillRect(r, QColor("#3a3f44"))
            p.setPen(QColor("#c8c8c8"))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, self.placeholder)
        for i, s in enumerate(self._shapes):
            self._paint_shape(p, s, selected=i == self._selected)
        self._labels: list[tuple[float, float, float, float]] = []
        for i, s in enumerate(self._shapes):
            self._paint_label(p, s, selected=i == self._selected)
        if 0 <= self._selected < len(self._shapes):
            self._paint_handles(p, self._selected)
        self._paint_drawing(p)
        self._paint_hint(p)
        p.end()

    def _paint_shape(self, p: QPainter, s: Shape, *, selected: bool) -> None:
        pts = [self.to_widget(q) for q in s.points]
        color = zone_color(s.type)
        outline = QPen(color, 3.5 if selected else 2.2)
        outline.setCosmetic(True)
        shadow = QPen(QColor(0, 0, 0, 170), outline.widthF() + 2.5)
        if s.is_line and len(pts) >= 2:
            for pen in (shadow, outline):
                p.setPen(pen)
                p.drawLine(pts[0], pts[1])
            self._paint_arrow(p, s, color)
        elif len(pts) >= 3:
            poly = QPolygonF(pts)
            p.setBrush(QBrush(zone_color(s.type, 70 if selected else 40)))
            p.setPen(shadow)
            p.drawPolygon(poly)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(outline)
            p.drawPolygon(poly)
            if s.type == "shelf" and len(pts) == 4:
                self._paint_segments(p, s, color)

    def _paint_segments(self, p: QPainter, s: Shape, color: QColor) -> None:
        """The rows and segments of a shelf zone (corners TL, TR, BR, BL), as the shelf module cuts them."""
        from models.shelf import ShelfGeometry

        rows, cols = self.shelf_grids.get(s.id, (1, 4))
        if rows * cols <= 1:
            return
        import cv2

        try:
            geo = ShelfGeometry(np.array([self._xy(q) for q in s.points], np.float32), rows=rows, columns=cols)
        except (cv2.error, np.linalg.LinAlgError, ValueError):  # a degenerate quadrilateral being dragged
            return
        pen = QPen(color, 1.2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        p.setPen(pen)
        for i in range(geo.segments):
            p.drawPolygon(QPolygonF([QPointF(float(x), float(y)) for x, y in geo.segment_polygon(i)]))

    def _paint_arrow(self, p: QPainter, s: Shape, color: QColor) -> None:
        a, b = self._xy(s.points[0]), self._xy(s.points[1])
        nx, ny = line_normal(a=a, b=b)
        mid = QPointF((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        tip = QPointF(mid.x() + nx * 34, mid.y() + ny * 34)
        path = QPainterPath(mid)
        path.lineTo(tip)
        wing = 9
        for side in (1, -1):
            path.moveTo(tip)
            path.lineTo(
                tip.x() - nx * wing + side * -ny * wing * 0.7, tip.y() - ny * wing + side * nx * wing * 0.7
            )
        for pen in (QPen(QColor(0, 0, 0, 170), 5), QPen(color, 2.5)):
            p.setPen(pen)
            p.drawPath(path)
        f = QFont(self.font())
        f.setBold(True)
        p.setFont(f)
        fm = p.fontMetrics()
        w, h = fm.horizontalAdvance("in") + 8, fm.height() + 2
        box = QRectF(tip.x() + nx * (w / 2 + 4) - w / 2, tip.y() + ny * (h / 2 + 4) - h / 2, w, h)
        p.setPen(QPen(color, 1))
        p.setBrush(QColor(0, 0, 0, 170))
        p.drawRoundedRect(box, 3, 3)
        p.setPen(QColor("#ffffff"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, "in")

    def _paint_label(self, p: QPainter, s: Shape, *, selected: bool) -> None:
        pts = [self.to_widget(q) for q in s.points]
        if not pts:
            return
        text = s.label
        f = QFont(self.font())
        f.setBold(selected)
        p.setFont(f)
        fm = p.fontMetrics()
        w, h = fm.horizontalAdvance(text) + 10, fm.height() + 4
        if s.is_line:
            x, y = pts[0].x() + 6, pts[0].y() - h - 4
        else:
            x = min(q.x() for q in pts) + 6
            y = min(q.y() for q in pts) + 6
        x = min(max(x, 2), self.width() - w - 2)
        y = min(max(y, 2), self.height() - h - 2)
        x, y = free_spot((x, y, w, h), taken=self._labels, bottom=self.height())
        self._labels.append((x, y, w, h))
        box = QRectF(x, y, w, h)
        p.setPen(QPen(zone_color(s.type), 1))
        p.setBrush(QColor(0, 0, 0, 160))
        p.drawRoundedRect(box, 3, 3)
        p.setPen(QColor("#ffffff"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_handles(self, p: QPainter, index: int) -> None:
        s = self._shapes[index]
        for vi, q in enumerate(s.points):
            c = self.to_widget(q)
            hovered = self._hover_vertex == (index, vi)
            r = 7.0 if hovered else 5.0
            p.setPen(QPen(QColor("#000000"), 1.5))
            p.setBrush(QColor("#ffffff") if hovered else zone_color(s.type))
            p.drawEllipse(c, r, r)

    def _paint_drawing(self, p: QPainter) -> None:
        if not self._drawing:
            return
        kind = self.new_line_type if self._mode == Mode.LINE else self.new_polygon_type
        color = zone_color(kind)
        pts = [self.to_widget(q) for q in self._drawing]
        if self._cursor is not None:
            pts.append(self.to_widget(self._cursor))
        pen = QPen(color, 2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for a, b in itertools.pairwise(pts):
            p.drawLine(a, b)
        for i, q in enumerate(self._drawing):
            c = self.to_widget(q)
            big = i == 0 and self._mode == Mode.POLYGON and len(self._drawing) >= 3
            p.setPen(QPen(QColor("#000000"), 1.5))
            p.setBrush(QColor("#ffffff") if big else color)
            p.drawEllipse(c, 8.0 if big else 4.5, 8.0 if big else 4.5)

    def _paint_hint(self, p: QPainter) -> None:
        p.setFont(self.font())
        fm = p.fontMetrics()
        rect = QRectF(0, self.height() - fm.height() - 10, self.width(), fm.height() + 10)
        p.fillRect(rect, QColor(0, 0, 0, 150))
        p.setPen(QColor("#f0f0f0"))
        text = fm.elidedText(HINTS[self._mode], Qt.TextElideMode.ElideRight, int(rect.width() - 16))
        p.drawText(
            rect.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text
        )
