"""The console collects reference cycles on the GUI thread only (console/ui/collector.py)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtWidgets import QApplication

from console.ui.collector import GuiThreadCollector, generation_due


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_cycles_are_collected_by_the_gui_thread_and_never_by_a_background_job(qtbot, qapp: QApplication) -> None:  # type: ignore[no-untyped-def]
    collections: list[str] = []

    def note(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(threading.current_thread().name)

    gc.callbacks.append(note)
    collector = GuiThreadCollector(qapp, interval_ms=20)
    try:
        assert not gc.isenabled()

        def allocate() -> None:  # far beyond the youngest generation's threshold, in cycles
            for _ in range(50_000):
                _Cycle()

        worker = threading.Thread(target=allocate, name="background-job")
        worker.start()
        worker.join()
        assert "background-job" not in collections  # the job allocated but never collected
        assert generation_due() is not None
        qtbot.waitUntil(lambda: threading.main_thread().name in collections, timeout=5000)
        qtbot.waitUntil(lambda: generation_due() is None, timeout=5000)
    finally:
        collector.stop()
        gc.callbacks.remove(note)
    assert gc.isenabled()  # handed back as it was
