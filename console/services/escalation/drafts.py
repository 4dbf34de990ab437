"""The pre-filled escalation order the operator confirms: matched station, task defaults, summary.

:func:`prepare_escalation` gathers everything the escalation dialog shows, masked: the operator
confirms or overrides the station, ticks the tasks and sends.  An empty family-notice phone means
"the relative registered with the person", filled in by the service, so the operator never needs
to see the relative's number in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.services.core.clock import CentreClock
from console.services.core.context import NotFound, ServiceContext
from console.services.core.levels import effective_level
from console.services.core.masking import mask_address, mask_name, mask_phone
from console.services.core.vocabulary import (
    CLOSED_ESCALATION_STATUSES,
    DISPOSITION_LABELS,
    FRAUD_TYPE_LABELS,
    RISK_LEVEL_LABELS,
)
from console.services.escalation.stations import StationMatch, match_station_in
from console.services.escalation.views import call_history_lines
from console.services.people.privacy import mask_text
from db.models import Escalation, Person, Station, Warning


@dataclass(frozen=True)
class StationChoice:
    id: int
    name: str
    duty_phone: str


@dataclass(frozen=True)
class EscalationDraft:
    warning_id: int
    person_name: str  # masked
    address: str  # masked
    fraud_type_label: str
    risk_level: str
    level_label: str
    match: StationMatch | None
    stations: tuple[StationChoice, ...]
    relative_name: str  # masked
    relative_phone: str  # masked; empty when none is registered
    amount: Decimal | None
    reason: str
    summary: str
    open_escalations: int


def resolve_station(session: Session, warning: Warning, person: Person) -> StationMatch | None:
    """The station for a warning when the operator chose none: address rules, then the warning's hint."""
    match = match_station_in(session, person.address)
    if match is not None:
        return match
    station: Station | None = None
    reason = ""
    if warning.station_id is not None:
        station = session.get(Station, warning.station_id)
        reason = "按预警指令指定的派出所"
    elif warning.station_hint.strip():
        hint = warning.station_hint.strip()
        station = session.execute(
            select(Station).where((Station.code == hint) | (Station.name == hint)).limit(1)
        ).scalar_one_or_none()
        reason = f"按预警指令中的派出所“{hint}”"
    elif person.station_id is not None:
        station = session.get(Station, person.station_id)
        reason = "按当事人登记的所属派出所"
    if station is None:
        return None
    return StationMatch(station.id, station.name, station.code, station.duty_phone, None, "warning", "", reason)


def _suggested_reason(warning: Warning, level_label: str, session: Session, clock: CentreClock) -> str:
    outcomes = [line.split("；")[1] for line in call_history_lines(session, warning.id, clock) if "；" in line]
    if not outcomes:
        return f"{level_label}色预警，需立即见面劝阻"
    failed = sum(1 for o in outcomes if o != DISPOSITION_LABELS["dissuaded"])
    return f"{level_label}色预警，已呼叫{len(outcomes)}次（最近：{outcomes[-1]}），电话劝阻未果，需见面劝阻" if failed \
        else f"{level_label}色预警，需上门核实"


def prepare_escalation(ctx: ServiceContext, warning_id: int) -> EscalationDraft:
    """Everything the escalation dialog pre-fills for ``warning_id`` (personal data masked)."""
    ctx.require("escalation.create")
    with ctx.sessions() as session:
        warning = session.get(Warning, warning_id)
        if warning is None:
            raise NotFound(f"预警不存在（编号 {warning_id}）")
        person = warning.person
        level = effective_level(warning)
        level_label = RISK_LEVEL_LABELS.get(level, level)
        stations = tuple(
            StationChoice(s.id, s.name, s.duty_phone)
            for s in session.execute(select(Station).where(Station.active.is_(True)).order_by(Station.name)).scalars()
        )
        history = call_history_lines(session, warning.id, ctx.centre_clock)
        reasons = "；".join(str(r.get("label", "")) for r in (warning.risk_reasons or []) if isinstance(r, dict))
        summary_parts = [f"风险依据：{reasons}" if reasons else "", *[mask_text(line) for line in history]]
        open_count = len(session.execute(
            select(Escalation.id).where(Escalation.warning_id == warning.id,
                                        Escalation.status.not_in(CLOSED_ESCALATION_STATUSES))
        ).all())
        return EscalationDraft(
            warning_id=warning.id,
            person_name=mask_name(person.name),
            address=mask_address(person.address),
            fraud_type_label=FRAUD_TYPE_LABELS.get(warning.fraud_type, warning.fraud_type),
            risk_level=level,
            level_label=level_label,
            match=resolve_station(session, warning, person),
            stations=stations,
            relative_name=mask_name(person.relative_name),
            relative_phone=mask_phone(person.relative_phone),
            amount=warning.amount,
            reason=_suggested_reason(warning, level_label, session, ctx.centre_clock),
            summary="\n".join(p for p in summary_parts if p),
            open_escalations=open_count,
        )
