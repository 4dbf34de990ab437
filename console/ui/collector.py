"""Python's cyclic garbage collector, run on the GUI thread only.

Left to itself the collector runs in whichever thread happens to allocate when a generation fills
up: in the console that is often a background job (an import, a report), and a collection there may
free windows, dialogs and their Qt objects that were caught in reference cycles, destroying QObjects
on a thread that does not own them.  That ends in a crash some time later, in the collector or in
Qt (seen in full test runs: a segfault while a background import ran, always after hundreds of
earlier windows had come and gone).  So the GUI process switches automatic collection off and a
timer on the GUI thread collects instead, with the thresholds the interpreter itself would use;
background jobs never collect.  Reference counting still frees everything else at once.
"""

from __future__ import annotations

import gc
from typing import Final

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS: Final = 200  # the allocations of a fifth of a second wait at most that long for collection


def generation_due() -> int | None:
    """The generation the interpreter would collect now (CPython's own thresholds), or None."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if thresholds[0] == 0 or counts[0] <= thresholds[0]:
        return None
    generation = 0
    for older in (1, 2):
        if counts[older] >= thresholds[older]:
            generation = older
    return generation


class GuiThreadCollector(QObject):
    """Owns collection for the application's lifetime; :meth:`stop` hands it back to the interpreter."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    def collect_if_due(self) -> None:
        generation = generation_due()
        if generation is not None:
            gc.collect(generation)

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
