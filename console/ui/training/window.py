"""The training window: rehearsal, progress, script review and case review as tabs.

Tabs follow the actor's permissions (operators rehearse and see their own progress; trainers also
review scripts and cases).  Everything slow goes through the injected task runner.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from console.app.bootstrap import Database
from console.services.core.context import Actor, allowed
from console.services.training.rehearsal import ScoreCard, scenario_catalogue
from console.services.training.review import GeneratedScenario
from console.ui.errors import error_text
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
        self.show_score_dialog = show_score_dialog
        self.score_dialog: ScoreDialog | None = None
        self.setWindowTitle(self.tr("劝阻演练与复盘 — {name}").format(name=actor.display_name or actor.login))
        self.resize(1300, 860)
        self.tabs = QTabWidget()
        self.script_review: ScriptReviewPanel | None = None
        self.case_review: CaseReviewPanel | None = None
        # The panels are built once the script library and the scenarios are read, off the GUI thread.
        self.rehearsal: RehearsalPanel
        self.progress: ProgressPanel
        self.library: ScriptLibrary
        self.scenarios: ScenarioSet
        self.loading = QLabel(self.tr("正在读取话术库与演练场景…"))
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(self.loading)
        if library is not None and scenarios is not None:
            self._build((library, scenarios))
        else:
            self.runner.run(lambda: _read_material(library, scenarios), self._build, self._material_failed)

    def _material_failed(self, exc: BaseException) -> None:
        self.loading.setText(self.tr("话术库或演练场景无法读取，演练不可用：{error}").format(error=error_text(exc)))

    def _build(self, material: tuple[ScriptLibrary, ScenarioSet]) -> None:
        self.library, self.scenarios = material
        actor = self.actor
        self.setCentralWidget(self.tabs)
        self.rehearsal = RehearsalPanel(self.ctx, self.runner, self.speaker, self.library, self.scenarios)
        self.rehearsal.rehearsal_finished.connect(self._finished)
        self.tabs.addTab(self.rehearsal, self.tr("演练"))
        self.progress = ProgressPanel(self.ctx, self.runner)
        self.tabs.addTab(self.progress, self.tr("成绩记录"))
        self.progress.refresh()
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
        if self.show_score_dialog:
            self.score_dialog = ScoreDialog(card, self.runner, self.ctx, parent=self)
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


def _read_material(library: ScriptLibrary | None, scenarios: ScenarioSet | None) -> tuple[ScriptLibrary, ScenarioSet]:
    """The script library and the rehearsal scenarios (runs on a worker thread)."""
    library = library or load_library()
    return library, scenarios or scenario_catalogue(library)
