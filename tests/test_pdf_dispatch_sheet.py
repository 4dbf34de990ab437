"""The escalation dispatch sheet: one page, Chinese embedded, masked unless a permitted reveal, audited."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import PermissionDenied
from console.services.escalation import orders as esc
from console.services.escalation.orders import TaskRequest
from console.services.pdf.dispatch_sheet import render_dispatch_sheet
from db.models import AuditEvent, CallAttempt, QueueItem, Warning
from tests.escalation_builders import FakeClock, add_warning, ctx_for, standard_stations


def text_of(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def pages_of(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _order(database: Database, ctx, **warning) -> int:  # type: ignore[no-untyped-def]
    standard_stations(database)
    warning_id = add_warning(database, calls=3, **warning)
    info = esc.create_escalation(
        ctx, warning_id,
        tasks=[TaskRequest.onsite_visit("老人独居"), TaskRequest.stop_payment("中国农业银行", "6228480012345678901", "50000"),
               TaskRequest.family_notice("李明", "13900001111")],
        reason="三次呼叫均被挂断，当事人正在转账", summary="当事人称接到“公安局”电话，需将存款转入安全账户。",
    )
    return info.id


def test_masked_sheet_is_one_page_with_the_order_and_embedded_chinese(database: Database, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = ctx_for(database, make_actor("op1", "operator"), FakeClock())
    order_id = _order(database, ctx)
    out = render_dispatch_sheet(ctx, order_id, tmp_path / "order.pdf", centre_name="明湖县公安局反诈中心")
    assert pages_of(out) == 1
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("TrueType" in r and " yes yes " in r and "+" in r.split()[0] for r in rows), fonts
    text = text_of(out)
    for expected in ("派出所见面劝阻指令单", "明湖县公安局反诈中心", "红色（最高级，立即处置）", "城关派出所",
                     "冒充公检法及政府机关", "屏幕共享（+20分）", "对方让保密", "已承诺：停止转账", "三次呼叫均被挂断",
                     "上门劝阻", "保护性止付", "通知家属", "民警签名", "第1页共1页", "内部资料注意保密"):
        assert expected in text, expected
    # masked: no clear phone, account, relative phone or house number
    for secret in ("13812345678", "6228480012345678901", "13900001111", "3栋201", "王秀英"):
        assert secret not in text, secret
    assert "138****5678" in text and "个人信息已脱敏" in text
    with database.sessions() as session:
        actions = session.execute(select(AuditEvent.action).where(AuditEvent.object_id == str(order_id))).scalars().all()
    assert "print" in actions and "reveal" not in actions


def test_reveal_only_for_supervisor_or_claim_holder_and_audited(database: Database, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    op_actor = make_actor("op2", "operator")
    op = ctx_for(database, op_actor, clock)
    order_id = _order(database, op)
    with pytest.raises(PermissionDenied, match="明文"):
        render_dispatch_sheet(op, order_id, tmp_path / "no.pdf", reveal=True)
    assert not (tmp_path / "no.pdf").exists()
    sup = ctx_for(database, make_actor("sup", "supervisor"), clock)
    out = render_dispatch_sheet(sup, order_id, tmp_path / "clear.pdf", reveal=True)
    text = text_of(out)
    for clear in ("13812345678", "某县城关镇幸福社区3栋201", "6228480012345678901", "李明13900001111", "王秀英"):
        assert clear in text, clear
    with database.sessions() as session:
        entries = session.execute(
            select(AuditEvent.action, AuditEvent.login).where(AuditEvent.object_type == "escalation",
                                                              AuditEvent.object_id == str(order_id))
        ).all()
    assert ("reveal", "sup") in entries and ("print", "sup") in entries
    # the operator holding the warning's claim may print the clear sheet too
    with database.sessions() as session, session.begin():
        warning_id = session.execute(select(Warning.id)).scalars().first()
        session.add(QueueItem(kind="warning", warning_id=warning_id, status="claimed", claimed_by=op_actor.user_id,
                              claimed_at=clock.at, lease_expires_at=clock.at + dt.timedelta(minutes=5)))
    assert "13812345678" in text_of(render_dispatch_sheet(op, order_id, tmp_path / "op.pdf", reveal=True))
    trainer = ctx_for(database, make_actor("tr", "trainer"), clock)
    with pytest.raises(PermissionDenied):
        render_dispatch_sheet(trainer, order_id, tmp_path / "tr.pdf")


def test_long_content_still_fits_one_page_with_nothing_cut(database: Database, make_actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = ctx_for(database, make_actor("op3", "operator"), FakeClock())
    standard_stations(database)
    warning_id = add_warning(database)
    with database.sessions() as session, session.begin():
        for i in range(15):
            session.add(CallAttempt(client_uuid=f"long-{i}", warning_id=warning_id, disposition="hung_up",
                                    started_at=dt.datetime(2026, 3, 2, 2, i, tzinfo=dt.UTC),
                                    notes=f"第{i}次：当事人情绪激动，反复强调自己没有被骗，要求不要再打电话"))
    info = esc.create_escalation(ctx, warning_id, tasks=[TaskRequest.onsite_visit("备注" * 200)],
                                 reason="原因" * 300, summary="情况" * 400 + "摘要结尾")
    out = render_dispatch_sheet(ctx, info.id, tmp_path / "long.pdf")
    assert pages_of(out) == 1
    text = text_of(out)
    assert "第14次" in text  # the latest call is kept
    assert "另有较早的" in text  # older ones are counted, not silently dropped
    assert "民警签名" in text and "第1页共1页" in text  # the feedback block is still on the page
    assert "摘要结尾" not in text and "…" in text  # an over-long summary is visibly shortened
