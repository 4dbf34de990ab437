"""The person view: one person's warnings, calls, escalations, follow-ups, callbacks and notes on one
timeline, newest first, masked; a clear name or number only through the audited reveal."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.services.core.context import ServiceContext, allowed
from console.services.core.vocabulary import AGE_BAND_LABELS, PROFILE_GROUP_LABELS
from console.services.lookup.timeline import PersonTimeline, person_timeline
from console.services.people import privacy
from console.ui.errors import error_text
from console.ui.rows_model import RowsTableModel
from console.ui.tasks import TaskRunner

REVEAL_REASONS = ("本人来电核实身份", "回拨劝阻电话", "上报派出所需核对", "值班长核查")


class PersonViewDialog(QDialog):
    loaded = Signal()

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, person_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.person_id = person_id
        self.timeline: PersonTimeline | None = None
        self.setWindowTitle(self.tr("人员档案"))
        self.resize(980, 620)
        clock = ctx.centre_clock

        self.name_label = QLabel()
        self.phone_label = QLabel()
        self.id_label = QLabel()
        self.profile_label = QLabel()
        self.summary_label = QLabel()
        form = QFormLayout()
        form.addRow(self.tr("姓名"), self.name_label)
        form.addRow(self.tr("电话"), self.phone_label)
        form.addRow(self.tr("身份证号"), self.id_label)
        form.addRow(self.tr("画像"), self.profile_label)
        form.addRow(self.tr("记录"), self.summary_label)

        self.model = RowsTableModel([
            (self.tr("时间（{zone}）").format(zone=clock.label), lambda e: clock.format(e.at, "%Y-%m-%d %H:%M")),
            (self.tr("类别"), lambda e: e.kind_label),
            (self.tr("预警"), lambda e: f"#{e.warning_id}"),
            (self.tr("内容"), lambda e: e.title),
            (self.tr("详情"), lambda e: e.detail),
        ], self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.message_label = QLabel()
        self.message_label.setObjectName("hintLabel")
        self.message_label.setWordWrap(True)
        sees_clear = allowed(ctx.actor, "pii.reveal.all") or allowed(ctx.actor, "pii.reveal.phone")
        self.reveal_name_button = QPushButton(self.tr("显示姓名"))
        self.reveal_phone_button = QPushButton(self.tr("显示电话"))
        self.reveal_name_button.clicked.connect(lambda: self.reveal("name"))
        self.reveal_phone_button.clicked.connect(lambda: self.reveal("phone"))
        close_button = QPushButton(self.tr("关闭"))
        close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.reveal_name_button, self.reveal_phone_button):
            button.setVisible(sees_clear)
            button.setToolTip(self.tr("查看明文须选择事由，记入审计；接线员仅限本人已领取的预警对象"))
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close_button)
        for button in (self.reveal_name_button, self.reveal_phone_button, close_button):
            button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        ctx, person_id = self.ctx, self.person_id
        self.runner.run(lambda: person_timeline(ctx, person_id), self._loaded, self._failed)

    def _loaded(self, timeline: PersonTimeline) -> None:
        self.timeline = timeline
        person = timeline.person
        self.name_label.setText(person.name or self.tr("（未登记）"))
        self.phone_label.setText(person.phone or self.tr("（无）"))
        self.id_label.setText(person.id_number or self.tr("（未登记）"))
        self.profile_label.setText("、".join(part for part in (
            AGE_BAND_LABELS.get(person.age_band, person.age_band),
            PROFILE_GROUP_LABELS.get(person.profile_group, person.profile_group),
            {"F": self.tr("女"), "M": self.tr("男")}.get(person.sex or "", "")) if part))
        self.summary_label.setText(self.tr("预警 {w} 条，通话 {c} 次，上报 {e} 项，回访 {f} 次").format(
            w=len(timeline.warning_ids), c=timeline.count("call"), e=timeline.count("escalation"),
            f=timeline.count("follow_up")))
        self.model.set_rows(timeline.events)
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self.message_label.setText(self.tr("无法读取人员档案：") + error_text(exc))

    def reveal(self, field: str) -> None:
        """Ask for the reason from a short list, then show the clear value (audited by the service)."""
        reason, ok = QInputDialog.getItem(self, self.tr("查看明文"), self.tr("查看事由（记入审计）："),
                                          list(REVEAL_REASONS), 0, False)
        if not ok or not reason:
            return
        ctx, person_id = self.ctx, self.person_id
        target = self.name_label if field == "name" else self.phone_label

        def shown(value: str) -> None:
            target.setText(value)
            self.message_label.setText(self.tr("已显示明文，查看已记入审计"))

        self.runner.run(lambda: privacy.reveal(ctx, person_id, field, reason), shown,
                        lambda exc: self.message_label.setText(error_text(exc)))
