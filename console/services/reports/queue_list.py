"""The queue as a list for a spreadsheet: what a supervisor hands over at a shift change or files.

One row per open, waiting or claimed item, in claim order, personal data masked (the queue never
carries clear values).  Written by :func:`console.services.people.export.export_table` (CSV or XLSX,
formula-safe, audited as 'export'); needs the ``export.data`` permission.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from console.services.core.clock import CentreClock
from console.services.core.context import ServiceContext
from console.services.core.vocabulary import QUEUE_ITEM_KIND_LABELS, RISK_LEVEL_LABELS
from console.services.people.export import ExportResult, Table, export_table
from console.services.queue.claims import list_open
from console.services.queue.store import QueueEntry
from console.services.queue.wording import state_text

HEADERS = ["预警编号", "等级", "分数", "类别", "诈骗类型", "姓名", "电话", "接收时间", "处置时限", "状态",
           "领取人", "已拨打"]


def queue_row(entry: QueueEntry, now: dt.datetime, clock: CentreClock) -> list[object]:
    return [entry.warning_id, RISK_LEVEL_LABELS.get(entry.risk_level, entry.risk_level), entry.score,
            QUEUE_ITEM_KIND_LABELS.get(entry.kind, entry.kind), entry.fraud_type_label, entry.name_masked,
            entry.phone_masked, clock.format(entry.received_at), clock.format(entry.deadline_at),
            state_text(entry, now, clock) + ("（超时）" if entry.overdue else ""),
            entry.claimed_by or "", entry.attempts]


def export_queue(ctx: ServiceContext, path: str | Path) -> ExportResult:
    """Write the current queue to ``path`` (.csv or .xlsx); masked, audited."""
    ctx.require("export.data")
    now = ctx.now()
    table = Table(HEADERS, [queue_row(e, now, ctx.centre_clock) for e in list_open(ctx)], pii_columns={5: "name", 6: "phone"},
                  title="待办队列")
    return export_table(ctx, path, table)
