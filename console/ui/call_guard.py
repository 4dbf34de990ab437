"""The call guard: nothing the operator is doing is dropped by F2, a row switch, logout, lock or quit.

During a live call those actions are refused with a message saying what to do first.  With unsaved
work (a started call, a typed note or amount, a picked outcome, a moved script) the operator is asked:
保存草稿并继续 sets the item aside (its draft stays on disk, the claim is kept and listed in
“我的处理中”), 放弃 discards the draft and gives the item back, 取消 stays.  Leaving the seat
(logout, quit) also asks, with a box to tick, whether the held items go back to the queue: the claim
is released only when the operator says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("CallGuard", text)


class LeaveChoice(StrEnum):
    KEEP_DRAFT = "keep_draft"
    DISCARD = "discard"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Leave:
    """What the guard allows: go on or not; on leaving the seat, whether held items go back."""

    proceed: bool
    release_held: bool = False


class UnsavedDialog(QMessageBox):
    """保存草稿并继续 / 放弃 / 取消, with an optional "give my items back" box when leaving the seat."""

    def __init__(self, what: str, parent: QWidget | None = None, *, leaving_seat: bool = False) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle(_tr("未保存的通话"))
        self.setText(_tr("当前条目有未保存的内容（通话计时、备注、通话结果或话术进度）。\n{what}之前要怎样处理？")
                     .format(what=what))
        self.setInformativeText(_tr("保存草稿：内容留在本机草稿中，条目仍由您领取，可在“我的处理中”重新打开。\n"
                                    "放弃：删除草稿，条目退回队列。"))
        self.keep_button = self.addButton(_tr("保存草稿并继续"), QMessageBox.ButtonRole.AcceptRole)
        self.discard_button = self.addButton(_tr("放弃"), QMessageBox.ButtonRole.DestructiveRole)
        self.cancel_button = self.addButton(_tr("取消"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.cancel_button)
        self.release_box: QCheckBox | None = None
        if leaving_seat:
            self.release_box = QCheckBox(_tr("同时把我领取的条目退回队列（其他接线员可以领取）"))
            self.setCheckBox(self.release_box)

    def ask(self) -> LeaveChoice:
        self.exec()
        clicked = self.clickedButton()
        if clicked is self.keep_button:
            return LeaveChoice.KEEP_DRAFT
        if clicked is self.discard_button:
            return LeaveChoice.DISCARD
        return LeaveChoice.CANCEL

    @property
    def release_held(self) -> bool:
        return self.release_box is not None and self.release_box.isChecked()


class LeaveSeatDialog(QMessageBox):
    """Leaving the seat with items held but nothing unsaved: keep them (the lease lapses) or give them back."""

    def __init__(self, what: str, held: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle(what)
        self.setText(_tr("您还领取着 {n} 条。{what}之前要把它们退回队列吗？").format(n=held, what=what))
        self.setInformativeText(_tr("保留：草稿留在本机，领取到期后条目自动回到队列。"))
        self.release_button = self.addButton(_tr("退回队列并{what}").format(what=what),
                                             QMessageBox.ButtonRole.AcceptRole)
        self.keep_button = self.addButton(_tr("保留并{what}").format(what=what), QMessageBox.ButtonRole.NoRole)
        self.cancel_button = self.addButton(_tr("取消"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.release_button)
        self.setEscapeButton(self.cancel_button)

    def ask(self) -> Leave:
        self.exec()
        clicked = self.clickedButton()
        if clicked is self.release_button:
            return Leave(True, True)
        if clicked is self.keep_button:
            return Leave(True, False)
        return Leave(False)


def refuse_during_call(parent: QWidget, what: str) -> None:
    QMessageBox.warning(parent, _tr("通话进行中"), _tr(
        "通话进行中，不能{what}。\n请先结束通话（F7），选择通话结果并保存（Ctrl+Enter）。").format(what=what))


class CallGuard:
    """Asks before the call in hand is left; the workstation sets it aside or discards it as answered."""

    def __init__(self, workstation: Any, parent: QWidget) -> None:
        self.workstation = workstation
        self.parent = parent

    def check(self, what: str, *, leaving_seat: bool = False, held: int = 0) -> Leave:
        workstation = self.workstation
        if workstation.in_live_call:
            refuse_during_call(self.parent, what)
            return Leave(False)
        if workstation.has_unsaved:
            dialog = UnsavedDialog(what, self.parent, leaving_seat=leaving_seat)
            choice = dialog.ask()
            if choice == LeaveChoice.CANCEL:
                return Leave(False)
            if choice == LeaveChoice.KEEP_DRAFT:
                workstation.set_aside()
            else:
                workstation.discard_current()
            return Leave(True, dialog.release_held)
        if leaving_seat and held:
            return LeaveSeatDialog(what, held, self.parent).ask()
        return Leave(True)
