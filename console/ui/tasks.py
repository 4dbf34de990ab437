"""One small task runner for long work: the worker runs off the GUI thread, results come back by signal.

Usage::

    runner.run(lambda: services.queue.list_open(ctx), on_success=model.set_rows, on_failure=show_error)

The worker function must not touch widgets and should open its own database session (services do).
Tests inject :class:`SyncTaskRunner`, which runs the function at once on the calling thread.

One broadcast says that data changed: a task that writes passes ``changes=`` one of :class:`Change`,
and once it succeeded (after ``on_success``) the runner emits :attr:`TaskRunner.data_changed` with
that kind.  The main window owns the runner and hands it to every view and tool window, so each
view refreshes from that one signal instead of being reloaded by whoever saved something.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class Change(StrEnum):
    """What a task changed (the argument of ``data_changed``)."""

    QUEUE = "queue"  # claims, releases, reassignments, levels
    WARNINGS = "warnings"  # imported or entered warnings, quarantine retries
    CALLS = "calls"  # call log entries (saved, or written from the outbox)
    ESCALATIONS = "escalations"  # orders, tasks, answers
    TRAINING = "training"  # rehearsals, case notes, generated scenarios


class _Relay(QObject):
    """Lives on the GUI thread; queued signals carry the result back to it."""

    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI
            log.debug("task failed: %s", "".join(traceback.format_exception(exc)))
            self._report("failed", exc)
        else:
            self._report("succeeded", result)

    def _report(self, signal: str, value: Any) -> None:
        try:
            getattr(self.relay, signal).emit(value)
        except RuntimeError:  # the relay is gone (its runner was deleted, e.g. past a timed-out wait): nobody to tell
            log.debug("task result dropped: the runner that asked for it is gone")


class TaskRunner(QObject):
    """Runs callables on a QThreadPool; counts running jobs so the UI can show a busy indicator."""

    busy_changed = Signal(bool)
    data_changed = Signal(str)  # a Change, after a task that wrote succeeded

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._running = 0
        self._relays: set[_Relay] = set()

    @property
    def running(self) -> int:
        return self._running

    def run(self, fn: Callable[[], Any], on_success: Success | None = None, on_failure: Failure | None = None,
            *, changes: Change | None = None) -> None:
        relay = _Relay()
        self._relays.add(relay)

        def done() -> None:
            self._relays.discard(relay)
            self._running -= 1
            if self._running == 0:
                self.busy_changed.emit(False)
            relay.deleteLater()

        def succeeded(result: Any) -> None:
            try:
                if on_success is not None:
                    on_success(result)
            finally:
                done()
            if changes is not None:
                self.data_changed.emit(str(changes))

        def failed(exc: BaseException) -> None:
            try:
                if on_failure is not None:
                    on_failure(exc)
                else:
                    log.error("background task failed: %s", exc)
            finally:
                done()

        relay.succeeded.connect(succeeded)
        relay.failed.connect(failed)
        self._running += 1
        if self._running == 1:
            self.busy_changed.emit(True)
        self.pool.start(_Job(fn, relay))

    def wait_all(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)


class SyncTaskRunner(TaskRunner):
    """Runs every job immediately on the calling thread (tests)."""

    def run(self, fn: Callable[[], Any], on_success: Success | None = None, on_failure: Failure | None = None,
            *, changes: Change | None = None) -> None:
        self._running += 1
        self.busy_changed.emit(True)
        try:
            try:
                result = fn()
            except Exception as exc:  # noqa: BLE001
                if on_failure is None:
                    raise
                on_failure(exc)
                return
            if on_success is not None:
                on_success(result)
        finally:
            self._running -= 1
            self.busy_changed.emit(False)
        if changes is not None:
            self.data_changed.emit(str(changes))
