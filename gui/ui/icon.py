"""The app's icon, drawn (a pumpkin), so no image file has to ship or be found."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap


def _pumpkin(size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 64.0
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#ef6c00"))
    for dx, width in ((-14, 30), (14, 30), (0, 30)):
        painter.drawEllipse(QRectF((17 + dx) * s, 16 * s, width * s, 44 * s))
    painter.setPen(QPen(QColor("#bf360c"), 1.5 * s))
    for x in (25, 39):
        painter.drawLine(QPointF(x * s, 20 * s), QPointF(x * s, 56 * s))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#33691e"))
    painter.drawRoundedRect(QRectF(29 * s, 5 * s, 6 * s, 14 * s), 2 * s, 2 * s)
    painter.end()
    return pixmap


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addPixmap(_pumpkin(size))
    return icon
