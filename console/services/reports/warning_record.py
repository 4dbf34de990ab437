"""劝阻登记表: everything about one warning on paper — the person, the warning and its triage, every
call with its script path, objections and key actions, the escalation timeline and the follow-ups.

Personal data (name, phone, ID number, address, relative, numbers typed in notes) is masked by
default for every role.  Clear values only with an explicit reveal (``reveal=True`` with a reason:
the GUI's reveal dialog, ``dissuade report warning --reveal --reason TEXT``), allowed to a user
holding ``pii.reveal.all`` or the operator holding the warning's claim, and audited as a 'reveal'
with that reason before the 'print' entry.  The record carries its document number (登记〔year〕n号),
every code printed as its Chinese word, and the 填报人 / 审核人 signature block.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable, Spacer
from sqlalchemy import select

from console.services.core import audit
from console.services.core.clock import CentreClock
from console.services.core.context import NotFound, PermissionDenied, ServiceContext, ServiceError, allowed
from console.services.core.levels import effective_level
from console.services.core.vocabulary import (
    AGE_BAND_LABELS,
    FOLLOW_UP_STATUS_LABELS,
    SOURCE_LABELS,
)
from console.services.escalation.views import escalation_info
from console.services.pdf import official
from console.services.pdf import styles as S
from console.services.people.privacy import holds_claim, mask_text, person_view
from console.services.reports.common import (
    Progress,
    ReportResult,
    audit_print,
    fmt_money,
    fraud_label,
    group_label,
    level_label,
    objection_label,
    outcome_label,
    page_setup,
    report_progress,
)
from console.services.reports.labels import (
    follow_up_kind_label,
    follow_up_result_label,
    key_action_label,
    path_text,
    script_title,
    signal_label,
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
        ("年龄段", AGE_BAND_LABELS.get(person.age_band, "不详")), ("人群", group_label(person.profile_group)),
        ("住址", pick(person.address, view.address)),
        ("亲属", f"{pick(person.relative_name, view.relative_name)} {pick(person.relative_phone, view.relative_phone)}"),
    ]


def _warning_pairs(warning: Warning, clock: CentreClock) -> list[tuple[str, object]]:
    level = effective_level(warning)
    level_text = level_label(level) + (f"（人工调整：{warning.level_override_reason}）" if warning.level_override else "")
    return [
        ("预警编号", f"#{warning.id}　{warning.external_id or ''}"), ("来源", SOURCE_LABELS.get(warning.source, "其他")),
        ("接收时间", clock.format(warning.received_at)), ("诈骗类型", fraud_label(warning.fraud_type)),
        ("风险等级", f"{level_text}　{warning.risk_score} 分"), ("联系时限", clock.format(warning.deadline_at)),
        ("首次联系", clock.format(warning.first_contact_at) or "未联系"), ("结果", outcome_label(warning.outcome)),
        ("涉案金额", fmt_money(float(warning.amount)) if warning.amount is not None else "—"),
        ("拨打次数", warning.attempts),
        ("预警信号", "、".join(signal_label(s) for s in warning.signals) or "—"),
        ("涉诈联系方式", warning.fraud_contact or "—"),
    ]


def _calls_table(calls: list[tuple[CallAttempt, str]], clear: bool, st: S.SheetStyles, clock: CentreClock
                 ) -> Flowable:
    rows: list[list[object]] = [["时间", "接线员", "结果", "话术路径", "异议 / 关键动作 / 备注"]]
    for call, operator in calls:
        duration = f"{call.duration_s // 60}分{call.duration_s % 60}秒" if call.connected else "未接通"
        path = f"{script_title(call.script_id)}\n{path_text(call.script_id, list(call.node_path))}" if call.script_id else "—"
        notes = call.notes if clear else mask_text(call.notes)
        details = []
        if call.objections:
            details.append("异议：" + "、".join(objection_label(o) for o in call.objections))
        if call.key_actions:
            details.append("已承诺：" + "、".join(key_action_label(a) for a in call.key_actions))
        if call.confirmed_actions:
            details.append("已核实：" + "、".join(key_action_label(a) for a in call.confirmed_actions))
        if notes.strip():
            details.append("备注：" + notes.strip())
        rows.append([clock.format(call.started_at), operator, f"{outcome_label(call.disposition)}\n{duration}", path,
                     "\n".join(details) or "—"])
    return S.data_table(rows, st, col_widths=[31 * S.mm, 16 * S.mm, 21 * S.mm, None, 52 * S.mm])


REVEALED_FIELDS = ["name", "phone", "id_number", "address", "relative_name", "relative_phone", "notes"]


def build_warning_record(ctx: ServiceContext, warning_id: int, out: str | Path, *, reveal: bool = False,
                         reason: str = "", progress: Progress | None = None) -> ReportResult:
    """Write the record of warning ``warning_id`` to ``out``: masked, unless ``reveal`` with a ``reason``."""
    ctx.require(PERMISSION)
    clear = reveal
    if reveal and not reason.strip():
        raise ServiceError("打印含明文个人信息的登记表必须填写事由")
    clock = ctx.centre_clock
    report_progress(progress, 10, "正在读取预警…")
    st = S.sheet_styles()
    story: list[Flowable] = []
    with ctx.sessions() as session:
        if session.get(Warning, warning_id) is None:
            raise NotFound(f"预警不存在（编号 {warning_id}）")
        if reveal and not (allowed(ctx.actor, "pii.reveal.all")
                           or holds_claim(session, ctx.actor, ctx.now(), warning_id=warning_id)):
            raise PermissionDenied("只有值班长、管理员或正在处理该预警的接线员可以打印含明文个人信息的登记表")
    number = official.document_number(ctx, "warning_record", warning_id)  # its own short write transaction
    with ctx.sessions() as session:
        warning = session.get(Warning, warning_id)
        assert warning is not None
        person = session.get(Person, warning.person_id)
        assert person is not None
        story += [S.para(ctx.settings.centre.printed_name, st.heading), S.para("预警劝阻登记表", st.title),
                  S.para(f"{number}　　填表日期：{official.cn_date(clock.today(ctx.now()))}", st.body),
                  S.para("当事人" + ("" if clear else "（已脱敏）"), st.heading),
                  S.key_value_table(_person_pairs(person, clear), st, label_width=25 * S.mm),
                  S.para("预警", st.heading),
                  S.key_value_table(_warning_pairs(warning, clock), st, label_width=25 * S.mm)]
        if warning.risk_reasons:
            story += [Spacer(1, 1.2 * S.mm), S.para("评分依据：" + explain(list(warning.risk_reasons)), st.small)]
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
            story.append(S.data_table([["时间", "事项", "状态", "经办", "说明"], *rows], st, col_widths=[31 * S.mm, 20 * S.mm, 24 * S.mm, 24 * S.mm, None]))
            if info.result_note:
                story += [Spacer(1, 1.2 * S.mm),
                          S.para("派出所反馈：" + (info.result_note if clear else mask_text(info.result_note)), st.body)]
        follow_ups = list(session.execute(select(FollowUp).where(FollowUp.warning_id == warning_id)
                                          .order_by(FollowUp.due_at, FollowUp.id)).scalars())
        story.append(S.para(f"回访（{len(follow_ups)} 次）", st.heading))
        if follow_ups:
            story.append(S.data_table(
                [["回访", "应回访时间", "状态", "完成时间", "结果"]]
                + [[f"{follow_up_kind_label(f.kind)}（第{f.day_offset}天）", clock.format(f.due_at),
                    FOLLOW_UP_STATUS_LABELS.get(f.status, "—"), clock.format(f.completed_at) or "—",
                    follow_up_result_label(f.outcome)] for f in follow_ups], st))
        else:
            story.append(S.para("无", st.body))
    story += [Spacer(1, 6 * S.mm), official.signature_block(st, ("填报人", "审核人")), Spacer(1, 1.5 * S.mm),
              S.para("本表含个人信息明文，仅限处置使用，用后交回或销毁。" if clear
                     else "个人信息已脱敏显示；明文须经授权查看并登记事由。", st.small), *official.contact_line(ctx, st)]
    report_progress(progress, 75, "正在生成 PDF…")
    pages = S.build_pdf(out, story, page_setup(ctx, f"劝阻登记表 {number}", "劝阻登记表"))
    if clear:
        with ctx.session() as session:
            audit.record(session, ctx.actor, "reveal", object_type="warning", object_id=warning_id,
                         reason=reason.strip(), details={"document": "warning_record", "fields": REVEALED_FIELDS},
                         at=ctx.now())
    audit_print(ctx, "warning", warning_id, {"pages": pages, "file": Path(out).name, "masked": not clear,
                                             "number": number})
    report_progress(progress, 100, "完成")
    return ReportResult("warning", Path(out), pages, not clear)
