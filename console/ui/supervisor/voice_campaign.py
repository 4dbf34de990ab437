"""The supervisor's view of the automated voice-warning lane (语音提示预警).

It shows which warnings are in the lane (masked), the progress, the results (listened, pressed 1,
no answer, busy), and lets the supervisor start a campaign for the chosen levels, pause, resume or
stop it and set the number of lines.  The calling loop runs on the task runner; pause and stop are
written to the database, so the loop (here or in ``dissuade voice campaign run``) obeys between
calls, and the view reads its progress from the database every second while a loop runs here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.app.bootstrap import Database
from console.services.core.context import Actor, ServiceContext
from console.services.core.vocabulary import (
    RISK_LEVEL_LABELS,
    VOICE_ITEM_STATUS_LABELS,
    VOICE_RESULT_LABELS,
)
from console.services.voice import campaign as lane
from console.services.voice.progress import (
    CampaignItemRow,
    CampaignProgress,
    campaign_progress,
    latest_campaign_id,
)
from console.ui.errors import error_text
from console.ui.rows_model import RowsTableModel
from console.ui.tasks import Change, TaskRunner

POLL_MS = 1000
SHOWN_RESULTS = ("listened", "pressed_1", "no_answer", "busy")


class VoiceCampaignWindow(QWidget):
    progress_shown = Signal(object)  # CampaignProgress
    run_finished = Signal(object)  # RunReport
    action_failed = Signal(str)

    def __init__(self, source: Database | ServiceContext, actor: Actor | None, runner: TaskRunner,
                 parent: QWidget | None = None, *, lines: Callable[[], lane.VoiceLines] = lane.default_lines) -> None:
        super().__init__(parent)
        if isinstance(source, Database):
            assert actor is not None
            self.ctx = source.context(actor)
        else:
            self.ctx = source.as_actor(actor) if actor is not None else source
        self.runner = runner
        self.lines = lines
        self.campaign_id: int | None = None
        self.progress: CampaignProgress | None = None
        self.running_here = False
        self.setWindowTitle(self.tr("语音提示预警"))
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)
        self.loaded = False  # the latest campaign was looked up
        self._first_load = QTimer(self)  # a child: it dies with the view
        self._first_load.setSingleShot(True)
        self._first_load.timeout.connect(self.load_latest)
        self._first_load.start(0)

    def _build(self) -> None:
        voice = self.ctx.settings.voice
        self.status_label = QLabel(self.tr("尚无语音提示活动"))
        self.status_label.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.level_boxes: dict[str, QCheckBox] = {}
        options = QHBoxLayout()
        options.addWidget(QLabel(self.tr("预警等级：")))
        for level in ("blue", "yellow"):
            box = QCheckBox(self.tr("{level}色").format(level=RISK_LEVEL_LABELS[level]))
            box.setChecked(level in voice.levels)
            self.level_boxes[level] = box
            options.addWidget(box)
        options.addWidget(QLabel(self.tr("（红色、橙色预警只由民警人工劝阻）")))
        options.addStretch(1)
        options.addWidget(QLabel(self.tr("并发线路：")))
        self.channels_spin = QSpinBox()
        self.channels_spin.setRange(1, 16)
        self.channels_spin.setValue(voice.channels)
        options.addWidget(self.channels_spin)
        quiet = f"{voice.quiet_start:%H:%M}–{voice.quiet_end:%H:%M}"
        self.rules_label = QLabel(self.tr("静默时段 {quiet}（中心时间）不外呼；每人每天最多 {limit} 次自动呼叫").format(
            quiet=quiet, limit=voice.max_calls_per_person_per_day))
        self.start_button = QPushButton(self.tr("新建活动并开始"))
        self.resume_button = QPushButton(self.tr("继续外呼"))
        self.pause_button = QPushButton(self.tr("暂停"))
        self.stop_button = QPushButton(self.tr("停止"))
        self.start_button.clicked.connect(self.start_new)
        self.resume_button.clicked.connect(self.resume)
        self.pause_button.clicked.connect(lambda: self._set_status("paused"))
        self.stop_button.clicked.connect(lambda: self._set_status("stopped"))
        buttons = QHBoxLayout()
        for button in (self.start_button, self.resume_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat(self.tr("已完成 %v / %m"))
        self.results_label = QLabel("")
        self.message_label = QLabel("")
        self.model = RowsTableModel([
            (self.tr("姓名"), lambda r: r.name_masked), (self.tr("电话"), lambda r: r.phone_masked),
            (self.tr("等级"), lambda r: RISK_LEVEL_LABELS.get(r.level, r.level)),
            (self.tr("类型"), lambda r: r.fraud_type_label),
            (self.tr("状态"), lambda r: VOICE_ITEM_STATUS_LABELS.get(r.status, r.status)),
            (self.tr("呼叫次数"), lambda r: r.attempts),
            (self.tr("结果"), lambda r: VOICE_RESULT_LABELS.get(r.last_result, "")),
            (self.tr("收听秒数"), lambda r: f"{r.listened_s:.0f}" if r.listened_s else ""),
            (self.tr("下次呼叫"), self._next_at),
        ], self, right_aligned=(5, 7))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addLayout(options)
        layout.addWidget(self.rules_label)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.results_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        self._update_buttons()

    def _next_at(self, row: CampaignItemRow) -> str:
        return self.ctx.centre_clock.format(row.next_at, "%m-%d %H:%M") if row.next_at and row.status == "pending" else ""

    # ---- state -------------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        live = self.progress is not None and self.progress.live
        status = self.progress.status if self.progress is not None else ""
        self.start_button.setEnabled(not self.running_here and not live)
        self.resume_button.setEnabled(not self.running_here and live)
        self.pause_button.setEnabled(status == "running")
        self.stop_button.setEnabled(live)

    def _failed(self, exc: BaseException) -> None:
        text = error_text(exc)
        self.message_label.setText(text)
        self.action_failed.emit(text)
        self._update_buttons()

    def load_latest(self) -> None:
        self.runner.run(lambda: latest_campaign_id(self.ctx), self._latest_loaded, self._failed)

    def _latest_loaded(self, campaign_id: int | None) -> None:
        self.campaign_id = campaign_id
        self.loaded = True
        self.refresh()

    def refresh(self) -> None:
        if self.campaign_id is None:
            self._update_buttons()
            return
        campaign_id = self.campaign_id
        self.runner.run(lambda: campaign_progress(self.ctx, campaign_id), self._show, self._failed)

    def _show(self, progress: CampaignProgress) -> None:
        self.progress = progress
        self.status_label.setText(self.tr("活动 {id}：{status}").format(id=progress.campaign_id, status=progress.status_label))
        self.progress_bar.setRange(0, max(progress.total, 1))
        self.progress_bar.setValue(progress.finished)
        self.results_label.setText("  ".join(f"{VOICE_RESULT_LABELS[code]} {progress.results.get(code, 0)}"
                                             for code in SHOWN_RESULTS))
        self.model.set_rows(progress.items)
        self._update_buttons()
        self.progress_shown.emit(progress)

    # ---- actions -------------------------------------------------------------------------------
    def chosen_levels(self) -> tuple[str, ...]:
        return tuple(level for level, box in self.level_boxes.items() if box.isChecked())

    def start_new(self) -> None:
        levels, channels = self.chosen_levels(), self.channels_spin.value()
        self.message_label.setText(self.tr("正在选取预警…"))
        self.runner.run(lambda: lane.start_campaign(self.ctx, levels=levels, channels=channels),
                        self._started, self._failed)

    def _started(self, campaign_id: int) -> None:
        self.campaign_id = campaign_id
        self._run()

    def resume(self) -> None:
        if self.campaign_id is None:
            return
        campaign_id, channels = self.campaign_id, self.channels_spin.value()

        def resume_campaign() -> None:
            lane.set_campaign_channels(self.ctx, campaign_id, channels)
            lane.set_campaign_status(self.ctx, campaign_id, "running")
        self.runner.run(resume_campaign, lambda _none: self._run(), self._failed)

    def _run(self) -> None:
        campaign_id = self.campaign_id
        if campaign_id is None or self.running_here:
            return
        self.running_here = True
        self.message_label.setText(self.tr("正在自动外呼…"))
        self.timer.start()
        self.refresh()
        self.runner.run(lambda: lane.run_campaign(self.ctx, campaign_id, self.lines()), self._run_done,
                        self._run_failed, changes=Change.QUEUE)

    def _run_done(self, report: lane.RunReport) -> None:
        self.running_here = False
        self.timer.stop()
        self._update_buttons()
        reasons = {"done": "全部完成", "idle": "暂无到期的呼叫（等待重拨或次日）", "paused": "已暂停",
                   "stopped": "已停止", "quiet_hours": "静默时段，不自动外呼"}
        self.message_label.setText(self.tr("本次外呼 {calls} 次：{reason}").format(
            calls=report.calls, reason=self.tr(reasons.get(report.stopped_by, ""))))
        self.refresh()
        self.run_finished.emit(report)

    def _run_failed(self, exc: BaseException) -> None:
        self.running_here = False
        self.timer.stop()
        self._failed(exc)

    def _set_status(self, status: str) -> None:
        if self.campaign_id is None:
            return
        campaign_id = self.campaign_id
        self.runner.run(lambda: lane.set_campaign_status(self.ctx, campaign_id, status),
                        lambda _none: self.refresh(), self._failed)
