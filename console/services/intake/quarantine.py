"""The quarantine: rejected import rows, listed for the operator, corrected and imported again.

A correction names canonical fields (``phone=13800138000``); the row keeps its original columns and
the corrected value replaces the column that held the field (or is added).  The corrected row goes
through the same validation as any import row; if it is still rejected it stays in the quarantine
with the new reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from console.services.core import audit
from console.services.core.context import NotFound, ServiceContext, ServiceError
from console.services.intake.fields import FIELDS, map_headers
from console.services.intake.importer import BatchResult, import_table
from console.services.intake.readers import SourceRow, Table
from db.models import QuarantinedRow


@dataclass(frozen=True)
class QuarantineEntry:
    id: int
    batch_id: int | None
    file_name: str
    row_number: int
    raw: dict[str, Any]
    field: str
    reason: str
    status: str
    created_at: dt.datetime
    resolved_warning_id: int | None

    @property
    def column(self) -> str:
        """The column of :attr:`raw` that holds the failing field (empty when the row has none), so
        a correction form can focus that cell."""
        headers = list(self.raw)
        index = map_headers(headers).get(self.field)
        return headers[index] if index is not None else ""

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "batch_id": self.batch_id, "file": self.file_name, "row": self.row_number,
                "raw": self.raw, "field": self.field, "column": self.column, "reason": self.reason,
                "status": self.status,
                "created_at": self.created_at.isoformat(), "resolved_warning_id": self.resolved_warning_id}


@dataclass(frozen=True)
class RetryResult:
    outcome: str  # imported | merged | rejected
    warning_id: int | None
    reason: str
    field_warnings: list[dict[str, Any]]
    field: str = ""  # the field that still fails, when rejected again


def _entry(row: QuarantinedRow) -> QuarantineEntry:
    return QuarantineEntry(row.id, row.batch_id, row.file_name, row.row_number, dict(row.raw or {}), row.field,
                           row.reason, row.status, row.created_at, row.resolved_warning_id)


def list_quarantine(ctx: ServiceContext, *, include_resolved: bool = False) -> list[QuarantineEntry]:
    ctx.require("import.run")
    stmt = select(QuarantinedRow).order_by(QuarantinedRow.id)
    if not include_resolved:
        stmt = stmt.where(QuarantinedRow.status == "open")
    with ctx.session() as session:
        entries = [_entry(row) for row in session.scalars(stmt)]
        if entries:  # the raw rows carry names, phones and ID numbers as imported
            audit.record(session, ctx.actor, "reveal", object_type="quarantine", object_id=len(entries),
                         reason="查看隔离区原始行", details={"rows": [e.id for e in entries[:200]]}, at=ctx.now())
        return entries


def corrected_values(raw: dict[str, Any], corrections: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The raw row with corrections applied, and the field -> column map to read it with."""
    values = dict(raw)
    headers = list(values)
    columns = {field: headers[index] for field, index in map_headers(headers).items()}
    for field, value in corrections.items():
        if field not in FIELDS:
            raise ServiceError(f"未知字段“{field}”，可修改的字段：{'、'.join(FIELDS)}")
        header = columns.get(field, field)
        values[header] = value
        columns[field] = header
    return values, columns


def retry_quarantined(ctx: ServiceContext, row_id: int, corrections: dict[str, str]) -> RetryResult:
    """Re-import one quarantined row with corrections (a batch of its own, audited like any import)."""
    ctx.require("import.run")
    with ctx.session() as session:
        row = session.get(QuarantinedRow, row_id)
        if row is None:
            raise NotFound(f"隔离区中没有编号为 {row_id} 的记录")
        if row.status != "open":
            raise ServiceError(f"隔离记录 {row_id} 已处理，不能重复导入")
        entry = _entry(row)
    values, columns = corrected_values(entry.raw, corrections)
    table = Table(entry.file_name, "quarantine", list(values), columns, iter([SourceRow(entry.row_number, values)]))
    batch: BatchResult = import_table(
        ctx, table, source="", keep_outcomes=True, quarantine=False,
        audit_details={"quarantine_id": row_id, "corrected": sorted(corrections)},
    )
    outcome = batch.outcomes[0]
    issues = [e.as_dict() for e in batch.errors]
    with ctx.session() as session:
        row = session.get(QuarantinedRow, row_id)
        assert row is not None
        if outcome.outcome == "rejected":
            row.raw = values
            row.field = issues[0]["field"] if issues else row.field
            row.reason = issues[0]["message"] if issues else row.reason
            return RetryResult("rejected", None, row.reason, issues, row.field)
        row.status = "resolved"
        row.resolved_warning_id = outcome.warning_id
    return RetryResult(outcome.outcome, outcome.warning_id, "", issues)
