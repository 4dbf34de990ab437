"""One open escalation order per warning: finding it, refusing a second one, chasing it up.

A warning whose order is still open (not done or cancelled) gets no second order: the station is
already on it.  :func:`create_escalation` refuses with :class:`DuplicateEscalation` (carrying the open
order's id), a second Ctrl+E shows :func:`open_escalation` instead, and :func:`remind` adds a
催办 / 补充 note to the open order's timeline.  Re-escalating an order to the duty phone or another
unit (``re_escalate``) is a different, deliberate step and stays allowed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.core.vocabulary import CLOSED_ESCALATION_STATUSES
from console.services.escalation.states import order_is_closed
from console.services.escalation.views import EscalationInfo, escalation_info
from db.models import Escalation, EscalationEvent, Warning


class DuplicateEscalation(ServiceError):
    """A second order for a warning whose first order is still open; carries the open order's id."""

    def __init__(self, message: str, escalation_id: int) -> None:
        super().__init__(message)
        self.escalation_id = escalation_id


def open_order_of(session: Session, warning_id: int) -> Escalation | None:
    """The warning's newest order that is not done or cancelled (re-escalations included)."""
    return session.execute(
        select(Escalation).where(Escalation.warning_id == warning_id,
                                 Escalation.status.not_in(CLOSED_ESCALATION_STATUSES))
        .order_by(Escalation.created_at.desc(), Escalation.id.desc()).limit(1)
    ).scalar_one_or_none()


def open_escalation(ctx: ServiceContext, warning_id: int) -> EscalationInfo | None:
    """The open order of a warning, if any (what a second Ctrl+E shows instead of a new order)."""
    ctx.require("warning.view")
    with ctx.sessions() as session:
        if session.get(Warning, warning_id) is None:
            raise NotFound(f"预警不存在（编号 {warning_id}）")
        order = open_order_of(session, warning_id)
        return escalation_info(session, order) if order is not None else None


def remind(ctx: ServiceContext, escalation_id: int, note: str) -> EscalationInfo:
    """催办 / 补充: a note on an open order's timeline (a chase-up, or what the centre learnt since)."""
    ctx.require("escalation.update")
    text = note.strip()
    if not text:
        raise ServiceError("请填写催办或补充的内容")
    with ctx.session() as session:
        escalation = session.get(Escalation, escalation_id)
        if escalation is None:
            raise NotFound(f"上报指令不存在（编号 {escalation_id}）")
        if order_is_closed(escalation):
            raise ServiceError("指令已办结，无需催办")
        session.add(EscalationEvent(
            escalation_id=escalation.id, task_id=None, at=ctx.now(), status="reminded", result=None,
            actor_id=ctx.actor.user_id, actor_text=ctx.actor.display_name or ctx.actor.login, note=text[:500],
        ))
        session.flush()
        return escalation_info(session, escalation)


__all__ = ["DuplicateEscalation", "open_escalation", "open_order_of", "remind"]
