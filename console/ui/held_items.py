"""Keeps what the operator holds: shows “我的处理中”, renews the leases of calls set aside with a draft,
reopens one of them with its draft, and gives items back when the operator leaves and asks for it.

Every database round trip goes through the task runner; the list itself is read by the window's
queue refresh (one task with the queue), so it follows every ``data_changed`` and live update.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from console.services.core.context import ServiceContext, ServiceError
from console.services.queue import claims as queue
from console.services.queue import mine
from console.ui.draft_keeper import DraftEntry, DraftKeeper
from console.ui.errors import error_text
from console.ui.my_items_panel import MyItemsPanel
from console.ui.tasks import Change, TaskRunner


class HeldItems(QObject):
    def __init__(self, ctx: ServiceContext, runner: TaskRunner, workstation: Any, drafts: DraftKeeper,
                 panel: MyItemsPanel, window: QWidget) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.runner = runner
        self.workstation = workstation
        self.drafts = drafts
        self.panel = panel
        self.window = window
        self.renew_timer = QTimer(self)
        self.renew_timer.setInterval(max(ctx.settings.workstation.lease_renew_seconds, 5) * 1000)
        self.renew_timer.timeout.connect(self.renew_set_aside)
        self.renew_timer.start()

    def _current_item(self) -> int | None:
        state = self.workstation.state
        return state.queue_item_id if state is not None else None

    def _draft_items(self) -> dict[int, Any]:
        """This operator's drafts on this seat, by queue item (read from the local disk)."""
        return {state.queue_item_id: state for state in self.drafts.load_all() if state.queue_item_id is not None}

    def show(self, entries: list[Any]) -> None:
        """The service's list, plus calls kept only in a draft here (their claim lapsed, e.g. after a crash)."""
        drafts = self._draft_items()
        listed = {entry.item_id for entry in entries}
        current = self._current_item()
        orphans = [DraftEntry.from_state(state) for item_id, state in drafts.items()
                   if item_id not in listed and item_id != current]
        self.panel.set_items([*entries, *orphans], drafts=set(drafts), current=current)

    def renew_set_aside(self) -> None:
        """Keep the claims of calls set aside with a draft (the call in hand renews its own)."""
        current = self._current_item()
        held = set(self.panel.held_ids())
        ids = [item_id for item_id in self._draft_items() if item_id != current and item_id in held]
        if ids:
            ctx = self.ctx
            self.runner.run(lambda: mine.renew_held(ctx, ids), None, None)

    def open(self, entry: Any) -> None:
        """Take the item (renew the claim, or claim one assigned to this operator) and open it with its draft."""
        if isinstance(entry, DraftEntry):  # only the draft is left: the call can still be written
            state = self._draft_items().get(entry.item_id)
            if state is not None:
                self.workstation.open_claimed(entry, state, holds_claim=False)
                self.panel.set_current(entry.item_id)
                self.window.statusBar().showMessage(  # type: ignore[attr-defined]
                    self.tr("领取已过期：草稿已打开，本次通话仍可保存"), 10000)
            return
        ctx, item_id = self.ctx, entry.item_id
        self.runner.run(lambda: mine.take_held_item(ctx, item_id), self._taken, self._take_failed,
                        changes=Change.QUEUE)

    def _taken(self, entry: Any) -> None:
        state = self._draft_items().get(entry.item_id)
        self.workstation.open_claimed(entry, state)
        self.panel.set_current(entry.item_id)
        if state is not None:
            self.window.statusBar().showMessage(self.tr("已打开草稿，继续上次的通话"), 8000)  # type: ignore[attr-defined]

    def _take_failed(self, exc: BaseException) -> None:
        QMessageBox.warning(self.window, self.tr("无法打开"), error_text(exc))

    def release_all(self, item_ids: list[int]) -> None:
        """Give items back to the queue (the operator asked); their drafts stay on this seat's disk."""
        ctx = self.ctx

        def release() -> int:
            done = 0
            for item_id in item_ids:
                try:
                    queue.release(ctx, item_id, "接线员离开席位，退回队列")
                    done += 1
                except ServiceError:
                    pass  # already back in the queue or finished
            return done

        self.runner.run(release, None, lambda exc: self.window.statusBar().showMessage(  # type: ignore[attr-defined]
            self.tr("退回失败：") + error_text(exc), 15000), changes=Change.QUEUE)

    def stop(self) -> None:
        self.renew_timer.stop()
