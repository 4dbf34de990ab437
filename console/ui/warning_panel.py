"""The person and warning panel: who, why (the triage reasons), signals, amount, fraud contact,
field warnings from the import, open escalations, and this person's history of warnings, calls
and escalations.  Personal fields are shown masked; the detail is loaded through the task runner.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from console.services.calls import workstation
from console.services.calls.workstation import WarningDetail
from console.services.core.context import ServiceContext
from console.services.core.vocabulary import (
    AGE_BAND_LABELS,
    QUEUE_ITEM_KIND_LABELS,
    RISK_LEVEL_LABELS,
    WARNING_STATUS_LABELS,
)
from console.services.triage.scoring import reason_parts
from console.ui.errors import error_text
from console.ui.queue_model import LEVEL_COLOURS, countdown_text
from console.ui.tasks import TaskRunner


def _esc(text: object) -> str:
    return html.escape(str(text))


def _reason_html(reason: dict[str, Any]) -> str:
    label, points = reason_parts(reason)
    return f"{_esc(label)} <b>{_esc(points)}</b>" if points else _esc(label)


def _codes_only(text: str, codes: set[str]) -> bool:
    """Whether a signals text merely repeats the signal codes (nothing for a person to read)."""
    tokens = [t for t in text.replace("，", ",").replace(";", ",").replace("；", ",").replace("、", ",").split(",") if t.strip()]
    return all(t.strip() in codes or t.strip().isascii() for t in tokens)


class WarningPanel(QWidget):
    detail_loaded = Signal(object)  # WarningDetail

    def _local(self, value: dt.datetime | None, fmt: str = "%m-%d %H:%M") -> str:
        """A stored time on the centre's clock (never the PC's zone)."""
        return self.ctx.centre_clock.format(value, fmt)

    def __init__(self, ctx: ServiceContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.entry: Any = None
        self.detail: WarningDetail | None = None
        self._wanted: int | None = None

        self.level_label = QLabel()
        self.level_label.setObjectName("levelBadge")
        self.who_label = QLabel()
        self.who_label.setObjectName("personName")
        self.profile_label = QLabel()
        self.kind_label = QLabel()
        self.kind_label.setObjectName("kindBadge")
        self.deadline_label = QLabel()
        self.escalation_label = QLabel()
        self.escalation_label.setObjectName("escalationStatus")
        self.escalation_label.setWordWrap(True)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.history_label = QLabel()
        self.history_label.setWordWrap(True)
        self.history_label.setTextFormat(Qt.TextFormat.RichText)
        self.history_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        header = QHBoxLayout()
        header.addWidget(self.level_label)
        header.addWidget(self.who_label)
        header.addWidget(self.profile_label, 1)
        header.addWidget(self.kind_label)
        header.addWidget(self.deadline_label)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._scroll(self.summary_label), self.tr("预警"))
        self.tabs.addTab(self._scroll(self.history_label), self.tr("历史"))

        self.body = QWidget()
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addLayout(header)
        body_layout.addWidget(self.escalation_label)
        body_layout.addWidget(self.tabs, 1)
        self.empty_label = QLabel(self.tr("在左侧选择一条，或按 F2 领取最紧急的一条。"))
        self.empty_label.setObjectName("hintLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.body, 1)
        self.body.hide()

    @staticmethod
    def _scroll(label: QLabel) -> QScrollArea:
        label.setContentsMargins(8, 6, 8, 6)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(label)
        return area

    # -- loading -------------------------------------------------------------------------
    def show_entry(self, entry: Any) -> None:
        """Show a queue entry at once from what the queue knows, then load the full detail."""
        self.entry = entry
        if entry is None:
            self.detail = None
            self._wanted = None
            self.body.hide()
            self.empty_label.show()
            return
        self.empty_label.hide()
        self.body.show()
        self._show_header(entry.risk_level, entry.score, entry.name_masked, entry.phone_masked,
                          AGE_BAND_LABELS.get(entry.age_band, ""), "")
        self.kind_label.setText(QUEUE_ITEM_KIND_LABELS.get(entry.kind, entry.kind))
        if self._wanted != entry.warning_id:
            self.tabs.setCurrentIndex(0)  # a new person opens on 评分依据 / 信号, not the last person's tab
        self.tick()
        self.reload()

    def tick(self) -> None:
        """The deadline as the queue row shows it: 剩 m:ss before, 超时 N 分 (red) after."""
        deadline = self.entry.deadline_at if self.entry is not None else None
        if deadline is None:
            self.deadline_label.setText("")
            return
        text = countdown_text(deadline, self.ctx.now())
        self.deadline_label.setText(text)
        late = text.startswith("超时")
        self.deadline_label.setToolTip(self.tr("首次联系时限 {at}").format(at=self._local(deadline, "%m-%d %H:%M:%S")))
        if self.deadline_label.property("late") != late:
            self.deadline_label.setProperty("late", late)
            self.deadline_label.setStyleSheet("color: #cf222e; font-weight: bold;" if late else "")

    def reload(self) -> None:
        if self.entry is None:
            return
        warning_id = self.entry.warning_id
        self._wanted = warning_id
        ctx = self.ctx
        self.runner.run(lambda: workstation.warning_detail(ctx, warning_id), self._loaded, self._failed)

    def _loaded(self, detail: WarningDetail) -> None:
        if detail.warning_id != self._wanted:
            return  # the operator moved on while this was loading
        self.detail = detail
        self.show_detail(detail)
        self.detail_loaded.emit(detail)

    def _failed(self, exc: BaseException) -> None:
        self.summary_label.setText(self.tr("无法加载预警详情：") + _esc(error_text(exc)))

    # -- rendering -----------------------------------------------------------------------
    def _show_header(self, level: str, score: int, name: str, phone: str, age: str, extra: str) -> None:
        self.level_label.setText(f"{RISK_LEVEL_LABELS.get(level, '')} · {score} 分")
        self.level_label.setStyleSheet(f"background: {LEVEL_COLOURS.get(level, '#57606a')};")
        self.who_label.setText(f"{name}  {phone}")
        self.profile_label.setText("  ".join(p for p in (age, extra) if p))

    def show_detail(self, d: WarningDetail) -> None:
        self._show_header(d.risk_level, d.score, d.name, d.phone, d.age_band_label,
                          f"{d.sex_label}  {d.profile_group_label}")
        opened = d.open_escalations
        if opened:
            self.escalation_label.setText(self.tr("已上报：") + "；".join(
                f"{e.station} {e.status_label}（{'，'.join(e.tasks)}）" for e in opened))
            self.escalation_label.show()
        else:
            self.escalation_label.hide()
        self.summary_label.setText(self._summary_html(d))
        self.history_label.setText(self._history_html(d))
        count = len(d.calls) + len(d.earlier_warnings) + len(d.escalations)
        self.tabs.setTabText(1, self.tr("历史（{n}）").format(n=count) if count else self.tr("历史"))

    def _summary_html(self, d: WarningDetail) -> str:
        rows: list[tuple[str, str]] = [(self.tr("诈骗类型"), _esc(d.fraud_type_label))]
        reasons = "；".join(_reason_html(r) for r in d.reasons)
        rows.append((self.tr("评分依据"), reasons or "—"))
        signals = "、".join(_esc(label) for _code, label in d.signals)
        if d.signals_text and not _codes_only(d.signals_text, {code for code, _ in d.signals}):
            signals += ("；" if signals else "") + _esc(d.signals_text)
        rows.append((self.tr("信号"), signals or "—"))
        if d.amount is not None:
            rows.append((self.tr("涉及金额"), f"<b>{d.amount:,.0f} 元</b>"))
        if d.fraud_contact:
            rows.append((self.tr("涉诈联系方式"), _esc(d.fraud_contact)))
        rows.append((self.tr("来源"), f"{_esc(d.source_label)}　{self._local(d.received_at)} 接收"
                     + (self.tr("　重复推送 {n} 次").format(n=d.repeat_count) if d.repeat_count else "")))
        if d.address:
            rows.append((self.tr("住址"), _esc(d.address)))
        flags = []
        if d.previous_victim:
            flags.append(self.tr("曾被骗"))
        if d.dissuaded_before:
            flags.append(self.tr("曾被劝阻"))
        if d.attempts:
            flags.append(self.tr("已拨打 {n} 次").format(n=d.attempts))
        if flags:
            rows.append((self.tr("注意"), "<b>" + "，".join(flags) + "</b>"))
        if d.note:
            rows.append((self.tr("备注"), _esc(d.note)))
        if d.field_warnings:
            rows.append((self.tr("导入提示"), "<span style='color:#9a6700'>"
                         + "<br>".join(_esc(w) for w in d.field_warnings) + "</span>"))
        body = "".join(f"<tr><td style='color:#57606a;padding-right:10px;white-space:nowrap'>{k}</td>"
                       f"<td>{v}</td></tr>" for k, v in rows)
        return f"<table cellspacing='3'>{body}</table>"

    def _history_html(self, d: WarningDetail) -> str:
        parts: list[str] = []
        if d.calls:
            parts.append("<b>" + self.tr("通话记录") + "</b>")
            for c in d.calls:
                line = f"{self._local(c.started_at)} {_esc(c.operator)} <b>{_esc(c.disposition_label)}</b>"
                if c.connected:
                    line += self.tr(" 通话{s}秒").format(s=c.duration_s)
                if c.objections:
                    line += self.tr("；异议：") + _esc("、".join(c.objections))
                if c.key_actions:
                    line += self.tr("；已承诺：") + _esc("、".join(c.key_actions))
                if c.confirmed_actions:
                    line += self.tr("；已核实：") + _esc("、".join(c.confirmed_actions))
                if c.notes:
                    line += "；" + _esc(c.notes[:80])
                parts.append(line)
        if d.escalations:
            parts.append("<b>" + self.tr("上报记录") + "</b>")
            parts += [f"{self._local(e.created_at)} {_esc(e.station)} <b>{_esc(e.status_label)}</b>　{_esc('，'.join(e.tasks))}"
                      for e in d.escalations]
        if d.earlier_warnings:
            parts.append("<b>" + self.tr("此前预警") + "</b>")
            parts += [f"{self._local(w.received_at)} {_esc(w.fraud_type_label)} "
                      f"{RISK_LEVEL_LABELS.get(w.risk_level, '')}色 {_esc(w.outcome_label or WARNING_STATUS_LABELS.get(w.status, w.status))}"
                      for w in d.earlier_warnings]
        if d.scheduled_follow_ups:
            parts.append("<b>" + self.tr("待回访") + "</b>")
            parts.append("、".join(self._local(at, "%m-%d") for at in d.scheduled_follow_ups))
        return "<br>".join(parts) if parts else self.tr("此人此前没有预警、通话或上报记录。")
