"""What an import reports: per-file batch results, the run's summary, row issues and outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ImportProgress:
    file_name: str
    file_index: int
    file_count: int
    rows_done: int
    rows_estimate: int | None


@dataclass(frozen=True)
class RowIssue:
    file: str
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class RowOutcome:
    row: int
    outcome: str  # imported | merged | rejected | unchanged
    warning_id: int | None
    quarantine_id: int | None = None


@dataclass
class BatchResult:
    batch_id: int
    file_name: str
    rows: int = 0
    imported: int = 0
    merged: int = 0
    rejected: int = 0
    unchanged: int = 0  # rows imported before (same file and row, or same external id and content)
    errors: list[RowIssue] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    resumed: bool = False  # continued a batch whose process had died
    lock_holds: list[float] = field(default_factory=list)  # seconds each chunk held the write lock
    prepared_in_worker: bool = False  # the file was read and prepared by a worker process
    worker_peak_rss_kib: int = 0  # that worker's peak resident memory


@dataclass
class ImportSummary:
    rows: int = 0
    imported: int = 0
    merged: int = 0
    rejected: int = 0
    unchanged: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    batches: list[BatchResult] = field(default_factory=list)

    def add(self, batch: BatchResult) -> None:
        self.batches.append(batch)
        self.rows += batch.rows
        self.imported += batch.imported
        self.merged += batch.merged
        self.rejected += batch.rejected
        self.unchanged += batch.unchanged
        self.errors.extend(batch.errors)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "merged": self.merged,
            "rejected": self.rejected,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
        }
