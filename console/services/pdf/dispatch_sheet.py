"""The escalation order as a one-page A4 dispatch sheet a station officer takes to the door.

It shows the order (number, time, level in words, station and why), the person, the fraud and
its risk reasons, what the centre already said (call summaries), the parallel tasks with their
status, and a blank block for the officer's feedback and signature.  Black and white only.

Personal data is masked unless ``reveal=True`` and the printing user may see it (``pii.reveal.all``
or the operator holding the warning's queue claim); a reveal is audited as ``reveal`` and every print
as ``print``.  The sheet always fits one page: text is shortened and sizes shrink if needed.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.platypus import Flowable, Spacer

from console.services.core import audit
from console.services.core.clock import CentreClock
from console.services.core.context import PermissionDenied, ServiceContext, allowed
from console.services.core.masking import mask_account, mask_address, mask_name, mask_phone
from console.services.core.storage import atomic_write_bytes
from console.services.core.vocabulary import (
    AGE_BAND_LABELS,
    FRAUD_TYPE_LABELS,
    PROFILE_GROUP_LABELS,
    RESULT_LABELS,
    SIGNAL_LABELS,
    TASK_STATUS_LABELS,
    TaskKind,
)
from console.services.escalation.orders import _escalation
from console.services.escalation.stations import match_station_in
from console.services.escalation.views import (
    EscalationInfo,
    call_history_lines,
    escalation_info,
)
from console.services.pdf import official
from console.services.pdf import styles as S
from console.services.people.privacy import holds_claim, mask_text
from console.services.triage.scoring import reason_parts
from db.models import Person, Warning

DOCUMENT_TITLE = "派出所见面劝阻指令单"
DEFAULT_CENTRE = ""  # empty: the unit's name from the centre settings (单位全称)
ONSITE_CONTENT = "上门见面劝阻：核实当事人是否已转账或正在操作，当面揭穿骗局，提醒勿再联系对方；必要时协助止付、通知家属"
LEVEL_WORDS = {"red": "红色（最高级，立即处置）", "orange": "橙色（高）", "yellow": "黄色（中）", "blue": "蓝色（低）"}
SEX_LABELS = {"F": "女", "M": "男"}
# Successive attempts to fit one page: (style scale, max history lines, max characters per text block)
FIT_STEPS = ((1.0, 8, 400), (0.92, 6, 300), (0.85, 5, 220), (0.78, 4, 160), (0.72, 3, 100))


@dataclass(frozen=True)
class SheetData:
    order: EscalationInfo
    warning_ref: str
    received_at: str
    fraud_type: str
    fraud_contact: str
    amount: str
    signals: str
    risk_score: int
    risk_reasons: tuple[str, ...]
    person: dict[str, str]
    history: tuple[str, ...]
    basis: str
    number: str
    revealed: bool
    printed_by: str
    printed_at: str


def _may_reveal(ctx: ServiceContext, session: Any, warning_id: int) -> bool:
    return allowed(ctx.actor, "pii.reveal.all") or holds_claim(session, ctx.actor, ctx.now(), warning_id=warning_id)


def _person_fields(person: Person, reveal: bool) -> dict[str, str]:
    def show(value: str, masker: Any) -> str:
        return value if reveal else masker(value)

    age = AGE_BAND_LABELS.get(person.age_band, "")
    relative = " ".join(p for p in (show(person.relative_name, mask_name), show(person.relative_phone, mask_phone)) if p)
    return {
        "name": "（已清除）" if person.erased_at else show(person.name, mask_name),
        "sex_age": "，".join(p for p in (SEX_LABELS.get(person.sex or "", ""), age) if p) or "不详",
        "group": PROFILE_GROUP_LABELS.get(person.profile_group, person.profile_group),
        "phone": show(person.phone, mask_phone),
        "address": show(person.address, mask_address) or "（未登记）",
        "relative": relative or "（未登记）",
    }


def _task_content(kind: str, details: dict[str, Any], reveal: bool) -> str:
    text = _task_details(kind, details, reveal)
    if kind == TaskKind.ONSITE_VISIT:
        return f"{ONSITE_CONTENT}。{text}" if text else ONSITE_CONTENT
    return text or "详见上报原因"


def _task_details(kind: str, details: dict[str, Any], reveal: bool) -> str:
    if kind == TaskKind.STOP_PAYMENT:
        account = str(details.get("account", ""))
        amount = str(details.get("amount") or "")
        parts = [f"银行：{details.get('bank', '')}", f"账号：{account if reveal else mask_account(account)}"]
        if amount:
            parts.append(f"金额：{amount}元")
        return "；".join(parts)
    if kind == TaskKind.FAMILY_NOTICE:
        name, phone = str(details.get("relative_name", "")), str(details.get("phone", ""))
        return f"家属：{name if reveal else mask_name(name)} {phone if reveal else mask_phone(phone)}".strip()
    note = str(details.get("note", ""))
    return note if reveal else mask_text(note)


def _collect(ctx: ServiceContext, escalation_id: int, reveal: bool) -> SheetData:
    with ctx.sessions() as session:
        escalation = _escalation(session, escalation_id)
        if reveal and not _may_reveal(ctx, session, escalation.warning_id):
            raise PermissionDenied("只有值班长、管理员或正在处理该预警的接线员可以打印含明文地址和电话的指令单")
        order = escalation_info(session, escalation)
        warning = session.get(Warning, escalation.warning_id)
        assert warning is not None
        reasons = tuple(
            _reason_line(r) if isinstance(r, dict) else str(r)
            for r in (warning.risk_reasons or [])
        )
        history = call_history_lines(session, warning.id, ctx.centre_clock, limit=12)
        basis = order.station_reason
        if not basis:
            match = match_station_in(session, warning.person.address)
            basis = (match.reason if match is not None and match.station_id == order.station_id
                     else "按当事人住址所属辖区指派")
        return SheetData(
            order=order,
            warning_ref=warning.external_id or str(warning.id),
            received_at=ctx.centre_clock.format(warning.received_at),
            fraud_type=FRAUD_TYPE_LABELS.get(warning.fraud_type, warning.fraud_type),
            fraud_contact=warning.fraud_contact if reveal else mask_text(warning.fraud_contact),
            amount=f"{warning.amount:,.2f}元" if warning.amount else "不详",
            signals="、".join(SIGNAL_LABELS.get(s, s) for s in warning.signals) or "无",
            risk_score=warning.risk_score,
            risk_reasons=reasons,
            person=_person_fields(warning.person, reveal),
            history=tuple(history if reveal else [mask_text(line) for line in history]),
            basis=basis,
            number="",
            revealed=reveal,
            printed_by=ctx.actor.display_name or ctx.actor.login,
            printed_at=ctx.centre_clock.format(ctx.now()),
        )


def _short(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _story(data: SheetData, centre: str, scale: float, max_lines: int, max_chars: int, clock: CentreClock
           ) -> list[Flowable]:
    st = S.sheet_styles(scale)
    order = data.order
    w = S.content_width()
    gap = Spacer(1, 1.5 * S.mm * scale)
    station = order.station_name or order.target_detail
    if order.station_duty_phone:
        station += f"（值班电话 {order.station_duty_phone}）"
    if order.target != "station":
        station += f"；再次上报至{order.target_label}：{order.target_detail}"
    story: list[Flowable] = [
        S.para(f"{centre}", st.heading),
        S.para(DOCUMENT_TITLE, st.title),
        S.key_value_table([
            ("文号", data.number),
            ("指令编号", order.order_number + (f"（再次上报，原指令 {order.parent_id}）" if order.parent_id else "")),
            ("风险等级", LEVEL_WORDS.get(order.risk_level, "—")),
            ("下达时间", f"{official.cn_date(clock.local(order.created_at))} {clock.format(order.created_at, '%H:%M')}"),
            ("签收时限", clock.format(order.ack_deadline_at, "%H:%M 前") or "—"),
            ("接收单位", station),
            ("指派依据", _short(data.basis, max_chars // 2)),
            ("下达人", order.created_by_name),
            ("指令状态", order.status_label + (f"，{order.result_label}" if order.result_label else "")),
            ("值班领导", "（签字）"),
        ], st, label_width=22 * S.mm),
        S.para("一、当事人" + ("" if data.revealed else "（已脱敏）"), st.heading),
        S.key_value_table([
            ("姓名", data.person["name"]), ("性别年龄", data.person["sex_age"]),
            ("联系电话", data.person["phone"]), ("人群", data.person["group"]),
            ("住址", data.person["address"]), ("家属", data.person["relative"]),
        ], st, label_width=22 * S.mm),
        S.para("二、涉诈情况与风险依据", st.heading),
        S.key_value_table([
            ("诈骗类型", data.fraud_type), ("预警编号", data.warning_ref),
            ("涉及金额", data.amount), ("预警时间", data.received_at),
            ("涉诈联系方式", _short(data.fraud_contact or "不详", 60)), ("实时信号", data.signals),
        ], st, label_width=22 * S.mm),
        gap,
        S.data_table([["风险评分", "风险依据"],
                      [f"{data.risk_score}分", _short("；".join(data.risk_reasons) or "无", max_chars)]],
                     st, col_widths=[19 * S.mm, None]),
        S.para("三、中心已开展工作", st.heading),
    ]
    said: list[list[object]] = [["上报原因", _short(order.reason or "—", max_chars)],
                                ["已掌握情况", _short(order.summary or "—", max_chars)]]
    lines = list(data.history)
    if len(lines) > max_lines:
        lines = [f"（另有较早的 {len(lines) - max_lines} 次呼叫未列出）", *lines[-max_lines:]]
    said.append(["呼叫记录", "\n".join(_short(line, 90) for line in lines) or "尚无通话记录"])
    story.append(S.data_table(said, st, col_widths=[19 * S.mm, None], header=False))
    story.append(S.para("四、协同任务", st.heading))
    rows: list[list[object]] = [["任务", "内容", "状态", "最近更新"]]
    for task in order.tasks:
        last = task.events[-1] if task.events else None
        status = TASK_STATUS_LABELS.get(task.status, task.status)
        if task.result:
            status += f"（{RESULT_LABELS.get(task.result, task.result)}）"
        rows.append([task.kind_label, _short(_task_content(task.kind, task.details, data.revealed), 120), status,
                     f"{clock.format(last.at, '%m-%d %H:%M')} {last.actor}".strip() if last else ""])
    story.append(S.data_table(rows, st, col_widths=[20 * S.mm, None, 28 * S.mm, 36 * S.mm]))
    story.append(S.para("五、现场处置反馈（民警填写后回传中心）", st.heading))
    blank = "\n"
    gap_ = "\u00a0" * 4  # non-breaking spaces survive paragraph whitespace folding: room to write
    feedback: list[list[object]] = [
        ["到达时间", f"{gap_}月{gap_}日{gap_}时{gap_}分", "见到本人", f"□是{gap_}□否（原因：{gap_ * 4}）"],
        ["处置结果", f"□劝阻成功{gap_}□已被骗{gap_}□无法见到本人", "止付/冻结", f"□已办理{gap_}□未办理"],
        ["处置经过", blank * 3, "", ""],
        ["民警签名", "", "回传时间", f"{gap_}月{gap_}日{gap_}时{gap_}分"],
    ]
    table = S.data_table(feedback, st, col_widths=[19 * S.mm, (w - 57 * S.mm) / 2 + 10 * S.mm, 19 * S.mm, None],
                         header=False)
    table.setStyle([("SPAN", (1, 2), (3, 2)), ("BACKGROUND", (0, 0), (0, -1), S.HEADER_FILL),
                    ("BACKGROUND", (2, 0), (2, 1), S.HEADER_FILL), ("BACKGROUND", (2, 3), (2, 3), S.HEADER_FILL)])
    story.append(table)
    story.append(Spacer(1, 1.5 * S.mm))
    story.append(S.para(f"{centre}　文号 {data.number}　打印：{data.printed_by}　{data.printed_at}　"
                        + ("本单含个人信息明文，仅限处置使用，用后交回或销毁。" if data.revealed
                           else "个人信息已脱敏，明文请向中心值班长核实。"), st.small))
    return story


def render_dispatch_sheet(
    ctx: ServiceContext,
    escalation_id: int,
    out_path: str | Path,
    *,
    reveal: bool = False,
    centre_name: str | None = None,
) -> Path:
    """Write the order's one-page dispatch sheet to ``out_path``; audited as 'print' (and 'reveal')."""
    return render_dispatch_sheet_pages(ctx, escalation_id, out_path, reveal=reveal, centre_name=centre_name)[0]


