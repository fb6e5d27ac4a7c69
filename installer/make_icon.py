"""Draw StoreSight's icon (a shop front with a camera's eye) as PNG and Windows ICO files.

Run once after changing the drawing; the outputs are committed:

    QT_QPA_PLATFORM=offscreen python installer/make_icon.py

Writes ``installer/linux/storesight.png`` (256 px) and ``installer/windows/storesight.ico``
(16-256 px). Drawn here, so it has no third-party licence.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QPainter, QPen

HERE = Path(__file__).resolve().parent


def draw(size: int) -> QImage:
    """The icon at ``size`` × ``size`` pixels (transparent background)."""
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#2f6fb3"))
    p.drawRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 44 * s, 44 * s)
    # awning stripes
    for i in range(5):
        p.setBrush(QColor("#ffffff") if i % 2 == 0 else QColor("#f2b632"))
        p.drawRect(QRectF((40 + i * 35.2) * s, 52 * s, 35.2 * s, 34 * s))
    # the eye: white almond, dark iris, light glint
    p.setBrush(QColor("#ffffff"))
    p.drawEllipse(QRectF(44 * s, 112 * s, 168 * s, 96 * s))
    p.setBrush(QColor("#123a63"))
    p.drawEllipse(QPointF(128 * s, 160 * s), 34 * s, 34 * s)
    p.setBrush(QColor("#ffffff"))
    p.drawEllipse(QPointF(140 * s, 148 * s), 9 * s, 9 * s)
    p.setPen(QPen(QColor("#ffffff"), 6 * s))
    p.setBrush(QBrush())
    p.end()
    return img


def main() -> int:
    """Write the PNG and the ICO."""
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    assert app is not None
    png = HERE / "linux" / "storesight.png"
    ok = draw(256).save(str(png))
    ico = HERE / "windows" / "storesight.ico"
    ok = draw(256).save(str(ico), "ICO") and ok
    print(png, ico, "written" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
