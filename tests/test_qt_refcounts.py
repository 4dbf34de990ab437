"""PySide6 6.12 drops references to None in processEvents / QEventLoop.exec; the UI package keeps a
reserve so a long session never brings None's count to zero (see console/ui/qt_refcounts.py)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from console.ui import qt_refcounts


def test_the_reserve_outlasts_a_long_session_of_leaking_calls(qapp: QApplication) -> None:
    assert sys.getrefcount(None) > qt_refcounts.NONE_RESERVE  # held from the first import of console.ui
    assert sys.getrefcount(True) > qt_refcounts.BOOL_RESERVE and sys.getrefcount(False) > qt_refcounts.BOOL_RESERVE
    before = sys.getrefcount(None)
    for _ in range(200):
        qapp.processEvents()
        loop = QEventLoop()
        QTimer.singleShot(0, loop.quit)
        loop.exec()
    leaked = before - sys.getrefcount(None)
    # Whatever this PySide6 leaks per call (measured: 1 per processEvents, 2 per exec), a day of it stays
    # far inside the reserve: 200 rounds here; a shift opens a few hundred dialogs.
    assert leaked <= 200 * 10
    assert sys.getrefcount(None) > qt_refcounts.NONE_RESERVE // 2
