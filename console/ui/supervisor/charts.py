"""Small charts drawn with QPainter (no QtCharts): stacked or plain vertical bars with a legend.

``BarChart.set_data(categories, series, names)`` — ``series[i][j]`` is the value of series ``i`` in
category ``j``; with several series the bars are stacked.  Greys and black only, like the printed
reports, so the board and the paper look alike.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

FILLS = (QColor(60, 60, 60), QColor(140, 140, 140), QColor(200, 200, 200), QColor(245, 245, 245))


class BarChart(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.categories: list[str] = []
        self.series: list[list[float]] = []
        self.names: list[str] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(150)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(360, 190)

    def set_data(self, categories: Sequence[str], series: Sequence[Sequence[float]], names: Sequence[str]) -> None:
        self.categories = list(categories)
        self.series = [list(s) for s in series]
        self.names = list(names)
        self.update()

    def totals(self) -> list[float]:
        return [sum(s[j] for s in self.series) for j in range(len(self.categories))]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.rect().adjusted(6, 4, -6, -4)
        painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), 18), Qt.AlignmentFlag.AlignCenter, self.title)
        legend_h = 16 if len(self.names) > 1 else 0
        plot = QRectF(rect.left() + 30, rect.top() + 22 + legend_h, rect.width() - 36, rect.height() - 44 - legend_h)
        x = rect.left() + 30.0
        for i, name in enumerate(self.names if legend_h else []):
            painter.fillRect(QRectF(x, rect.top() + 22, 10, 10), FILLS[i % len(FILLS)])
            painter.drawRect(QRectF(x, rect.top() + 22, 10, 10))
            painter.drawText(QRectF(x + 13, rect.top() + 18, 70, 16), Qt.AlignmentFlag.AlignLeft, name)
            x += 20 + painter.fontMetrics().horizontalAdvance(name)
        totals = self.totals()
        peak = max(totals, default=0) or 1
        painter.setPen(QPen(Qt.GlobalColor.black, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        painter.drawText(QRectF(rect.left(), plot.top() - 6, 28, 14), Qt.AlignmentFlag.AlignRight, f"{peak:g}")
        count = len(self.categories)
        if not count:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, self.tr("暂无数据"))
            return
        slot = plot.width() / count
        bar_w = max(2.0, slot * 0.7)
        for j in range(count):
            left = plot.left() + j * slot + (slot - bar_w) / 2
            bottom = plot.bottom()
            for i, values in enumerate(self.series):
                height = plot.height() * values[j] / peak
                if height <= 0:
                    continue
                bar = QRectF(left, bottom - height, bar_w, height)
                painter.fillRect(bar, FILLS[i % len(FILLS)])
                painter.drawRect(bar)
                bottom -= height
        for box, label in self.label_boxes():
            painter.drawText(box, Qt.AlignmentFlag.AlignHCenter, label)
        painter.end()

    def _plot(self) -> QRectF:
        rect = self.rect().adjusted(6, 4, -6, -4)
        legend_h = 16 if len(self.names) > 1 else 0
        return QRectF(rect.left() + 30, rect.top() + 22 + legend_h, rect.width() - 36, rect.height() - 44 - legend_h)

    def label_boxes(self) -> list[tuple[QRectF, str]]:
        """Where each category label drawn goes: thinned to every n-th so no two boxes overlap."""
        count = len(self.categories)
        if not count:
            return []
        plot = self._plot()
        slot = plot.width() / count
        metrics = self.fontMetrics()
        label_w = max(metrics.horizontalAdvance(label) for label in self.categories) + 6
        step = max(1, math.ceil(label_w / max(slot, 1.0)))
        left_edge, right_edge = float(self.rect().left()), float(self.rect().right())
        boxes: list[tuple[QRectF, str]] = []
        for j in range(0, count, step):
            centre = plot.left() + (j + 0.5) * slot
            left = min(max(left_edge, centre - label_w / 2), right_edge - label_w)
            if boxes and left < boxes[-1][0].right():
                continue  # pushed in from an edge onto its neighbour: leave it out
            boxes.append((QRectF(left, plot.bottom() + 2, label_w, 16), self.categories[j]))
        return boxes


DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)


class LineChart(QWidget):
    """One line per series over shared x labels (e.g. the backlog of each scenario over a shift).

    ``set_data(labels, series, names)``; x labels are thinned so they never overlap.
    """

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.labels: list[str] = []
        self.series: list[list[float]] = []
        self.names: list[str] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(150)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(420, 200)

    def set_data(self, labels: Sequence[str], series: Sequence[Sequence[float]], names: Sequence[str]) -> None:
        self.labels = list(labels)
        self.series = [list(s) for s in series]
        self.names = list(names)
        self.update()

    def peak(self) -> float:
        return max((max(s, default=0) for s in self.series), default=0) or 1

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.rect().adjusted(6, 4, -6, -4)
        painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), 18), Qt.AlignmentFlag.AlignCenter, self.title)
        legend_h = 16 if self.names else 0
        plot = QRectF(rect.left() + 30, rect.top() + 22 + legend_h, rect.width() - 36, rect.height() - 44 - legend_h)
        x = rect.left() + 30.0
        for i, name in enumerate(self.names):
            painter.setPen(QPen(Qt.GlobalColor.black, 1.5, DASHES[i % len(DASHES)]))
            painter.drawLine(int(x), int(rect.top() + 27), int(x + 18), int(rect.top() + 27))
            painter.setPen(QPen(Qt.GlobalColor.black, 1))
            painter.drawText(QRectF(x + 22, rect.top() + 18, 90, 16), Qt.AlignmentFlag.AlignLeft, name)
            x += 30 + painter.fontMetrics().horizontalAdvance(name)
        peak = self.peak()
        painter.setPen(QPen(Qt.GlobalColor.black, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        painter.drawText(QRectF(rect.left(), plot.top() - 6, 28, 14), Qt.AlignmentFlag.AlignRight, f"{peak:g}")
        count = len(self.labels)
        if count < 2:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, self.tr("暂无数据"))
            return
        dx = plot.width() / (count - 1)
        label_w = max(painter.fontMetrics().horizontalAdvance(lbl) for lbl in self.labels) + 8
        step = max(1, int(label_w / dx) + 1)
        for j in range(0, count, step):
            left = min(max(rect.left(), plot.left() + j * dx - label_w / 2), rect.right() - label_w)  # never clipped
            painter.drawText(QRectF(left, plot.bottom() + 2, label_w, 16), Qt.AlignmentFlag.AlignHCenter, self.labels[j])
        for i, values in enumerate(self.series):
            painter.setPen(QPen(Qt.GlobalColor.black, 1.5, DASHES[i % len(DASHES)]))
            points = [(plot.left() + j * dx, plot.bottom() - plot.height() * v / peak) for j, v in enumerate(values)]
            for (x1, y1), (x2, y2) in itertools.pairwise(points):
                painter.drawLine(int(x1), int(y1), int(x2), int(y2))
