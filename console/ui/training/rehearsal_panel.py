"""The rehearsal panel: pick a scenario, work the call with the script view, hear and read the
simulated person, watch their resistance, end the call and get the score.

Database writes (start, each step, finish) run through the task runner; the simulated person's
reactions are computed at once on the GUI thread (pure and instant) and spoken in the background.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext
from console.services.training import rehearsal as training
from console.services.training.rehearsal import ActiveRehearsal, ScoreCard
from console.ui.errors import error_text
from console.ui.tasks import Change, TaskRunner
from console.ui.training.rehearsal_view import RehearsalScriptView
from console.ui.training.speech import Speaker
from scripts_library.loader import ScriptLibrary
from scripts_library.scenario_loader import ScenarioSet
from scripts_library.simulation import HANG_UP_AT, PersonLine, Reaction


class RehearsalPanel(QWidget):
    rehearsal_started = Signal(int)
    rehearsal_finished = Signal(object)  # ScoreCard

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, speaker: Speaker, library: ScriptLibrary,
                 scenarios: ScenarioSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.speaker = speaker
        self.library = library
        self.scenarios = scenarios
        self.active: ActiveRehearsal | None = None
        self.last_card: ScoreCard | None = None

        self.scenario_combo = QComboBox()
        for info in training.list_scenarios(ctx, scenarios):
            self.scenario_combo.addItem(f"[{info.difficulty_label}] {info.title}", info.id)
        self.scenario_combo.currentIndexChanged.connect(self._show_briefing)
        self.start_button = QPushButton(self.tr("开始演练"))
        self.start_button.clicked.connect(self.start)
        self.finish_button = QPushButton(self.tr("结束演练并评分"))
        self.finish_button.setEnabled(False)
        self.finish_button.clicked.connect(self.finish)
        self.briefing = QLabel()
        self.briefing.setWordWrap(True)
        self.briefing.setObjectName("hintLabel")
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.resistance = QProgressBar()
        self.resistance.setRange(0, HANG_UP_AT)
        self.resistance.setFormat(self.tr("抵触度 %v / 100"))
        self.person_line = QLabel()
        self.person_line.setObjectName("scriptLine")
        self.person_line.setWordWrap(True)
        self.transcript = QPlainTextEdit()
        self.transcript.setReadOnly(True)
        self.script_view = RehearsalScriptView()
        self.script_view.reacted.connect(self._reacted)
        self.speaker.unavailable.connect(self._speech_off)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("演练场景：")))
        top.addWidget(self.scenario_combo, 1)
        top.addWidget(self.start_button)
        top.addWidget(self.finish_button)
        person = QWidget()
        person_layout = QVBoxLayout(person)
        person_layout.addWidget(QLabel(self.tr("模拟对象说：")))
        person_layout.addWidget(self.person_line)
        person_layout.addWidget(self.resistance)
        person_layout.addWidget(QLabel(self.tr("通话记录")))
        person_layout.addWidget(self.transcript, 1)
        splitter = QSplitter()
        splitter.addWidget(self.script_view)
        splitter.addWidget(person)
        splitter.setSizes([700, 400])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.briefing)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        self._show_briefing()

    # -- scenario --------------------------------------------------------------------------
    def select_scenario(self, scenario_id: str) -> None:
        index = self.scenario_combo.findData(scenario_id)
        if index >= 0:
            self.scenario_combo.setCurrentIndex(index)

    def _show_briefing(self) -> None:
        scenario_id = self.scenario_combo.currentData()
        if scenario_id in self.scenarios:
            spec = self.scenarios.get(scenario_id).spec
            self.briefing.setText(self.tr("情况说明：") + spec.briefing)

    # -- the call --------------------------------------------------------------------------
    def start(self) -> None:
        scenario_id = self.scenario_combo.currentData()
        if self.active is not None or scenario_id is None:
            return
        self.start_button.setEnabled(False)
        self.status.setText(self.tr("正在接通……"))
        self.runner.run(
            lambda: training.start_rehearsal(self.ctx, scenario_id, scenarios=self.scenarios, library=self.library),
            on_success=self._started,
            on_failure=self._failed,
        )

    def _started(self, active: ActiveRehearsal) -> None:
        self.active = active
        self.transcript.clear()
        self.scenario_combo.setEnabled(False)
        self.finish_button.setEnabled(True)
        self.status.setText(self.speaker.notice)
        self.script_view.set_run(active.run)
        self.script_view.setEnabled(True)
        self._show_lines(active.run.opening)
        self.resistance.setValue(active.run.person.resistance)
        self.rehearsal_started.emit(active.rehearsal_id)

    def _reacted(self, reaction: Reaction) -> None:
        if self.active is None:
            return
        run = self.active.run
        said = [(speaker, text) for speaker, text in run.transcript if speaker in ("trainee", "answer")]
        if said and said[-1][0] == "answer":
            self.transcript.appendPlainText(self.tr("记录对方回答：") + said[-1][1])
        elif said:
            self.transcript.appendPlainText(self.tr("学员：") + said[-1][1])
        self._show_lines(reaction.lines)
        self.resistance.setValue(reaction.resistance)
        active = self.active
        self.runner.run(lambda: training.record_step(self.ctx, active), on_failure=self._failed)
        if reaction.ended:
            self.status.setText(self.tr("通话已结束，请点击“结束演练并评分”。"))

    def _show_lines(self, lines: tuple[PersonLine, ...]) -> None:
        for line in lines:
            self.transcript.appendPlainText(self.tr("模拟对象：") + line.text)
        if lines:
            text = "\n".join(line.text for line in lines)
            self.person_line.setText(text)
            self.speaker.speak(text)

    def finish(self) -> None:
        if self.active is None:
            return
        active = self.active
        self.finish_button.setEnabled(False)
        self.runner.run(lambda: training.finish_rehearsal(self.ctx, active), on_success=self._finished,
                        on_failure=self._failed, changes=Change.TRAINING)

    def _finished(self, card: ScoreCard) -> None:
        self.active = None
        self.last_card = card
        self.script_view.set_run(None)
        self.scenario_combo.setEnabled(True)
        self.start_button.setEnabled(True)
        self.status.setText(self.tr("本次得分：{score} 分（{outcome}）").format(score=card.score,
                                                                        outcome=card.outcome_label))
        self.rehearsal_finished.emit(card)

    def _failed(self, exc: BaseException) -> None:
        self.start_button.setEnabled(self.active is None)
        self.finish_button.setEnabled(self.active is not None)
        self.status.setText(self.tr("操作失败：") + error_text(exc))

    def _speech_off(self, message: str) -> None:
        self.status.setText(message)
