"""劝阻登记表: everything about one warning on paper — the person, the warning and its triage, every
call with its script path, objections and key actions, the escalation timeline and the follow-ups.

Personal data (name, phone, ID number, address, relative, numbers typed in notes) is masked unless
the printing user holds ``pii.reveal.all``; the 'print' audit entry records which.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable
from sqlalchemy import select

from console.services.core.clock import CentreClock
from console.services.core.context import NotFound, ServiceContext
from console.services.core.levels import effective_level
from console.services.core.vocabulary import (
    AGE_BAND_LABELS,
    FOLLOW_UP_STATUS_LABELS,
    KEY_ACTION_LABELS,
    SIGNAL_LABELS,
    SOURCE_LABELS,
)
from console.services.escalation.views import escalation_info
from console.services.pdf import styles as S
from console.services.people.privacy import mask_text, person_view
from console.services.reports.common import (
    Progress,
    ReportResult,
    audit_print,
    fmt_money,
    fraud_label,
    group_label,
    level_label,
    may_see_pii,
    objection_label,
    outcome_label,
    page_setup,
    report_progress,
)
from console.services.triage.scoring import explain
from db.models import CallAttempt, Escalation, FollowUp, Person, User, Warning

PERMISSION = "warning.view"


def _person_pairs(person: Person, clear: bool) -> list[tuple[str, object]]:
    view = person_view(person)
    erased = person.erased_at is not None
    show = clear and not erased

    def pick(raw: str, masked: str) -> str:
        return raw if show else masked

    return [
        ("姓名", pick(person.name, view.name)), ("电话", pick(person.phone, view.phone)),
        ("身份证号", pick(person.id_number, view.id_number)), ("性别", {"F": "女", "M": "男"}.get(person.sex or "", "")),
        ("年龄段", AGE_BAND_LABELS.get(person.age_band, person.age_band)), ("人群", group_label(person.profile_group)),
        ("住址", pick(person.address, view.address)),
        ("亲属", f"{pick(person.relative_name, view.relative_name)} {pick(person.relative_phone, view.relative_phone)}"),
    ]


def _warning_pairs(warning: Warning, clock: CentreClock) -> list[tuple[str, object]]:
    level = effective_level(warning)
    level_text = level_label(level) + (f"（人工调整：{warning.level_override_reason}）" if warning.level_override else "")
    return [
        ("预警编号", f"#{warning.id}　{warning.external_id or ''}"), ("来源", SOURCE_LABELS.get(warning.source, warning.source)),
        ("接收时间", clock.format(warning.received_at)), ("诈骗类型", fraud_label(warning.fraud_type)),
        ("风险等级", f"{level_text}　{warning.risk_score} 分"), ("联系时限", clock.format(warning.deadline_at)),
        ("首次联系", clock.format(warning.first_contact_at) or "未联系"), ("结果", outcome_label(warning.outcome)),
        ("涉案金额", fmt_money(float(warning.amount)) if warning.amount is not None else "—"),
        ("拨打次数", warning.attempts),
        ("预警信号", "、".join(SIGNAL_LABELS.get(s, s) for s in warning.signals) or "—"),
        ("涉诈联系方式", warning.fraud_contact or "—"),
    ]


def _calls_table(calls: list[tuple[CallAttempt, str]], clear: bool, st: S.SheetStyles, clock: CentreClock
                 ) -> Flowable:
    rows: list[list[object]] = [["时间", "接线员", "结果", "话术路径", "异议 / 关键动作 / 备注"]]
    for call, operator in calls:
        duration = f"{call.duration_s // 60}分{call.duration_s % 60}秒" if call.connected else "未接通"
        path = f"{call.script_id} {call.script_version}\n" + " → ".join(call.node_path) if call.script_id else "—"
        notes = call.notes if clear else mask_text(call.notes)
        details = []
        if call.objections:
            details.append("异议：" + "、".join(objection_label(o) for o in call.objections))
        if call.key_actions:
            details.append("已承诺：" + "、".join(KEY_ACTION_LABELS.get(a, a) for a in call.key_actions))
        if call.confirmed_actions:
            details.append("已核实：" + "、".join(KEY_ACTION_LABELS.get(a, a) for a in call.confirmed_actions))
        if notes.strip():
            details.append("备注：" + notes.strip())
        rows.append([clock.format(call.started_at), operator, f"{outcome_label(call.disposition)}\n{duration}", path,
                     "\n".join(details) or "—"])
    return S.data_table(rows, st, col_widths=[24 * S.mm, 16 * S.mm, 20 * S.mm, None, 58 * S.mm])


def build_warning_record(ctx: ServiceContext, warning_id: int, out: str | Path, *,
                         progress: Progress | None = None) -> ReportResult:
    """Write the record of warning ``warning_id`` to ``out``."""
    ctx.require(PERMISSION)
    clear = may_see_pii(ctx)
    clock = ctx.centre_clock
    report_progress(progress, 10, "正在读取预警…")
    st = S.sheet_styles()
    story: list[Flowable] = []
    with ctx.sessions() as session:
        warning = session.get(Warning, warning_id)
        if warning is None:
            raise NotFound(f"预警不存在（编号 {warning_id}）")
        person = session.get(Person, warning.person_id)
        assert person is not None
        story += [S.para("预警劝阻登记表", st.title), S.para("当事人", st.heading),
                  S.key_value_table(_person_pairs(person, clear), st), S.para("预警", st.heading),
                  S.key_value_table(_warning_pairs(warning, clock), st)]
        if warning.risk_reasons:
            story.append(S.para("评分依据：" + explain(list(warning.risk_reasons)), st.small))
        if warning.note.strip():
            story.append(S.para("预警备注：" + (warning.note if clear else mask_text(warning.note)), st.body))
        calls = [(c, name or "—") for c, name in session.execute(
            select(CallAttempt, User.display_name).outerjoin(User, User.id == CallAttempt.operator_id)
            .where(CallAttempt.warning_id == warning_id).order_by(CallAttempt.started_at, CallAttempt.id)).all()]
        story.append(S.para(f"通话记录（{len(calls)} 次）", st.heading))
        story.append(_calls_table(calls, clear, st, clock) if calls else S.para("无", st.body))
        report_progress(progress, 50, "正在整理上报与回访…")
        escalations = list(session.execute(select(Escalation).where(Escalation.warning_id == warning_id)
                                           .order_by(Escalation.created_at, Escalation.id)).scalars())
        story.append(S.para(f"上报派出所（{len(escalations)} 次）", st.heading))
        if not escalations:
            story.append(S.para("无", st.body))
        for escalation in escalations:
            info = escalation_info(session, escalation)
            story.append(S.para(f"指令 {info.order_number}　{info.station_name or info.target_detail}　"
                                f"{info.status_label}　{info.result_label}", st.cell_bold))
            rows: list[list[object]] = [[clock.format(e.at), "指令", e.status_label, e.actor, e.note] for e in info.order_events]
            for task in info.tasks:
                rows += [[clock.format(e.at), task.kind_label, f"{e.status_label} {e.result_label}".strip(), e.actor,
                          e.note if clear else mask_text(e.note)] for e in task.events]
            rows.sort(key=lambda r: str(r[0]))
            story.append(S.data_table([["时间", "事项", "状态", "经办", "说明"], *rows], st, col_widths=[28 * S.mm, 22 * S.mm, 24 * S.mm, 26 * S.mm, None]))
            if info.result_note:
                story.append(S.para("派出所反馈：" + (info.result_note if clear else mask_text(info.result_note)),
                                    st.body))
        follow_ups = list(session.execute(select(FollowUp).where(FollowUp.warning_id == warning_id)
                                          .order_by(FollowUp.due_at, FollowUp.id)).scalars())
        story.append(S.para(f"回访（{len(follow_ups)} 次）", st.heading))
        if follow_ups:
            story.append(S.data_table(
                [["回访", "应回访时间", "状态", "完成时间", "结果"]]
                + [[f"第{f.day_offset}天", clock.format(f.due_at), FOLLOW_UP_STATUS_LABELS.get(f.status, f.status),
                    clock.format(f.completed_at), outcome_label(f.outcome) if f.outcome in ("dissuaded", "victimized")
                    else (f.outcome or "—")] for f in follow_ups], st))
        else:
            story.append(S.para("无", st.body))
    story.append(S.para("个人信息已按权限" + ("显示明文" if clear else "脱敏显示") + "。", st.small))
    report_progress(progress, 75, "正在生成 PDF…")
    pages = S.build_pdf(out, story, page_setup(f"劝阻登记表 #{warning_id}", "劝阻登记表"))
    audit_print(ctx, "warning", warning_id, {"pages": pages, "file": Path(out).name, "masked": not clear})
    report_progress(progress, 100, "完成")
    return ReportResult("warning", Path(out), pages, not clear)
