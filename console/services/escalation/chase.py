"""催办: the duty supervisor chases a station about an order it has not acknowledged.

A chase is an event on the *existing* order ("chased", with who, when and the note) and an audit
entry; it never creates a second order nor copies the tasks, so the order, its tasks and the daily
report's one escalation per person stay as they were.  The station learns of the chase through the
order's timeline, which the station's view and the printed order show, and through its duty phone:
the result carries the number to ring, and the note records that it was rung.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from console.services.core import audit
from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.escalation.states import order_is_closed
from db.models import Escalation, EscalationEvent, Station


@dataclass(frozen=True)
class ChaseResult:
    escalation_id: int
    station: str
    duty_phone: str
    chases: int  # how many times this order has been chased, this one included


def chase(ctx: ServiceContext, escalation_id: int, note: str) -> ChaseResult:
    """Record a chase on the order (``escalation.manage``, a note is required)."""
    ctx.require("escalation.manage")
    text = note.strip()
    if not text:
        raise ServiceError("请填写催办说明")
    now = ctx.now()
    with ctx.session() as session:
        order = session.get(Escalation, escalation_id, with_for_update=True)
        if order is None:
            raise NotFound(f"上报指令不存在（编号 {escalation_id}）")
        if order_is_closed(order):
            raise ServiceError("指令已办结，无需催办")
        station = session.get(Station, order.station_id) if order.station_id else None
        name = station.name if station else (order.target_detail or "派出所")
        phone = station.duty_phone if station else ""
        session.add(EscalationEvent(escalation_id=order.id, task_id=None, at=now, status="chased",
                                    actor_id=ctx.actor.user_id,
                                    actor_text=ctx.actor.display_name or ctx.actor.login,
                                    note=text + (f"（值班电话 {phone}）" if phone else "")))
        audit.record(session, ctx.actor, "chase", object_type="escalation", object_id=order.id, reason=text,
                     details={"warning_id": order.warning_id, "station": name}, at=now)
        session.flush()
        count = session.execute(select(func.count()).select_from(EscalationEvent).where(
            EscalationEvent.escalation_id == order.id, EscalationEvent.status == "chased")).scalar_one()
        return ChaseResult(order.id, name, phone, int(count))
