"""The first rows of an export file and its detected column mapping, read before importing.

:func:`preview_file` only reads: the same :func:`open_table` the importer uses (same header search,
same column detection), stopping after ``rows`` data rows.  The dialog shows the mapping per column,
the operator may correct it, and :func:`apply_mapping` hands the corrected mapping to the importer as
a pure header-rename step (``Table.field_columns``: which header feeds which field); nothing else about
reading or judging a row changes.  Cells are returned as read; :func:`masked_cell` is how they are
shown (personal data masked by the field the column is mapped to, free text by pattern).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

from console.services.core.context import ServiceContext, ServiceError
from console.services.core.masking import mask_address, mask_id_number, mask_name, mask_phone, mask_text
from console.services.intake.fields import FIELD_LABELS, FIELDS
from console.services.intake.normalize import clean_text
from console.services.intake.readers import Table, open_table

PREVIEW_ROWS = 20
UNDECODABLE = "（无法识别的编码）"


@dataclass(frozen=True)
class FilePreview:
    path: str
    file_name: str
    kind: str  # csv | xlsx | json
    headers: list[str]
    field_columns: dict[str, str]  # detected: field -> header text
    rows: list[tuple[int, list[str]]]  # (row number in the file, one text per header)
    rows_estimate: int | None


def preview_file(ctx: ServiceContext, path: Path, rows: int = PREVIEW_ROWS) -> FilePreview:
    """Read the header and the first ``rows`` data rows of one file (raises ``UnreadableInput``)."""
    ctx.require("import.run")
    table = open_table(path)
    try:
        first = list(islice(table.rows, rows))
    finally:
        close = getattr(table.rows, "close", None)
        if callable(close):
            close()
    shown = [(row.number, [UNDECODABLE if row.undecodable is not None and not row.values
                           else clean_text(row.values.get(header)) for header in table.headers]) for row in first]
    estimate = table.rows_estimate
    return FilePreview(str(path), table.file_name, table.kind, list(table.headers), dict(table.field_columns),
                       shown, estimate)


def check_mapping(headers: list[str], field_columns: Mapping[str, str]) -> dict[str, str]:
    """A corrected mapping, checked: known fields, existing headers, each header feeding one field."""
    unknown = sorted(set(field_columns) - set(FIELDS))
    if unknown:
        raise ServiceError(f"未知的字段：{'、'.join(unknown)}")
    missing = sorted({h for h in field_columns.values() if h not in headers})
    if missing:
        raise ServiceError(f"文件中没有这些列：{'、'.join(missing)}")
    used: dict[str, str] = {}
    for field, header in field_columns.items():
        if header in used:
            raise ServiceError(f"“{header}”列不能同时作为“{FIELD_LABELS.get(used[header], used[header])}”和"
                               f"“{FIELD_LABELS.get(field, field)}”")
        used[header] = field
    if "phone" not in field_columns:
        raise ServiceError("请指定哪一列是“手机号”：没有手机号的预警无法劝阻")
    return {field: field_columns[field] for field in FIELDS if field in field_columns}


def apply_mapping(table: Table, field_columns: Mapping[str, str]) -> Table:
    """The same table with the operator's mapping instead of the detected one (rows untouched); a bad
    mapping closes the file and raises :class:`ServiceError` before any row is read."""
    try:
        return replace(table, field_columns=check_mapping(table.headers, field_columns))
    except ServiceError:
        close = getattr(table.rows, "close", None)
        if callable(close):
            close()
        raise


def masked_cell(field: str | None, text: str) -> str:
    """How a preview cell is shown: by the field its column feeds, any other text by pattern."""
    if field == "name":
        return mask_name(text)
    if field in ("phone", "fraud_contact"):
        return "；".join(mask_phone(part.strip()) for part in text.replace(";", "；").split("；"))
    if field == "id_number":
        return mask_id_number(text)
    if field == "address":
        return mask_address(text)
    return mask_text(text)


__all__ = ["PREVIEW_ROWS", "FilePreview", "apply_mapping", "check_mapping", "masked_cell", "preview_file"]
