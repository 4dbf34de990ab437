"""The outcome of a call: disposition buttons, amount protected, notes, and what happens next.

The next step (retry time, follow-ups, escalation suggestion) comes from the same planner the call
log uses, so what the operator sees before saving is what will be scheduled.  Saving is one key
(Ctrl+Enter); the window does the writing.

Key actions have two states: what the person *promised* (ticked in the script) and what the operator
*verified* (the 核实 menu, Ctrl+K: the bank confirmed the stop, the app is installed, a follow-up found it
done).  The line above the menu shows both, including what earlier calls of the warning reached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.services.calls.log import NextStep, WarningFacts, plan_next_step
from console.services.core.amounts import parse_amount
from console.services.core.settings import Settings
from console.services.core.vocabulary import DISPOSITION_LABELS, KEY_ACTION_LABELS, KeyActionState

DISPOSITION_KEYS = tuple(f"Ctrl+{n}" for n in (*range(1, 10), 0))
SAVE_KEYS = ("Ctrl+Return", "Ctrl+Enter")
ESCALATE_KEY = "Ctrl+E"
NOTES_KEY = "Ctrl+N"
AMOUNT_KEY = "Ctrl+M"
VERIFY_KEY = "Ctrl+K"


class OutcomePanel(QWidget):
    changed = Signal()
    save_requested = Signal()
    escalation_requested = Signal()

    def __init__(self, clock: Callable[[], dt.datetime], settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.settings = settings
        self.centre_clock = settings.centre.clock
        self.level = "blue"
        self.attempts_so_far = 0
        self.is_follow_up = False
        self.fraud_type = ""
        self.escalated = False  # the warning already has an open order: no second suggestion
        self.earlier_states: dict[str, str] = {}  # key action → state reached by earlier calls
        self.promised: list[str] = []  # ticked in this call's script
        self.active = False
        self.plan: NextStep | None = None

        box = QGroupBox(self.tr("通话结果"))
        grid = QGridLayout(box)
        grid.setContentsMargins(6, 6, 6, 6)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.disposition_buttons: dict[str, QPushButton] = {}
        for i, (code, label) in enumerate(DISPOSITION_LABELS.items()):
            key = DISPOSITION_KEYS[i]
            button = QPushButton(f"{label}  {key}")
            button.setCheckable(True)
            button.setObjectName("dispositionButton")
            button.setToolTip(self.tr("通话结果：{label}（{key}）").format(label=label, key=key))
            button.clicked.connect(lambda _checked=False, c=code: self.choose_disposition(c))
            self.group.addButton(button)
            grid.addWidget(button, i // 3, i % 3)  # three columns: the panel fits a 768-pixel-high screen
            self.disposition_buttons[code] = button
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda c=code: self.choose_disposition(c))

        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText(self.tr("如 30000 或 3万"))
        self.amount_edit.setToolTip(self.tr("本次劝阻保住的金额（元）（Ctrl+M）"))
        self.amount_edit.textChanged.connect(self._edited)
        self.amount_error = QLabel()
        self.amount_error.setObjectName("errorLabel")
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setPlaceholderText(self.tr("通话要点（Ctrl+N 进入，Esc 返回话术）"))
        self.notes_edit.setToolTip(self.tr("备注（Ctrl+N）"))
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.textChanged.connect(self._edited)
        self.notes_edit.setMinimumHeight(48)
        form = QFormLayout()
        form.addRow(self.tr("保住金额"), self.amount_edit)
        form.addRow("", self.amount_error)
        form.addRow(self.tr("备注"), self.notes_edit)

        self.actions_label = QLabel()
        self.actions_label.setObjectName("keyActions")
        self.actions_label.setWordWrap(True)
        self.verify_button = QToolButton()
        self.verify_button.setText(self.tr("核实…  (Ctrl+K)"))
        self.verify_button.setToolTip(self.tr("当事人答应的只算“已承诺”；核实做到后在此勾选“已核实”（Ctrl+K）"))
        self.verify_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.verify_menu = QMenu(self.verify_button)
        self.verify_actions: dict[str, QAction] = {}
        for code, label in KEY_ACTION_LABELS.items():
            action = self.verify_menu.addAction(self.tr("已核实：{label}").format(label=label))
            action.setCheckable(True)
            action.toggled.connect(self._verified_changed)
            self.verify_actions[code] = action
        self.verify_button.setMenu(self.verify_menu)
        verify = QShortcut(QKeySequence(VERIFY_KEY), self)
        verify.setContext(Qt.ShortcutContext.WindowShortcut)
        verify.activated.connect(self._open_verify_menu)
        actions_row = QHBoxLayout()  # one line: the states, then the control that verifies
        actions_row.setContentsMargins(0, 0, 0, 0)
        actions_row.addWidget(self.actions_label, 1)
        actions_row.addWidget(self.verify_button)
        form.addRow(self.tr("关键动作"), actions_row)

        self.next_title = QLabel(self.tr("保存后"))
        self.next_title.setObjectName("sectionTitle")
        self.next_label = QLabel(self.tr("请选择通话结果。"))
        self.next_label.setObjectName("nextStep")
        self.next_label.setWordWrap(True)
        self.escalate_button = QPushButton(self.tr("上报派出所  (Ctrl+E)"))
        self.escalate_button.setObjectName("dangerButton")
        self.escalate_button.setToolTip(self.tr("一键上报当事人辖区派出所（预填指令，确认一次）（Ctrl+E）"))
        self.escalate_button.clicked.connect(self.escalation_requested)
        self.save_button = QPushButton(self.tr("保存  (Ctrl+Enter)"))
        self.save_button.setObjectName("primaryButton")
        self.save_button.setToolTip(self.tr("保存本次通话并安排下一步（Ctrl+Enter）"))
        self.save_button.clicked.connect(self.request_save)
        for key in SAVE_KEYS:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.request_save)
        escalate = QShortcut(QKeySequence(ESCALATE_KEY), self)
        escalate.setContext(Qt.ShortcutContext.WindowShortcut)
        escalate.activated.connect(self._escalate_key)
        for key, target in ((NOTES_KEY, self.notes_edit), (AMOUNT_KEY, self.amount_edit)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(target.setFocus)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)
        layout.addLayout(form)
        layout.addWidget(self.next_title)
        layout.addWidget(self.next_label)
        layout.addWidget(self.escalate_button)
        layout.addStretch(1)
        layout.addWidget(self.save_button)
        self.reset(False)

    # -- state ---------------------------------------------------------------------------
    def reset(self, active: bool, *, level: str = "blue", attempts_so_far: int = 0, is_follow_up: bool = False,
              fraud_type: str = "", escalated: bool = False, action_states: dict[str, str] | None = None) -> None:
        self.active = active
        self.level, self.attempts_so_far, self.is_follow_up = level, attempts_so_far, is_follow_up
        self.fraud_type = fraud_type
        self.escalated = escalated
        self.earlier_states = dict(action_states or {})
        self.promised = []
        for code, action in self.verify_actions.items():
            action.blockSignals(True)
            earlier = self.earlier_states.get(code) == KeyActionState.CONFIRMED
            action.setChecked(earlier)
            action.setEnabled(not earlier)  # verified on an earlier call: nothing more to do
            action.blockSignals(False)
        self._show_actions()
        self.group.setExclusive(False)
        for button in self.disposition_buttons.values():
            button.setChecked(False)
        self.group.setExclusive(True)
        self.amount_edit.blockSignals(True)
        self.notes_edit.blockSignals(True)
        self.amount_edit.clear()
        self.notes_edit.clear()
        self.amount_edit.blockSignals(False)
        self.notes_edit.blockSignals(False)
        self.setEnabled(active)
        self._update_plan()

    def restore(self, disposition: str, amount: str, notes: str, confirmed: list[str] | None = None) -> None:
        for code in confirmed or ():
            if code in self.verify_actions:
                self.verify_actions[code].blockSignals(True)
                self.verify_actions[code].setChecked(True)
                self.verify_actions[code].blockSignals(False)
        self._show_actions()
        self.amount_edit.blockSignals(True)
        self.notes_edit.blockSignals(True)
        self.amount_edit.setText(amount)
        self.notes_edit.setPlainText(notes)
        self.amount_edit.blockSignals(False)
        self.notes_edit.blockSignals(False)
        if disposition in self.disposition_buttons:
            self.disposition_buttons[disposition].setChecked(True)
        self._update_plan()

    @property
    def disposition(self) -> str:
        for code, button in self.disposition_buttons.items():
            if button.isChecked():
                return code
        return ""

    @property
    def confirmed_actions(self) -> list[str]:
        """The key actions verified during this call (not those an earlier call verified already)."""
        return [code for code, action in self.verify_actions.items() if action.isChecked() and action.isEnabled()]

    def action_states(self) -> dict[str, str]:
        """Per key action the state the warning reaches once this call is saved (label order)."""
        states: dict[str, str] = {}
        confirmed = set(self.confirmed_actions)
        for code in KEY_ACTION_LABELS:
            earlier = self.earlier_states.get(code, "")
            if code in confirmed or earlier == KeyActionState.CONFIRMED:
                states[code] = KeyActionState.CONFIRMED.value
            elif code in self.promised or earlier == KeyActionState.PROMISED:
                states[code] = KeyActionState.PROMISED.value
        return states

    def set_promised(self, codes: list[str]) -> None:
        """The key actions the script shows ticked in this call (the person agreed to them)."""
        if list(codes) != self.promised:
            self.promised = list(codes)
            self._show_actions()

    def set_escalated(self, escalated: bool) -> None:
        self.escalated = escalated
        self._update_plan()

    def _verified_changed(self) -> None:
        self._show_actions()
        if self.active:
            self.changed.emit()

    def _open_verify_menu(self) -> None:
        if self.active:
            self.verify_button.showMenu()

    def _show_actions(self) -> None:
        states = self.action_states()
        promised = [KEY_ACTION_LABELS[c] for c, s in states.items() if s == KeyActionState.PROMISED]
        confirmed = [KEY_ACTION_LABELS[c] for c, s in states.items() if s == KeyActionState.CONFIRMED]
        parts = []
        if confirmed:
            parts.append(self.tr("已核实：") + "、".join(confirmed))
        if promised:
            parts.append(self.tr("已承诺（待核实）：") + "、".join(promised))
        self.actions_label.setText("\n".join(parts) if parts else self.tr("尚无承诺或核实的关键动作"))

    @property
    def notes(self) -> str:
        return self.notes_edit.toPlainText()

    @property
    def amount_text(self) -> str:
        return self.amount_edit.text()

    # -- actions -------------------------------------------------------------------------
    def choose_disposition(self, code: str) -> None:
        if not self.active or code not in self.disposition_buttons:
            return
        self.disposition_buttons[code].setChecked(True)
        self._update_plan()
        self.changed.emit()

    def suggest(self, code: str) -> None:
        """Pre-select the script's suggested outcome unless the operator already chose one."""
        if code and not self.disposition:
            self.choose_disposition(code)

    def _edited(self) -> None:
        self._check_amount()
        self.changed.emit()

    def _check_amount(self) -> bool:
        try:
            parse_amount(self.amount_edit.text())
        except ValueError as exc:
            self.amount_error.setText(str(exc))
            return False
        self.amount_error.clear()
        return True

    def _update_plan(self) -> None:
        code = self.disposition
        if not self.active or not code:
            self.plan = None
            self.next_label.setText(self.tr("请选择通话结果。") if self.active else "")
            self.escalate_button.setVisible(self.active and self.level == "red")
            self.save_button.setEnabled(False)
            return
        facts = WarningFacts(None, self.is_follow_up, self.fraud_type, self.escalated)
        self.plan = plan_next_step(self.settings, facts, code, self.attempts_so_far, self.level, now=self.clock())
        text = self.plan.summary
        if self.plan.retry_at is not None:
            text += self.tr("\n重拨时间：{at}").format(at=self.centre_clock.format(self.plan.retry_at, "%H:%M"))
        if self.plan.suggest_escalation:
            text += "\n" + self.plan.escalation_reason
        self.next_label.setText(text)
        self.next_label.setProperty("alert", self.plan.suggest_escalation)
        self.next_label.style().unpolish(self.next_label)
        self.next_label.style().polish(self.next_label)
        self.escalate_button.setVisible(self.plan.suggest_escalation or self.level == "red")
        self.save_button.setEnabled(True)

    def _escalate_key(self) -> None:
        if self.active and self.escalate_button.isVisible():
            self.escalation_requested.emit()

    def request_save(self) -> None:
        if not self.active or not self.disposition:
            return
        if not self._check_amount():
            self.amount_edit.setFocus()
            return
        self.save_button.setEnabled(False)
        self.save_requested.emit()

    def saving_failed(self) -> None:
        self.save_button.setEnabled(True)
