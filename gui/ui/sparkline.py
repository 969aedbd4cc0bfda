"""A small live chart drawn with QPainter: title, current value, recent history.

QtCharts is not part of PySide6-Essentials (it ships in PySide6-Addons,
another ~200 MB) and pyqtgraph would add numpy; four line charts of 120
points need neither. The chart keeps the last ``capacity`` values, scales
to ``floor``..max(values, ``ceiling``), and can draw a reference line (20
TPS, the 50 ms tick budget).
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget


class Sparkline(QWidget):
    """One metric over time.

    Attributes:
        values: The recent values, oldest first.
    """

    def __init__(self, title: str, unit: str, *, colour: str = "#1e88e5",
                 capacity: int = 120, floor: float = 0.0, ceiling: float = 1.0,
                 reference: float | None = None, decimals: int = 1,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.unit = unit
        self.colour = QColor(colour)
        self.values: deque[float] = deque(maxlen=capacity)
        self.floor = floor
        self.ceiling = ceiling
        self.reference = reference
        self.decimals = decimals
        self.note = ""
        self.setMinimumSize(160, 84)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(title)

    def sizeHint(self) -> QSize:
        return QSize(240, 100)

    def add(self, value: float, note: str = "") -> None:
        self.values.append(float(value))
        self.note = note
        self.setToolTip(f"{self.title}: {self.current_text()}" + (f" ({note})" if note else ""))
        self.update()

    def current_text(self) -> str:
        if not self.values:
            return "–"
        return f"{self.values[-1]:.{self.decimals}f} {self.unit}".strip()

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(palette.mid().color(), 1))
        painter.setBrush(palette.base())
        painter.drawRoundedRect(frame, 4, 4)

        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.9))
        big = QFont(self.font())
        big.setBold(True)
        big.setPointSizeF(small.pointSizeF() * 1.35)
        painter.setPen(palette.text().color())
        painter.setFont(small)
        header = QRectF(frame.left() + 8, frame.top() + 4, frame.width() - 16, 20)
        painter.drawText(header, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self.title)
        painter.setFont(big)
        painter.setPen(self.colour.darker(130))
        painter.drawText(header, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         self.current_text())
        if self.note:
            painter.setFont(small)
            painter.setPen(palette.placeholderText().color())
            below = QRectF(header.left(), header.bottom(), header.width(), 16)
            painter.drawText(below, Qt.AlignmentFlag.AlignRight, self.note)

        plot = QRectF(frame.left() + 6, header.bottom() + 14, frame.width() - 12,
                      frame.height() - header.height() - 24)
        if plot.height() < 8 or not self.values:
            return
        top = max([self.ceiling, *self.values, self.reference or self.floor])
        span = (top - self.floor) or 1.0

        def y(value: float) -> float:
            return plot.bottom() - (min(max(value, self.floor), top) - self.floor) / span \
                * plot.height()

        if self.reference is not None:
            painter.setPen(QPen(palette.mid().color(), 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(plot.left(), y(self.reference)),
                             QPointF(plot.right(), y(self.reference)))
        capacity = self.values.maxlen or len(self.values)
        step = plot.width() / max(1, capacity - 1)
        start = plot.right() - step * (len(self.values) - 1)
        points = [QPointF(start + i * step, y(v)) for i, v in enumerate(self.values)]
        area = QPainterPath(QPointF(points[0].x(), plot.bottom()))
        for point in points:
            area.lineTo(point)
        area.lineTo(QPointF(points[-1].x(), plot.bottom()))
        fill = QColor(self.colour)
        fill.setAlpha(45)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawPath(area)
        painter.setPen(QPen(self.colour, 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolyline(QPolygonF(points))
