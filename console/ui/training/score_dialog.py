"""The score shown at the end of a rehearsal, with the printable score sheet (PDF)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext
from console.services.pdf.training_sheet import build_training_sheet
from console.services.training.rehearsal import ScoreCard
from console.ui.errors import error_text
from console.ui.tasks import TaskRunner

AskPath = Callable[[QWidget, str], str]


def ask_pdf_path(parent: QWidget, suggested: str) -> str:
    path, _filter = QFileDialog.getSaveFileName(parent, parent.tr("保存评分表"), suggested, "PDF (*.pdf)")
    return path


def _seconds(value: float | None) -> str:
    return "未取得" if value is None else f"{value:.0f} 秒"


class ScoreDialog(QDialog):
    def __init__(self, card: ScoreCard, runner: TaskRunner, ctx: ServiceContext, ask_path: AskPath = ask_pdf_path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = card
        self.ctx = ctx  # the sheet takes the unit's name and the clock from its settings
        self.runner = runner
        self.ask_path = ask_path
        self.saved_path: Path | None = None
        self.setWindowTitle(self.tr("演练评分"))
        self.score_label = QLabel(self.tr("得分：{score} / 100　结果：{outcome}").format(
            score=card.score, outcome=card.outcome_label))
        self.score_label.setObjectName("sectionTitle")
        missing = tuple(c for c in card.required_actions if c not in card.obtained_actions)
        self.details = QLabel("\n".join([
            self.tr("已取得关键动作：") + card.action_labels(card.required_obtained),
            self.tr("未取得关键动作：") + card.action_labels(missing),
            self.tr("已化解异议：") + card.objection_labels(card.objections_handled),
            self.tr("对方提出的异议：") + card.objection_labels(card.objections_raised),
            self.tr("首个关键动作用时：") + _seconds(card.time_to_first_key_action_s),
            self.tr("跳过的核查步骤：") + ("、".join(card.steps_skipped) or self.tr("无")),
        ]))
        self.details.setWordWrap(True)
        self.status = QLabel()
        self.print_button = QPushButton(self.tr("打印评分表（PDF）"))
        self.print_button.clicked.connect(self.save_sheet)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.score_label)
        layout.addWidget(self.details)
        layout.addWidget(self.print_button)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def save_sheet(self) -> None:
        path = self.ask_path(self, f"演练评分表-R{self.card.rehearsal_id}.pdf")
        if not path:
            return
        target = Path(path)
        card, ctx = self.card, self.ctx
        self.print_button.setEnabled(False)
        self.runner.run(lambda: build_training_sheet(ctx, target, card), on_success=lambda _pages: self._saved(target),
                        on_failure=self._failed)

    def _saved(self, path: Path) -> None:
        self.saved_path = path
        self.print_button.setEnabled(True)
        self.status.setText(self.tr("已保存：{path}").format(path=path))

    def _failed(self, exc: BaseException) -> None:
        self.print_button.setEnabled(True)
        self.status.setText(self.tr("保存失败：") + error_text(exc))
