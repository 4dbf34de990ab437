"""The main window's find-and-take actions: Ctrl+F find anyone, Ctrl+B agree a callback (约定回拨),
and taking one named item (from the search, or Enter / double-click on a queue row).

Taking an item goes through the window's "can leave the current item" guard when it has one;
without it an item is taken only while nothing is in hand, and the operator is told so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject

from console.services.calls.callbacks import AgreedCallback, callback_note
from console.services.core.context import allowed
from console.services.queue import claims as queue
from console.ui.callback_dialog import CALLBACK_KEY, CallbackDialog
from console.ui.errors import error_text
from console.ui.person_view import PersonViewDialog
from console.ui.queue_model import QueueTableModel
from console.ui.search_dialog import SearchDialog

if TYPE_CHECKING:
    from console.ui.main_window import MainWindow

SEARCH_KEY = "Ctrl+F"
HISTORY_KEY = "Ctrl+Shift+F"


class FindActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.search_dialog: SearchDialog | None = None
        self.callback_dialog: CallbackDialog | None = None
        self.person_dialog: PersonViewDialog | None = None
        self.search_action = window._action(self.tr("查找人员…"), SEARCH_KEY, self.open_search,
                                            self.tr("按电话、姓名、身份证号或预警编号查找"))
        self.callback_action = window._action(self.tr("约定回拨…"), CALLBACK_KEY, self.open_callback,
                                              self.tr("对方约定稍后再打：到时排在您的队列最前"))
        self.history_action = window._action(self.tr("此人全部记录…"), HISTORY_KEY, self.open_history,
                                             self.tr("当前预警对象的所有预警、通话、上报和回访"))
        for action in (self.search_action, self.history_action, self.callback_action):
            window.work_menu.insertAction(window.quit_action, action)
        for action in (self.search_action, self.history_action):
            action.setEnabled(window.sees_people)
            action.setVisible(window.sees_people)
        self.callback_action.setEnabled(window.can_work and allowed(window.actor, "call.log"))
        window.queue_panel.table.doubleClicked.connect(self.row_activated)
        window.queue_panel.table.activated.connect(self.row_activated)

    # -- search --------------------------------------------------------------------------
    def open_search(self) -> None:
        window = self.window
        if not window.sees_people:
            return
        if self.search_dialog is None:
            self.search_dialog = SearchDialog(window.ctx, window.runner, window, can_take=window.can_work)
            self.search_dialog.take_requested.connect(self.take_item)
        self.search_dialog.show()
        self.search_dialog.raise_()
        self.search_dialog.activateWindow()
        self.search_dialog.query_edit.setFocus()
        self.search_dialog.query_edit.selectAll()

    def open_history(self) -> None:
        """The person view of the warning on screen (claimed or browsed)."""
        window = self.window
        detail = window.workstation.detail
        if detail is None or not window.sees_people:
            self._tell(self.tr("请先打开一条预警，再查看此人的全部记录"))
            return
        self.person_dialog = PersonViewDialog(window.ctx, window.runner, detail.person_id, window)
        self.person_dialog.open()

    # -- take a named item ---------------------------------------------------------------
    def row_activated(self, index: QModelIndex) -> None:
        window = self.window
        entry = window.queue_panel.model.data(index, QueueTableModel.EntryRole) if index.isValid() else None
        in_hand = window.workstation.entry
        if entry is None or not window.can_work or (in_hand is not None and in_hand.item_id == entry.item_id):
            return
        self.take_item(entry.item_id)

    def take_item(self, item_id: int) -> None:
        """Claim this very item if it is free (e.g. the person called back)."""
        window = self.window
        if not window.can_work:
            return
        # the call guard of the window: refused during a call, asks first about unsaved work; an
        # untouched claim goes back to the queue once this one is taken
        ctx = window.ctx
        window.take_instead(self.tr("领取其他条目"), lambda: queue.claim_item(ctx, item_id), "未处理，领取其他条目",
                            self._taken, self._take_failed)

    def _taken(self, entry: Any, released: int | None = None) -> None:
        self.window._claimed(entry, released)
        if self.search_dialog is not None and self.search_dialog.isVisible():
            self.search_dialog.accept()

    def _take_failed(self, exc: BaseException) -> None:
        self._tell(self.tr("领取失败：") + error_text(exc))

    def _tell(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10000)
        if self.search_dialog is not None and self.search_dialog.isVisible():
            self.search_dialog.status_label.setText(text)

    # -- callbacks -----------------------------------------------------------------------
    def open_callback(self) -> None:
        window = self.window
        entry = window.workstation.entry
        if entry is None or not window.workstation.holds_claim:
            self._tell(self.tr("请先领取一条预警（F2），再约定回拨时间"))
            return
        dialog = CallbackDialog(window.ctx, window.runner, entry.warning_id, window)
        dialog.agreed.connect(self._callback_agreed)
        self.callback_dialog = dialog
        dialog.open()

    def _callback_agreed(self, callback: AgreedCallback) -> None:
        window = self.window
        notes = window.outcome_panel.notes_edit
        line = callback_note(callback, window.ctx)
        notes.setPlainText((notes.toPlainText().rstrip() + "\n" + line).strip())  # saved with the call log
        self._tell(self.tr("已约定回拨：{when}，到时排在您的队列最前").format(
            when=window.ctx.centre_clock.format(callback.due_at, "%m-%d %H:%M")))
