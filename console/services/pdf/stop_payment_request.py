"""The printable stop-payment request (止付申请单) a centre sends or takes to the bank.

One A4 page: the warning and order numbers, the person, the transfer (time, amount, the person's
bank and card, receiving account or platform, transaction reference, whose card it is), what is
asked of the bank (protective stop-payment on the person's card, or emergency stop-payment on the
receiving account) and a block for the bank's reply.  Card and account numbers are masked unless
``reveal=True`` and the user holds ``pii.reveal.all``; every print is audited as ``print`` and a
reveal as ``reveal``.  The file is written with mode 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

from reportlab.platypus import Spacer

from console.services.core import audit
from console.services.core.context import NotFound, PermissionDenied, ServiceContext, allowed
from console.services.core.masking import mask_name, mask_phone
from console.services.leads.views import stop_payment_info
from console.services.pdf import official
from console.services.pdf import styles as S
from db.models import Person, StopPaymentRecord, Warning

DOCUMENT_TITLE = "保护性止付申请单"
MODES = {
    "protective": "请对当事人本人账户实施保护性止付（只进不出，48小时，可续）。",
    "emergency": "请对收款账户实施紧急止付（48小时，最多两次）。",
}


def render_stop_payment_request(ctx: ServiceContext, record_id: int, out_path: str | Path, *,
                                reveal: bool = False, centre_name: str | None = None) -> Path:
    """Write the request for one stop-payment record; audited."""
    ctx.require("escalation.update")
    if reveal and not allowed(ctx.actor, "pii.reveal.all"):
        raise PermissionDenied("打印明文账号需要查看全部个人信息的权限")
    with ctx.sessions() as session:
        record = session.get(StopPaymentRecord, record_id)
        if record is None:
            raise NotFound(f"止付信息 {record_id} 不存在")
        warning = session.get(Warning, record.warning_id)
        person = session.get(Person, warning.person_id) if warning else None
        info = stop_payment_info(record, masked=not reveal)
        ref = (warning.external_id if warning else None) or f"W{record.warning_id}"
        name = (person.name if reveal else mask_name(person.name)) if person else ""
        phone = (person.phone if reveal else mask_phone(person.phone)) if person else ""
        mode = "protective" if record.victim_bank and record.victim_account else "emergency"
    centre_name = centre_name or ctx.settings.centre.printed_name
    number = official.document_number(ctx, "stop_payment", record_id)
    today = official.cn_date(ctx.centre_clock.today(ctx.now()))
    st = S.sheet_styles()
    amount = f"{info.amount:,.2f} 元" if info.amount is not None else "（未问清）"
    transferred = (f"{official.cn_date(ctx.centre_clock.local(info.transferred_at))} "
                   f"{ctx.centre_clock.format(info.transferred_at, '%H:%M')}" if info.transferred_at else "（未问清）")
    story = [
        S.para(centre_name, st.heading),
        S.para(DOCUMENT_TITLE, st.title),
        S.para(f"{number}　　{today}", st.body),
        Spacer(1, 1.5 * S.mm),
        S.key_value_table([
            ("预警编号", ref),
            ("止付指令", f"E-{info.escalation_id}" if info.escalation_id else "（尚未发起）"),
            ("当事人", name),
            ("联系电话", phone),
        ], st),
        S.para("转账情况（电话中由当事人提供）", st.heading),
        S.data_table([
            ["项目", "内容"],
            ["转账时间", transferred],
            ["金额", amount],
            ["转出银行及卡号", f"{info.victim_bank} {info.victim_account}".strip() or "（未问清）"],
            ["持卡人（非本人时）", info.account_holder or "本人"],
            ["收款账户 / 平台", f"{info.payee_bank} {info.payee_account}".strip() or "（未问清）"],
            ["交易单号", info.transaction_ref or "（未提供）"],
            ["备注", info.note or "无"],
        ], st, col_widths=[42 * S.mm, None]),
        S.para("申请事项", st.heading),
        S.para(MODES[mode] + "依据《反电信网络诈骗法》第二十条，请予以配合并回复处理结果。", st.body),
        S.para(f"申请单位：{centre_name}（盖章）", st.body),
        official.signature_block(st, ("经办人", "审核人", "值班领导")),
        S.para("银行回复", st.heading),
        S.para("回复内容：______________________________________________", st.body),
        S.para("银行经办人：____________    回复时间：____________    盖章：____________", st.body),
        *official.contact_line(ctx, st),
    ]
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    pages = S.build_pdf(out, story, S.PageSetup(title=f"{DOCUMENT_TITLE} {number}", centre=centre_name,
                                                subject="止付申请", marking=ctx.settings.centre.marking))
    os.chmod(out, 0o600)
    with ctx.session() as session:
        if reveal:
            audit.record(session, ctx.actor, "reveal", object_type="stop_payment", object_id=record_id,
                         reason="打印止付申请单（含账号明文）", details={"fields": ["name", "phone", "account"]},
                         at=ctx.now())
        audit.record(session, ctx.actor, "print", object_type="stop_payment", object_id=record_id,
                     details={"document": "stop_payment_request", "revealed": reveal, "pages": pages,
                              "file": out.name}, at=ctx.now())
    return out
