"""Launch the protective stop-payment (保护性止付) from the facts captured on the phone.

The request travels as the ``stop_payment`` task of an escalation order (the escalation module's
parallel tasks): :func:`launch_stop_payment` opens the order for the warning's station with that task
filled from the :class:`StopPaymentRecord`, and links the record to the order so the call panel and
the printable request (console/services/pdf/stop_payment_request.py) show its status.
"""

from __future__ import annotations

from typing import Any

from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.escalation import orders
from console.services.escalation.views import EscalationInfo
from db.models import StopPaymentRecord


def _task_details(record: StopPaymentRecord) -> dict[str, Any]:
    own_card = bool(record.victim_bank and record.victim_account)
    return {
        # protective stop-payment works on the person's own card; with only the receiving account
        # known the bank is asked to stop that one (emergency stop-payment)
        "bank": record.victim_bank if own_card else (record.payee_bank or "收款方开户行"),
        "account": record.victim_account if own_card else record.payee_account,
        "amount": "" if record.amount is None else str(record.amount),
        "mode": "protective" if own_card else "emergency",
        "payee_account": record.payee_account,
        "payee_bank": record.payee_bank,
        "transaction_ref": record.transaction_ref,
        "transferred_at": record.transferred_at.isoformat() if record.transferred_at else "",
        "account_holder": record.account_holder,
        "record_id": record.id,
    }


def launch_stop_payment(ctx: ServiceContext, record_id: int, *, station_id: int | None = None,
                        reason: str = "当事人已转账，申请止付") -> EscalationInfo:
    """Open the stop-payment task for a record (once); returns the escalation order."""
    ctx.require("escalation.create")
    with ctx.sessions() as session:
        record = session.get(StopPaymentRecord, record_id)
        if record is None:
            raise NotFound(f"止付信息 {record_id} 不存在")
        if record.escalation_id is not None:
            raise ServiceError(f"这笔止付已经发起（指令 {record.escalation_id}）")
        warning_id = record.warning_id
        details = _task_details(record)
    info = orders.create_escalation(ctx, warning_id, tasks=[orders.TaskRequest("stop_payment", details)],
                                    station_id=station_id, reason=reason, summary="电话中问清了转账信息，请协调银行止付")
    with ctx.session() as session:
        record = session.get(StopPaymentRecord, record_id)
        assert record is not None
        record.escalation_id = info.id
    return info
