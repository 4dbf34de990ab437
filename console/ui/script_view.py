"""A reusable widget that walks one dissuasion script: the current line large, the person's possible
responses as numbered buttons, objections reachable at any moment, a back step and the key-action
checklist.  Used by the operator's call panel and by the training window.

Keys (window-wide while the widget is visible; a focused text field keeps its own typing):
1–9 choose a response, Alt+1…Alt+0 raise an objection, Backspace steps back, Alt+Q…Alt+I tick a
key action by hand.  The step's checking questions are buttons; in a rehearsal (no outcome panel
owns Ctrl+1…Ctrl+9 there) they also answer to Ctrl+1…Ctrl+9.

The widget only drives a :class:`scripts_library.ScriptSession`; it emits :attr:`changed` after
every step so the owner can save a draft or refresh a preview.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.ui.part_title import PartTitleLabel
from scripts_library import ScriptSession
from scripts_library.codes import (
    KEY_ACTION_CODES,
    KEY_ACTION_LABELS,
    OBJECTION_CODES,
    OBJECTION_LABELS,
    check_question_text,
)

RESPONSE_KEYS = tuple(str(n) for n in range(1, 10))
OBJECTION_KEYS = tuple(f"Alt+{n}" for n in (*range(1, 10), 0))
KEY_ACTION_KEYS = tuple(f"Alt+{c}" for c in "QWERTYUI")
CHECK_KEYS = tuple(f"Ctrl+{n}" for n in range(1, 10))


class ScriptView(QWidget):
    check_shortcuts = False  # Ctrl+digits belong to the outcome panel on the workstation
    changed = Signal()  # a step was taken, undone, or a key action ticked
    finished_reached = Signal(str)  # the script reached an end node; carries its suggested disposition

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: ScriptSession | None = None
        self.reason = ""  # why this script was chosen: the script title's tooltip
        # titles wrap only between their parts (" · ", "、", "】"), never inside a word
        self.script_title = PartTitleLabel()
        self.script_title.setObjectName("sectionTitle")
        self.selection_reason = PartTitleLabel()
        self.selection_reason.setObjectName("hintLabel")
        self.node_title = PartTitleLabel(alignment=Qt.AlignmentFlag.AlignRight)
        self.node_title.setObjectName("nodeTitle")
        self.line_label = QLabel()
        self.line_label.setObjectName("scriptLine")
        self.line_label.setWordWrap(True)
        self.line_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.line_label.setMinimumHeight(110)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("hintLabel")
        self.hint_label.setWordWrap(True)

        self.responses_box = QWidget()
        self.responses_layout = QVBoxLayout(self.responses_box)
        self.responses_layout.setContentsMargins(0, 0, 0, 0)
        self.response_buttons: list[QPushButton] = []
        self.checks_box = QGroupBox(self.tr("这一步要问清（点一下表示已问）"))
        self.checks_layout = QVBoxLayout(self.checks_box)
        self.checks_layout.setContentsMargins(6, 6, 6, 6)
        self.check_buttons: dict[str, QPushButton] = {}
        self.asked: set[str] = set()
        self.back_button = QPushButton(self.tr("← 上一步  (Backspace)"))
        self.back_button.setToolTip(self.tr("撤销上一步选择（Backspace）"))
        self.back_button.clicked.connect(self.go_back)

        objections = QGroupBox(self.tr("对方异议（随时可点）"))
        grid = QGridLayout(objections)
        grid.setContentsMargins(6, 6, 6, 6)
        self.objection_buttons: dict[str, QPushButton] = {}
        for i, code in enumerate(OBJECTION_CODES):
            key = OBJECTION_KEYS[i]
            button = QPushButton(f"{OBJECTION_LABELS[code]}\n{key}")
            button.setObjectName("objectionButton")
            button.setToolTip(self.tr("对方提出“{label}”：转入应对话术（{key}）").format(label=OBJECTION_LABELS[code],
                                                                                    key=key))
            button.clicked.connect(lambda _checked=False, c=code: self.raise_objection(c))
            grid.addWidget(button, i // 5, i % 5)
            self.objection_buttons[code] = button
            self._shortcut(key, lambda c=code: self.raise_objection(c))

        actions = QGroupBox(self.tr("关键动作（当事人答应的自动打勾，记为“已承诺”）"))
        action_grid = QGridLayout(actions)
        action_grid.setContentsMargins(6, 6, 6, 6)
        self.key_action_boxes: dict[str, QCheckBox] = {}
        for i, code in enumerate(KEY_ACTION_CODES):
            key = KEY_ACTION_KEYS[i]
            box = QCheckBox(KEY_ACTION_LABELS[code])
            box.setToolTip(self.tr("当事人已答应（已承诺，待核实）：{label}（{key}）").format(label=KEY_ACTION_LABELS[code], key=key))
            box.clicked.connect(lambda checked, c=code: self.set_key_action(c, checked))
            action_grid.addWidget(box, i // 4, i % 4)
            self.key_action_boxes[code] = box
            self._shortcut(key, lambda c=code: self.toggle_key_action(c))

        for index, key in enumerate(RESPONSE_KEYS):
            self._shortcut(key, lambda i=index: self.choose(i))
        if self.check_shortcuts:
            for index, key in enumerate(CHECK_KEYS):
                self._shortcut(key, lambda i=index: self._ask_nth(i))
        self._shortcut("Backspace", self.go_back)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.script_title)
        head.addWidget(self.node_title)
        layout.addLayout(head)
        layout.addWidget(self.selection_reason)
        layout.addWidget(self.line_label)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.responses_box)
        layout.addWidget(self.checks_box)
        back_row = QHBoxLayout()
        back_row.addWidget(self.back_button)
        back_row.addStretch(1)
        layout.addLayout(back_row)
        layout.addWidget(objections)
        layout.addWidget(actions)
        self.set_session(None)

    def _shortcut(self, key: str, slot: object) -> None:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)

    # -- state ---------------------------------------------------------------------------
    def set_session(self, session: ScriptSession | None, reason: str = "") -> None:
        self.session = session
        self.asked = set()
        self.reason = reason
        self.selection_reason.set_title(reason)
        # the reason matters when it adds something: matched signals, or a fallback script
        self.selection_reason.setVisible("（" in reason or "无专用" in reason)
        self.setEnabled(session is not None)
        self.refresh()

    def refresh(self) -> None:
        session = self.session
        for button in self.response_buttons:
            self.responses_layout.removeWidget(button)
            button.deleteLater()
        self.response_buttons = []
        for button in self.check_buttons.values():
            self.checks_layout.removeWidget(button)
            button.deleteLater()
        self.check_buttons = {}
        self.checks_box.setVisible(bool(session and session.checks))
        if session is None:
            self.script_title.set_title(self.tr("话术"))
            self.node_title.clear()
            self.line_label.setText(self.tr("领取预警后显示话术。"))
            self.hint_label.clear()
            self.back_button.setEnabled(False)
            for box in self.key_action_boxes.values():
                box.setChecked(False)
            return
        self.script_title.set_title(self.tr("话术：") + session.script.title, self.reason)
        objection = session.current_objection
        label = OBJECTION_LABELS.get(objection, objection) if objection else ""
        prefix = self.tr("【应对：{label}】").format(label=label) if objection else ""
        self.node_title.set_title(prefix + ("" if session.title == label else session.title))
        self.line_label.setText("\n".join(session.lines))
        self.hint_label.setText(self.tr("提示：") + session.hint if session.hint else "")
        for option in session.responses[: len(RESPONSE_KEYS)]:
            key = RESPONSE_KEYS[option.index]
            button = QPushButton(f"{key}   {option.label}")
            button.setObjectName("responseButton")
            button.setToolTip(self.tr("对方这样回答时按 {key}").format(key=key))
            button.clicked.connect(lambda _checked=False, i=option.index: self.choose(i))
            self.responses_layout.addWidget(button)
            self.response_buttons.append(button)
        for index, code in enumerate(session.checks[: len(CHECK_KEYS)]):
            text = check_question_text(code, session.script.address)
            check = QPushButton(f"{CHECK_KEYS[index]}   {text}" if self.check_shortcuts else text)
            check.setObjectName("checkButton")
            check.setEnabled(code not in self.asked)
            check.clicked.connect(lambda _checked=False, c=code: self.ask_question(c))
            self.checks_layout.addWidget(check)
            self.check_buttons[code] = check
        if session.finished:
            done = QLabel(self.tr("话术已走完，请在右侧选择通话结果并保存。"))
            done.setObjectName("hintLabel")
            self.responses_layout.addWidget(done)
            self.response_buttons.append(done)  # type: ignore[arg-type]
        self.back_button.setEnabled(session.can_go_back)
        for code, button in self.objection_buttons.items():
            button.setEnabled(code in session.script.objections)
        obtained = set(session.key_actions)
        for code, box in self.key_action_boxes.items():
            box.setChecked(code in obtained)

    # -- actions -------------------------------------------------------------------------
    def choose(self, index: int) -> None:
        if self.session is None or not self.isVisible() or index >= len(self.session.responses):
            return
        self.session.choose(index)
        self._stepped()

    def raise_objection(self, code: str) -> None:
        if self.session is None or not self.isVisible() or code not in self.session.script.objections:
            return
        self.session.raise_objection(code)
        self._stepped()

    def _ask_nth(self, index: int) -> None:
        if self.session is not None and index < len(self.session.checks):
            self.ask_question(self.session.checks[index])

    def ask_question(self, code: str) -> None:
        """On a real call the operator ticks the question off once asked; a rehearsal asks the person."""
        if self.session is None or not self.isVisible():
            return
        self.asked.add(code)
        self.refresh()

    def go_back(self) -> None:
        if self.session is None or not self.isVisible():
            return
        if self.session.back():
            self._stepped()

    def set_key_action(self, code: str, obtained: bool) -> None:
        if self.session is None:
            return
        if obtained:
            self.session.mark_key_action(code)
        else:
            self.session.unmark_key_action(code)  # one granted by a scripted answer stays ticked
        self.refresh()
        self.changed.emit()

    def toggle_key_action(self, code: str) -> None:
        if self.session is None or not self.isVisible():
            return
        self.set_key_action(code, code not in self.session.key_actions)

    def _stepped(self) -> None:
        self.refresh()
        self.changed.emit()
        if self.session is not None and self.session.finished:
            self.finished_reached.emit(self.session.suggested_disposition or "")
