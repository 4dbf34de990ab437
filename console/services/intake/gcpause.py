"""The cyclic garbage collector paused while imports run (shared by overlapping imports)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_pause_lock = threading.Lock()
_pause_depth = 0
_pause_reenable = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import runs.

    An import keeps every warning and person of its batch in memory for the merge rules, and each
    full collection walks all of them again: on 100,000 rows that was about a sixth of the run.  The
    import makes almost no reference cycles, and reference counting still frees everything else at
    once.  Imports in several threads share one pause; the collector is re-enabled (if it was on)
    when the last of them ends, then one collection catches up."""
    global _pause_depth, _pause_reenable
    with _pause_lock:
        if _pause_depth == 0:
            _pause_reenable = gc.isenabled()
            gc.disable()
        _pause_depth += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause_depth -= 1
            resume = _pause_depth == 0 and _pause_reenable
            if resume:
                gc.enable()
        if resume:
            gc.collect(1)
