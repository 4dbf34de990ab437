"""The training window: rehearsal, progress, script review and case review as tabs.

Tabs follow the actor's permissions (operators rehearse and see their own progress; trainers also
review scripts and cases).  Everything slow goes through the injected task runner.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget, QWidget

from console.app.bootstrap import Database
from console.services.core.context import Actor, allowed
from console.services.training.rehearsal import ScoreCard, scenario_catalogue
from console.services.training.review import GeneratedScenario
from console.ui.tasks import TaskRunner
from console.ui.training.case_review import CaseReviewPanel
from console.ui.training.progress_panel import ProgressPanel
from console.ui.training.rehearsal_panel import RehearsalPanel
from console.ui.training.score_dialog import ScoreDialog
from console.ui.training.script_review import ScriptReviewPanel
from console.ui.training.speech import Speaker
from scripts_library.loader import ScriptLibrary, load_library
from scripts_library.scenario_loader import ScenarioSet


class TrainingWindow(QMainWindow):
    def __init__(self, database: Database, actor: Actor, runner: TaskRunner | None = None,
                 parent: QWidget | None = None, *, speaker: Speaker | None = None,
                 library: ScriptLibrary | None = None, scenarios: ScenarioSet | None = None,
                 show_score_dialog: bool = True) -> None:
        super().__init__(parent)
        self.database = database
        self.actor = actor
        self.ctx = database.context(actor)
        self.runner = runner or TaskRunner(self)
        self.speaker = speaker or Speaker(self.runner, self.ctx.settings.tts, parent=self)
        self.library = library or load_library()
        self.scenarios = scenarios or scenario_catalogue(self.library)
        self.show_score_dialog = show_score_dialog
        self.score_dialog: ScoreDialog | None = None
        self.setWindowTitle(self.tr("劝阻演练与复盘 — {name}").format(name=actor.display_name or actor.login))
        self.resize(1300, 860)

        self.tabs = QTabWidget()
        self.setCentralWidget(self.tabs)
        self.rehearsal = RehearsalPanel(self.ctx, self.runner, self.speaker, self.library, self.scenarios)
        self.rehearsal.rehearsal_finished.connect(self._finished)
        self.tabs.addTab(self.rehearsal, self.tr("演练"))
        self.progress = ProgressPanel(self.ctx, self.runner)
        self.tabs.addTab(self.progress, self.tr("成绩记录"))
        self.progress.refresh()
        self.script_review: ScriptReviewPanel | None = None
        self.case_review: CaseReviewPanel | None = None
        if allowed(actor, "stats.view"):
            self.script_review = ScriptReviewPanel(self.ctx, self.runner, self.speaker, self.library)
            self.tabs.addTab(self.script_review, self.tr("话术浏览"))
            self.script_review.refresh_effects()
        if allowed(actor, "review.cases"):
            self.case_review = CaseReviewPanel(self.ctx, self.runner)
            self.case_review.path_requested.connect(self._show_path)
            self.case_review.scenario_created.connect(self._scenario_created)
            self.tabs.addTab(self.case_review, self.tr("案例复盘"))
            self.case_review.refresh()

    def _finished(self, card: ScoreCard) -> None:
        self.progress.refresh()
        if self.show_score_dialog:
            self.score_dialog = ScoreDialog(card, self.runner, self.ctx.centre_clock, parent=self)
            self.score_dialog.open()

    def _show_path(self, script_id: str, path: tuple[str, ...]) -> None:
        if self.script_review is not None:
            self.script_review.show_call_path(script_id, path)
            self.tabs.setCurrentWidget(self.script_review)

    def _scenario_created(self, generated: GeneratedScenario) -> None:
        try:
            self.scenarios = scenario_catalogue(self.library)
        except Exception as exc:  # noqa: BLE001 - the shipped set was valid at start; say what broke
            QMessageBox.warning(self, self.tr("演练场景"), str(exc))
            return
        self.rehearsal.scenarios = self.scenarios
        if generated.scenario_id in self.scenarios:
            scenario = self.scenarios.get(generated.scenario_id)
            self.rehearsal.scenario_combo.addItem(self.tr("[自建] ") + scenario.title, scenario.id)
