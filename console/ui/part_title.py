"""A title label that wraps only between the parts of a title, never inside a word.

Script titles, selection reasons and step titles are made of parts: "冒充公检法 · 老年人版",
"…（匹配信号：网恋对象介绍、涉及金额大）", "【应对：对方让保密】说自己已经赚到钱".  Qt's word wrap may break
Chinese text after any character, which splits a fraud type or a profile in two.  This label lays
the title out itself: a line ends only after a " · " or a "、", after a closing "】", or before an
opening "（"; a part that is wider than the label on its own is elided, and the tooltip then always
holds the whole title.  The label asks for a small minimum width, so a long title never widens the
window; it grows in height instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

SEPARATOR = " · "
# zero-width break opportunities: after a separator, a list comma or a closing bracket; before "（"
_BREAKS = re.compile(r"(?<= · )|(?<=、)|(?<=】)(?=.)|(?=（)")
# The narrowest the label lets itself be squeezed: its widest part, but never more than this many
# Chinese characters, so that a long part is elided rather than widening the window.
MAX_MINIMUM_CHARACTERS = 16


def title_pieces(title: str) -> list[str]:
    """The title cut at its break opportunities; joined again they give the title back."""
    return [piece for piece in _BREAKS.split(title) if piece]


def break_title(title: str, width: int, advance: Callable[[str], int]) -> list[str]:
    """The lines of ``title`` in ``width`` pixels (``advance`` measures a string), greedy, breaking only
    at the break opportunities; a line ends with its separator ("·", "、") with no trailing space.
    A piece that does not fit on a line of its own stays whole here; the label elides it."""
    lines: list[str] = []
    current = ""
    for piece in title_pieces(title):
        candidate = current + piece
        if current and advance(candidate.rstrip()) > width:
            lines.append(current.rstrip())
            current = piece.lstrip()
        else:
            current = candidate
    if current or not lines:
        lines.append(current.rstrip())
    return lines


class PartTitleLabel(QLabel):
    """A QLabel for a title made of parts; use :meth:`set_title`, not ``setText``."""

    def __init__(self, parent: QWidget | None = None, *, alignment: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> None:
        super().__init__(parent)
        self._title = ""
        self._extra_tip = ""
        self._lines: list[str] = []
        self._elided = False
        self.setAlignment(alignment | Qt.AlignmentFlag.AlignVCenter)
        self.setWordWrap(False)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    # -- content -------------------------------------------------------------------------------
    def title(self) -> str:
        return self._title

    def lines(self) -> list[str]:
        """The lines as shown (an elided line ends with "…")."""
        return list(self._lines)

    def is_elided(self) -> bool:
        return self._elided

    def set_title(self, title: str, extra_tip: str = "") -> None:
        """Show ``title``; ``extra_tip`` (e.g. why this script was chosen) goes in the tooltip after it."""
        self._title = title
        self._extra_tip = extra_tip
        self._reflow(self._text_width())
        self.updateGeometry()

    def clear(self) -> None:
        self.set_title("")

    # -- layout --------------------------------------------------------------------------------
    def _text_width(self) -> int:
        return max(1, self.contentsRect().width() - 2 * self.margin())

    def _layout(self, width: int) -> tuple[list[str], bool]:
        self.ensurePolished()
        metrics = self.fontMetrics()
        lines, elided = [], False
        for line in break_title(self._title, width, metrics.horizontalAdvance):
            if line and metrics.horizontalAdvance(line) > width:
                line = metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
                elided = True
            lines.append(line)
        return lines, elided

    def _reflow(self, width: int) -> None:
        self._lines, self._elided = self._layout(width)
        super().setText("\n".join(self._lines))
        wrapped = len(self._lines) > 1 or self._elided
        tips = [self._title] if wrapped and self._title else []
        if self._extra_tip and self._extra_tip != self._title:
            tips.append(self._extra_tip)
        self.setToolTip("\n".join(tips))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        lines = self._lines
        self._reflow(self._text_width())
        if self._lines != lines:
            self.updateGeometry()

    def _chrome(self) -> QSize:
        """What the frame, the style sheet's padding and the margins add around the text."""
        rect, outer = self.contentsRect(), self.rect()
        return QSize(outer.width() - rect.width() + 2 * self.margin(), outer.height() - rect.height() + 2 * self.margin())

    def _height_of(self, lines: int) -> int:
        self.ensurePolished()
        return lines * self.fontMetrics().lineSpacing() + self._chrome().height()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        lines, _elided = self._layout(max(1, width - self._chrome().width()))
        return self._height_of(len(lines))

    def sizeHint(self) -> QSize:
        # the whole title on one line: what the label would like, whatever it shows at the moment
        self.ensurePolished()
        width = self.fontMetrics().horizontalAdvance(self._title) + self._chrome().width()
        return QSize(width, self._height_of(max(1, len(self._lines))))

    def minimumSizeHint(self) -> QSize:
        self.ensurePolished()
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(p.strip()) for p in title_pieces(self._title)), default=0)
        width = min(widest, MAX_MINIMUM_CHARACTERS * metrics.horizontalAdvance("字"))
        return QSize(width + self._chrome().width(), self._height_of(max(1, len(self._lines))))
