"""Script review: the library as a tree (script → steps → lines and responses), per-step
effectiveness from real calls, the path of a reviewed (masked) call highlighted, lines read aloud
or exported as WAV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext
from console.services.messaging import tts
from console.services.training import review as training_review
from console.services.training.review import NodeEffect
from console.ui.errors import error_text
from console.ui.tasks import TaskRunner
from console.ui.training.speech import Speaker
from scripts_library.codes import KEY_ACTION_LABELS, OBJECTION_LABELS
from scripts_library.loader import ScriptLibrary
from scripts_library.rendering import build_variables, render_text
from scripts_library.schema import Script

LineRole = Qt.ItemDataRole.UserRole + 1  # the spoken text of a line item
RefRole = Qt.ItemDataRole.UserRole + 2  # the node reference of a step item
HIGHLIGHT = QColor(255, 236, 153)

AskPath = Callable[[QWidget, str], str]


def ask_wav_path(parent: QWidget, suggested: str) -> str:
    path, _filter = QFileDialog.getSaveFileName(parent, parent.tr("导出语音"), suggested, "WAV (*.wav)")
    return path


class ScriptTreeModel(QStandardItemModel):
    """One script: steps (main nodes, then objection handlers) with their lines and responses."""

    HEADERS = ("步骤 / 话术", "经过通话", "劝阻成功率")

    def __init__(self) -> None:
        super().__init__()
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        self.step_items: dict[str, QStandardItem] = {}

    def load(self, script: Script, effects: list[NodeEffect]) -> None:
        self.removeRows(0, self.rowCount())
        self.step_items = {}
        by_node = {e.node: e for e in effects if e.script_id == script.id}
        variables = build_variables()
        for ref, node in script.iter_all_nodes():
            if ref.startswith("@"):
                code = ref[1:].split("/", 1)[0]
                title = f"{ref}  【异议：{OBJECTION_LABELS.get(code, code)}】{node.title}"
            else:
                title = f"{ref}  {node.title}"
            step = QStandardItem(title)
            step.setData(ref, RefRole)
            effect = by_node.get(ref)
            calls = QStandardItem(str(effect.calls) if effect else "0")
            share = QStandardItem(f"{effect.share:.0%}" if effect and effect.calls else "—")
            for line in node.lines:
                text = render_text(line, variables)
                item = QStandardItem(f"“{text}”")
                item.setData(text, LineRole)
                step.appendRow([item, QStandardItem(), QStandardItem()])
            for index, response in enumerate(node.responses, start=1):
                target = "返回原处" if response.target == "return" else response.target
                grants = "、".join(KEY_ACTION_LABELS.get(g, g) for g in response.grants)
                label = f"{index}. {response.label} → {target}" + (f"（取得：{grants}）" if grants else "")
                step.appendRow([QStandardItem(label), QStandardItem(), QStandardItem()])
            for item in (step, calls, share):
                item.setEditable(False)
            self.appendRow([step, calls, share])
            self.step_items[ref] = step

    def highlight_path(self, path: tuple[str, ...] | list[str]) -> list[str]:
        """Mark the steps a call went through; returns the refs that were found."""
        found: list[str] = []
        for ref, item in self.step_items.items():
            on_path = ref in path
            font = QFont(item.font())
            font.setBold(on_path)
            item.setFont(font)
            item.setBackground(QBrush(HIGHLIGHT) if on_path else QBrush())
            if on_path:
                found.append(ref)
        return found

    def is_highlighted(self, ref: str) -> bool:
        item = self.step_items.get(ref)
        return item is not None and item.font().bold()


class ScriptReviewPanel(QWidget):
    def __init__(self, ctx: ServiceContext, runner: TaskRunner, speaker: Speaker, library: ScriptLibrary,
                 ask_path: AskPath = ask_wav_path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.speaker = speaker
        self.library = library
        self.ask_path = ask_path
        self.effects: list[NodeEffect] = []
        self.script_combo = QComboBox()
        for script in library:
            self.script_combo.addItem(f"{script.title}（{script.id}）", script.id)
        self.script_combo.currentIndexChanged.connect(self._load_script)
        self.model = ScriptTreeModel()
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setWordWrap(True)
        self.tree.setColumnWidth(0, 620)
        self.read_button = QPushButton(self.tr("朗读"))
        self.read_button.clicked.connect(self.read_selected)
        self.export_button = QPushButton(self.tr("导出 WAV"))
        self.export_button.clicked.connect(self.export_selected)
        self.status = QLabel()
        self.status.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(QLabel(self.tr("话术：")))
        head.addWidget(self.script_combo, 1)
        head.addWidget(self.read_button)
        head.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        self._load_script()

    def refresh_effects(self) -> None:
        self.runner.run(lambda: training_review.node_effectiveness(self.ctx), on_success=self._effects_loaded,
                        on_failure=lambda exc: self.status.setText(error_text(exc)))

    def _effects_loaded(self, effects: list[NodeEffect]) -> None:
        self.effects = effects
        self._load_script()

    def _load_script(self) -> None:
        script_id = self.script_combo.currentData()
        if script_id in self.library:
            self.model.load(self.library.get(script_id), self.effects)
            self.tree.expandToDepth(0)

    def show_call_path(self, script_id: str, path: tuple[str, ...]) -> None:
        """Open the script a reviewed call used and highlight the steps it went through."""
        index = self.script_combo.findData(script_id)
        if index < 0:
            self.status.setText(self.tr("话术库中已没有这条话术：{id}").format(id=script_id))
            return
        self.script_combo.setCurrentIndex(index)
        self._load_script()
        found = self.model.highlight_path(path)
        self.status.setText(self.tr("已高亮该通话经过的 {n} 个步骤").format(n=len(found)))

    def selected_line(self) -> str:
        index = self.tree.currentIndex()
        text = index.siblingAtColumn(0).data(LineRole) if index.isValid() else None
        return str(text) if text else ""

    def read_selected(self) -> None:
        text = self.selected_line()
        if not text:
            self.status.setText(self.tr("请先选中一句话术"))
            return
        if self.speaker.text_only:
            self.status.setText(self.speaker.notice)
            return
        self.speaker.speak(text)

    def export_selected(self) -> None:
        text = self.selected_line()
        if not text:
            self.status.setText(self.tr("请先选中一句话术"))
            return
        path = self.ask_path(self, "话术.wav")
        if not path:
            return
        target = Path(path)
        self.runner.run(lambda: tts.synthesize_to_wav(text, target, settings=self.ctx.settings.tts),
                        on_success=lambda info: self.status.setText(self.tr("已导出 {path}（{s:.1f} 秒）").format(
                            path=info.path, s=info.duration_s)),
                        on_failure=lambda exc: self.status.setText(error_text(exc)))
