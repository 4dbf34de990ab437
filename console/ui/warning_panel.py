"""The person and warning panel: who, why (triage reasons), signals, amount, contact, deadline."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QListWidget, QVBoxLayout, QWidget

from console.services.context import ServiceContext
from console.services.vocabulary import AGE_BAND_LABELS, RISK_LEVEL_LABELS
from console.ui.queue_model import KIND_LABELS, LEVEL_COLOURS
from console.ui.tasks import TaskRunner


class WarningPanel(QWidget):
    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.entry: Any = None
        self.level_label = QLabel()
        self.level_label.setObjectName("levelBadge")
        self.who_label = QLabel()
        self.type_label = QLabel()
        self.kind_label = QLabel()
        self.deadline_label = QLabel()
        self.reasons = QListWidget()
        self.reasons.setMaximumHeight(180)
        box = QGroupBox(self.tr("预警信息"))
        form = QFormLayout(box)
        form.addRow(self.tr("风险等级"), self.level_label)
        form.addRow(self.tr("当事人"), self.who_label)
        form.addRow(self.tr("诈骗类型"), self.type_label)
        form.addRow(self.tr("类别"), self.kind_label)
        form.addRow(self.tr("首呼时限"), self.deadline_label)
        form.addRow(self.tr("评分依据"), self.reasons)
        self.empty_label = QLabel(self.tr("在左侧选择一条，或按 F2 领取最紧急的一条。"))
        self.empty_label.setObjectName("hintLabel")
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(box)
        layout.addStretch(1)
        self.box = box
        box.hide()

    def show_entry(self, entry: Any) -> None:
        self.entry = entry
        if entry is None:
            self.box.hide()
            self.empty_label.show()
            return
        self.empty_label.hide()
        self.box.show()
        self.level_label.setText(f"{RISK_LEVEL_LABELS.get(entry.risk_level, '')} · {entry.score} 分")
        self.level_label.setStyleSheet(f"background: {LEVEL_COLOURS.get(entry.risk_level, '#57606a')};")
        self.who_label.setText(f"{entry.name_masked}  {entry.phone_masked}  {AGE_BAND_LABELS.get(entry.age_band, '')}")
        self.type_label.setText(entry.fraud_type_label)
        self.kind_label.setText(KIND_LABELS.get(entry.kind, entry.kind))
        local = entry.deadline_at.astimezone() if entry.deadline_at else None
        self.deadline_label.setText(local.strftime("%m-%d %H:%M:%S") if local else "")
        self.reasons.clear()
        for reason in entry.reasons or []:
            self.reasons.addItem(f"{reason.get('label')}  +{reason.get('points')}")
