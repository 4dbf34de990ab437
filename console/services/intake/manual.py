"""Manual entry of an inbound report (bank teller, grid worker, relative, 96110 call).

The form's values go through exactly the same validation, merge and triage as an imported row: a
report without a reachable phone is refused with the reason; other problems are field warnings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from console.services.core.context import ServiceContext, ServiceError
from console.services.core.masking import mask_name
from console.services.core.vocabulary import SOURCE_LABELS
from console.services.intake.importer import import_table
from console.services.intake.prepare import Draft, Issue, prepare_row
from console.services.intake.readers import SourceRow, Table

MANUAL_SOURCES = ("bank", "grid_worker", "relative", "hotline_96110")
MANUAL_SOURCE_LABELS = {code: SOURCE_LABELS[code] for code in MANUAL_SOURCES}
MANUAL_FILE_NAME = "人工录入"


@dataclass(frozen=True)
class ManualReport:
    source: str
    phone: str
    name: str = ""
    id_number: str = ""
    fraud_type: str = ""
    signals: str = ""
    amount: str = ""
    fraud_contact: str = ""
    address: str = ""
    note: str = ""
    received_at: str = ""  # empty: now
    reporter: str = ""  # who called it in (teller, grid worker, relative's name and phone)


@dataclass(frozen=True)
class ManualResult:
    outcome: str  # imported | merged
    warning_id: int | None
    field_warnings: list[dict[str, str]]
    name_masked: str = ""  # the name as typed, masked (for the confirmation the operator sees)


def _values(report: ManualReport, now: dt.datetime) -> dict[str, Any]:
    values: dict[str, Any] = asdict(report)
    reporter = values.pop("reporter")
    if not values["received_at"]:
        values["received_at"] = now.isoformat()
    if reporter:
        values["reporter"] = reporter
    return values


def validate_manual_report(report: ManualReport, now: dt.datetime, zone: dt.tzinfo
                           ) -> tuple[list[Issue], list[Issue]]:
    """(blocking errors, warnings) exactly as the importer would judge the report; a typed time is a
    wall time of the centre's ``zone``."""
    errors: list[Issue] = []
    if report.source not in MANUAL_SOURCES:
        errors.append(Issue("source", "请选择报告来源"))
    values = _values(report, now)
    prepared = prepare_row(1, values, {k: k for k in values}, default_source=report.source, now=now, zone=zone)
    if not isinstance(prepared, Draft):
        errors.append(Issue(prepared.field, prepared.reason))
        return errors, []
    return errors, list(prepared.issues)


def submit_manual_report(ctx: ServiceContext, report: ManualReport) -> ManualResult:
    """Store the report as a warning (or a repeat of an open one); refuses it without a valid phone."""
    ctx.require("warning.create")
    now = ctx.now()
    errors, _warnings = validate_manual_report(report, now, ctx.centre_clock.zone)
    if errors:
        raise ServiceError("；".join(e.message for e in errors))
    values = _values(report, now)
    table = Table(MANUAL_FILE_NAME, "manual", list(values), {k: k for k in values},
                  iter([SourceRow(1, values)]))
    batch = import_table(ctx, table, source=report.source, keep_outcomes=True, quarantine=False,
                         permission="warning.create", audit_details={"manual": True, "source": report.source})
    outcome = batch.outcomes[0]
    if outcome.outcome == "rejected":  # validated above; kept so a rule change can never store nothing silently
        raise ServiceError(batch.errors[0].message if batch.errors else "报告未能保存")
    return ManualResult(outcome.outcome, outcome.warning_id, [e.as_dict() for e in batch.errors],
                        mask_name(report.name.strip()) if report.name.strip() else "")