def render_dispatch_sheet_pages(
    ctx: ServiceContext,
    escalation_id: int,
    out_path: str | Path,
    *,
    reveal: bool = False,
    centre_name: str | None = None,
) -> tuple[Path, int]:
    """:func:`render_dispatch_sheet` that also returns the page count (1 unless the content cannot fit)."""
    if not (allowed(ctx.actor, "escalation.update") or allowed(ctx.actor, "report.print")):
        ctx.require("report.print")
    data = dataclasses.replace(_collect(ctx, escalation_id, reveal),
                               number=official.document_number(ctx, "dispatch", escalation_id))
    out = Path(out_path)
    centre_name = centre_name or ctx.settings.centre.printed_name
    setup = S.PageSetup(title=f"{DOCUMENT_TITLE} {data.number}", centre=centre_name, subject="上门劝阻指令",
                        marking=ctx.settings.centre.marking)
    with tempfile.TemporaryDirectory(prefix="dispatch-") as tmp:
        trial = Path(tmp) / "sheet.pdf"
        for scale, max_lines, max_chars in FIT_STEPS:
            pages = S.build_pdf(trial, _story(data, centre_name, scale, max_lines, max_chars, ctx.centre_clock), setup)
            if pages == 1:
                break
        atomic_write_bytes(out, trial.read_bytes())
    with ctx.session() as session:
        if reveal:
            audit.record(session, ctx.actor, "reveal", object_type="escalation", object_id=escalation_id,
                         reason="打印派出所指令单（含住址、电话明文）",
                         details={"fields": ["name", "phone", "address", "relative_phone", "account"]}, at=ctx.now())
        audit.record(session, ctx.actor, "print", object_type="escalation", object_id=escalation_id,
                     details={"document": "dispatch_sheet", "revealed": reveal, "pages": pages, "file": out.name},
                     at=ctx.now())
    return out, pages


def _reason_line(reason: dict[str, Any]) -> str:
    """“正在通话（+20分）”; the cap reads “总分封顶100分（超出3分）”."""
    label, points = reason_parts(reason)
    return f"{label}（{points}分）" if points else label
